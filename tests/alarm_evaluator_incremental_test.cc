// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Incremental evaluation (alarm_evaluator.h): a standard alarm keeps its
// range's verdicts as bit masks and re-aggregates only the new buckets and
// the buckets the store reports written since its last evaluation. Each case
// drives one scenario through AlarmEvaluator and the naive ReferenceEvaluator
// (which re-aggregates everything, every time), requires the same state after
// every evaluation, and checks the final state against the spec's answer.
// Every scenario ends in a state that a stale cache would get wrong.

#include <algorithm>
#include <functional>
#include <random>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "actions/recording_sink.h"
#include "alarm/alarm_evaluator.h"
#include "alarm/alarm_spec.h"
#include "alarm/alarm_state.h"
#include "alarm/reference_evaluator.h"
#include "alarm/threshold.h"
#include "gtest/gtest.h"
#include "metrics/datapoint.h"
#include "metrics/metric_id.h"
#include "metrics/metric_store.h"
#include "metrics/statistic.h"
#include "metrics/unit.h"
#include "tests/testing/differential_trial.h"

namespace cwalarm {
namespace {

// 2024-01-02 12:00:00 UTC plus `seconds` (may be negative).
absl::Time At(int64_t seconds) {
  return absl::FromCivil(absl::CivilSecond(2024, 1, 2, 12, 0, 0),
                         absl::UTCTimeZone()) +
         absl::Seconds(seconds);
}

MetricId Cpu() { return {"AWS/EC2", "CPUUtilization", {{"InstanceId", "i-1"}}}; }

// Average > 50, N = M = 3 (so R = 5), Period `period` seconds.
AlarmSpec CpuAlarm(int period, std::optional<Unit> unit = std::nullopt,
                   double threshold = 50) {
  AlarmSpec spec;
  spec.alarm_name = "cpu";
  spec.metric = Cpu();
  spec.statistic = Statistic::kAverage;
  spec.period = absl::Seconds(period);
  spec.evaluation_periods = 3;
  spec.threshold = threshold;
  spec.comparison_operator = ComparisonOperator::kGreaterThanThreshold;
  spec.unit = unit;
  return spec;
}

// Both evaluators, fed the same calls.
class Pair {
 public:
  explicit Pair(EvaluatorOptions options = {})
      : fast_(&store_, &fast_sink_, options), ref_(&ref_sink_, options) {}

  void PutAlarm(const AlarmSpec& spec, absl::Time now) {
    ASSERT_TRUE(fast_.PutMetricAlarm(spec, now).ok());
    ASSERT_TRUE(ref_.PutMetricAlarm(spec, now).ok());
  }
  // A datum with timestamp `ts` (StorageResolution 1 when `high_res`).
  void Put(absl::Time ts, double value, Unit unit = Unit::kNone,
           bool high_res = false) {
    MetricDatum d;
    d.metric = Cpu();
    d.timestamp = ts;
    d.value = value;
    d.unit = unit;
    d.storage_resolution = high_res ? 1 : 60;
    ASSERT_TRUE(store_.Put(d, "test").ok());
    ASSERT_TRUE(ref_.PutMetricData(d, "test").ok());
  }
  // Evaluates both; returns "" or the first disagreement.
  std::string Evaluate(absl::Time now) {
    fast_.Evaluate(now);
    ref_.Evaluate(now);
    const AlarmState a = fast_.FindStatus("cpu")->state;
    const AlarmState b = ref_.FindStatus("cpu")->state;
    ++evaluations_;
    if (a != last_state_) ++state_changes_;
    last_state_ = a;
    if (a == b) return "";
    return absl::StrCat("at ", absl::FormatTime(now, absl::UTCTimeZone()),
                        ": AlarmEvaluator ", AlarmStateName(a),
                        ", ReferenceEvaluator ", AlarmStateName(b));
  }
  void Drop(absl::Time horizon) {
    store_.DropBefore(horizon);
    ref_.DropSamplesBefore(horizon);
  }
  AlarmState State() const { return fast_.FindStatus("cpu")->state; }
  int evaluations() const { return evaluations_; }
  // How often an evaluation left AlarmEvaluator's alarm in another state
  // than the one before (from INSUFFICIENT_DATA at creation).
  int state_changes() const { return state_changes_; }

