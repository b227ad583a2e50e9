// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// AnomalyModel (spec 3.8, 1.6; docs/anomaly_detection.md) on synthetic
// series: a daily cycle, a weekend pattern, an on-the-hour bump and bounded
// deterministic pseudo-noise, with injected anomalies. Each table case names
// the rule it checks. "Model rule" refers to the numbered rules of
// docs/anomaly_detection.md.

#include "alarm/anomaly_model.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iostream>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::IsOk;
using ::cwalarm_testing::StatusIs;
using ::testing::HasSubstr;

constexpr int64_t kHour = 3600;
constexpr int64_t kDay = 86400;
constexpr double kPi = 3.14159265358979323846;
// 2024-03-16T00:00:00Z, a Saturday.
constexpr int64_t kSaturday = 1710547200;

// Deterministic pseudo-noise in [-1, 1]: sin(2*pi*u) of a uniform u drawn
// from a splitmix64 hash of the timestamp. It is bounded (so "no normal bucket
// outside the band" is a fair demand) and its scaled MAD is about 1.05, so a
// perfect model keeps every normal bucket inside k = 2 with a margin of about
// one noise amplitude; what can break the test is the model's own error.
double Noise(int64_t t, uint64_t seed) {
  uint64_t z = static_cast<uint64_t>(t) * 0x9E3779B97F4A7C15ULL + seed;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  const double u =
      static_cast<double>(z >> 11) / static_cast<double>(1ULL << 53);
  return std::sin(2 * kPi * u);
}

// A request-rate-like metric: level 100, a daily cycle of amplitude 40 that
// peaks at 14:00 UTC, weekends at level 80 with half the amplitude, +5 during
// the first five minutes of every hour (a cron job), pseudo-noise of
// amplitude `noise`.
struct Shape {
  double noise = 4;
  bool weekly = true;
  bool hourly = true;
  uint64_t seed = 1;
};

double Normal(const Shape& s, int64_t t) {
  const int64_t day = t >= 0 ? t / kDay : (t - kDay + 1) / kDay;
  const int64_t weekday = (day + 4) % 7;  // 0 = Sunday (1970-01-01: Thu)
  const bool weekend = s.weekly && (weekday == 0 || weekday == 6);
  const double tod = static_cast<double>(t - day * kDay);
  const double amplitude = weekend ? 20 : 40;
  const double level = weekend ? 80 : 100;
  double v = level + amplitude * std::cos(2 * kPi * (tod - 14 * kHour) / kDay);
  if (s.hourly && (t % kHour) < 300) v += 5;
  return v + s.noise * Noise(t, s.seed);
}

// Buckets [from, to) at `period`.
std::vector<TimedValue> Series(const Shape& s, int64_t from, int64_t to,
                               int64_t period) {
  std::vector<TimedValue> out;
  for (int64_t t = from; t < to; t += period) out.push_back({t, Normal(s, t)});
  return out;
}

std::string Utc(int64_t t) {
  const int64_t day = (t - kSaturday) / kDay;
  const int64_t tod = (t - kSaturday) % kDay;
  return absl::StrCat("day ", day, " ", tod / kHour, ":",
                      (tod % kHour) / 60 < 10 ? "0" : "", (tod % kHour) / 60);
}

// --- Seasonal series with injected anomalies -------------------------------

struct Anomaly {
  int64_t offset;  // seconds after the start of the checked day
  int64_t length;  // seconds
  double delta;    // added to the normal value
};

struct SeasonalCase {
  std::string rule;
  int64_t period;
  Shape shape;
  int64_t first_day;  // the series starts this many days after kSaturday
  // Which buckets exist (sparse series); all when null.
  std::function<bool(int64_t)> present;
};

std::ostream& operator<<(std::ostream& os, const SeasonalCase& c) {
  return os << c.rule;
}

// Anomalies on the checked day: night spike, spike on the daily peak, dip in
// the morning ramp, a sustained 20-minute surge in the evening. Each is
// several spreads (noise 4 gives a spread of about 4.2).
const std::vector<Anomaly>& CheckedDayAnomalies() {
  static const auto* a = new std::vector<Anomaly>{
      {3 * kHour + 600, 60, +35},    // 03:10 night spike
      {14 * kHour + 1200, 60, +35},  // 14:20 on top of the peak
      {10 * kHour + 1800, 60, -35},  // 10:30 dip on the ramp
      {20 * kHour, 1200, +30},       // 20:00-20:20 surge
  };
  return *a;
}

// Anomalies inside the training weeks (they must not spoil the model).
const std::vector<Anomaly>& TrainingAnomalies() {
  static const auto* a = new std::vector<Anomaly>{
      {-3 * kDay + 9 * kHour, 1800, +60},
      {-5 * kDay + 2 * kHour, 600, -80},
      {-9 * kDay + 14 * kHour, 3600, +50},
      {-12 * kDay + 17 * kHour, 120, +200},
  };
  return *a;
}

double AnomalyDelta(const std::vector<Anomaly>& list, int64_t day_start,
                    int64_t t, int64_t period) {
  double d = 0;
  for (const Anomaly& a : list) {
    const int64_t s = day_start + a.offset;
    // A bucket is anomalous when it overlaps the anomaly.
    if (t + period > s && t < s + a.length) d += a.delta;
  }
  return d;
}

