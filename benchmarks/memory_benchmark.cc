// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Memory per alarm and per metric, measured: the heap in use (glibc
// mallinfo2: small blocks in use plus mmapped blocks, so allocator overhead
// and container slack are included) plus the blocks the library maps itself
// on huge pages (internal::HugePageBytesMapped, which mallinfo2 does not
// see), before and after inserting N alarms or interning N metrics,
// divided by N. Reported as counters; the timing of these benchmarks is
// incidental.
//
//   BM_Memory_AlarmEvaluatorPerAlarm/<alarms>: PutMetricAlarm of N typical
//     alarms (20-character name, one dimension, one SNS action), metrics
//     interned beforehand so that only the evaluator's state is counted.
//   BM_Memory_AlarmEvaluatorPerAlarmReserved/<alarms>: the same after
//     AlarmEvaluator::Reserve(N) (no growth slack).
//   BM_Memory_AlarmEvaluatorPerAlarmPeriod300/<alarms>: the Reserved case
//     with Period 300 alarms (sliding: their running window, 32 bytes, in
//     a vector that grows up to the reserved count).
//   BM_Memory_AlarmEvaluatorPerAlarmTransitioned/<alarms>: the same after
//     every alarm has made one transition (its reason strings held).
//   BM_Memory_MetricStorePerMetric/<metrics>: Intern of N metrics with no
//     data (identity and index).
//   BM_Memory_MetricStorePerMetricReserved/<metrics>: the same after
//     MetricStore::Reserve(N) (no spare records).
//   BM_Memory_MetricStorePerCell/<metrics>: the data of one evaluation range,
//     5 one-minute samples per metric (Period 60, N 3, R 5).
//   BM_Memory_ReferenceEvaluatorPerAlarm/<alarms>: the baseline's alarm state.

#include <malloc.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "actions/recording_sink.h"
#include "alarm/alarm_evaluator.h"
#include "alarm/alarm_spec.h"
#include "alarm/reference_evaluator.h"
#include "benchmark/benchmark.h"
#include "metrics/huge_page_allocator.h"
#include "metrics/metric_id.h"
#include "metrics/metric_store.h"
#include "metrics/statistic.h"