 private:
  MetricStore store_;
  RecordingSink fast_sink_, ref_sink_;
  AlarmEvaluator fast_;
  ReferenceEvaluator ref_;
  int evaluations_ = 0;
  int state_changes_ = 0;
  AlarmState last_state_ = AlarmState::kInsufficientData;
};

struct Case {
  std::string rule;  // What the case checks.
  int period = 60;
  std::optional<Unit> unit;
  EvaluatorOptions options;
  // Runs after the warm-up; returns "" or a disagreement.
  std::function<std::string(Pair&, int period)> scenario;
  AlarmState expected;
};

// Warm-up: a breaching value (90) in each of periods -5 .. 2, each received
// 5 s into its period and evaluated 5 s after its period ends, so the alarm
// reaches ALARM with its masks cached. Then period 3's value arrives, and
// the scenario ends with the evaluation of period 3 at 4P + 5 s.
std::string Warm(Pair& p, int period, const Case& c) {
  const bool high_res = period < 60;
  const Unit unit = c.unit.value_or(Unit::kNone);
  for (int k = -5; k <= 2; ++k) {
    p.Put(At(k * period + 5), 90, unit, high_res);
    std::string e = p.Evaluate(At((k + 1) * period + 5));
    if (!e.empty()) return e;
  }
  if (p.State() != AlarmState::kAlarm) return "warm-up did not reach ALARM";
  return "";
}

std::string Finish(Pair& p, int period, const Case& c) {
  p.Put(At(3 * period + 5), 90, c.unit.value_or(Unit::kNone), period < 60);
  return p.Evaluate(At(4 * period + 5));
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  // Late value 0 into the newest evaluated bucket (period 2): its average
  // becomes 45, so only 2 of the 3 newest breach.
  auto late_into = [](int bucket) {
    return [bucket](Pair& p, int period) {
      p.Put(At(bucket * period + period - 10 + (period < 60 ? 5 : 0)), 0,
            Unit::kNone, period < 60);
      return std::string();
    };
  };
  cases.push_back({"control: no late data, cached verdicts stand (spec 3.4 "
                   "step 1)",
                   60, std::nullopt, {},
                   [](Pair&, int) { return std::string(); },
                   AlarmState::kAlarm});
  cases.push_back({"spec 3.7 late data into the newest evaluated bucket", 60,
                   std::nullopt, {}, late_into(2), AlarmState::kOk});
  cases.push_back({"spec 3.7 late data into an older bucket of the range", 60,
                   std::nullopt, {}, late_into(1), AlarmState::kOk});
  cases.push_back(
      {"spec 3.7 data far in the past and in the range in one interval", 60,
       std::nullopt, {},
       [](Pair& p, int) {
         p.Put(At(-3600 + 10), 0);  // An hour before: outside the range.
         p.Put(At(2 * 60 + 50), 0);
         return std::string();
       },
       AlarmState::kOk});
  cases.push_back({"spec 3.7 data far in the past only: nothing in the range "
                   "changes",
                   60, std::nullopt, {},
                   [](Pair& p, int) {
                     p.Put(At(-3600 + 10), 0);
                     return std::string();
                   },
                   AlarmState::kAlarm});
  cases.push_back({"spec 3.2.4 unit filtering: late data of another unit is "
                   "not the alarm's",
                   60, Unit::kPercent, {},
                   [](Pair& p, int) {
                     p.Put(At(2 * 60 + 50), 0, Unit::kCount);
                     return std::string();
                   },
                   AlarmState::kAlarm});
  // Stale verdicts (90 > 50) of the older buckets would give 1 of 3 and
  // keep ALARM; against the new threshold nothing breaches.
  cases.push_back({"spec 4.1 alarm update (threshold 95, M = 1) resets the "
                   "cached verdicts",
                   60, std::nullopt, {},
                   [](Pair& p, int) {
                     AlarmSpec spec = CpuAlarm(60, std::nullopt, 95);
                     spec.datapoints_to_alarm = 1;
                     p.PutAlarm(spec, At(3 * 60 + 30));
                     return std::string();
                   },
                   AlarmState::kOk});
  EvaluatorOptions wide;
  wide.evaluation_range = 70;
  cases.push_back({"spec 3.3 evaluation range 70 (> 64 buckets: full path) "
                   "with late data",
                   60, std::nullopt, wide, late_into(2), AlarmState::kOk});
  cases.push_back({"spec 3.1 high resolution (Period 10) late data into the "
                   "newest evaluated bucket",
                   10, std::nullopt, {}, late_into(2), AlarmState::kOk});
  cases.push_back(
      {"spec 3.1 evaluations skipped: the range moves by several buckets", 60,
       std::nullopt, {},
       [](Pair& p, int) {
         // No evaluation at 3:05 yet; late data into period 1; the next
         // evaluation (Finish, 4:05) shifts by one bucket, this one by none.
         p.Put(At(60 + 50), 0);
         return std::string();
       },
       AlarmState::kOk});
  cases.push_back(
      {"spec 3.1 Evaluate called every 10 s: writes between calls that do "
       "not evaluate the alarm",
       60, std::nullopt, {},
       [](Pair& p, int) {
         p.Put(At(2 * 60 + 50), 0);
         std::string e = p.Evaluate(At(3 * 60 + 15));  // Not due.
         if (!e.empty()) return e;
         p.Put(At(3 * 60 + 20), 90);
         return p.Evaluate(At(3 * 60 + 25));  // Not due.
       },
       AlarmState::kOk});
  cases.push_back(
      {"retention: DropBefore inside the cached range (spec 3.4 partial "
       "data, 1 of 3 real)",
       60, std::nullopt, {},
       [](Pair& p, int) {
         p.Drop(At(3 * 60));
         return std::string();
       },
       AlarmState::kOk});
  return cases;
}

TEST(AlarmEvaluatorIncrementalTest, MatchesReferenceAndSpec) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.rule);
    Pair p(c.options);
    p.PutAlarm(CpuAlarm(c.period, c.unit), At(-10 * c.period));
    std::string e = Warm(p, c.period, c);
    if (e.empty()) e = c.scenario(p, c.period);
    if (e.empty()) e = Finish(p, c.period, c);
    EXPECT_EQ(e, "");
    EXPECT_EQ(AlarmStateName(p.State()), AlarmStateName(c.expected));
  }
}

// The skipped-evaluation shift: evaluations every third period only, with
// late data each time, against the reference (spec 3.1, 3.7).
TEST(AlarmEvaluatorIncrementalTest, MultiBucketShiftsWithLateData) {
  Pair p;
  p.PutAlarm(CpuAlarm(60), At(-600));
  for (int k = 0; k < 60; ++k) {
    // Breaching for 20 minutes, then not, then breaching again.
    const double v = (k / 20) % 2 == 0 ? 90 : 10;
    p.Put(At(k * 60 + 5), v);
    if (k % 7 == 3) p.Put(At((k - 1) * 60 + 40), 200 - v);  // Late.
    if (k % 3 == 0) {
      ASSERT_EQ(p.Evaluate(At(k * 60 + 65)), "") << "minute " << k;
    }
  }
  EXPECT_GE(p.state_changes(), 3);
}

