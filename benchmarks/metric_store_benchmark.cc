// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Ingest and sliding aggregation of MetricStore.
//
//   BM_MetricStore_AddKnownMetrics/<metrics>: one sample per known metric
//     (already interned MetricIndex) per iteration through MetricStore::Add,
//     the batch fast path; items = samples.
//   BM_MetricStore_PutWithLookup/<metrics>: the same, but each sample is a
//     MetricDatum naming its metric (namespace, name, two dimensions) and goes
//     through MetricStore::Put: validation, key building and hash lookup.
//   BM_MetricStore_AggregateBuckets/<period>/<buckets>: one AggregateBuckets
//     call over R sliding buckets of a metric with one-minute data; items =
//     calls (one per alarm evaluation), counter cells_per_call.
//
// Retention (DropBefore) runs with the timer paused.

#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "metrics/datapoint.h"
#include "metrics/metric_id.h"
#include "metrics/metric_store.h"
#include "metrics/statistic.h"

namespace cwalarm {
namespace {

constexpr int64_t kStart = 1767225600;  // 2026-01-01T00:00:00Z.

MetricId MetricFor(int64_t i) {
  MetricId id;
  id.metric_namespace = "Bench/App";
  id.metric_name = "Latency";
  id.dimensions = {{"InstanceId", absl::StrCat("i-", i)},
                   {"AutoScalingGroupName", absl::StrCat("asg-", i % 100)}};
  return id;
}

void BM_MetricStore_AddKnownMetrics(benchmark::State& state) {
  const int64_t metrics = state.range(0);
  MetricStore store;
  std::vector<MetricIndex> index;
  index.reserve(metrics);
  for (int64_t i = 0; i < metrics; ++i) index.push_back(store.Intern(MetricFor(i)));
  int64_t minute = 0;
  for (auto _ : state) {
    const absl::Time t = absl::FromUnixSeconds(kStart + 60 * minute);
    const StatisticSet s = StatisticSet::Of(static_cast<double>(minute % 50));
    for (MetricIndex m : index) store.Add(m, Unit::kNone, t, s);
    ++minute;
    if (minute % 8 == 0) {
      state.PauseTiming();
      store.DropBefore(t - absl::Minutes(10));
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations() * metrics);
}
BENCHMARK(BM_MetricStore_AddKnownMetrics)
    ->ArgName("metrics")
    ->RangeMultiplier(10)
    ->Range(1000, 1000000)
    ->Unit(benchmark::kMicrosecond);

void BM_MetricStore_PutWithLookup(benchmark::State& state) {
  const int64_t metrics = state.range(0);
  MetricStore store;
  std::vector<MetricDatum> data(metrics);
  for (int64_t i = 0; i < metrics; ++i) {
    data[i].metric = MetricFor(i);
    data[i].unit = Unit::kMilliseconds;
    data[i].value = static_cast<double>(i % 50);
    store.Intern(data[i].metric);  // Known metrics: only the lookup is timed.
  }
  int64_t minute = 0;
  for (auto _ : state) {
    const absl::Time t = absl::FromUnixSeconds(kStart + 60 * minute);
    for (MetricDatum& d : data) {
      d.timestamp = t;
      benchmark::DoNotOptimize(store.Put(d, "MetricData"));
    }
    ++minute;
    if (minute % 8 == 0) {
      state.PauseTiming();
      store.DropBefore(t - absl::Minutes(10));
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations() * metrics);
}
BENCHMARK(BM_MetricStore_PutWithLookup)
    ->ArgName("metrics")
    ->RangeMultiplier(10)
    ->Range(1000, 1000000)
    ->Unit(benchmark::kMicrosecond);

void BM_MetricStore_AggregateBuckets(benchmark::State& state) {
  const int64_t period_seconds = state.range(0);
  const int64_t buckets = state.range(1);
  MetricStore store;
  const MetricIndex m = store.Intern(MetricFor(0));
  const int64_t minutes = period_seconds * buckets / 60 + 60;
  for (int64_t k = 0; k < minutes; ++k) {
    store.Add(m, Unit::kNone, absl::FromUnixSeconds(kStart + 60 * k),
              StatisticSet::Of(static_cast<double>(k % 50)));
  }
  std::vector<StatisticSet> out(buckets);
  // Slide the window minute by minute over the stored hour of slack.
  int64_t shift = 0;
  for (auto _ : state) {
    const absl::Time first = absl::FromUnixSeconds(kStart + 60 * (shift % 60));
    store.AggregateBuckets(m, std::nullopt, first, absl::Seconds(period_seconds),
                           absl::MakeSpan(out));
    benchmark::DoNotOptimize(out.data());
    ++shift;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["cells_per_call"] =
      static_cast<double>(period_seconds * buckets / 60);
}
BENCHMARK(BM_MetricStore_AggregateBuckets)
    ->ArgNames({"period", "buckets"})
    ->ArgsProduct({{60, 300, 3600}, {5, 7}});

}  // namespace
}  // namespace cwalarm