class SeasonalAnomalyTest : public ::testing::TestWithParam<SeasonalCase> {};

// Fifteen days: fourteen of training, then the checked day, retrained every
// hour as the evaluator does (trained_until = the hour, training on the
// fourteen days before it, which include the anomalies seen so far). Every
// bucket of the checked day is classified with k = 2: each injected anomaly
// is outside the band, every normal bucket (the daily peak, the weekend
// trough, the on-the-hour bump included) is inside.
TEST_P(SeasonalAnomalyTest, FlagsEveryAnomalyAndNoNormalBucket) {
  const SeasonalCase& c = GetParam();
  const int64_t start = kSaturday + c.first_day * kDay;
  const int64_t checked = start + 14 * kDay;
  std::vector<TimedValue> history;
  for (int64_t t = start; t < checked + kDay; t += c.period) {
    if (c.present && !c.present(t)) continue;
    double v = Normal(c.shape, t) +
               AnomalyDelta(TrainingAnomalies(), checked, t, c.period) +
               AnomalyDelta(CheckedDayAnomalies(), checked, t, c.period);
    history.push_back({t, v});
  }
  const AnomalyModelOptions options;
  int anomalies = 0, normals = 0;
  double worst_normal = 0;  // largest |v - expected| / spread of a normal one
  double least_anomaly = 1e9;
  for (int64_t hour = 0; hour < 24; ++hour) {
    const int64_t until = checked + hour * kHour;
    const AnomalyModel model =
        AnomalyModel::Train(history, c.period, until, options);
    ASSERT_TRUE(model.ready()) << model.DebugString();
    // The evaluation range straddles the retraining boundary: the evaluator
    // also asks this model about the last buckets before trained_until.
    // Those are in the training data; normal ones must still be inside.
    for (const TimedValue& p : history) {
      if (p.unix_seconds < until - 15 * 60 || p.unix_seconds >= until) {
        continue;
      }
      const auto pred = model.Predict(p.unix_seconds);
      ASSERT_TRUE(pred.has_value());
      const auto [lower, upper] = AnomalyModel::Band(*pred, 2.0);
      if (AnomalyDelta(CheckedDayAnomalies(), checked, p.unix_seconds,
                       c.period) == 0) {
        EXPECT_TRUE(p.value >= lower && p.value <= upper)
            << "normal bucket before trained_until flagged at "
            << Utc(p.unix_seconds) << ": value " << p.value << " band ["
            << lower << ", " << upper << "]";
      }
    }
    for (const TimedValue& p : history) {
      if (p.unix_seconds < until || p.unix_seconds >= until + kHour) continue;
      const std::optional<AnomalyModel::Prediction> pred =
          model.Predict(p.unix_seconds);
      ASSERT_TRUE(pred.has_value());
      ASSERT_GT(pred->spread, 0);
      const auto [lower, upper] = AnomalyModel::Band(*pred, 2.0);
      const bool outside = p.value < lower || p.value > upper;
      const double z = std::fabs(p.value - pred->expected) / pred->spread;
      const bool anomalous = AnomalyDelta(CheckedDayAnomalies(), checked,
                                          p.unix_seconds, c.period) != 0;
      if (anomalous) {
        ++anomalies;
        least_anomaly = std::min(least_anomaly, z);
        EXPECT_TRUE(outside)
            << "injected anomaly not flagged at " << Utc(p.unix_seconds)
            << ": value " << p.value << " band [" << lower << ", " << upper
            << "] " << model.DebugString();
      } else {
        ++normals;
        worst_normal = std::max(worst_normal, z);
        EXPECT_FALSE(outside)
            << "normal bucket flagged at " << Utc(p.unix_seconds) << ": value "
            << p.value << " band [" << lower << ", " << upper << "] "
            << model.DebugString();
      }
    }
  }
  // Every bucket of the day was checked (none skipped by the loop above).
  int64_t expected_buckets = 0;
  for (const TimedValue& p : history) {
    if (p.unix_seconds >= checked) ++expected_buckets;
  }
  EXPECT_EQ(anomalies + normals, expected_buckets);
  EXPECT_GE(anomalies, 4);
  RecordProperty("worst_normal_z", std::to_string(worst_normal));
  RecordProperty("least_anomaly_z", std::to_string(least_anomaly));
  std::cout << c.rule << ": worst normal |v-expected|/spread = " << worst_normal
            << ", least anomalous = " << least_anomaly << "\n";
}

INSTANTIATE_TEST_SUITE_P(
    Rules, SeasonalAnomalyTest,
    ::testing::Values(
        // Model rules 2-5 at the smallest anomaly period; the checked day is
        // a Saturday, so the weekend adjustment (rule 3) is needed.
        SeasonalCase{"rules 2-5: daily+weekly+hourly seasonality, P=60, "
                     "Saturday",
                     60, Shape{}, 0, nullptr},
        // The same on a Monday: the weekly adjustment must not drag the
        // weekend's lower level into the week.
        SeasonalCase{"rules 2-5: P=60, Monday after a weekend", 60, Shape{}, 2,
                     nullptr},
        SeasonalCase{"rules 2-5: P=300, Saturday", 300, Shape{}, 0, nullptr},
        // Hourly buckets: 24 knots from 14 samples each; no within-hour
        // profile (rule 4 needs P < 1 h).
        SeasonalCase{"rules 2-3: P=3600, Wednesday", 3600,
                     Shape{4, true, false, 1}, 4, nullptr},
        // Sparse series with gaps (rule 2: knots need two cycles, missing
        // knots are interpolated): one bucket in three, no data from 00:00
        // to 06:00 on four weekdays, and one whole weekday missing.
        SeasonalCase{"rule 2: sparse series with gaps, P=60", 60, Shape{}, 0,
                     [](int64_t t) {
                       const int64_t day = (t - kSaturday) / kDay;
                       const int64_t tod = (t - kSaturday) % kDay;
                       if (day == 5) return false;
                       if ((day == 2 || day == 4 || day == 9 || day == 11) &&
                           tod < 6 * kHour) {
                         return false;
                       }
                       return (t / 60) % 3 == 0;
                     }}),
    [](const ::testing::TestParamInfo<SeasonalCase>& info) {
      return absl::StrCat("Case", info.index);
    });