// The Period-60 minute path decides two common cases without DecideMasks:
// the N newest buckets all present (spec 3.4 step 1: ALARM iff at least M
// breach), and an OK alarm with a missing datapoint and none breaching
// (OK unless missing data counts as breaching). Every TreatMissingData and
// several M of N, on a pattern that crosses the threshold, leaves minutes
// out (also several in a row) and has stretches with no breach, evaluated
// every minute: the state
// after each evaluation must be the reference's (spec 3.4, 3.5).
TEST(AlarmEvaluatorIncrementalTest, MinutePathShortcutsMatchReference) {
  const TreatMissingData kTmd[] = {
      TreatMissingData::kMissing, TreatMissingData::kIgnore,
      TreatMissingData::kBreaching, TreatMissingData::kNotBreaching};
  const int kMofN[][2] = {{1, 1}, {1, 3}, {2, 3}, {3, 3}, {2, 5}};
  for (TreatMissingData tmd : kTmd) {
    for (const auto& mn : kMofN) {
      SCOPED_TRACE(absl::StrCat("tmd ", static_cast<int>(tmd), " M ", mn[0],
                                " N ", mn[1]));
      Pair p;
      AlarmSpec spec = CpuAlarm(60);
      spec.datapoints_to_alarm = mn[0];
      spec.evaluation_periods = mn[1];
      spec.treat_missing_data = tmd;
      p.PutAlarm(spec, At(-600));
      for (int k = 0; k < 90; ++k) {
        // Below the threshold for 15 minutes, then around it, then above.
        const int phase = (k / 15) % 3;
        const double v = phase == 0 ? 10 : phase == 1 ? (k % 2 ? 60 : 40) : 90;
        // Scattered gaps, and four minutes in a row while below the
        // threshold (fewer than N real datapoints: the fill decides).
        const bool gap = k % 7 == 3 || k % 11 == 5 || (k % 45 >= 5 && k % 45 < 9);
        if (!gap) p.Put(At(k * 60 + 5), v);
        ASSERT_EQ(p.Evaluate(At(k * 60 + 65)), "") << "minute " << k;
      }
      EXPECT_GE(p.state_changes(), 2);
    }
  }
}

// The minute path's verdict of the newest datapoint (one dispatch over
// statistic and operator together) and its early exits (an OK alarm with
// no breaching bucket; an alarm whose N newest buckets all breach, so
// ALARM without counting): every statistic with every static operator and
// every TreatMissingData, random M of N, on random minutes of 0-3 samples
// from {40, 50, 60} (threshold 50; 2 for SampleCount), so that values equal
// to the threshold (50, and the Average of 40 and 60) separate >= from >
// and <= from <, in phases that stay below, cross, and stay above the
// threshold, with missing minutes. The state after every evaluation must
// be the reference's (spec 3.4, 3.5).
TEST(AlarmEvaluatorIncrementalTest, MinuteVerdictEveryStatisticAndOperator) {
  const Statistic kStatistics[] = {Statistic::kSampleCount, Statistic::kAverage,
                                   Statistic::kSum, Statistic::kMinimum,
                                   Statistic::kMaximum};
  const ComparisonOperator kOps[] = {
      ComparisonOperator::kGreaterThanOrEqualToThreshold,
      ComparisonOperator::kGreaterThanThreshold,
      ComparisonOperator::kLessThanThreshold,
      ComparisonOperator::kLessThanOrEqualToThreshold};
  const TreatMissingData kTmd[] = {
      TreatMissingData::kMissing, TreatMissingData::kIgnore,
      TreatMissingData::kBreaching, TreatMissingData::kNotBreaching};
  std::mt19937_64 rng(7);
  int changes = 0;
  for (Statistic statistic : kStatistics) {
    for (ComparisonOperator op : kOps) {
      for (TreatMissingData tmd : kTmd) {
        const int n = static_cast<int>(rng() % 4) + 1;
        const int m = static_cast<int>(rng() % n) + 1;
        SCOPED_TRACE(absl::StrCat("statistic ", static_cast<int>(statistic),
                                  " op ", static_cast<int>(op), " tmd ",
                                  static_cast<int>(tmd), " M ", m, " N ", n));
        Pair p;
        AlarmSpec spec = CpuAlarm(60);
        spec.statistic = statistic;
        spec.comparison_operator = op;
        spec.threshold = statistic == Statistic::kSampleCount ? 2 : 50;
        spec.datapoints_to_alarm = m;
        spec.evaluation_periods = n;
        spec.treat_missing_data = tmd;
        p.PutAlarm(spec, At(-600));
        AlarmState last = p.State();
        for (int k = 0; k < 60; ++k) {
          // Phases of 10 minutes: low values, mixed, high values.
          const int phase = (k / 10) % 3;
          const int samples =
              rng() % 8 == 0 ? 0 : static_cast<int>(rng() % 3) + 1;
          for (int i = 0; i < samples; ++i) {
            const int pick = static_cast<int>(rng() % 4);
            const double v = phase == 0   ? (pick == 0 ? 50 : 40)
                             : phase == 2 ? (pick == 0 ? 50 : 60)
                                          : 40 + 10 * (pick % 3);
            p.Put(At(k * 60 + 5 + i), v);
          }
          ASSERT_EQ(p.Evaluate(At(k * 60 + 65)), "") << "minute " << k;
          if (p.State() != last) ++changes;
          last = p.State();
        }
      }
    }
  }
  // Not vacuous: the alarms cross in both directions many times.
  EXPECT_GT(changes, 200);
}

