// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Anomaly-detection model (issue 6, docs/anomaly_detection.md): the cost of
// AnomalyModel::Train on a window of history (two weeks of 1-minute buckets
// = 20160 points is what an alarm with Period 60 retrains on every hour) and
// of Predict for one bucket.
//
//   bazel run -c opt //benchmarks:anomaly_model_benchmark

#include <cmath>
#include <cstdint>
#include <vector>

#include "alarm/anomaly_model.h"
#include "benchmark/benchmark.h"

namespace cwalarm {
namespace {

constexpr int64_t kStart = 1710547200;  // 2024-03-16T00:00:00Z
constexpr double kPi = 3.14159265358979323846;

// A daily cycle, lower weekends and deterministic pseudo-noise.
std::vector<TimedValue> History(int64_t points, int64_t period) {
  std::vector<TimedValue> out;
  out.reserve(static_cast<size_t>(points));
  uint64_t z = 1;
  for (int64_t i = 0; i < points; ++i) {
    const int64_t t = kStart + i * period;
    const int64_t day = t / 86400;
    const bool weekend = (day + 4) % 7 == 0 || (day + 4) % 7 == 6;
    z = z * 6364136223846793005ULL + 1442695040888963407ULL;
    const double noise = static_cast<double>(z >> 11) / 9007199254740992.0;
    const double v =
        (weekend ? 80 : 100) +
        40 *
            std::cos(2 * kPi * static_cast<double>(t % 86400 - 50400) / 86400) +
        8 * (noise - 0.5);
    out.push_back({t, v});
  }
  return out;
}

// state.range(0) points at Period 60 (20160 = two weeks).
void BM_AnomalyModel_Train(benchmark::State& state) {
  const int64_t points = state.range(0);
  const std::vector<TimedValue> history = History(points, 60);
  const int64_t until = kStart + points * 60;
  const AnomalyModelOptions options;
  for (auto _ : state) {
    AnomalyModel model = AnomalyModel::Train(history, 60, until, options);
    benchmark::DoNotOptimize(model);
  }
  state.SetItemsProcessed(state.iterations() * points);
}
BENCHMARK(BM_AnomalyModel_Train)
    ->Arg(1440)
    ->Arg(20160)
    ->Unit(benchmark::kMillisecond);

// Two weeks at Period 300 (4032 points).
void BM_AnomalyModel_TrainPeriod300(benchmark::State& state) {
  const std::vector<TimedValue> history = History(4032, 300);
  const int64_t until = kStart + 4032 * 300;
  const AnomalyModelOptions options;
  for (auto _ : state) {
    AnomalyModel model = AnomalyModel::Train(history, 300, until, options);
    benchmark::DoNotOptimize(model);
  }
  state.SetItemsProcessed(state.iterations() * 4032);
}
BENCHMARK(BM_AnomalyModel_TrainPeriod300)->Unit(benchmark::kMillisecond);

// One prediction per bucket of the day after training, round robin.
void BM_AnomalyModel_Predict(benchmark::State& state) {
  const std::vector<TimedValue> history = History(20160, 60);
  const int64_t until = kStart + 20160 * 60;
  const AnomalyModel model =
      AnomalyModel::Train(history, 60, until, AnomalyModelOptions{});
  int64_t i = 0;
  for (auto _ : state) {
    auto p = model.Predict(until + (i++ % 1440) * 60);
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AnomalyModel_Predict);

}  // namespace
}  // namespace cwalarm
