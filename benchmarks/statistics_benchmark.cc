// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Issue 3 hot paths: PutMetricData throughput for raw samples (`Values`) and
// for statistic sets, with and without the raw-sample store that
// extended-statistic alarms enable; and the cost of one percentile per bucket,
// exact (SampleDistribution below 1024 distinct values, or sorting every raw
// sample) vs the sketch.
//
//   bazel run -c opt //benchmarks:statistics_benchmark

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "metrics/datapoint.h"
#include "metrics/extended_statistic.h"
#include "metrics/metric_id.h"
#include "metrics/metric_store.h"
#include "metrics/sample_distribution.h"
#include "metrics/statistic.h"

namespace cwalarm {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1710590400);

MetricId Latency() { return {"Shop", "Latency", {{"Service", "api"}}}; }

// Latencies with a heavy tail (log-normal-ish), in milliseconds.
std::vector<double> Latencies(size_t n, uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> dist(3.0, 1.0);
  std::vector<double> v(n);
  for (double& x : v) x = dist(rng);
  return v;
}

// One datum per second with `values_per_datum` raw values (state.range(0));
// state.range(1) = 1 enables the raw-sample store (an extended-statistic
// alarm watches the metric).
void BM_MetricStore_PutRawValues(benchmark::State& state) {
  const size_t per_datum = static_cast<size_t>(state.range(0));
  const bool samples = state.range(1) != 0;
  const std::vector<double> values = Latencies(per_datum);
  const absl::Time clock = kStart + absl::Hours(1);
  // One request of 20 datums, one per 10-second cell, put again and again
  // (the cells exist after the first round: the steady state of a busy
  // metric).
  std::vector<MetricDatum> request(20);
  for (size_t i = 0; i < request.size(); ++i) {
    request[i].metric = Latency();
    request[i].timestamp = kStart + absl::Seconds(10 * static_cast<int64_t>(i));
    request[i].storage_resolution = 1;
    request[i].values = values;
  }
  MetricStore store;
  MetricIndex m = store.Intern(Latency());
  if (samples) store.EnableSamples(m);
  for (auto _ : state) {
    PutMetricDataResult r = store.PutMetricData(request, clock);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<int64_t>(request.size() * per_datum));
  state.SetLabel(samples ? "raw samples kept" : "statistic sets only");
}
BENCHMARK(BM_MetricStore_PutRawValues)
    ->Args({1, 0})
    ->Args({1, 1})
    ->Args({150, 0})
    ->Args({150, 1});

void BM_MetricStore_PutStatisticSets(benchmark::State& state) {
  const bool samples = state.range(0) != 0;
  const absl::Time clock = kStart + absl::Hours(1);
  std::vector<MetricDatum> request(20);
  for (size_t i = 0; i < request.size(); ++i) {
    request[i].metric = Latency();
    request[i].timestamp = kStart + absl::Seconds(10 * static_cast<int64_t>(i));
    request[i].storage_resolution = 1;
    request[i].statistic_values = StatisticSet{100, 2500, 3, 400};
  }
  MetricStore store;
  MetricIndex m = store.Intern(Latency());
  if (samples) store.EnableSamples(m);
  for (auto _ : state) {
    PutMetricDataResult r = store.PutMetricData(request, clock);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<int64_t>(request.size()));
  state.SetLabel(samples ? "raw samples kept" : "statistic sets only");
}
BENCHMARK(BM_MetricStore_PutStatisticSets)->Arg(0)->Arg(1);

// p99 of one bucket of n samples from its SampleDistribution: exact while
// n <= 1024 distinct values, the sketch beyond.
void BM_SampleDistribution_P99PerBucket(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  SampleDistribution d;
  for (double v : Latencies(n)) d.Add(v);
  ExtendedStatistic p99 = *ParseExtendedStatistic("p99");
  std::vector<WeightedValue> scratch;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ComputeExtendedStatistic(
        p99, d, PercentileEstimator::kNearestRank, &scratch));
  }
  state.SetLabel(d.exact() ? "exact" : "sketch");
  state.counters["bytes"] = static_cast<double>(d.MemoryBytes());
}
BENCHMARK(BM_SampleDistribution_P99PerBucket)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Arg(1000000);

// The exact alternative for large buckets: keep every raw sample and select
// the p99 (nth_element on a copy) at each evaluation.
void BM_ExactRawSamples_P99PerBucket(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const std::vector<double> raw = Latencies(n);
  std::vector<double> copy;
  for (auto _ : state) {
    copy = raw;
    size_t k = static_cast<size_t>(0.99 * static_cast<double>(n));
    std::nth_element(copy.begin(), copy.begin() + static_cast<std::ptrdiff_t>(k),
                     copy.end());
    benchmark::DoNotOptimize(copy[k]);
  }
  state.counters["bytes"] = static_cast<double>(n * sizeof(double));
}
BENCHMARK(BM_ExactRawSamples_P99PerBucket)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Arg(1000000);

// Merging the six 10-second cells of a one-minute bucket, each a sketch.
void BM_SampleDistribution_MergeSixSketchCells(benchmark::State& state) {
  std::vector<SampleDistribution> cells(6);
  for (size_t i = 0; i < cells.size(); ++i) {
    for (double v : Latencies(5000, i + 1)) cells[i].Add(v);
  }
  SampleDistribution bucket;
  for (auto _ : state) {
    bucket.Clear();
    for (const SampleDistribution& c : cells) bucket.Merge(c);
    benchmark::DoNotOptimize(bucket);
  }
}
BENCHMARK(BM_SampleDistribution_MergeSixSketchCells);

}  // namespace
}  // namespace cwalarm