// Sliding buckets one minute apart (spec 3.2.1: Period 300 and 3600
// evaluated every minute) take the alarm's running window (the cells that
// leave and enter its newest window) and fall back to re-aggregation when
// late data lands before the previous anchor (spec 3.7), when the metric
// gains a second unit (spec 3.2.4, merged when the alarm has no Unit), when
// a value is not an integer (the integer totals decline) and after
// retention: for every standard statistic, the state after each
// evaluation must be the reference's.
TEST(AlarmEvaluatorIncrementalTest, SlidingRunningWindowMatchesReference) {
  struct Stat {
    Statistic statistic;
    double threshold;  // For Period 300; Sum and SampleCount scale.
  };
  const Stat kStats[] = {{Statistic::kAverage, 50},
                         {Statistic::kSum, 250},
                         {Statistic::kSampleCount, 5},
                         {Statistic::kMinimum, 30},
                         {Statistic::kMaximum, 70}};
  for (int period : {300, 3600}) {
    for (const Stat& st : kStats) {
      SCOPED_TRACE(absl::StrCat("period ", period, " statistic ",
                                static_cast<int>(st.statistic)));
      Pair p;
      AlarmSpec spec = CpuAlarm(period);
      spec.statistic = st.statistic;
      spec.evaluation_periods = period == 300 ? 3 : 2;
      spec.datapoints_to_alarm = period == 300 ? 2 : 1;
      const double scale = st.statistic == Statistic::kSum ||
                                   st.statistic == Statistic::kSampleCount
                               ? period / 300.0
                               : 1.0;
      spec.threshold = st.threshold * scale;
      // About 53 samples an hour below, 80 above (gaps, second samples).
      if (st.statistic == Statistic::kSampleCount && period == 3600) {
        spec.threshold = 66;
      }
      p.PutAlarm(spec, At(-7200));
      std::mt19937 rng(static_cast<uint32_t>(period + 7 * static_cast<int>(st.statistic)));
      // Phases longer than the window, so that every statistic crosses.
      const int phase_minutes = period == 300 ? 25 : 150;
      for (int k = -130; k < 4 * phase_minutes; ++k) {
        // Phases below and above every threshold, with gaps and a second
        // sample in some minutes (SampleCount crosses too).
        const int phase = ((k + 200) / phase_minutes) % 2;
        const double v = phase == 0 ? 10 + static_cast<int>(rng() % 15)
                                    : 80 + static_cast<int>(rng() % 15);
        if (rng() % 9 != 0) p.Put(At(k * 60 + 5), v);
        if (phase == 1 && rng() % 3 == 0) p.Put(At(k * 60 + 35), v);
        if (k > 0 && k % 13 == 0) {  // Late, inside the range.
          // Against the phase, but not past the extremes' thresholds for
          // a whole hour (Minimum and Maximum would never cross).
          const double late =
              phase == 0 ? (st.statistic == Statistic::kMaximum ? 65 : 95)
                         : (st.statistic == Statistic::kMinimum ? 35 : 5);
          p.Put(At((k - 1 - static_cast<int>(rng() % 40)) * 60 + 20), late);
        }
        if (k > 0 && k % 29 == 0) p.Put(At(k * 60 + 50), 60.5);  // Fraction.
        if (k == 150) p.Put(At(k * 60 + 15), 40, Unit::kPercent);  // A unit.
        if (k > 0 && k % 50 == 0) p.Drop(At(k * 60 - 3 * period - 600));
        if (k < 0) continue;
        ASSERT_EQ(p.Evaluate(At(k * 60 + 60)), "") << "minute " << k;
      }
      EXPECT_GE(p.state_changes(), 2);
    }
  }
}

// Sliding alarms whose per-minute history passes 64 bits (kSlidingWide:
// x Period/60 + 1 bits, kept in rings of 128 to 512 bits that move a
// head each minute instead of shifting) agree with the reference after
// every evaluation: Period 3600 with N 3 and 5 (121 and 241 bits), Period
// 300 with N 20 (96 bits), Period 600 with N 30 (291 bits, the ring
// wraps every 512 minutes) and rings exactly full (128 and 256 bits, where
// the age that leaves is at the new head), every TreatMissingData, on data
// that crosses the threshold, with gaps long enough to empty the newest
// window, data for the next minute before the evaluation, late data into
// older windows (the rebuild), skipped minutes and retention.
TEST(AlarmEvaluatorIncrementalTest, WideSlidingHistoryMatchesReference) {
  struct Config {
    int period;
    int n;
    int m;
    TreatMissingData tmd;
    Statistic statistic;
    int minutes = 1500;  // Evaluated after the first hour.
  };
  const Config kConfigs[] = {
      {3600, 3, 2, TreatMissingData::kMissing, Statistic::kAverage},
      {3600, 5, 3, TreatMissingData::kBreaching, Statistic::kSum},
      {300, 20, 5, TreatMissingData::kNotBreaching, Statistic::kAverage},
      {600, 30, 10, TreatMissingData::kIgnore, Statistic::kSampleCount},
      {600, 30, 30, TreatMissingData::kMissing, Statistic::kMaximum},
      // Rings exactly full, (R-1) x Period/60 + 1 = 64 x words: the age
      // that leaves is at the new head (128 and 256 bits).
      // Past two wraps of the ring is enough.
      {7620, 2, 1, TreatMissingData::kNotBreaching, Statistic::kAverage, 400},
      {5100, 4, 2, TreatMissingData::kMissing, Statistic::kAverage, 600},
  };
  for (const Config& c : kConfigs) {
    SCOPED_TRACE(absl::StrCat("period ", c.period, " n ", c.n));
    Pair p;
    AlarmSpec spec = CpuAlarm(c.period);
    spec.evaluation_periods = c.n;
    spec.datapoints_to_alarm = c.m;
    spec.treat_missing_data = c.tmd;
    spec.statistic = c.statistic;
    spec.threshold = c.statistic == Statistic::kSum
                         ? 50.0 * c.period / 60
                         : c.statistic == Statistic::kSampleCount
                               ? 1.2 * c.period / 60
                               : 50;
    p.PutAlarm(spec, At(-7200));
    std::mt19937 rng(static_cast<uint32_t>(c.period * 100 + c.n));
    const int phase_minutes = c.period * c.n / 60 + 7;  // Past the range.
    for (int k = -60; k < c.minutes; ++k) {
      const int phase = ((k + 1000) / phase_minutes) % 3;
      const bool gap = phase == 2 && (k % phase_minutes) < c.period / 60 + 2;
      const double v = phase == 0 ? 10 + static_cast<int>(rng() % 20)
                                  : 70 + static_cast<int>(rng() % 20);
      if (!gap && rng() % 11 != 0) p.Put(At(k * 60 + 5), v);
      if (phase == 1 && rng() % 3 == 0) p.Put(At(k * 60 + 40), v);
      if (rng() % 5 == 0) p.Put(At(k * 60 + 65), v);  // Next minute's.
      if (k > 0 && k % 37 == 0) {  // Late, into an older window.
        p.Put(At((k - 2 - static_cast<int>(rng() % 100)) * 60 + 20),
              phase == 0 ? 95 : 5);
      }
      if (k > 0 && k % 200 == 0) {
        p.Drop(At(k * 60 - c.period * (c.n + 1) - 600));
      }
      if (k < 0 || rng() % 29 == 0) continue;  // Sometimes a skipped minute.
      ASSERT_EQ(p.Evaluate(At(k * 60 + 60)), "") << "minute " << k;
    }
    EXPECT_GE(p.state_changes(), 2);
  }
}

