// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Ingest and sliding aggregation of MetricStore. Every ingest benchmark
// stores one-minute data (one new newest cell per metric per simulated
// minute) and reports items = samples, so items_per_second compares across
// them; the baselines run in the same binary, so ratios come from one run.
//
//   BM_VectorPushBackBaseline/<samples>: appends <samples> doubles to a
//     std::vector<double> (capacity kept): the memory-bandwidth floor of
//     storing anything.
//   BM_MetricStore_AddKnownMetrics/<metrics>: one sample per known metric
//     (already interned MetricIndex) per minute through MetricStore::Add, one
//     call per sample: the baseline of the batch API.
//   BM_MetricStore_AddScrape/<metrics>/<batch>: the same samples through
//     MetricStore::AddScrape, `batch` metrics per call (a scrape of one
//     target), all metrics per simulated minute, in MetricIndex order (the
//     order they were interned in). With /random:1 the metrics come in one
//     fixed random order instead, as when targets and senders do not
//     follow interning order: every sample then lands on another page of
//     the store's arrays, which is what huge pages are for.
//   BM_MetricStore_AddColumn/<metrics>/<run>: one AddColumn call per metric
//     with a run of `run` timestamps one minute apart.
//   BM_MetricStore_PutWithLookup/<metrics>: each sample is a MetricDatum
//     naming its metric (namespace, name, two dimensions) and goes through
//     MetricStore::Put: lookup by key, validation, storage.
//   BM_MetricStore_PutMetricData/<metrics>/<random>: the same datums
//     through PutMetricData in requests of 1000 (the API's per-request
//     limit), with the ingest-clock window checked; random:1 shuffles the
//     datums once, as AddScrape's /random:1.
//   BM_MetricStore_AggregateBuckets/<period>/<buckets>: one AggregateBuckets
//     call over R sliding buckets of a metric with one-minute data; items =
//     calls (one per alarm evaluation), counter cells_per_call.
//
// Retention (DropBefore) runs with the timer paused. For instruction counts
// (stable on a noisy machine) run one benchmark under callgrind with
// --toggle-collect='cwalarm::MetricStore::AddScrape*' (or Put, Add) and
// divide by the samples stored; docs/benchmarks.md has the commands.

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
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

// Interns `metrics` metrics and stores kWarmUpMinutes minutes of data for
// each, untimed, with the timed loops' retention, so that the timed loop
// sees steady state (vectors at their final capacity) even when it runs one
// iteration.
constexpr int64_t kWarmUpMinutes = 24;

void WarmUpRetain(MetricStore& store, int64_t minute) {
  if (minute % 8 == 0) {
    store.DropBefore(absl::FromUnixSeconds(kStart + 60 * (minute - 10)));
  }
}

std::vector<MetricIndex> InternAll(MetricStore& store, int64_t metrics) {
  std::vector<MetricIndex> index;
  index.reserve(static_cast<size_t>(metrics));
  for (int64_t i = 0; i < metrics; ++i) {
    index.push_back(store.Intern(MetricFor(i)));
  }
  for (int64_t minute = -kWarmUpMinutes; minute < 0; ++minute) {
    for (MetricIndex m : index) {
      store.Add(m, Unit::kNone, absl::FromUnixSeconds(kStart + 60 * minute),
                StatisticSet::Of(1));
    }
    WarmUpRetain(store, minute + 1);
  }
  return index;
}

// Keeps ten minutes of cells, outside the timed region, every 8 minutes.
void Retain(benchmark::State& state, MetricStore& store, int64_t minute) {
  if (minute % 8 != 0) return;
  state.PauseTiming();
  store.DropBefore(absl::FromUnixSeconds(kStart + 60 * (minute - 10)));
  state.ResumeTiming();
}

void BM_VectorPushBackBaseline(benchmark::State& state) {
  const int64_t samples = state.range(0);
  std::vector<double> v;
  v.reserve(static_cast<size_t>(samples));
  int64_t minute = 0;
  for (auto _ : state) {
    v.clear();  // Keeps the capacity, as the store's retention does.
    const double x = static_cast<double>(minute % 50);
    for (int64_t i = 0; i < samples; ++i) v.push_back(x + static_cast<double>(i & 7));
    benchmark::DoNotOptimize(v.data());
    benchmark::ClobberMemory();
    ++minute;
  }
  state.SetItemsProcessed(state.iterations() * samples);
}
BENCHMARK(BM_VectorPushBackBaseline)
    ->ArgName("samples")
    ->RangeMultiplier(10)
    ->Range(1000, 1000000)
    ->Unit(benchmark::kMicrosecond);

void BM_MetricStore_AddKnownMetrics(benchmark::State& state) {
  const int64_t metrics = state.range(0);
  MetricStore store;
  const std::vector<MetricIndex> index = InternAll(store, metrics);
  int64_t minute = 0;
  for (auto _ : state) {
    const absl::Time t = absl::FromUnixSeconds(kStart + 60 * minute);
    const StatisticSet s = StatisticSet::Of(static_cast<double>(minute % 50));
    for (MetricIndex m : index) store.Add(m, Unit::kNone, t, s);
    ++minute;
    Retain(state, store, minute);
  }
  state.SetItemsProcessed(state.iterations() * metrics);
}
BENCHMARK(BM_MetricStore_AddKnownMetrics)
    ->ArgName("metrics")
    ->RangeMultiplier(10)
    ->Range(1000, 1000000)
    ->Unit(benchmark::kMicrosecond);

