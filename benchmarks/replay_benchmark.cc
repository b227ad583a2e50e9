// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Replay: D days of one-minute data through 1000 alarms, in process (store
// and evaluator, no file parsing). Each simulated minute adds one sample per
// metric through MetricStore::Add, evaluates every alarm once, takes the
// history (and clears the RecordingSink's record), and drops cells no
// alarm can reach every 16 minutes; all of it is timed. A year is 525,600
// minutes: D = 365 measures it (no extrapolation; its real time is the
// year figure), and the counter `year_seconds` scales
// each size's rate to 365 days (factor 365 / D), so D = 1, 7, 365 show
// whether the cost per day stays flat. The counter `transitions_per_day`
// matters: each transition builds its reason text, reason-data JSON and
// history item, which costs far more than an evaluation without one.
//
// The signal is a daily sine with noise, crossing the threshold a few times
// a day for a third of the alarms, so transitions, reasons and history are
// part of the cost (counter `transitions`).

#include <cmath>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "actions/recording_sink.h"
#include "alarm/alarm_evaluator.h"
#include "alarm/alarm_spec.h"
#include "benchmark/benchmark.h"
#include "metrics/metric_id.h"
#include "metrics/metric_store.h"
#include "metrics/statistic.h"

namespace cwalarm {
namespace {

constexpr int64_t kStart = 1767225600;  // 2026-01-01T00:00:00Z.
constexpr int kAlarms = 1000;

void BM_Replay_ThousandAlarmsOneMinuteData(benchmark::State& state) {
  const int64_t days = state.range(0);
  const int64_t minutes = days * 24 * 60;
  int64_t transitions = 0;
  for (auto _ : state) {
    state.PauseTiming();
    MetricStore store;
    RecordingSink sink;
    AlarmEvaluator evaluator(&store, &sink);
    std::vector<MetricIndex> metrics;
    static const TreatMissingData kTmd[] = {
        TreatMissingData::kMissing, TreatMissingData::kIgnore,
        TreatMissingData::kBreaching, TreatMissingData::kNotBreaching};
    for (int i = 0; i < kAlarms; ++i) {
      AlarmSpec s;
      s.alarm_name = absl::StrCat("alarm-", i);
      s.metric.metric_namespace = "Bench/App";
      s.metric.metric_name = "CPUUtilization";
      s.metric.dimensions = {{"InstanceId", absl::StrCat("i-", i)}};
      s.statistic = Statistic::kAverage;
      s.period = absl::Seconds(60);
      s.evaluation_periods = 3 + i % 3;
      s.datapoints_to_alarm = 1 + i % s.evaluation_periods;
      // A third of the alarms sit where the signal crosses them.
      s.threshold = i % 3 == 0 ? 80 : 200;
      s.comparison_operator = ComparisonOperator::kGreaterThanThreshold;
      s.treat_missing_data = kTmd[i % 4];
      s.alarm_actions = {"arn:aws:sns:us-east-1:123456789012:ops"};
      metrics.push_back(store.Intern(s.metric));
      (void)evaluator.PutMetricAlarm(std::move(s), absl::FromUnixSeconds(kStart));
    }
    evaluator.TakeHistory();
    uint64_t noise = 88172645463325252ull;
    state.ResumeTiming();
    for (int64_t k = 0; k < minutes; ++k) {
      const absl::Time t = absl::FromUnixSeconds(kStart + 60 * k);
      const absl::Time sample_time = t + absl::Seconds(5);
      const double base = 50 + 35 * std::sin(k * (2 * M_PI / 1440));
      for (int i = 0; i < kAlarms; ++i) {
        noise ^= noise << 13;
        noise ^= noise >> 7;
        noise ^= noise << 17;
        if ((noise & 63) == 0) continue;  // ~1.5% missing samples.
        double v = base + static_cast<double>(noise % 2000) / 100.0;
        store.Add(metrics[i], Unit::kNone, sample_time, StatisticSet::Of(v));
      }
      EvaluationReport r = evaluator.Evaluate(t + absl::Seconds(70));
      transitions += r.transitions;
      evaluator.TakeHistory();
      // The sink's record is dropped with the history: kept, it would grow
      // by ~1 KB per action for the whole run (1.7 M actions in a year).
      sink.Clear();
      if (k % 16 == 0) {
        store.DropBefore(evaluator.RetentionHorizon(t + absl::Seconds(70)));
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * minutes * kAlarms);
  state.counters["transitions"] =
      static_cast<double>(transitions) / static_cast<double>(state.iterations());
  state.counters["transitions_per_day"] =
      static_cast<double>(transitions) /
      static_cast<double>(state.iterations() * days);
  // Seconds a 365-day replay would take at the measured rate.
  state.counters["year_seconds"] = benchmark::Counter(
      static_cast<double>(state.iterations() * days) / 365.0,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_Replay_ThousandAlarmsOneMinuteData)
    ->ArgName("days")
    ->Arg(1)
    ->Arg(7)
    ->Arg(365)
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cwalarm