// --- Spread (rule 7)
// ----------------------------------------------------------

// Approximately standard normal pseudo-noise (Irwin-Hall: twelve uniforms).
double Gaussian(int64_t t) {
  double sum = 0;
  for (uint64_t i = 0; i < 12; ++i) {
    sum += 0.5 * (std::asin(Noise(t, 1000 + i)) / (kPi / 2) + 1);
  }
  return sum - 6;
}

struct CalibrationCase {
  std::string rule;
  double k;
  double min_fraction;  // of normal buckets outside the band
  double max_fraction;
};

std::ostream& operator<<(std::ostream& os, const CalibrationCase& c) {
  return os << c.rule;
}

class SpreadCalibrationTest : public ::testing::TestWithParam<CalibrationCase> {
};

// With normal noise of standard deviation 3 on the seasonal series, the
// spread estimates that deviation: the fraction of the next day's buckets
// outside the band is near what a normal distribution puts outside +-k sigma
// (4.6 % at k = 2, 0.27 % at k = 3; one day is 1440 draws, and Irwin-Hall
// tails are a little lighter, so the bounds are loose). A spread 30 % too
// wide would give under 1 % at k = 2, one 30 % too narrow about 16 %.
TEST_P(SpreadCalibrationTest, OutsideFractionMatchesTheNormalTail) {
  const CalibrationCase& c = GetParam();
  Shape shape;
  shape.noise = 0;
  const int64_t until = kSaturday + 16 * kDay;  // a Monday
  std::vector<TimedValue> history;
  for (int64_t t = kSaturday; t < until + kDay; t += 60) {
    history.push_back({t, Normal(shape, t) + 3 * Gaussian(t)});
  }
  int outside = 0, total = 0;
  for (int64_t hour = 0; hour < 24; ++hour) {
    const int64_t from = until + hour * kHour;
    const AnomalyModel model =
        AnomalyModel::Train(history, 60, from, AnomalyModelOptions{});
    for (const TimedValue& p : history) {
      if (p.unix_seconds < from || p.unix_seconds >= from + kHour) continue;
      const auto pred = model.Predict(p.unix_seconds);
      ASSERT_TRUE(pred);
      const auto [lo, hi] = AnomalyModel::Band(*pred, c.k);
      ++total;
      if (p.value < lo || p.value > hi) ++outside;
    }
  }
  const double fraction = static_cast<double>(outside) / total;
  EXPECT_EQ(total, kDay / 60);
  EXPECT_GE(fraction, c.min_fraction);
  EXPECT_LE(fraction, c.max_fraction);
  std::cout << c.rule << ": " << outside << " of " << total << " outside\n";
}

INSTANTIATE_TEST_SUITE_P(
    Rules, SpreadCalibrationTest,
    ::testing::Values(
        CalibrationCase{"rule 7: normal noise, k=2: about 4.6 % outside", 2,
                        0.015, 0.07},
        CalibrationCase{"rule 7: normal noise, k=3: about 0.3 % outside", 3,
                        0.0, 0.01}),
    [](const ::testing::TestParamInfo<CalibrationCase>& info) {
      return absl::StrCat("Case", info.index);
    });

// Noise three times larger from 12:00 to 16:00 (a busy peak): the
// hour-of-day spread widens the band there, and only there, and no normal
// bucket of the next day is flagged.
TEST(AnomalyModelTest, NoisierHoursGetAWiderBand) {
  auto value = [](int64_t t) {
    const int64_t tod = (t - kSaturday) % kDay;
    const double amplitude = tod >= 12 * kHour && tod < 16 * kHour ? 12 : 4;
    Shape shape;
    shape.noise = 0;
    return Normal(shape, t) + amplitude * Noise(t, 7);
  };
  const int64_t until = kSaturday + 16 * kDay;
  std::vector<TimedValue> history;
  for (int64_t t = kSaturday; t < until + kDay; t += 60) {
    history.push_back({t, value(t)});
  }
  const AnomalyModel model =
      AnomalyModel::Train(history, 60, until, AnomalyModelOptions{});
  const auto night = model.Predict(until + 3 * kHour);
  const auto peak = model.Predict(until + 14 * kHour);
  ASSERT_TRUE(night && peak);
  EXPECT_GT(peak->spread, 2.5 * night->spread);
  for (int64_t t = until; t < until + kDay; t += 60) {
    const auto p = model.Predict(t);
    ASSERT_TRUE(p);
    const auto [lo, hi] = AnomalyModel::Band(*p, 2);
    EXPECT_TRUE(value(t) >= lo && value(t) <= hi) << Utc(t);
  }
}