namespace cwalarm {
namespace {

constexpr int64_t kStart = 1767225600;  // 2026-01-01T00:00:00Z.

double HeapInUse() {
  struct mallinfo2 mi = mallinfo2();
  return static_cast<double>(mi.uordblks + mi.hblkhd +
                             internal::HugePageBytesMapped());
}

MetricId MetricFor(int64_t i) {
  MetricId id;
  id.metric_namespace = "AWS/EC2";
  id.metric_name = "CPUUtilization";
  id.dimensions = {{"InstanceId", absl::StrCat("i-0123456789", i)}};
  return id;
}

AlarmSpec AlarmFor(int64_t i, int period_seconds = 60) {
  AlarmSpec s;
  s.alarm_name = absl::StrCat("cpu-high-i-", 1000000000 + i);  // 20 chars.
  s.metric = MetricFor(i);
  s.statistic = Statistic::kAverage;
  s.period = absl::Seconds(period_seconds);
  s.evaluation_periods = 3;
  s.threshold = 80;
  s.comparison_operator = ComparisonOperator::kGreaterThanThreshold;
  s.alarm_actions = {"arn:aws:sns:us-east-1:123456789012:ops"};
  return s;
}

// Runs what the measurements run, once, on a throwaway evaluator: the
// process makes some allocations on first use only (about 11 KB, held for
// the rest of the process and shared by every evaluator), which would
// otherwise be counted in whichever measurement runs first (11 bytes per
// alarm at 1000 alarms).
void WarmUpOnce() {
  static const bool done = [] {
    MetricStore store;
    RecordingSink sink;
    AlarmEvaluator evaluator(&store, &sink);
    const MetricIndex m = store.Intern(MetricFor(0));
    for (int k = 0; k < 5; ++k) {
      store.Add(m, Unit::kPercent, absl::FromUnixSeconds(kStart + 60 * k),
                StatisticSet::Of(42));
    }
    (void)evaluator.PutMetricAlarm(AlarmFor(0), absl::FromUnixSeconds(kStart));
    (void)evaluator.Evaluate(absl::FromUnixSeconds(kStart + 300));
    (void)evaluator.DescribeAlarms();
    evaluator.TakeHistory();
    return true;
  }();
  (void)done;
}

// The heap the evaluator holds for N alarms (AlarmFor), measured from
// before the specs are built to after they are put and freed: strings the
// evaluator keeps count, strings it copies and drops do not. With
// `transitioned`, every alarm has also made one transition (Evaluate over
// five minutes of data: INSUFFICIENT_DATA -> OK with its reason and reason
// data), so per-alarm status storage after use is counted too; the store's
// data is added before the first measurement.
void MeasureAlarmEvaluator(benchmark::State& state, bool transitioned,
                           bool reserved = false, int period_seconds = 60) {
  const int64_t n = state.range(0);
  double per_alarm = 0;
  WarmUpOnce();
  for (auto _ : state) {
    state.PauseTiming();
    MetricStore store;
    RecordingSink sink;
    auto evaluator = std::make_unique<AlarmEvaluator>(&store, &sink);
    for (int64_t i = 0; i < n; ++i) {
      const MetricIndex m = store.Intern(MetricFor(i));
      if (!transitioned) continue;
      for (int k = 0; k < 5; ++k) {
        store.Add(m, Unit::kPercent, absl::FromUnixSeconds(kStart + 60 * k),
                  StatisticSet::Of(42));
      }
    }
    const double before = HeapInUse();
    std::vector<AlarmSpec> specs;
    specs.reserve(n);
    for (int64_t i = 0; i < n; ++i) {
      specs.push_back(AlarmFor(i, period_seconds));
    }
    state.ResumeTiming();
    if (reserved) evaluator->Reserve(specs.size());
    for (AlarmSpec& s : specs) {
      (void)evaluator->PutMetricAlarm(std::move(s), absl::FromUnixSeconds(kStart));
    }
    state.PauseTiming();
    specs.clear();
    specs.shrink_to_fit();
    evaluator->TakeHistory();  // History is output, not state.
    if (transitioned) {
      EvaluationReport r =
          evaluator->Evaluate(absl::FromUnixSeconds(kStart + 300));
      if (r.transitions != n) state.SkipWithError("not every alarm moved");
      evaluator->TakeHistory();
    }
    per_alarm = (HeapInUse() - before) / static_cast<double>(n);
    evaluator.reset();
    state.ResumeTiming();
  }
  state.counters["bytes_per_alarm"] = per_alarm;
  state.SetItemsProcessed(state.iterations() * n);
}

void BM_Memory_AlarmEvaluatorPerAlarm(benchmark::State& state) {
  MeasureAlarmEvaluator(state, /*transitioned=*/false);
}
BENCHMARK(BM_Memory_AlarmEvaluatorPerAlarm)
    ->ArgName("alarms")
    ->RangeMultiplier(10)
    ->Range(1000, 1000000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// Reserved, with Period 300 alarms (sliding windows).
void BM_Memory_AlarmEvaluatorPerAlarmPeriod300(benchmark::State& state) {
  MeasureAlarmEvaluator(state, /*transitioned=*/false, /*reserved=*/true,
                        /*period_seconds=*/300);
}
BENCHMARK(BM_Memory_AlarmEvaluatorPerAlarmPeriod300)
    ->ArgName("alarms")
    ->RangeMultiplier(10)
    ->Range(1000, 1000000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// The same after AlarmEvaluator::Reserve(N), as a service that loads its
// alarms from a file of known size does (tools/replay.cc): the records are
// allocated once at their size, without the vectors' doubling slack.
void BM_Memory_AlarmEvaluatorPerAlarmReserved(benchmark::State& state) {
  MeasureAlarmEvaluator(state, /*transitioned=*/false, /*reserved=*/true);
}
BENCHMARK(BM_Memory_AlarmEvaluatorPerAlarmReserved)
    ->ArgName("alarms")
    ->RangeMultiplier(10)
    ->Range(1000, 1000000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

void BM_Memory_AlarmEvaluatorPerAlarmTransitioned(benchmark::State& state) {
  MeasureAlarmEvaluator(state, /*transitioned=*/true);
}
BENCHMARK(BM_Memory_AlarmEvaluatorPerAlarmTransitioned)
    ->ArgName("alarms")
    ->RangeMultiplier(10)
    ->Range(1000, 1000000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

void MeasureMetricStore(benchmark::State& state, bool reserved) {
  const int64_t n = state.range(0);
  double per_metric = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<MetricId> ids;
    ids.reserve(n);
    for (int64_t i = 0; i < n; ++i) ids.push_back(MetricFor(i));
    auto store = std::make_unique<MetricStore>();
    const double before = HeapInUse();
    state.ResumeTiming();
    if (reserved) store->Reserve(ids.size());
    for (const MetricId& id : ids) store->Intern(id);
    state.PauseTiming();
    per_metric = (HeapInUse() - before) / static_cast<double>(n);
    store.reset();
    state.ResumeTiming();
  }
  state.counters["bytes_per_metric"] = per_metric;
  state.SetItemsProcessed(state.iterations() * n);
}

void BM_Memory_MetricStorePerMetric(benchmark::State& state) {
  MeasureMetricStore(state, /*reserved=*/false);
}
BENCHMARK(BM_Memory_MetricStorePerMetric)
    ->ArgName("metrics")
    ->RangeMultiplier(10)
    ->Range(1000, 1000000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

void BM_Memory_MetricStorePerMetricReserved(benchmark::State& state) {
  MeasureMetricStore(state, /*reserved=*/true);
}
BENCHMARK(BM_Memory_MetricStorePerMetricReserved)
    ->ArgName("metrics")
    ->RangeMultiplier(10)
    ->Range(1000, 1000000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

void BM_Memory_MetricStorePerCell(benchmark::State& state) {
  const int64_t n = state.range(0);
  constexpr int kCells = 5;
  double per_metric = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto store = std::make_unique<MetricStore>();
    std::vector<MetricIndex> index;
    for (int64_t i = 0; i < n; ++i) index.push_back(store->Intern(MetricFor(i)));
    const double before = HeapInUse();
    state.ResumeTiming();
    for (int k = 0; k < kCells; ++k) {
      for (MetricIndex m : index) {
        store->Add(m, Unit::kPercent, absl::FromUnixSeconds(kStart + 60 * k),
                   StatisticSet::Of(42));
      }
    }
    state.PauseTiming();
    per_metric = (HeapInUse() - before) / static_cast<double>(n);
    store.reset();
    state.ResumeTiming();
  }
  state.counters["range_bytes_per_metric"] = per_metric;
  state.counters["bytes_per_cell"] = per_metric / kCells;
  state.SetItemsProcessed(state.iterations() * n * kCells);
}
BENCHMARK(BM_Memory_MetricStorePerCell)
    ->ArgName("metrics")
    ->RangeMultiplier(10)
    ->Range(1000, 1000000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

void BM_Memory_ReferenceEvaluatorPerAlarm(benchmark::State& state) {
  const int64_t n = state.range(0);
  double per_alarm = 0;
  for (auto _ : state) {
    state.PauseTiming();
    RecordingSink sink;
    auto ref = std::make_unique<ReferenceEvaluator>(&sink);
    const double before = HeapInUse();
    state.ResumeTiming();
    for (int64_t i = 0; i < n; ++i) {
      (void)ref->PutMetricAlarm(AlarmFor(i), absl::FromUnixSeconds(kStart));
    }
    state.PauseTiming();
    ref->TakeHistory();
    per_alarm = (HeapInUse() - before) / static_cast<double>(n);
    ref.reset();
    state.ResumeTiming();
  }
  state.counters["bytes_per_alarm"] = per_alarm;
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_Memory_ReferenceEvaluatorPerAlarm)
    ->ArgName("alarms")
    ->RangeMultiplier(10)
    ->Range(1000, 10000)  // Its lookup by name is linear.
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cwalarm
