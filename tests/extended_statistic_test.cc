// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Extended statistics (spec 1.4, 3.6): the grammar, each statistic on the
// documented examples, the estimator choice, availability, the low-sample
// thresholds, and randomized sets against a brute-force reference.

#include "metrics/extended_statistic.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/sample_distribution.h"
#include "metrics/statistic.h"
#include "tests/testing/status_matchers.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::IsOk;
using ::cwalarm_testing::StatusIs;
using ::testing::HasSubstr;

ExtendedStatistic Parse(absl::string_view text) {
  absl::StatusOr<ExtendedStatistic> s = ParseExtendedStatistic(text);
  EXPECT_THAT(s.status(), IsOk()) << text;
  return s.ok() ? *s : ExtendedStatistic();
}

SampleDistribution Samples(const std::vector<double>& values) {
  SampleDistribution d;
  for (double v : values) d.Add(v);
  return d;
}

std::optional<double> Compute(absl::string_view text,
                              const std::vector<double>& values) {
  return ComputeExtendedStatistic(Parse(text), Samples(values));
}

// --- Grammar -----------------------------------------------------------------

struct ParseCase {
  const char* rule;
  const char* text;
  ExtendedStatisticKind kind;
  double percentile;
  std::optional<StatisticBound> lower;
  std::optional<StatisticBound> upper;
};

class ParseValidTest : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParseValidTest, ParsesKindAndBounds) {
  const ParseCase& c = GetParam();
  absl::StatusOr<ExtendedStatistic> s = ParseExtendedStatistic(c.text);
  ASSERT_THAT(s.status(), IsOk()) << c.rule;
  EXPECT_EQ(s->kind, c.kind) << c.rule;
  EXPECT_EQ(s->text, c.text);
  EXPECT_DOUBLE_EQ(s->percentile, c.percentile) << c.rule;
  ASSERT_EQ(s->lower.has_value(), c.lower.has_value()) << c.rule;
  ASSERT_EQ(s->upper.has_value(), c.upper.has_value()) << c.rule;
  if (c.lower) {
    EXPECT_DOUBLE_EQ(s->lower->value, c.lower->value) << c.rule;
    EXPECT_EQ(s->lower->percent, c.lower->percent) << c.rule;
  }
  if (c.upper) {
    EXPECT_DOUBLE_EQ(s->upper->value, c.upper->value) << c.rule;
    EXPECT_EQ(s->upper->percent, c.upper->percent) << c.rule;
  }
}

using K = ExtendedStatisticKind;
constexpr std::nullopt_t kOpen = std::nullopt;
StatisticBound Pct(double v) { return {v, true}; }
StatisticBound Abs(double v) { return {v, false}; }

INSTANTIATE_TEST_SUITE_P(
    Grammar, ParseValidTest,
    ::testing::Values(
        ParseCase{"1.4 pct", "p99", K::kPercentile, 99, kOpen, kOpen},
        ParseCase{"1.4 pct: 10 decimals", "p95.0123456789", K::kPercentile,
                  95.0123456789, kOpen, kOpen},
        ParseCase{"1.4 pct: 0 allowed", "p0", K::kPercentile, 0, kOpen, kOpen},
        ParseCase{"1.4 pct: 100 allowed", "p100", K::kPercentile, 100, kOpen,
                  kOpen},
        ParseCase{"1.4 pct: MetricAlarm doc 'p0.0'", "p0.0", K::kPercentile, 0,
                  kOpen, kOpen},
        ParseCase{"1.4 short: tmX = TM(:X%)", "tm90", K::kTrimmedMean, 0,
                  kOpen, Pct(90)},
        ParseCase{"1.4 short: wmX", "wm99.5", K::kWinsorizedMean, 0, kOpen,
                  Pct(99.5)},
        ParseCase{"1.4 short: tcX", "tc90", K::kTrimmedCount, 0, kOpen,
                  Pct(90)},
        ParseCase{"1.4 short: tsX", "ts10", K::kTrimmedSum, 0, kOpen, Pct(10)},
        ParseCase{"1.4 IQM = TM(25%:75%)", "IQM", K::kTrimmedMean, 0, Pct(25),
                  Pct(75)},
        ParseCase{"1.4 ranged: percentage bounds", "TM(10%:90%)",
                  K::kTrimmedMean, 0, Pct(10), Pct(90)},
        ParseCase{"1.4 ranged: absolute bounds", "TC(80:500)",
                  K::kTrimmedCount, 0, Abs(80), Abs(500)},
        ParseCase{"1.4 ranged: open lower end", "PR(:300)",
                  K::kPercentileRank, 0, kOpen, Abs(300)},
        ParseCase{"1.4 ranged: open upper end", "TS(80%:)", K::kTrimmedSum, 0,
                  Pct(80), kOpen},
        ParseCase{"1.4 ranged: mixed bounds", "WM(10%:500.25)",
                  K::kWinsorizedMean, 0, Pct(10), Abs(500.25)},
        ParseCase{"1.4 ranged: decimal absolute", "TC(:0.5)",
                  K::kTrimmedCount, 0, kOpen, Abs(0.5)},
        ParseCase{"1.4 ranged: both ends open (grammar allows it)", "PR(:)",
                  K::kPercentileRank, 0, kOpen, kOpen}));