// --- Minimum-history rule ----------------------------------------------------

struct MinHistoryCase {
  std::string rule;
  int64_t period;
  int64_t points;  // consecutive buckets ending right before `until`
  AnomalyModelOptions options;
  int64_t extra_excluded;  // the newest this many buckets are excluded
  bool ready;
};

std::ostream& operator<<(std::ostream& os, const MinHistoryCase& c) {
  return os << c.rule;
}

class MinimumHistoryTest : public ::testing::TestWithParam<MinHistoryCase> {};

TEST_P(MinimumHistoryTest, BandExistsOnlyOnceTheRuleIsMet) {
  const MinHistoryCase& c = GetParam();
  const int64_t until = kSaturday + 10 * kDay;
  std::vector<TimedValue> history =
      Series(Shape{}, until - c.points * c.period, until, c.period);
  AnomalyModelOptions options = c.options;
  if (c.extra_excluded > 0) {
    options.excluded.push_back({until - c.extra_excluded * c.period, until});
  }
  // Points at or after trained_until never count.
  for (int64_t i = 0; i < 500; ++i) {
    history.push_back({until + i * c.period, 100});
  }
  ASSERT_THAT(ValidateAnomalyModelOptions(options), IsOk());
  const AnomalyModel model =
      AnomalyModel::Train(history, c.period, until, options);
  EXPECT_EQ(model.ready(), c.ready) << model.DebugString();
  EXPECT_EQ(model.Predict(until).has_value(), c.ready);
  EXPECT_EQ(model.Predict(until - c.period).has_value(), c.ready);
}

AnomalyModelOptions Defaults() { return AnomalyModelOptions{}; }

AnomalyModelOptions ShortWindow() {
  AnomalyModelOptions o;
  o.training_window_seconds = 2 * kHour;
  return o;
}

INSTANTIATE_TEST_SUITE_P(
    Rules, MinimumHistoryTest,
    ::testing::Values(
        MinHistoryCase{"rule 1: 180 one-minute points = 3 h: ready", 60, 180,
                       Defaults(), 0, true},
        MinHistoryCase{"rule 1: 179 one-minute points = 2 h 59 min: no band",
                       60, 179, Defaults(), 0, false},
        MinHistoryCase{"rule 1: 12 points of 15 min = 3 h: ready", 900, 12,
                       Defaults(), 0, true},
        MinHistoryCase{"rule 1: 11 points of 20 min (3 h 40 min): fewer than "
                       "12 datapoints, no band",
                       1200, 11, Defaults(), 0, false},
        MinHistoryCase{"rule 1: 12 points of 10 min = 2 h: no band", 600, 12,
                       Defaults(), 0, false},
        MinHistoryCase{"rule 1: excluded datapoints do not count (240 points, "
                       "newest 120 excluded: 2 h left)",
                       60, 240, Defaults(), 120, false},
        MinHistoryCase{"rule 1: excluded datapoints do not count (240 points, "
                       "newest 60 excluded: 3 h left)",
                       60, 240, Defaults(), 60, true},
        MinHistoryCase{"rule 1: P = 1 day, 14 daily points: ready", 86400, 14,
                       Defaults(), 0, true},
        MinHistoryCase{"rule 1: P = 1 day, 11 daily points: no band", 86400, 11,
                       Defaults(), 0, false},
        MinHistoryCase{"rule 1: points older than the training window do not "
                       "count (window 2 h)",
                       60, 600, ShortWindow(), 0, false}),
    [](const ::testing::TestParamInfo<MinHistoryCase>& info) {
      return absl::StrCat("Case", info.index);
    });

// Rule 2: no daily profile before one full day of history. With 20 hours the
// band is the level plus a spread that includes the day's cycle: wide, but
// the normal values of the next hours are inside it. From one full day on,
// the daily profile exists (during the second day a slot seen on one day is a
// knot: the hours still to come were seen yesterday only) and the band
// narrows.
TEST(AnomalyModelTest, DailyProfileFromOneFullDay) {
  const int64_t start = kSaturday + 2 * kDay;  // a Monday
  // No on-the-hour bump: the within-hour profile needs two days (rule 4).
  Shape shape;
  shape.hourly = false;
  std::vector<TimedValue> history = Series(shape, start, start + 4 * kDay, 300);
  const AnomalyModel short_history = AnomalyModel::Train(
      history, 300, start + 20 * kHour, AnomalyModelOptions{});
  ASSERT_TRUE(short_history.ready());
  EXPECT_FALSE(short_history.has_daily_profile());
  for (const TimedValue& p : history) {
    if (p.unix_seconds < start + 20 * kHour ||
        p.unix_seconds >= start + 21 * kHour) {
      continue;
    }
    const auto pred = short_history.Predict(p.unix_seconds);
    ASSERT_TRUE(pred);
    const auto [lo, hi] = AnomalyModel::Band(*pred, 2);
    EXPECT_TRUE(p.value >= lo && p.value <= hi) << Utc(p.unix_seconds);
  }
  // The second day, retrained hourly. Its knots are single-day medians that
  // carry that day's noise, so a few normal buckets may touch the band: at
  // most 1 % of them (the two-week tests above allow none).
  double widest = 0;
  int outside = 0, total = 0;
  for (int64_t hour = 24; hour < 48; ++hour) {
    const int64_t until = start + hour * kHour;
    const AnomalyModel model =
        AnomalyModel::Train(history, 300, until, AnomalyModelOptions{});
    ASSERT_TRUE(model.has_daily_profile()) << hour;
    for (const TimedValue& p : history) {
      if (p.unix_seconds < until || p.unix_seconds >= until + kHour) continue;
      const auto pred = model.Predict(p.unix_seconds);
      ASSERT_TRUE(pred);
      widest = std::max(widest, pred->spread);
      const auto [lo, hi] = AnomalyModel::Band(*pred, 2);
      ++total;
      if (p.value < lo || p.value > hi) ++outside;
    }
  }
  EXPECT_EQ(total, kDay / 300);
  EXPECT_LE(outside, total / 100);
  EXPECT_GT(short_history.Predict(start + 20 * kHour)->spread, 3 * widest);
}