// Sharded evaluation (Evaluate(now, threads)): on random alarms (periods 10 s
// to 1 h, every statistic, unit filters, Auto Scaling ARNs that re-invoke
// every minute, spec 4.2) and random data (late, duplicated, future), three
// threads give byte-identical history, reports and actions to one.
TEST(AlarmEvaluatorShardedTest, ThreeThreadsEqualOne) {
  constexpr char kPolicy[] =
      "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:"
      "11111111-2222-3333-4444-555555555555:autoScalingGroupName/web:"
      "policyName/up";
  int transitions = 0;
  int repeated = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    cwalarm_testing::Trial<std::mt19937_64> t(seed, std::mt19937_64(seed));
    MetricStore store_a, store_b;
    RecordingSink sink_a, sink_b;
    AlarmEvaluator one(&store_a, &sink_a);
    AlarmEvaluator three(&store_b, &sink_b);
    absl::Time now = absl::FromUnixSeconds(cwalarm_testing::kStart);
    const int alarms = 30 + static_cast<int>(seed);
    for (int i = 0; i < alarms; ++i) {
      AlarmSpec s = t.RandomAlarm(i);
      if (t.Chance(0.2)) s.alarm_actions.push_back(kPolicy);
      ASSERT_TRUE(one.PutMetricAlarm(s, now).ok() ==
                  three.PutMetricAlarm(s, now).ok());
    }
    for (int tick = 0; tick < 200; ++tick) {
      now += absl::Seconds(10 + t.Uniform(0, 50));
      const int data = t.Uniform(0, 4);
      for (int k = 0; k < data; ++k) {
        MetricDatum d = t.RandomDatum(now, 3600);
        ASSERT_EQ(store_a.Put(d, "d").ok(), store_b.Put(d, "d").ok());
      }
      if (t.Chance(0.02)) {  // An update resets that alarm's masks.
        AlarmSpec s = t.RandomAlarm(t.Uniform(0, alarms - 1));
        (void)one.PutMetricAlarm(s, now);
        (void)three.PutMetricAlarm(s, now);
      }
      EvaluationReport a = one.Evaluate(now);
      // Mostly 3 threads; every other 50 ticks 2, so the kept helper
      // threads are reused across calls and replaced when the count changes.
      EvaluationReport b = three.Evaluate(now, (tick / 50) % 2 == 0 ? 3 : 2);
      ASSERT_EQ(a.evaluated, b.evaluated) << "seed " << seed;
      ASSERT_EQ(a.transitions, b.transitions) << "seed " << seed;
      ASSERT_EQ(a.actions, b.actions) << "seed " << seed;
      ASSERT_EQ(a.repeated_actions, b.repeated_actions) << "seed " << seed;
      transitions += a.transitions;
      repeated += a.repeated_actions;
      std::vector<AlarmHistoryItem> ha = one.TakeHistory();
      std::vector<AlarmHistoryItem> hb = three.TakeHistory();
      ASSERT_EQ(cwalarm_testing::FirstHistoryDifference(ha, hb), "")
          << "seed " << seed << " tick " << tick;
    }
    ASSERT_EQ(sink_a.actions().size(), sink_b.actions().size());
  }
  // Not vacuous: the trials transition and re-invoke.
  EXPECT_GT(transitions, 100);
  EXPECT_GT(repeated, 10);
}