void BM_MetricStore_AddScrape(benchmark::State& state) {
  const int64_t metrics = state.range(0);
  const auto batch = static_cast<size_t>(state.range(1));
  MetricStore store;
  std::vector<MetricIndex> index = InternAll(store, metrics);
  if (state.range(2) != 0) {
    std::shuffle(index.begin(), index.end(), std::mt19937(7));
  }
  std::vector<double> values(index.size());
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = static_cast<double>(i % 50);
  }
  int64_t minute = 0;
  for (auto _ : state) {
    const int64_t t = kStart + 60 * minute;
    for (size_t at = 0; at < index.size(); at += batch) {
      const size_t n = std::min(batch, index.size() - at);
      absl::Status s =
          store.AddScrape(Unit::kNone, t, absl::MakeConstSpan(&index[at], n),
                          absl::MakeConstSpan(&values[at], n));
      if (!s.ok()) state.SkipWithError(std::string(s.message()).c_str());
    }
    ++minute;
    Retain(state, store, minute);
  }
  state.SetItemsProcessed(state.iterations() * metrics);
}
BENCHMARK(BM_MetricStore_AddScrape)
    ->ArgNames({"metrics", "batch", "random"})
    ->ArgsProduct({{1000, 10000, 100000, 1000000}, {16, 1000, 1000000}, {0}})
    ->ArgsProduct({{1000, 10000, 100000, 1000000}, {1000}, {1}})
    ->Unit(benchmark::kMicrosecond);

void BM_MetricStore_AddColumn(benchmark::State& state) {
  const int64_t metrics = state.range(0);
  const int64_t run = state.range(1);
  MetricStore store;
  const std::vector<MetricIndex> index = InternAll(store, metrics);
  std::vector<int64_t> times(static_cast<size_t>(run));
  std::vector<double> values(static_cast<size_t>(run));
  for (int64_t k = 0; k < run; ++k) values[k] = static_cast<double>(k % 50);
  int64_t minute = 0;
  for (auto _ : state) {
    for (int64_t k = 0; k < run; ++k) times[k] = kStart + 60 * (minute + k);
    for (MetricIndex m : index) {
      absl::Status s = store.AddColumn(m, Unit::kNone, times, values);
      if (!s.ok()) state.SkipWithError(std::string(s.message()).c_str());
    }
    const int64_t before = minute;
    minute += run;
    if (minute / 8 != before / 8) {
      state.PauseTiming();
      store.DropBefore(absl::FromUnixSeconds(kStart + 60 * (minute - 10)));
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations() * metrics * run);
}
BENCHMARK(BM_MetricStore_AddColumn)
    ->ArgNames({"metrics", "run"})
    ->ArgsProduct({{1000, 100000}, {1, 10, 60}})
    ->Unit(benchmark::kMicrosecond);

std::vector<MetricDatum> DatumsFor(MetricStore& store, int64_t metrics) {
  std::vector<MetricDatum> data(static_cast<size_t>(metrics));
  for (int64_t i = 0; i < metrics; ++i) {
    data[i].metric = MetricFor(i);
    data[i].unit = Unit::kMilliseconds;
    data[i].value = static_cast<double>(i % 50);
  }
  // Known metrics, warmed up as in InternAll: only the lookup is extra.
  for (int64_t minute = -kWarmUpMinutes; minute < 0; ++minute) {
    for (MetricDatum& d : data) {
      d.timestamp = absl::FromUnixSeconds(kStart + 60 * minute);
      if (!store.Put(d, "warm-up").ok()) return {};
    }
    WarmUpRetain(store, minute + 1);
  }
  return data;
}

void BM_MetricStore_PutWithLookup(benchmark::State& state) {
  const int64_t metrics = state.range(0);
  MetricStore store;
  std::vector<MetricDatum> data = DatumsFor(store, metrics);
  int64_t minute = 0;
  for (auto _ : state) {
    const absl::Time t = absl::FromUnixSeconds(kStart + 60 * minute);
    for (MetricDatum& d : data) {
      d.timestamp = t;
      benchmark::DoNotOptimize(store.Put(d, "MetricData"));
    }
    ++minute;
    Retain(state, store, minute);
  }
  state.SetItemsProcessed(state.iterations() * metrics);
}
BENCHMARK(BM_MetricStore_PutWithLookup)
    ->ArgName("metrics")
    ->RangeMultiplier(10)
    ->Range(1000, 1000000)
    ->Unit(benchmark::kMicrosecond);

void BM_MetricStore_PutMetricData(benchmark::State& state) {
  const int64_t metrics = state.range(0);
  constexpr size_t kRequest = 1000;
  MetricStore store;
  std::vector<MetricDatum> data = DatumsFor(store, metrics);
  if (state.range(1) != 0) {
    std::shuffle(data.begin(), data.end(), std::mt19937(7));
  }
  int64_t minute = 0;
  int64_t rejected = 0;
  for (auto _ : state) {
    const absl::Time t = absl::FromUnixSeconds(kStart + 60 * minute);
    for (MetricDatum& d : data) d.timestamp = t;
    for (size_t at = 0; at < data.size(); at += kRequest) {
      const size_t n = std::min(kRequest, data.size() - at);
      PutMetricDataResult r =
          store.PutMetricData(absl::MakeConstSpan(&data[at], n), t);
      rejected += static_cast<int64_t>(r.rejected.size());
    }
    ++minute;
    Retain(state, store, minute);
  }
  if (rejected != 0) state.SkipWithError("datums were rejected");
  state.SetItemsProcessed(state.iterations() * metrics);
}
BENCHMARK(BM_MetricStore_PutMetricData)
    ->ArgNames({"metrics", "random"})
    ->ArgsProduct({{1000, 10000, 100000, 1000000}, {0, 1}})
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
