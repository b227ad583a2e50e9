// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Randomized differential test: AlarmEvaluator (MetricStore cells, Decide)
// against ReferenceEvaluator (raw samples, spec 3.4 transcribed), fed the
// same alarms and the same data on the same schedule. Every history item
// (all fields) and every final status must be identical.
//
// Deterministic: a fixed list of seeds, one std::mt19937_64 each. Values are
// multiples of 0.5 of small magnitude so that every sum is exact whatever
// the summation order (the two sides sum in different orders, and CloudWatch
// does not specify one).

#include <cstdint>
#include <random>
#include <string>

#include "absl/time/time.h"
#include "actions/recording_sink.h"
#include "alarm/alarm_spec.h"
#include "alarm/reference_evaluator.h"
#include "gtest/gtest.h"
#include "metrics/datapoint.h"
#include "metrics/metric_store.h"
#include "metrics/statistic.h"
#include "tests/testing/differential_trial.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::kStart;
using ::cwalarm_testing::kTopic;

using Trial = ::cwalarm_testing::Trial<std::mt19937_64>;

// Runs one seeded trial; returns "" or a description of the first mismatch.
std::string RunTrial(uint64_t seed) {
  return ::cwalarm_testing::RunDifferentialTrial(seed, std::mt19937_64(seed));
}

TEST(ReferenceEvaluatorPropertyTest, MatchesAlarmEvaluatorOnRandomHistories) {
  // Fixed seeds: the same 300 trials on every run (odd seeds drop data).
  int failures = 0;
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    std::string mismatch = RunTrial(seed * 0x9E3779B97F4A7C15ull);
    if (!mismatch.empty()) {
      ADD_FAILURE() << mismatch;
      if (++failures >= 3) break;  // The first few are enough to debug.
    }
  }
}

TEST(ReferenceEvaluatorPropertyTest, ProducesHistoryOnRandomHistories) {
  // Guards against a vacuous comparison: the trials do transition and act.
  Trial t(42, std::mt19937_64(42));
  MetricStore store;
  RecordingSink sink;
  ReferenceEvaluator ref(&sink);
  AlarmSpec s;
  s.alarm_name = "cpu";
  s.metric = t.Metric(1, false);
  s.statistic = Statistic::kMaximum;
  s.period = absl::Seconds(60);
  s.evaluation_periods = 2;
  s.threshold = 5;
  s.alarm_actions = {kTopic};
  ASSERT_TRUE(ref.PutMetricAlarm(s, absl::FromUnixSeconds(kStart)).ok());
  for (int i = 0; i < 5; ++i) {
    MetricDatum d;
    d.metric = s.metric;
    d.timestamp = absl::FromUnixSeconds(kStart + 60 * i);
    d.value = 10;
    ASSERT_TRUE(ref.PutMetricData(d, "d").ok());
    ref.Evaluate(absl::FromUnixSeconds(kStart + 60 * i + 61));
  }
  EXPECT_EQ(ref.FindStatus("cpu")->state, AlarmState::kAlarm);
  EXPECT_EQ(sink.actions().size(), 1u);
}

}  // namespace
}  // namespace cwalarm