// Sharded rounds step over steady Period-60 alarms in the serial loop's
// MinuteRun: with 4200 alarms (the rounds ask for tails ahead, up to the
// last kMinuteAhead slots), ranges R of 1 to 64 minutes, fresh data every
// minute with some late and skipped, and the store's cells dropped at the
// retention horizon or inside the longest ranges (MinuteRun's range test,
// which it skips when the store keeps every range), two threads give
// byte-identical history and reports to one.
TEST(AlarmEvaluatorShardedTest, MinuteRunsWithDroppedDataEqualOne) {
  constexpr int kAlarms = 4200;
  constexpr int kMetrics = 97;
  std::mt19937_64 rng(11);
  MetricStore store_a, store_b;
  RecordingSink sink_a, sink_b;
  AlarmEvaluator one(&store_a, &sink_a);
  AlarmEvaluator two(&store_b, &sink_b);
  auto metric = [](int i) {
    return MetricId{"AWS/EC2", "CPUUtilization",
                    {{"InstanceId", absl::StrCat("i-", i)}}};
  };
  for (int i = 0; i < kAlarms; ++i) {
    AlarmSpec s = CpuAlarm(60, std::nullopt, 40 + static_cast<double>(rng() % 20));
    s.alarm_name = absl::StrCat("cpu-", i);
    s.metric = metric(i % kMetrics);
    s.evaluation_periods = 1 + static_cast<int>(rng() % (i % 7 == 0 ? 64 : 5));
    s.datapoints_to_alarm = 1 + static_cast<int>(rng() % s.evaluation_periods);
    s.treat_missing_data = static_cast<TreatMissingData>(rng() % 4);
    if (i % 11 == 0) s.period = absl::Seconds(300);  // Breaks the runs.
    ASSERT_TRUE(one.PutMetricAlarm(s, At(-7200)).ok());
    ASSERT_TRUE(two.PutMetricAlarm(s, At(-7200)).ok());
  }
  int transitions = 0;
  for (int k = -66; k < 25; ++k) {
    for (int m = 0; m < kMetrics; ++m) {
      if (rng() % 13 == 0) continue;  // A missing minute.
      MetricDatum d;
      d.metric = metric(m);
      d.timestamp = At(k * 60 + 5 + (rng() % 7 == 0 ? -180 : 0));  // Late.
      d.value = static_cast<double>(rng() % 100);
      ASSERT_EQ(store_a.Put(d, "d").ok(), store_b.Put(d, "d").ok());
    }
    if (k > 0 && k % 5 == 0) {
      // At the horizon, or 1 to 40 minutes inside the longest ranges.
      absl::Time drop = one.RetentionHorizon(At(k * 60 + 60));
      if (k % 10 == 0) drop += absl::Minutes(1 + static_cast<int>(rng() % 40));
      store_a.DropBefore(drop);
      store_b.DropBefore(drop);
    }
    if (k < 0) continue;
    const EvaluationReport a = one.Evaluate(At(k * 60 + 60));
    const EvaluationReport b = two.Evaluate(At(k * 60 + 60), 2);
    ASSERT_EQ(a.evaluated, b.evaluated) << "minute " << k;
    ASSERT_EQ(a.transitions, b.transitions) << "minute " << k;
    ASSERT_EQ(a.actions, b.actions) << "minute " << k;
    transitions += a.transitions;
    ASSERT_EQ(cwalarm_testing::FirstHistoryDifference(one.TakeHistory(),
                                                      two.TakeHistory()),
              "")
        << "minute " << k;
  }
  EXPECT_GT(transitions, 100);  // Not vacuous.
}

// RetentionHorizon keeps its bounds across puts, updates and deletions
// (recomputing them when an alarm that may have set one goes): after each
// of random operations on a few alarms (one-minute and 10-second
// granularities, ranges from 10 s to a day, anomaly-detection alarms with
// Periods 60 to 3600, the longest alarm updated shorter or deleted, the
// last alarm deleted), it equals the horizon of a new evaluator holding the
// same alarms.
TEST(AlarmEvaluatorIncrementalTest, RetentionHorizonFollowsPutsAndDeletes) {
  constexpr int kNames = 6;
  std::mt19937_64 rng(3);
  MetricStore store;
  RecordingSink sink;
  AlarmEvaluator evaluator(&store, &sink);
  std::optional<AlarmSpec> live[kNames];
  auto random_spec = [&](int name) {
    static const int kPeriods[] = {10, 30, 60, 300, 3600, 86400};
    AlarmSpec s;
    if (rng() % 4 == 0) {
      MetricDataQuery latency;
      latency.id = "m1";
      latency.metric_stat.emplace();
      latency.metric_stat->metric = Cpu();
      latency.metric_stat->period = absl::Seconds(kPeriods[2 + rng() % 3]);
      latency.metric_stat->stat = "Average";
      latency.return_data = true;
      MetricDataQuery band;
      band.id = "ad1";
      band.expression = "ANOMALY_DETECTION_BAND(m1, 2)";
      s.metrics = {latency, band};
      s.threshold_metric_id = "ad1";
      s.comparison_operator =
          ComparisonOperator::kLessThanLowerOrGreaterThanUpperThreshold;
      s.evaluation_periods = 1 + static_cast<int>(rng() % 3);
    } else {
      s = CpuAlarm(kPeriods[rng() % 6]);
      s.evaluation_periods = 1 + static_cast<int>(rng() % 5);
    }
    s.alarm_name = absl::StrCat("alarm-", name);
    return s;
  };
  const absl::Time now = At(12345);
  for (int op = 0; op < 200; ++op) {
    const int name = static_cast<int>(rng() % kNames);
    if (live[name].has_value() && rng() % 3 == 0) {
      ASSERT_TRUE(
          evaluator.DeleteAlarm(live[name]->alarm_name, now).ok());
      live[name].reset();
    } else {
      AlarmSpec s = random_spec(name);
      ASSERT_TRUE(evaluator.PutMetricAlarm(s, now).ok()) << op;
      live[name] = s;
    }
    MetricStore fresh_store;
    AlarmEvaluator fresh(&fresh_store, &sink);
    for (const std::optional<AlarmSpec>& s : live) {
      if (s.has_value()) {
        ASSERT_TRUE(fresh.PutMetricAlarm(*s, now).ok());
      }
    }
    for (absl::Time t : {now, now + absl::Seconds(37), now + absl::Hours(5)}) {
      ASSERT_EQ(evaluator.RetentionHorizon(t), fresh.RetentionHorizon(t))
          << "op " << op;
    }
  }
}

// A deleted alarm is not evaluated (spec 2: DeleteAlarms), also when it was
// on the Period-60 minute path with its masks cached: the loop tests only
// the record's fast-path kind, which DeleteAlarm clears.
TEST(AlarmEvaluatorIncrementalTest, DeletedMinuteAlarmIsNotEvaluated) {
  MetricStore store;
  RecordingSink sink;
  AlarmEvaluator evaluator(&store, &sink);
  AlarmSpec kept = CpuAlarm(60);
  kept.alarm_name = "kept";
  AlarmSpec deleted = CpuAlarm(60);
  deleted.alarm_name = "deleted";
  deleted.alarm_actions = {"arn:aws:sns:us-east-1:123456789012:ops"};
  ASSERT_TRUE(evaluator.PutMetricAlarm(kept, At(-600)).ok());
  ASSERT_TRUE(evaluator.PutMetricAlarm(deleted, At(-600)).ok());
  for (int k = 0; k < 10; ++k) {
    store.Add(store.Intern(Cpu()), Unit::kNone, At(k * 60 + 5),
              StatisticSet::Of(k < 6 ? 10 : 90));
    if (k == 7) {
      ASSERT_TRUE(evaluator.DeleteAlarm("deleted", At(k * 60)).ok());
    }
    const EvaluationReport r = evaluator.Evaluate(At(k * 60 + 65));
    EXPECT_EQ(r.evaluated, k < 7 ? 2 : 1) << "minute " << k;
  }
  // Both went OK; only the kept one reached ALARM (after the deletion).
  EXPECT_EQ(evaluator.FindStatus("kept")->state, AlarmState::kAlarm);
  EXPECT_EQ(evaluator.FindStatus("deleted"), nullptr);
  EXPECT_TRUE(sink.actions().empty());
}