TEST(AnomalyModelTest, UntrainedModelHasNoBand) {
  const AnomalyModel model;
  EXPECT_FALSE(model.ready());
  EXPECT_FALSE(model.Predict(kSaturday).has_value());
  const AnomalyModel empty =
      AnomalyModel::Train({}, 60, kSaturday, AnomalyModelOptions{});
  EXPECT_FALSE(empty.ready());
  EXPECT_EQ(empty.training_datapoints(), 0);
}

// --- Excluded time ranges (rule 6) -------------------------------------------

// A two-day outage (the metric drops to 0) inside an excluded range: the model
// is bit-identical to one trained on the same history without those points,
// and the band does not widen; without the exclusion it does.
TEST(AnomalyModelTest, ExcludedOutageDoesNotWidenTheBand) {
  const int64_t start = kSaturday;
  const int64_t until = start + 14 * kDay;
  // Tuesday 06:00 to Thursday 06:00 of the first week.
  const int64_t outage_start = start + 3 * kDay + 6 * kHour;
  const int64_t outage_end = outage_start + 2 * kDay;
  std::vector<TimedValue> with_outage, without;
  for (const TimedValue& p : Series(Shape{}, start, until, 60)) {
    const bool in_outage =
        p.unix_seconds >= outage_start && p.unix_seconds < outage_end;
    with_outage.push_back({p.unix_seconds, in_outage ? 0.0 : p.value});
    if (!in_outage) without.push_back(p);
  }
  AnomalyModelOptions excluding;
  excluding.excluded.push_back({outage_start, outage_end});
  ASSERT_THAT(ValidateAnomalyModelOptions(excluding), IsOk());
  const AnomalyModel excluded =
      AnomalyModel::Train(with_outage, 60, until, excluding);
  const AnomalyModel clean =
      AnomalyModel::Train(without, 60, until, AnomalyModelOptions{});
  const AnomalyModel polluted =
      AnomalyModel::Train(with_outage, 60, until, AnomalyModelOptions{});
  EXPECT_EQ(excluded.training_datapoints(), clean.training_datapoints());
  EXPECT_EQ(polluted.training_datapoints(),
            clean.training_datapoints() + 2 * kDay / 60);
  int wider = 0;
  for (int64_t t = until; t < until + kDay; t += 60) {
    const auto e = excluded.Predict(t), c = clean.Predict(t),
               p = polluted.Predict(t);
    ASSERT_TRUE(e && c && p);
    EXPECT_EQ(std::memcmp(&*e, &*c, sizeof(*e)), 0) << Utc(t);
    // The next day's normal values are inside the excluded model's band.
    const auto [lo, hi] = AnomalyModel::Band(*e, 2);
    const double v = Normal(Shape{}, t);
    EXPECT_TRUE(v >= lo && v <= hi) << Utc(t) << " " << v;
    if (p->spread > e->spread) ++wider;
  }
  // Without the exclusion the outage does widen the band (so the check above
  // can fail): the polluted spread is larger everywhere.
  EXPECT_EQ(wider, kDay / 60)
      << polluted.DebugString() << " vs " << excluded.DebugString();
}

// --- Determinism (rule 9) ----------------------------------------------------

TEST(AnomalyModelTest, TrainingTwiceGivesIdenticalBits) {
  const int64_t until = kSaturday + 14 * kDay;
  const std::vector<TimedValue> history = Series(Shape{}, kSaturday, until, 60);
  std::vector<TimedValue> reversed(history.rbegin(), history.rend());
  const AnomalyModel a =
      AnomalyModel::Train(history, 60, until, AnomalyModelOptions{});
  const AnomalyModel b =
      AnomalyModel::Train(history, 60, until, AnomalyModelOptions{});
  // Unsorted input is sorted first: the same model.
  const AnomalyModel c =
      AnomalyModel::Train(reversed, 60, until, AnomalyModelOptions{});
  EXPECT_EQ(a.DebugString(), b.DebugString());
  EXPECT_EQ(a.DebugString(), c.DebugString());
  for (int64_t t = until - 7 * kDay; t < until + 7 * kDay; t += 60) {
    const auto pa = a.Predict(t), pb = b.Predict(t), pc = c.Predict(t);
    ASSERT_TRUE(pa && pb && pc);
    ASSERT_EQ(std::memcmp(&*pa, &*pb, sizeof(*pa)), 0) << Utc(t);
    ASSERT_EQ(std::memcmp(&*pa, &*pc, sizeof(*pa)), 0) << Utc(t);
  }
}

