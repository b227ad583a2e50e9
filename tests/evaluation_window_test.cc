// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Decide() against spec 3.4 and every cell of the two missing-data tables of
// spec 3.5, plus the prose examples around them.

#include "alarm/evaluation_window.h"

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "alarm/alarm_state.h"
#include "alarm/threshold.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cwalarm {
namespace {

// Parses the spec's notation, oldest first: `0` a good datapoint, `X` a
// breaching one, `-` a missing bucket; spaces are ignored.
std::vector<BucketVerdict> Range(absl::string_view pattern) {
  std::vector<BucketVerdict> out;
  for (char c : pattern) {
    switch (c) {
      case '0':
        out.push_back(BucketVerdict::kNotBreaching);
        break;
      case 'X':
        out.push_back(BucketVerdict::kBreaching);
        break;
      case '-':
        out.push_back(BucketVerdict::kMissing);
        break;
      default:
        break;
    }
  }
  return out;
}

constexpr std::nullopt_t kKeepCurrent = std::nullopt;
constexpr AlarmState kOk = AlarmState::kOk;
constexpr AlarmState kAlarm = AlarmState::kAlarm;
constexpr AlarmState kInsufficient = AlarmState::kInsufficientData;

std::string StateText(std::optional<AlarmState> s) {
  return s.has_value() ? std::string(AlarmStateName(*s)) : "keep current";
}

// --- Spec 3.5 Tables A and B, every cell -----------------------------------

struct TableCase {
  std::string rule;
  std::string pattern;  // Oldest -> newest, range R = 5.
  int n;
  int m;
  int to_fill;  // The tables' "# to fill" column.
  TreatMissingData tmd;
  std::optional<AlarmState> expected;  // nullopt: keep current state.
};

void PrintTo(const TableCase& c, std::ostream* os) {
  *os << c.rule << " [" << c.pattern << "] N=" << c.n << " M=" << c.m
      << " tmd=" << TreatMissingDataName(c.tmd)
      << " -> " << StateText(c.expected);
}

class MissingDataTableTest : public ::testing::TestWithParam<TableCase> {};

TEST_P(MissingDataTableTest, DecidesAsTheDocumentedTable) {
  const TableCase& c = GetParam();
  std::vector<BucketVerdict> range = Range(c.pattern);
  ASSERT_EQ(range.size(), 5u) << c.rule;
  Decision d = Decide(range, c.n, c.m, c.tmd);
  EXPECT_EQ(StateText(d.state), StateText(c.expected)) << c.rule;
  // The fill column is what breaching / notBreaching add (spec 3.4 step 2).
  if (c.tmd == TreatMissingData::kBreaching ||
      c.tmd == TreatMissingData::kNotBreaching) {
    EXPECT_EQ(d.fill_count, c.to_fill) << c.rule;
  } else {
    EXPECT_EQ(d.fill_count, 0) << c.rule;
  }
}

std::vector<TableCase> TableCases() {
  struct Row {
    std::string label;
    std::string pattern;
    int to_fill;
    std::optional<AlarmState> missing, ignore, breaching, not_breaching;
  };
  // Table A: M = N = 3, range 5.
  const std::vector<Row> table_a = {
      {"row 1", "0 - X - X", 0, kOk, kOk, kOk, kOk},
      {"row 2", "0 - - - -", 2, kOk, kOk, kOk, kOk},
      {"row 3", "- - - - -", 3, kInsufficient, kKeepCurrent, kAlarm, kOk},
      {"row 4", "0 X X - X", 0, kAlarm, kAlarm, kAlarm, kAlarm},
      {"row 5 (premature alarm)", "- - X - -", 2, kAlarm, kKeepCurrent, kAlarm,
       kOk},
  };
  // Table B: M = 2, N = 3, range 5.
  const std::vector<Row> table_b = {
      {"row 1", "0 - X - X", 0, kAlarm, kAlarm, kAlarm, kAlarm},
      {"row 2", "0 0 X 0 X", 0, kAlarm, kAlarm, kAlarm, kAlarm},
      {"row 3", "0 - X - -", 1, kOk, kOk, kAlarm, kOk},
      {"row 4", "- - - - 0", 2, kOk, kOk, kAlarm, kOk},
      {"row 5 (premature alarm)", "- - - X -", 2, kAlarm, kKeepCurrent, kAlarm,
       kOk},
  };
  std::vector<TableCase> cases;
  auto add = [&](absl::string_view table, const std::vector<Row>& rows, int n,
                 int m) {
    for (const Row& r : rows) {
      std::string prefix = absl::StrCat("spec 3.5 Table ", table, " ",
                                        r.label, ", ");
      cases.push_back({prefix + "missing", r.pattern, n, m, r.to_fill,
                       TreatMissingData::kMissing, r.missing});
      cases.push_back({prefix + "ignore", r.pattern, n, m, r.to_fill,
                       TreatMissingData::kIgnore, r.ignore});
      cases.push_back({prefix + "breaching", r.pattern, n, m, r.to_fill,
                       TreatMissingData::kBreaching, r.breaching});
      cases.push_back({prefix + "notBreaching", r.pattern, n, m, r.to_fill,
                       TreatMissingData::kNotBreaching, r.not_breaching});
    }
  };
  add("A", table_a, 3, 3);
  add("B", table_b, 3, 2);
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Spec35, MissingDataTableTest,
                         ::testing::ValuesIn(TableCases()));

TEST(MissingDataTableTest, CoversFortyCells) {
  EXPECT_EQ(TableCases().size(), 40u);
}

// --- Other documented and derived cases ---------------------------------------

struct DecideCase {
  std::string rule;
  std::string pattern;  // Oldest -> newest; its length is R.
  int n;
  int m;
  TreatMissingData tmd;
  std::optional<AlarmState> expected;
  DecisionBasis basis;
  int used_real;
  int fill_count;
  int breaching;
};

void PrintTo(const DecideCase& c, std::ostream* os) {
  *os << c.rule << " [" << c.pattern << "] N=" << c.n << " M=" << c.m
      << " tmd=" << TreatMissingDataName(c.tmd)
      << " -> " << StateText(c.expected);
}

class DecideTest : public ::testing::TestWithParam<DecideCase> {};

TEST_P(DecideTest, Decides) {
  const DecideCase& c = GetParam();
  Decision d = Decide(Range(c.pattern), c.n, c.m, c.tmd);
  EXPECT_EQ(StateText(d.state), StateText(c.expected)) << c.rule;
  EXPECT_EQ(static_cast<int>(d.basis), static_cast<int>(c.basis)) << c.rule;
  EXPECT_EQ(d.used_real, c.used_real) << c.rule;
  EXPECT_EQ(d.fill_count, c.fill_count) << c.rule;
  EXPECT_EQ(d.breaching, c.breaching) << c.rule;
}

using TMD = TreatMissingData;
using DB = DecisionBasis;

INSTANTIATE_TEST_SUITE_P(
    Spec34And35, DecideTest,
    ::testing::Values(
        // Premature-transition prose (spec 3.5), N = 3, range 5, M = 3.
        DecideCase{"spec 3.5 prose: '- - - - X' does not go to ALARM (M=N=3); "
                   "OK per spec 3.4 note (row '0 - - - -' -> OK)",
                   "- - - - X", 3, 3, TMD::kMissing, kOk, DB::kPartialData, 1,
                   0, 1},
        DecideCase{"spec 3.5 prose: '- - - X -' does not go to ALARM (M=N=3)",
                   "- - - X -", 3, 3, TMD::kMissing, kOk, DB::kPartialData, 1,
                   0, 1},
        DecideCase{"spec 3.5 prose: '- - X - -' goes to ALARM even with "
                   "missing (premature alarm)",
                   "- - X - -", 3, 3, TMD::kMissing, kAlarm,
                   DB::kPrematureAlarm, 1, 0, 1},
        DecideCase{"spec 3.5 prose: a following good point '- - - X 0' avoids "
                   "the false alarm",
                   "- - - X 0", 3, 3, TMD::kMissing, kOk, DB::kPartialData, 2,
                   0, 1},
        DecideCase{"spec 3.5 prose: a following good point '- - X - 0' avoids "
                   "the false alarm",
                   "- - X - 0", 3, 3, TMD::kMissing, kOk, DB::kPartialData, 2,
                   0, 1},
        DecideCase{"spec 3.4 note: '- - - X -' with M=2 -> ALARM (premature)",
                   "- - - X -", 3, 2, TMD::kMissing, kAlarm,
                   DB::kPrematureAlarm, 1, 0, 1},
        DecideCase{"spec 3.4 note: '0 - X - -' with M=2 -> OK (a good real "
                   "point blocks the premature rule)",
                   "0 - X - -", 3, 2, TMD::kMissing, kOk, DB::kPartialData, 2,
                   0, 1},
        DecideCase{"spec 3.4 note: '- X - - -' with M=N=3 -> ALARM (ours; "
                   "LocalStack differs)",
                   "- X - - -", 3, 3, TMD::kMissing, kAlarm,
                   DB::kPrematureAlarm, 1, 0, 1},
        DecideCase{"spec 3.4: ignore keeps the state where missing would "
                   "alarm prematurely",
                   "- X - - -", 3, 3, TMD::kIgnore, kKeepCurrent,
                   DB::kPrematureAlarm, 1, 0, 1},
        DecideCase{"spec 3.4 step 3: missing/ignore with B(real) >= M -> "
                   "ALARM without fill-ins",
                   "- X - X -", 3, 2, TMD::kIgnore, kAlarm, DB::kPartialData,
                   2, 0, 2},
        DecideCase{"spec 3.4 step 3: no data, missing -> INSUFFICIENT_DATA",
                   "- - - - -", 3, 3, TMD::kMissing, kInsufficient,
                   DB::kNoData, 0, 0, 0},
        DecideCase{"spec 3.5 Table A row 2 breaching: 1 good + 2 filled "
                   "breaching < 3 -> OK",
                   "0 - - - -", 3, 3, TMD::kBreaching, kOk, DB::kFilled, 1, 2,
                   2},
        DecideCase{"spec 3.5 Table A row 2 next evaluation: the 0 left the "
                   "range, breaching -> ALARM",
                   "- - - - -", 3, 3, TMD::kBreaching, kAlarm, DB::kFilled, 0,
                   3, 3},
        DecideCase{"spec 3.5 Table A row 4: the three newest real points "
                   "breach, the older missing bucket is not needed",
                   "0 X X - X", 3, 3, TMD::kNotBreaching, kAlarm,
                   DB::kRealData, 3, 0, 3},
        DecideCase{"spec 3.5 Table B row 2 variant: the two oldest (breaching) "
                   "points are ignored when the three newest are present",
                   "X X 0 0 X", 3, 2, TMD::kMissing, kOk, DB::kRealData, 3, 0,
                   1},
        // Range R > N: step 1 uses the N most recent real points wherever
        // they are (spec 3.4 step 1).
        DecideCase{"spec 3.4 step 1: R > N, the N most recent real points "
                   "span 5 buckets -> ALARM",
                   "X X - X -", 3, 3, TMD::kNotBreaching, kAlarm,
                   DB::kRealData, 3, 0, 3},
        DecideCase{"spec 3.4 step 1: R > N, older extra breaching point is "
                   "ignored -> OK",
                   "X 0 X - X", 3, 3, TMD::kBreaching, kOk, DB::kRealData, 3,
                   0, 2},
        DecideCase{"spec 3.4 step 1: R > N, M=2 of the newest three real "
                   "points spread over the range",
                   "0 X - X 0", 3, 2, TMD::kMissing, kAlarm, DB::kRealData, 3,
                   0, 2},
        DecideCase{"spec 3.4 step 1: R = 8 > N = 6, oldest real points "
                   "beyond the newest six are ignored",
                   "X X 0 0 0 X X X", 6, 4, TMD::kMissing, kOk, DB::kRealData,
                   6, 0, 3},
        // N = 1 (default R = 3).
        DecideCase{"spec 3.4 step 1, N=1: newest bucket breaching -> ALARM",
                   "- - X", 1, 1, TMD::kMissing, kAlarm, DB::kRealData, 1, 0,
                   1},
        DecideCase{"spec 3.4 step 1, N=1: newest bucket good -> OK", "X X 0",
                   1, 1, TMD::kMissing, kOk, DB::kRealData, 1, 0, 0},
        DecideCase{"spec 3.4 step 1, N=1: an older real point inside R is "
                   "used before any fill-in (breaching fill ignored)",
                   "0 - -", 1, 1, TMD::kBreaching, kOk, DB::kRealData, 1, 0,
                   0},
        DecideCase{"spec 3.4 step 1, N=1: an older breaching point inside R "
                   "-> ALARM even with notBreaching",
                   "X - -", 1, 1, TMD::kNotBreaching, kAlarm, DB::kRealData, 1,
                   0, 1},
        DecideCase{"spec 3.4 step 3, N=1: no data, missing -> "
                   "INSUFFICIENT_DATA",
                   "- - -", 1, 1, TMD::kMissing, kInsufficient, DB::kNoData, 0,
                   0, 0},
        DecideCase{"spec 3.4 step 3, N=1: no data, ignore -> keep current",
                   "- - -", 1, 1, TMD::kIgnore, kKeepCurrent, DB::kNoData, 0,
                   0, 0},
        DecideCase{"spec 3.4 step 3, N=1: no data, breaching -> ALARM",
                   "- - -", 1, 1, TMD::kBreaching, kAlarm, DB::kFilled, 0, 1,
                   1},
        DecideCase{"spec 3.4 step 3, N=1: no data, notBreaching -> OK",
                   "- - -", 1, 1, TMD::kNotBreaching, kOk, DB::kFilled, 0, 1,
                   0}));

// Spec 3.5 threshold-graph example: threshold 3, M = N = 3, one value per
// period; periods 3, 4, 5 above -> ALARM at 5; period 6 below -> OK; a single
// breach at period 9 -> stays OK. Range R = 5 slides one period at a time.
TEST(DecideTest, ThresholdGraphExample) {
  const double threshold = 3;
  // Values of periods 1..10.
  const std::vector<double> values = {1, 2, 4, 5, 6, 2, 1, 2, 4, 1};
  const std::vector<AlarmState> expected = {kOk, kOk, kOk,  kOk, kAlarm,
                                            kOk, kOk, kOk, kOk, kOk};
  for (size_t p = 0; p < values.size(); ++p) {
    std::vector<BucketVerdict> range;
    for (int k = 4; k >= 0; --k) {
      int idx = static_cast<int>(p) - k;
      if (idx < 0) {
        range.push_back(BucketVerdict::kMissing);
      } else {
        range.push_back(IsBreaching(ComparisonOperator::kGreaterThanThreshold,
                                    values[idx], threshold)
                            ? BucketVerdict::kBreaching
                            : BucketVerdict::kNotBreaching);
      }
    }
    Decision d = Decide(range, 3, 3, TreatMissingData::kMissing);
    EXPECT_EQ(StateText(d.state), StateText(expected[p]))
        << "period " << (p + 1);
  }
}

// --- DecideMasks: the evaluator's incremental form (spec 3.4) --------------

std::string DecisionText(const Decision& d) {
  return absl::StrCat(StateText(d.state), " basis=", static_cast<int>(d.basis),
                      " used_real=", d.used_real, " fill=", d.fill_count,
                      " breaching=", d.breaching);
}

std::string RangeText(absl::Span<const BucketVerdict> range) {
  std::string out;
  for (BucketVerdict v : range) {
    out += v == BucketVerdict::kMissing        ? '-'
           : v == BucketVerdict::kBreaching    ? 'X'
                                               : '0';
  }
  return out;
}

constexpr TreatMissingData kAllTreatments[] = {
    TreatMissingData::kMissing, TreatMissingData::kIgnore,
    TreatMissingData::kBreaching, TreatMissingData::kNotBreaching};

// Spec 3.4, every branch: for every range of R <= 7 buckets (all 3^R verdict
// combinations), every 1 <= M <= N <= R and every treatment, the mask form
// gives exactly Decide's decision (state, basis and counts).
TEST(DecideMasksTest, EqualsDecideOnEveryRangeUpToSevenBuckets) {
  int compared = 0;
  for (int r = 1; r <= 7; ++r) {
    int combos = 1;
    for (int i = 0; i < r; ++i) combos *= 3;
    std::vector<BucketVerdict> range(r);
    for (int code = 0; code < combos; ++code) {
      int c = code;
      for (int i = 0; i < r; ++i, c /= 3) {
        range[i] = static_cast<BucketVerdict>(c % 3);
      }
      const VerdictMasks masks = ToMasks(range);
      for (int n = 1; n <= r; ++n) {
        for (int m = 1; m <= n; ++m) {
          for (TreatMissingData tmd : kAllTreatments) {
            const Decision want = Decide(range, n, m, tmd);
            const Decision got = DecideMasks(masks, r, n, m, tmd);
            ASSERT_EQ(DecisionText(got), DecisionText(want))
                << "spec 3.4, range " << RangeText(range) << " N=" << n
                << " M=" << m << " tmd=" << static_cast<int>(tmd);
            ++compared;
          }
        }
      }
    }
  }
  EXPECT_GT(compared, 200000);
}

// Spec 3.4 on long ranges (R up to 64, the mask width): random ranges with
// random missing density, random N and M.
TEST(DecideMasksTest, EqualsDecideOnRandomRangesUpToSixtyFourBuckets) {
  uint64_t x = 0x9E3779B97F4A7C15ull;
  auto next = [&x]() {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (int trial = 0; trial < 100000; ++trial) {
    const int r = 1 + static_cast<int>(next() % 64);
    const int missing_per_16 = static_cast<int>(next() % 17);
    const int breach_per_16 = static_cast<int>(next() % 17);
    std::vector<BucketVerdict> range(r);
    for (BucketVerdict& v : range) {
      if (static_cast<int>(next() % 16) < missing_per_16) {
        v = BucketVerdict::kMissing;
      } else {
        v = static_cast<int>(next() % 16) < breach_per_16
                ? BucketVerdict::kBreaching
                : BucketVerdict::kNotBreaching;
      }
    }
    const int n = 1 + static_cast<int>(next() % r);
    const int m = 1 + static_cast<int>(next() % n);
    const TreatMissingData tmd = kAllTreatments[next() % 4];
    const Decision want = Decide(range, n, m, tmd);
    const Decision got = DecideMasks(ToMasks(range), r, n, m, tmd);
    ASSERT_EQ(DecisionText(got), DecisionText(want))
        << "spec 3.4, range " << RangeText(range) << " N=" << n << " M=" << m
        << " tmd=" << static_cast<int>(tmd);
  }
}

// Spec 3.5 Table A row "- - X - -" (N = M = 3, missing): the premature alarm,
// in mask form. Bit 0 is the newest bucket.
TEST(DecideMasksTest, PrematureAlarmFromMasks) {
  const VerdictMasks masks = ToMasks(Range("- - X - -"));
  EXPECT_EQ(masks.present, 0b00100u);
  EXPECT_EQ(masks.breaching, 0b00100u);
  const Decision d = DecideMasks(masks, 5, 3, 3, TreatMissingData::kMissing);
  EXPECT_EQ(StateText(d.state), StateText(kAlarm));
  EXPECT_EQ(d.basis, DecisionBasis::kPrematureAlarm);
}

}  // namespace
}  // namespace cwalarm