// Evaluate prefetches the metrics' tails only for rounds of 4096 alarms or
// more (two copies of its loop): an evaluator holding 4200 random alarms
// (every period, statistic, unit filter and TreatMissingData; fresh data
// every minute with late and future data, spec 3.7; updates, which reset
// an alarm's masks; deletions, which leave free slots the minute path must
// skip) gives byte-identical history and reports to two evaluators of 2100
// alarms each (no prefetching) fed the same calls, their history in slot
// order one after the other.
TEST(AlarmEvaluatorIncrementalTest, PrefetchingRoundEqualsRoundsWithout) {
  constexpr int kAlarms = 4200;
  constexpr int kHalf = kAlarms / 2;
  cwalarm_testing::Trial<std::mt19937_64> t(5, std::mt19937_64(5));
  MetricStore big_store, store_a, store_b;
  RecordingSink big_sink, sink_a, sink_b;
  AlarmEvaluator big(&big_store, &big_sink);
  AlarmEvaluator half_a(&store_a, &sink_a);
  AlarmEvaluator half_b(&store_b, &sink_b);
  absl::Time now = absl::FromUnixSeconds(cwalarm_testing::kStart);
  std::vector<AlarmSpec> specs;
  for (int i = 0; i < kAlarms; ++i) {
    AlarmSpec s = t.RandomAlarm(i);
    // Mostly Period 60, the path the two loops differ on.
    if (t.Chance(0.7)) s.period = absl::Seconds(60);
    AlarmEvaluator& half = i < kHalf ? half_a : half_b;
    ASSERT_EQ(big.PutMetricAlarm(s, now).ok(),
              half.PutMetricAlarm(s, now).ok());
    specs.push_back(s);
  }
  // The three histories, taken: the big evaluator's must be the halves'.
  auto same_history = [&](int tick) {
    std::vector<AlarmHistoryItem> h = big.TakeHistory();
    std::vector<AlarmHistoryItem> ha = half_a.TakeHistory();
    std::vector<AlarmHistoryItem> hb = half_b.TakeHistory();
    ha.insert(ha.end(), hb.begin(), hb.end());
    const std::string difference =
        cwalarm_testing::FirstHistoryDifference(h, ha);
    EXPECT_EQ(difference, "") << "tick " << tick;
    return difference.empty();
  };
  ASSERT_TRUE(same_history(-1));
  int transitions = 0;
  int minute_rounds = 0;
  for (int tick = 0; tick < 40; ++tick) {
    now += absl::Seconds(60);
    for (int which = 0; which < 2; ++which) {
      for (bool reversed : {false, true}) {
        if (t.Chance(0.1)) continue;  // A missing minute.
        MetricDatum d;
        d.metric = t.Metric(which, reversed);
        d.timestamp = now - absl::Seconds(t.Uniform(1, 59));
        d.value = t.HalfStep(-2, 12);
        for (MetricStore* s : {&big_store, &store_a, &store_b}) {
          ASSERT_TRUE(s->Put(d, "d").ok());
        }
      }
    }
    if (t.Chance(0.3)) {  // Late, future or odd data.
      MetricDatum d = t.RandomDatum(now, 3600);
      for (MetricStore* s : {&big_store, &store_a, &store_b}) {
        (void)s->Put(d, "d");
      }
    }
    if (t.Chance(0.2)) {  // An update resets that alarm's masks.
      const int i = t.Uniform(0, kAlarms - 1);
      AlarmSpec s = t.RandomAlarm(i);
      (void)big.PutMetricAlarm(s, now);
      (void)(i < kHalf ? half_a : half_b).PutMetricAlarm(s, now);
    }
    if (tick % 10 == 5) {  // A deletion leaves a free slot in both.
      const int i = t.Uniform(0, kAlarms - 1);
      const std::string& name = specs[i].alarm_name;
      EXPECT_EQ(big.DeleteAlarm(name, now).ok(),
                (i < kHalf ? half_a : half_b).DeleteAlarm(name, now).ok());
    }
    // Configuration items, in the order of the calls.
    ASSERT_TRUE(same_history(tick));
    const EvaluationReport r = big.Evaluate(now);
    const EvaluationReport ra = half_a.Evaluate(now);
    const EvaluationReport rb = half_b.Evaluate(now);
    ASSERT_EQ(r.evaluated, ra.evaluated + rb.evaluated) << "tick " << tick;
    ASSERT_EQ(r.transitions, ra.transitions + rb.transitions);
    ASSERT_EQ(r.actions, ra.actions + rb.actions);
    transitions += r.transitions;
    if (r.evaluated > kAlarms / 2) ++minute_rounds;
    ASSERT_TRUE(same_history(tick));
  }
  // Not vacuous: alarms transition, and most rounds evaluate most alarms.
  EXPECT_GT(transitions, 1000);
  EXPECT_GT(minute_rounds, 30);
}