// --- Flat series and the spread floor (rule 7)
// --------------------------------

struct FlatCase {
  std::string rule;
  double value;
  double spread;  // expected spread: the floor
};

std::ostream& operator<<(std::ostream& os, const FlatCase& c) {
  return os << c.rule;
}

class FlatSeriesTest : public ::testing::TestWithParam<FlatCase> {};

TEST_P(FlatSeriesTest, BandHasTheFloorWidth) {
  const FlatCase& c = GetParam();
  const int64_t until = kSaturday + 3 * kDay;
  std::vector<TimedValue> history;
  for (int64_t t = kSaturday; t < until; t += 60)
    history.push_back({t, c.value});
  const AnomalyModel model =
      AnomalyModel::Train(history, 60, until, AnomalyModelOptions{});
  ASSERT_TRUE(model.ready());
  for (int64_t t = until; t < until + kDay; t += 600) {
    const auto p = model.Predict(t);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->expected, c.value) << Utc(t);
    EXPECT_DOUBLE_EQ(p->spread, c.spread) << Utc(t);
    const auto [lo, hi] = AnomalyModel::Band(*p, 2);
    EXPECT_TRUE(c.value >= lo && c.value <= hi);
    EXPECT_GT(c.value + 2.5 * c.spread, hi);  // a step of 2.5 floors: flagged
    EXPECT_LT(c.value - 2.5 * c.spread, lo);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rules, FlatSeriesTest,
    ::testing::Values(
        FlatCase{"rule 7: flat at 50: spread = 1% of the level", 50, 0.5},
        FlatCase{"rule 7: flat at -200: spread = 1% of |level|", -200, 2},
        FlatCase{"rule 7: flat at 0: spread = the absolute floor 1e-6", 0,
                 1e-6}),
    [](const ::testing::TestParamInfo<FlatCase>& info) {
      return absl::StrCat("Case", info.index);
    });

// --- Band width k (spec 3.8)
// ---------------------------------------------------

struct BandCase {
  std::string rule;
  double k;
  double offset_in_spreads;  // value = expected + offset * spread
  bool outside;
};

std::ostream& operator<<(std::ostream& os, const BandCase& c) {
  return os << c.rule;
}

class BandWidthTest : public ::testing::TestWithParam<BandCase> {};

