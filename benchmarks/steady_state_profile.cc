// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// A fixed workload for instruction counting with callgrind, which is stable
// on noisy machines where wall-clock benchmarks are not: 10,000 alarms
// (Average > 100, N 3-5), two hours of one-minute data, one warm-up round,
// then 20 steady rounds (no transitions). As in a live service, each
// round's minute of data is stored just before the round (in `AddMinute`,
// not counted); the rounds themselves run in `SteadyRound`.
//
//   bazel build -c opt //benchmarks:steady_state_profile
//   valgrind --tool=callgrind --toggle-collect='*SteadyRound*' bazel-out/k8-opt/bin/benchmarks/steady_state_profile 60
//   (or 300, 3600)
//
// Instructions per evaluation = collected instructions / evaluations printed.

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "actions/recording_sink.h"
#include "alarm/alarm_evaluator.h"
#include "alarm/alarm_spec.h"
#include "metrics/metric_store.h"

namespace cwalarm {
namespace {

constexpr int kAlarms = 10000;
constexpr int64_t kStart = 1767225600;  // 2026-01-01T00:00:00Z.

// Kept out of line so callgrind can count exactly the rounds.
__attribute__((noinline)) int SteadyRound(AlarmEvaluator& evaluator, int r) {
  return evaluator.Evaluate(absl::FromUnixSeconds(kStart + 60 * r)).evaluated;
}

// Minute `minute`'s sample of every metric (at +5 s), not counted.
__attribute__((noinline)) void AddMinute(MetricStore& store,
                                         const std::vector<MetricIndex>& metrics,
                                         int minute) {
  for (MetricIndex m : metrics) {
    store.Add(m, Unit::kNone, absl::FromUnixSeconds(kStart + 60 * minute + 5),
              StatisticSet::Of(50));
  }
}

int Run(int period_seconds) {
  MetricStore store;
  RecordingSink sink;
  AlarmEvaluator evaluator(&store, &sink);
  std::vector<MetricIndex> metrics;
  for (int i = 0; i < kAlarms; ++i) {
    AlarmSpec s;
    s.alarm_name = absl::StrCat("alarm-", i);
    s.metric = {"Bench/App", "Latency", {{"InstanceId", absl::StrCat("i-", i)}}};
    s.statistic = Statistic::kAverage;
    s.period = absl::Seconds(period_seconds);
    s.evaluation_periods = 3 + i % 3;
    s.threshold = 100;
    s.comparison_operator = ComparisonOperator::kGreaterThanThreshold;
    absl::Status status = evaluator.PutMetricAlarm(s, absl::FromUnixSeconds(kStart));
    if (!status.ok()) {
      std::fprintf(stderr, "%s\n", std::string(status.message()).c_str());
      return 1;
    }
    metrics.push_back(store.Intern(s.metric));
  }
  for (int minute = -120; minute <= 0; ++minute) AddMinute(store, metrics, minute);
  evaluator.Evaluate(absl::FromUnixSeconds(kStart));  // Warm-up: -> OK.
  evaluator.TakeHistory();
  int evaluations = 0;
  for (int r = 1; r <= 20; ++r) {
    AddMinute(store, metrics, r);
    evaluations += SteadyRound(evaluator, r);
  }
  std::printf("%d evaluations\n", evaluations);
  return 0;
}

}  // namespace
}  // namespace cwalarm

int main(int argc, char** argv) {
  return cwalarm::Run(argc > 1 ? std::atoi(argv[1]) : 60);
}