// The serial round takes steady Period-60 alarms and steady sliding alarms
// (Period 300, 600 and 3600: one-word and ring histories) in two loops,
// switching between them in slot order, and hands every other alarm to
// the general path one at a time. Slots of every kind, in random order with
// runs of one kind (so both loops run long and short stretches): Period
// 60, 300, 600 and 3600, Period 60 with more than 64 periods in range and
// high resolution (Period 10), which the general path takes, and free
// slots (deleted alarms, some reused by later alarms).
// Minute data on two metrics (with gaps, late data before the windows,
// half-integer values that the running windows cannot total) and an
// evaluation every minute, some skipped (then no alarm is one minute on):
// history and reports equal the reference's after every round.
TEST(AlarmEvaluatorIncrementalTest, MixedRoundInSlotOrderMatchesReference) {
  cwalarm_testing::Trial<std::mt19937_64> t(11, std::mt19937_64(11));
  MetricStore store;
  RecordingSink fast_sink, ref_sink;
  AlarmEvaluator fast(&store, &fast_sink);
  ReferenceEvaluator ref(&ref_sink);
  absl::Time now = absl::FromUnixSeconds(cwalarm_testing::kStart);
  enum Kind { kP60, kP300, kP600, kP3600, kLongRange, kHighRes, kKinds };
  auto make = [&t](int index, int kind) {
    AlarmSpec s = t.RandomAlarm(index);
    // Dimensions in name order (Az, Host): the evaluator's Delete item
    // lists them in that order whatever the spec's order, the reference's
    // in the spec's (a difference this test is not about).
    s.metric = t.Metric(index % 2, true);
    switch (kind) {
      case kP60:
        s.period = absl::Seconds(60);
        break;
      case kP300:
        s.period = absl::Seconds(300);
        break;
      case kP600:  // Up to 41 minutes of verdicts: one word.
        s.period = absl::Seconds(600);
        break;
      case kP3600:  // 121 to 241 minutes: the rings.
        s.period = absl::Seconds(3600);
        s.evaluation_periods = t.Uniform(3, 5);
        s.datapoints_to_alarm = t.Uniform(1, s.evaluation_periods);
        break;
      case kLongRange:  // R > 64: the whole range, every time.
        s.period = absl::Seconds(60);
        s.evaluation_periods = t.Uniform(65, 70);
        s.datapoints_to_alarm = t.Uniform(1, s.evaluation_periods);
        break;
      default:
        s.period = absl::Seconds(10);
        break;
    }
    return s;
  };
  std::vector<std::string> names;
  int kind = kP60;
  auto put = [&](int index) {
    // Runs: the previous slot's kind again more often than not.
    if (!t.Chance(0.6)) kind = t.Uniform(0, kKinds - 1);
    const AlarmSpec s = make(index, kind);
    const absl::Status a = fast.PutMetricAlarm(s, now);
    ASSERT_TRUE(a.ok()) << a;
    const absl::Status b = ref.PutMetricAlarm(s, now);
    ASSERT_TRUE(b.ok()) << b;
    names.push_back(s.alarm_name);
  };
  constexpr int kAlarms = 60;
  for (int i = 0; i < kAlarms; ++i) put(i);
  auto compare = [&](int minute, const EvaluationReport& a,
                     const EvaluationReport& b) {
    EXPECT_EQ(a.evaluated, b.evaluated) << "minute " << minute;
    EXPECT_EQ(a.transitions, b.transitions) << "minute " << minute;
    EXPECT_EQ(a.actions, b.actions) << "minute " << minute;
    std::vector<AlarmHistoryItem> ha = fast.TakeHistory();
    std::vector<AlarmHistoryItem> hb = ref.TakeHistory();
    // The evaluator writes a round's items in slot order, which a reused
    // slot makes differ from the reference's: compared alarm by alarm.
    const auto by_name = [](const AlarmHistoryItem& x,
                            const AlarmHistoryItem& y) {
      return x.alarm_name < y.alarm_name;
    };
    std::stable_sort(ha.begin(), ha.end(), by_name);
    std::stable_sort(hb.begin(), hb.end(), by_name);
    const std::string difference =
        cwalarm_testing::FirstHistoryDifference(ha, hb);
    EXPECT_EQ(difference, "") << "minute " << minute;
    return difference.empty() && a.evaluated == b.evaluated;
  };
  int transitions = 0;
  int next_index = kAlarms;
  for (int minute = 1; minute <= 300; ++minute) {
    now += absl::Seconds(60);
    for (int which = 0; which < 2; ++which) {
      for (bool reversed : {false, true}) {
        if (t.Chance(0.1)) continue;  // A missing minute.
        MetricDatum d;
        d.metric = t.Metric(which, reversed);
        d.timestamp = now - absl::Seconds(t.Uniform(1, 59));
        // Mostly integers (the running windows' exact totals), sometimes
        // a half.
        d.value = t.Chance(0.9) ? t.Uniform(-2, 12) : t.HalfStep(-2, 12);
        if (t.Chance(0.1)) d.unit = Unit::kCount;
        ASSERT_TRUE(store.Put(d, "d").ok());
        ASSERT_TRUE(ref.PutMetricData(d, "d").ok());
      }
    }
    if (t.Chance(0.1)) {  // Late, future or odd data.
      const MetricDatum d = t.RandomDatum(now, 3600);
      const absl::Status a = store.Put(d, "d");
      const absl::Status b = ref.PutMetricData(d, "d");
      ASSERT_EQ(a.ok(), b.ok());
    }
    if (minute % 40 == 20) {  // Free slots; later puts reuse them.
      for (int k = 0; k < 3; ++k) {
        const std::string& name =
            names[t.Uniform(0, static_cast<int>(names.size()) - 1)];
        const bool deleted = fast.DeleteAlarm(name, now).ok();
        ASSERT_EQ(deleted, ref.DeleteAlarm(name, now).ok());
      }
    }
    if (minute % 40 == 30) put(next_index++);
    if (t.Chance(0.05)) continue;  // A skipped evaluation.
    const EvaluationReport a = fast.Evaluate(now);
    const EvaluationReport b = ref.Evaluate(now);
    transitions += a.transitions;
    ASSERT_TRUE(compare(minute, a, b));
  }
  EXPECT_GT(transitions, 50);  // Not vacuous: cold work within the runs.
}

}  // namespace
}  // namespace cwalarm