TEST_P(BandWidthTest, WidthScalesWithK) {
  const BandCase& c = GetParam();
  ASSERT_THAT(ValidateAnomalyBandWidth(c.k), IsOk());
  const int64_t until = kSaturday + 14 * kDay;
  const AnomalyModel model = AnomalyModel::Train(
      Series(Shape{}, kSaturday, until, 60), 60, until, AnomalyModelOptions{});
  for (int64_t t = until; t < until + kDay; t += 3600) {
    const auto p = model.Predict(t);
    ASSERT_TRUE(p);
    const auto [lo, hi] = AnomalyModel::Band(*p, c.k);
    EXPECT_NEAR(hi - lo, 2 * c.k * p->spread, 1e-12 * p->spread * c.k);
    EXPECT_NEAR(0.5 * (hi + lo), p->expected, 1e-12 * std::fabs(p->expected));
    const double v = p->expected + c.offset_in_spreads * p->spread;
    EXPECT_EQ(v < lo || v > hi, c.outside) << Utc(t);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rules, BandWidthTest,
    ::testing::Values(
        BandCase{"spec 3.8: k=2 (default), 3 spreads above: outside", 2, 3,
                 true},
        BandCase{"spec 3.8: k=4, 3 spreads above: inside", 4, 3, false},
        BandCase{"spec 3.8: k=1, 1.5 spreads below: outside", 1, -1.5, true},
        BandCase{"spec 3.8: k=0.5, 0.4 spreads below: inside", 0.5, -0.4,
                 false},
        BandCase{"spec 3.8: k=10, 9.9 spreads above: inside", 10, 9.9, false}),
    [](const ::testing::TestParamInfo<BandCase>& info) {
      return absl::StrCat("Case", info.index);
    });

// --- Level shift (rule 5)
// ------------------------------------------------------

struct ShiftCase {
  std::string rule;
  int64_t hours_after_shift;  // trained_until = shift + this
  bool flagged;               // all the next hour's buckets outside the band
};

std::ostream& operator<<(std::ostream& os, const ShiftCase& c) {
  return os << c.rule;
}

class LevelShiftTest : public ::testing::TestWithParam<ShiftCase> {};

// The metric steps up by 40 (about 10 spreads) at the start of day 14 and
// stays there. Retrained hourly, the model flags the new level at first and
// absorbs it once the shifted data fill more than half the level window.
TEST_P(LevelShiftTest, FlaggedFirstThenAbsorbed) {
  const ShiftCase& c = GetParam();
  const int64_t shift = kSaturday + 14 * kDay;
  std::vector<TimedValue> history;
  for (int64_t t = kSaturday; t < shift + 3 * kDay; t += 60) {
    history.push_back({t, Normal(Shape{}, t) + (t >= shift ? 40 : 0)});
  }
  const int64_t until = shift + c.hours_after_shift * kHour;
  const AnomalyModel model =
      AnomalyModel::Train(history, 60, until, AnomalyModelOptions{});
  int outside = 0, total = 0;
  for (const TimedValue& p : history) {
    if (p.unix_seconds < until || p.unix_seconds >= until + kHour) continue;
    const auto pred = model.Predict(p.unix_seconds);
    ASSERT_TRUE(pred);
    const auto [lo, hi] = AnomalyModel::Band(*pred, 2);
    ++total;
    if (p.value < lo || p.value > hi) ++outside;
  }
  EXPECT_EQ(total, 60);
  EXPECT_EQ(outside, c.flagged ? total : 0) << model.DebugString();
}

INSTANTIATE_TEST_SUITE_P(
    Rules, LevelShiftTest,
    ::testing::Values(
        ShiftCase{"rule 5: shift just seen (model trained at the shift)", 0,
                  true},
        ShiftCase{"rule 5: 6 h after the shift: still flagged", 6, true},
        ShiftCase{"rule 5: 11 h after: under half the level window, flagged",
                  11, true},
        ShiftCase{"rule 5: 20 h after: most of the level window, absorbed", 20,
                  false},
        ShiftCase{"rule 5: 24 h after: absorbed", 24, false},
        ShiftCase{"rule 5: 48 h after: absorbed", 48, false}),
    [](const ::testing::TestParamInfo<ShiftCase>& info) {
      return absl::StrCat("Case", info.index);
    });

// --- Weekly consensus (rule 3)
// ------------------------------------------------

struct OneOffCase {
  std::string rule;
  int64_t start_hour;  // of the incident, on the Tuesday a week earlier
  int64_t hours;
  bool excluded;  // the incident is in an excluded range
};

std::ostream& operator<<(std::ostream& os, const OneOffCase& c) {
  return os << c.rule;
}

class OneOffTest : public ::testing::TestWithParam<OneOffCase> {};

// An incident (+30) on the Tuesday a week before the checked Tuesday is in
// one of the two Tuesdays of the window: the weeks disagree, so the checked
// Tuesday (retrained hourly) is not predicted 30 higher. The weekend pattern,
// in both weeks, is kept (has_weekly_adjustment).
TEST_P(OneOffTest, IsNotProjectedAWeekAhead) {
  const OneOffCase& c = GetParam();
  const int64_t start = kSaturday;            // day 0 = Saturday
  const int64_t checked = start + 17 * kDay;  // day 17 = Tuesday
  const int64_t from = start + 10 * kDay + c.start_hour * kHour;
  const int64_t to = from + c.hours * kHour;
  std::vector<TimedValue> history;
  for (int64_t t = start; t < checked + kDay; t += 60) {
    const bool bad = t >= from && t < to;
    history.push_back({t, Normal(Shape{}, t) + (bad ? 30 : 0)});
  }
  AnomalyModelOptions options;
  if (c.excluded) options.excluded.push_back({from, to});
  int normals = 0;
  for (int64_t hour = 0; hour < 24; ++hour) {
    const int64_t until = checked + hour * kHour;
    const AnomalyModel model = AnomalyModel::Train(history, 60, until, options);
    ASSERT_TRUE(model.has_weekly_adjustment());
    for (const TimedValue& p : history) {
      if (p.unix_seconds < until || p.unix_seconds >= until + kHour) continue;
      const auto pred = model.Predict(p.unix_seconds);
      ASSERT_TRUE(pred);
      const auto [lo, hi] = AnomalyModel::Band(*pred, 2);
      EXPECT_TRUE(p.value >= lo && p.value <= hi)
          << Utc(p.unix_seconds) << " " << p.value << " [" << lo << ", " << hi
          << "]";
      ++normals;
    }
  }
  EXPECT_EQ(normals, kDay / 60);
}

INSTANTIATE_TEST_SUITE_P(
    Rules, OneOffTest,
    ::testing::Values(
        OneOffCase{"rule 3: a 6-hour incident over last Tuesday's peak", 9, 6,
                   false},
        OneOffCase{"rule 3: a 3-hour incident last Tuesday night", 1, 3, false},
        // A whole-day incident a week ago looks, week over week, like a level
        // shift (rule 5); excluding it (rule 6) is the remedy, as in
        // CloudWatch.
        OneOffCase{"rule 6: a whole-day incident last Tuesday, excluded", 0, 24,
                   true}),
    [](const ::testing::TestParamInfo<OneOffCase>& info) {
      return absl::StrCat("Case", info.index);
    });

// --- Training window and trained_until (rule 1) ------------------------------

TEST(AnomalyModelTest, IgnoresPointsOutsideTheTrainingWindow) {
  const int64_t until = kSaturday + 20 * kDay;
  const std::vector<TimedValue> window =
      Series(Shape{}, until - 14 * kDay, until, 300);
  std::vector<TimedValue> longer;
  // Six older days of garbage, then the window, then the future.
  for (int64_t t = kSaturday; t < until - 14 * kDay; t += 300) {
    longer.push_back({t, 1e6});
  }
  longer.insert(longer.end(), window.begin(), window.end());
  for (int64_t t = until; t < until + kDay; t += 300)
    longer.push_back({t, -1e6});
  const AnomalyModel a =
      AnomalyModel::Train(window, 300, until, AnomalyModelOptions{});
  const AnomalyModel b =
      AnomalyModel::Train(longer, 300, until, AnomalyModelOptions{});
  EXPECT_EQ(a.training_datapoints(), 14 * kDay / 300);
  EXPECT_EQ(a.DebugString(), b.DebugString());
  for (int64_t t = until; t < until + kDay; t += 300) {
    const auto pa = a.Predict(t), pb = b.Predict(t);
    ASSERT_TRUE(pa && pb);
    EXPECT_EQ(std::memcmp(&*pa, &*pb, sizeof(*pa)), 0) << Utc(t);
  }
}

TEST(AnomalyModelTest, TrainedUntilForAlignsToTheRetrainInterval) {
  AnomalyModelOptions o;
  EXPECT_EQ(AnomalyModel::TrainedUntilFor(kSaturday + 3599, o), kSaturday);
  EXPECT_EQ(AnomalyModel::TrainedUntilFor(kSaturday + 3600, o),
            kSaturday + 3600);
  o.retrain_interval_seconds = 900;
  EXPECT_EQ(AnomalyModel::TrainedUntilFor(kSaturday + 1000, o),
            kSaturday + 900);
}

// --- Validation
// ----------------------------------------------------------------

struct InvalidCase {
  std::string rule;
  std::function<void(AnomalyModelOptions&)> mutate;
  std::string message;
};

std::ostream& operator<<(std::ostream& os, const InvalidCase& c) {
  return os << c.rule;
}

class InvalidOptionsTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidOptionsTest, RefusedWithFieldValueAndRule) {
  const InvalidCase& c = GetParam();
  AnomalyModelOptions o;
  c.mutate(o);
  EXPECT_THAT(
      ValidateAnomalyModelOptions(o),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)));
}