struct ParseErrorCase {
  const char* rule;
  const char* text;
  const char* message;
};

class ParseErrorTest : public ::testing::TestWithParam<ParseErrorCase> {};

TEST_P(ParseErrorTest, PointsAtTheOffendingCharacter) {
  const ParseErrorCase& c = GetParam();
  EXPECT_THAT(ParseExtendedStatistic(c.text).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
      << c.rule;
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, ParseErrorTest,
    ::testing::Values(
        ParseErrorCase{"2 moto: bare number", "90",
                       "ExtendedStatistic \"90\": character 1 ('9'): expected p, tm"},
        ParseErrorCase{"1.4 empty", "", "character 1 (end of input)"},
        ParseErrorCase{"1.4 pct needs a number", "p", "character 2 (end of input): expected a digit"},
        ParseErrorCase{"1.4 pct is lower case", "P99", "character 2 ('9')"},
        ParseErrorCase{"1.4 pct at most 100", "p100.5", "character 2 ('1'): percentage 100.5 is above 100"},
        ParseErrorCase{"1.4 at most 10 decimals", "p95.01234567891",
                       "character 15 ('1'): at most 10 decimals"},
        ParseErrorCase{"1.4 digit after '.'", "p95.", "character 5 (end of input): expected a digit after '.'"},
        ParseErrorCase{"1.4 no sign", "p-5", "character 2 ('-'): expected a digit"},
        ParseErrorCase{"1.4 no exponent", "p9e1", "character 3 ('e'): expected end of input"},
        ParseErrorCase{"1.4 short forms are lower case only", "Tm90", "character 2 ('m')"},
        ParseErrorCase{"1.4 ranged forms are upper case only", "tm(10%:90%)", "character 3 ('(')"},
        ParseErrorCase{"1.4 ranged needs '('", "TM90", "character 3 ('9'): expected '('"},
        ParseErrorCase{"1.4 ranged needs ':'", "TM(10%)", "character 7 (')'): expected ':'"},
        ParseErrorCase{"1.4 ranged needs ')'", "TM(10%:90%", "character 11 (end of input): expected ')'"},
        ParseErrorCase{"1.4 bound is a number", "TM(10%:x)", "character 8 ('x'): expected a number or ')'"},
        ParseErrorCase{"1.4 percentage bound at most 100", "TM(10%:150%)", "character 8 ('1'): percentage 150% is above 100"},
        ParseErrorCase{"1.4 lower <= upper", "TC(500:80)", "character 4 ('5'): the lower bound must not exceed"},
        ParseErrorCase{"1.4 trailing characters", "IQM2", "character 4 ('2')"},
        ParseErrorCase{"1.4 IQM spelled exactly", "IQ", "character 3 (end of input)"},
        ParseErrorCase{"1.4 trailing after range", "PR(1:2)x", "character 8 ('x'): expected end of input"}));

// --- Semantics on the documented examples (spec 1.4) --------------------------

struct ComputeCase {
  const char* rule;
  const char* statistic;
  std::vector<double> samples;
  std::optional<double> expected;
};

class ComputeTest : public ::testing::TestWithParam<ComputeCase> {};

TEST_P(ComputeTest, MatchesTheDocumentedMeaning) {
  const ComputeCase& c = GetParam();
  std::optional<double> v = Compute(c.statistic, c.samples);
  ASSERT_EQ(v.has_value(), c.expected.has_value()) << c.rule;
  if (v) {
    EXPECT_NEAR(*v, *c.expected, 1e-9) << c.rule;
  }
}

const std::vector<double> kOneToTen = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
const std::vector<double> kLatencies = {50, 80, 81, 150, 151, 300, 500, 501, 1000, 1001, 2000, 2500};

INSTANTIATE_TEST_SUITE_P(
    Examples, ComputeTest,
    ::testing::Values(
        ComputeCase{"pX nearest rank: p90 of 1..10 is 9", "p90", kOneToTen, 9},
        ComputeCase{"pX: p91 of 1..10 is 10", "p91", kOneToTen, 10},
        ComputeCase{"pX: p0 is the minimum", "p0", kOneToTen, 1},
        ComputeCase{"pX: p100 is the maximum", "p100", kOneToTen, 10},
        ComputeCase{"pX: p10 of 1..10 is 1", "p10", kOneToTen, 1},
        ComputeCase{"tm90 drops the top 10 %", "tm90", kOneToTen, 5},
        ComputeCase{"TM(10%:90%) keeps 2..9", "TM(10%:90%)", kOneToTen, 5.5},
        ComputeCase{"IQM = TM(25%:75%) of 1..8 = mean(3..6)", "IQM",
                    {1, 2, 3, 4, 5, 6, 7, 8}, 4.5},
        ComputeCase{"tm90 of 15 samples drops 1.5 samples' weight", "tm90",
                    {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
                    (91.0 + 0.5 * 14) / 13.5},
        ComputeCase{"TS(80%:) keeps the top 20 %", "TS(80%:)", kOneToTen, 19},
        ComputeCase{"ts90 = TM x TC", "ts90", kOneToTen, 45},
        ComputeCase{"tc90 counts 9 of 10", "tc90", kOneToTen, 9},
        ComputeCase{"wm90: the top 10 % becomes p90", "wm90", kOneToTen, 5.4},
        ComputeCase{"WM(10%:90%): 1 -> 2 and 10 -> 9", "WM(10%:90%)", kOneToTen,
                    5.5},
        ComputeCase{"absolute: TC(80:500) counts 80 < x <= 500", "TC(80:500)",
                    kLatencies, 5},
        ComputeCase{"absolute: TC(:0.5) counts x <= 0.5", "TC(:0.5)",
                    {0, 0.25, 0.5, 0.75}, 3},
        ComputeCase{"absolute: TM(150:1000) drops x <= 150 and x > 1000",
                    "TM(150:1000)", kLatencies, (151.0 + 300 + 500 + 501 + 1000) / 5},
        ComputeCase{"absolute: PR(:300) = share <= 300", "PR(:300)", kLatencies,
                    100.0 * 6 / 12},
        ComputeCase{"absolute: PR(100:2000) = share in (100, 2000]",
                    "PR(100:2000)", kLatencies, 100.0 * 8 / 12},
        ComputeCase{"absolute: WM(100:1000) clamps to the bounds",
                    "WM(100:1000)", {50, 500, 2000}, (100.0 + 500 + 1000) / 3},
        ComputeCase{"absolute: nothing inside -> TM has no datapoint",
                    "TM(5000:)", kLatencies, std::nullopt},
        ComputeCase{"absolute: nothing inside -> TC is 0", "TC(5000:)",
                    kLatencies, 0},
        ComputeCase{"absolute: nothing inside -> TS is 0", "TS(5000:)",
                    kLatencies, 0},
        ComputeCase{"ties: trimming all-equal samples keeps the value",
                    "TM(10%:90%)", {7, 7, 7, 7, 7}, 7},
        ComputeCase{"mixed: TC(10%:5) = rank above 10 % and value <= 5",
                    "TC(10%:5)", kOneToTen, 4},
        ComputeCase{"empty bucket: no datapoint", "p50", {}, std::nullopt},
        ComputeCase{"availability: a negative sample -> no datapoint", "p50",
                    {1, 2, -3}, std::nullopt},
        ComputeCase{"availability: negative -> no datapoint for TC too",
                    "TC(:10)", {1, -1}, std::nullopt},
        ComputeCase{"availability: zero is not negative", "p50", {0, 0, 1}, 0}));

// --- Estimator choice ----------------------------------------------------------

struct EstimatorCase {
  const char* rule;
  const char* statistic;
  std::vector<double> samples;
  double nearest_rank;
  double linear;
};

class EstimatorTest : public ::testing::TestWithParam<EstimatorCase> {};

TEST_P(EstimatorTest, NearestRankIsTheDefaultAndDiffersFromLinear) {
  const EstimatorCase& c = GetParam();
  ExtendedStatistic s = Parse(c.statistic);
  SampleDistribution d = Samples(c.samples);
  EXPECT_DOUBLE_EQ(*ComputeExtendedStatistic(s, d), c.nearest_rank) << c.rule;
  EXPECT_DOUBLE_EQ(
      *ComputeExtendedStatistic(s, d, PercentileEstimator::kNearestRank),
      c.nearest_rank);
  EXPECT_DOUBLE_EQ(*ComputeExtendedStatistic(s, d, PercentileEstimator::kLinear),
                   c.linear)
      << c.rule;
}

INSTANTIATE_TEST_SUITE_P(
    Estimators, EstimatorTest,
    ::testing::Values(
        EstimatorCase{"even count median", "p50", {1, 2, 3, 4}, 2, 2.5},
        EstimatorCase{"p90 of 1..10", "p90", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 9,
                      9.1},
        EstimatorCase{"p99 of 100, 200", "p99", {100, 200}, 200, 199},
        EstimatorCase{"p25 of a gap", "p25", {0, 1000, 1000, 1000, 1000}, 1000,
                      1000},
        EstimatorCase{"p10 of a gap", "p10", {0, 1000, 1000, 1000, 1000}, 0,
                      400},
        EstimatorCase{"agreeing set: odd median", "p50", {1, 5, 9}, 5, 5}));

// --- Availability with statistic sets (spec 1.4) ------------------------------

struct StatisticSetCase {
  const char* rule;
  StatisticSet set;
  std::optional<double> p50;
};

class StatisticSetTest : public ::testing::TestWithParam<StatisticSetCase> {};

TEST_P(StatisticSetTest, OnlyTheDegenerateShapesAreUsable) {
  const StatisticSetCase& c = GetParam();
  SampleDistribution d;
  d.AddStatisticSet(c.set);
  std::optional<double> v = ComputeExtendedStatistic(Parse("p50"), d);
  ASSERT_EQ(v.has_value(), c.p50.has_value()) << c.rule;
  if (v) {
    EXPECT_DOUBLE_EQ(*v, *c.p50) << c.rule;
  }
  EXPECT_EQ(d.unavailability(), c.p50.has_value() ? Unavailability::kNone
                                                  : Unavailability::kStatisticSet)
      << c.rule;
}

INSTANTIATE_TEST_SUITE_P(
    Availability, StatisticSetTest,
    ::testing::Values(
        StatisticSetCase{"SampleCount 1, Min = Max = Sum", {1, 42, 42, 42}, 42},
        StatisticSetCase{"Min = Max, Sum = Min x SampleCount", {5, 15, 3, 3}, 3},
        StatisticSetCase{"rounded sum still degenerate", {3, 0.30000000000000004, 0.1, 0.1}, 0.1},
        StatisticSetCase{"Min < Max: unavailable", {2, 3, 1, 2}, std::nullopt},
        StatisticSetCase{"Min = Max but Sum off: unavailable", {2, 5, 2, 2},
                         std::nullopt}));

TEST(ExtendedStatisticTest, UnavailableBucketStaysUnavailableAfterMerge) {
  SampleDistribution a = Samples({1, 2, 3});
  SampleDistribution b;
  b.AddStatisticSet(StatisticSet{2, 3, 1, 2});
  a.Merge(b);
  EXPECT_FALSE(ComputeExtendedStatistic(Parse("p50"), a).has_value());
  EXPECT_EQ(a.total_weight(), 5);
}

// --- Low-sample thresholds (spec 3.6) -------------------------------------------

struct LowSampleCase {
  const char* rule;
  const char* statistic;
  double threshold;
};

class LowSampleTest : public ::testing::TestWithParam<LowSampleCase> {};

TEST_P(LowSampleTest, ThresholdAndBoundary) {
  const LowSampleCase& c = GetParam();
  ExtendedStatistic s = Parse(c.statistic);
  EXPECT_NEAR(LowSampleCountThreshold(s), c.threshold, 1e-6) << c.rule;
  if (c.threshold > 0) {
    EXPECT_TRUE(IsLowSampleCount(s, std::ceil(c.threshold - 1e-6) - 1)) << c.rule;
    EXPECT_FALSE(IsLowSampleCount(s, std::ceil(c.threshold - 1e-6))) << c.rule;
  } else {
    EXPECT_FALSE(IsLowSampleCount(s, 1)) << c.rule;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Thresholds, LowSampleTest,
    ::testing::Values(
        LowSampleCase{"3.6 p99 -> 1000", "p99", 1000},
        LowSampleCase{"3.6 p90 -> 100", "p90", 100},
        LowSampleCase{"3.6 p50 -> 20 (q = 0.5 uses 10/(1-q))", "p50", 20},
        LowSampleCase{"3.6 p10 -> 100", "p10", 100},
        LowSampleCase{"3.6 p1 -> 1000", "p1", 1000},
        LowSampleCase{"3.6 p99.9 -> 10000", "p99.9", 10000},
        LowSampleCase{"3.6 p75 -> 40", "p75", 40},
        LowSampleCase{"3.6 [OPEN] p100 never low", "p100", 0},
        LowSampleCase{"3.6 [OPEN] p0 never low", "p0", 0},
        LowSampleCase{"3.6 [OPEN] trimmed means never low", "tm99", 0},
        LowSampleCase{"3.6 [OPEN] IQM never low", "IQM", 0}));

// --- Randomized sets against a brute-force reference (exact mode) --------------

// Brute force over unit samples: sample i of the sorted expansion occupies
// mass positions [i, i + 1).
std::optional<double> Reference(const ExtendedStatistic& s,
                                std::vector<double> x) {
  if (x.empty()) return std::nullopt;
  std::sort(x.begin(), x.end());
  const double n = static_cast<double>(x.size());
  if (s.is_percentile()) {
    if (s.percentile == 0) return x.front();
    for (size_t i = 0; i < x.size(); ++i) {
      if (static_cast<double>(i + 1) >= s.percentile / 100 * n - 1e-9) return x[i];
    }
    return x.back();
  }
  const double lo = s.lower && s.lower->percent ? s.lower->value / 100 * n : 0;
  const double hi = s.upper && s.upper->percent ? s.upper->value / 100 * n : n;
  double lower_value = 0, upper_value = 0;
  if (s.lower) {
    lower_value = s.lower->percent ? x[std::min<size_t>(static_cast<size_t>(std::floor(lo + 1e-9)), x.size() - 1)]
                                   : s.lower->value;
  }
  if (s.upper) {
    if (s.upper->percent) {
      ExtendedStatistic p;
      p.percentile = s.upper->value;
      upper_value = *Reference(p, x);
    } else {
      upper_value = s.upper->value;
    }
  }
  double in_w = 0, in_sum = 0, wm = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    double below = 0, above = 0;
    if (s.lower && s.lower->percent) {
      below = std::clamp(lo - static_cast<double>(i), 0.0, 1.0);
    } else if (s.lower && x[i] <= s.lower->value) {
      below = 1;
    }
    if (s.upper && s.upper->percent) {
      above = std::clamp(static_cast<double>(i + 1) - hi, 0.0, 1.0);
    } else if (s.upper && x[i] > s.upper->value) {
      above = 1;
    }
    above = std::min(above, 1 - below);
    double in = 1 - below - above;
    in_w += in;
    in_sum += in * x[i];
    wm += below * lower_value + above * upper_value + in * x[i];
  }
  switch (s.kind) {
    case K::kTrimmedMean:
      if (in_w < 1e-9) return std::nullopt;
      return in_sum / in_w;
    case K::kTrimmedCount:
      return in_w;
    case K::kTrimmedSum:
      return in_sum;
    case K::kPercentileRank:
      return 100 * in_w / n;
    case K::kWinsorizedMean:
      return wm / n;
    case K::kPercentile:
      break;
  }
  return std::nullopt;
}

TEST(ExtendedStatisticTest, RandomizedSetsMatchBruteForceInExactMode) {
  std::mt19937_64 rng(20260101);
  const char* kinds[] = {"TM", "WM", "TC", "TS", "PR"};
  int compared = 0;
  for (int round = 0; round < 3000; ++round) {
    // Small integer values force ties; weights expand to repeated samples.
    const int distinct = 1 + static_cast<int>(rng() % 40);
    const bool ties = rng() % 2 == 0;
    std::vector<double> expanded;
    SampleDistribution d;
    for (int i = 0; i < distinct; ++i) {
      double v = ties ? static_cast<double>(rng() % 20)
                      : std::uniform_real_distribution<double>(0, 1000)(rng);
      int w = 1 + static_cast<int>(rng() % 3);
      d.Add(v, w);
      for (int k = 0; k < w; ++k) expanded.push_back(v);
    }
    std::vector<double> sorted = expanded;
    std::sort(sorted.begin(), sorted.end());
    auto pct = [&] { return absl::StrCat(static_cast<double>(rng() % 10001) / 100); };
    auto absolute = [&] { return absl::StrCat(sorted[rng() % sorted.size()]); };
    std::string text;
    switch (rng() % 4) {
      case 0:
        text = absl::StrCat("p", pct());
        break;
      case 1: {
        const char* shorts[] = {"tm", "wm", "tc", "ts"};
        text = absl::StrCat(shorts[rng() % 4], pct());
        break;
      }
      default: {
        std::string lo, hi;
        bool percent = rng() % 2 == 0;
        switch (rng() % 3) {
          case 0: lo = percent ? pct() + "%" : absolute(); break;
          case 1: hi = percent ? pct() + "%" : absolute(); break;
          default:
            lo = percent ? pct() + "%" : absolute();
            hi = percent ? pct() + "%" : absolute();
        }
        text = absl::StrCat(kinds[rng() % 5], "(", lo, ":", hi, ")");
      }
    }
    absl::StatusOr<ExtendedStatistic> s = ParseExtendedStatistic(text);
    if (!s.ok()) continue;  // E.g. lower > upper.
    // Absolute bounds printed with 6 significant digits may not be sample
    // values any more; the reference uses the parsed bound, so it still
    // compares like with like.
    std::optional<double> got = ComputeExtendedStatistic(*s, d);
    std::optional<double> want = Reference(*s, expanded);
    ASSERT_EQ(got.has_value(), want.has_value()) << text;
    if (got) {
      EXPECT_NEAR(*got, *want, 1e-9 * std::max(1.0, std::fabs(*want)))
          << text << " round " << round;
    }
    ++compared;
  }
  EXPECT_GT(compared, 2500);
}

}  // namespace
}  // namespace cwalarm