INSTANTIATE_TEST_SUITE_P(
    Rules, InvalidOptionsTest,
    ::testing::Values(
        InvalidCase{"excluded range with end == start",
                    [](AnomalyModelOptions& o) {
                      o.excluded = {{100, 200}, {300, 300}};
                    },
                    "anomaly model: excluded[1] ([300, 300)): an excluded "
                    "time range must end after it starts"},
        InvalidCase{"excluded range with end < start",
                    [](AnomalyModelOptions& o) {
                      o.excluded = {{1710000000, 1709996400}};
                    },
                    "excluded[0] ([1710000000, 1709996400))"},
        InvalidCase{
            "training window 0",
            [](AnomalyModelOptions& o) { o.training_window_seconds = 0; },
            "training_window_seconds (0): the training window must "
            "be positive"},
        InvalidCase{
            "retrain interval negative",
            [](AnomalyModelOptions& o) { o.retrain_interval_seconds = -60; },
            "retrain_interval_seconds (-60)"},
        InvalidCase{"minimum datapoints 0",
                    [](AnomalyModelOptions& o) { o.min_datapoints = 0; },
                    "min_datapoints (0)"},
        InvalidCase{"minimum history negative",
                    [](AnomalyModelOptions& o) { o.min_history_seconds = -1; },
                    "min_history_seconds (-1)"},
        InvalidCase{"level window 0",
                    [](AnomalyModelOptions& o) { o.level_window_seconds = 0; },
                    "level_window_seconds (0)"},
        InvalidCase{"relative floor NaN",
                    [](AnomalyModelOptions& o) {
                      o.spread_floor_relative = std::nan("");
                    },
                    "spread_floor_relative (nan)"},
        InvalidCase{"absolute floor 0 (zero-width band)",
                    [](AnomalyModelOptions& o) { o.spread_floor_absolute = 0; },
                    "spread_floor_absolute (0): the absolute spread floor "
                    "must be a finite number > 0"}),
    [](const ::testing::TestParamInfo<InvalidCase>& info) {
      return absl::StrCat("Case", info.index);
    });

TEST(AnomalyModelTest, DefaultOptionsAreValid) {
  EXPECT_THAT(ValidateAnomalyModelOptions(AnomalyModelOptions{}), IsOk());
  EXPECT_THAT(AnomalyModel::ValidateOptions(AnomalyModelOptions{}), IsOk());
  EXPECT_THAT(AnomalyModel::ValidateBandWidth(2), IsOk());
  AnomalyModelOptions bad;
  bad.excluded = {{10, 5}};
  EXPECT_THAT(AnomalyModel::ValidateOptions(bad),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("excluded[0] ([10, 5))")));
  EXPECT_THAT(AnomalyModel::ValidateBandWidth(0),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("band width (0)")));
}

struct KCase {
  double k;
  bool ok;
};

class BandWidthValidationTest : public ::testing::TestWithParam<KCase> {};

// spec 3.8: k is a number of standard deviations; it must be > 0.
TEST_P(BandWidthValidationTest, AcceptsOnlyFinitePositiveK) {
  const KCase& c = GetParam();
  if (c.ok) {
    EXPECT_THAT(ValidateAnomalyBandWidth(c.k), IsOk());
  } else {
    EXPECT_THAT(ValidateAnomalyBandWidth(c.k),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("ANOMALY_DETECTION_BAND: band width (")));
  }
}

INSTANTIATE_TEST_SUITE_P(Rules, BandWidthValidationTest,
                         ::testing::Values(KCase{2, true}, KCase{0.1, true},
                                           KCase{0, false}, KCase{-2, false},
                                           KCase{std::nan(""), false},
                                           KCase{HUGE_VAL, false}));

}  // namespace
}  // namespace cwalarm
