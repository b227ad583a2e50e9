// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// MathProgram (alarm/metric_math.h): the cost of compiling a Metrics list and
// of one evaluation per alarm per minute, on grids of an alarm's evaluation
// range (5 buckets for N = 3, up to 1440 for range-heavy alarms).

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "alarm/metric_math.h"
#include "benchmark/benchmark.h"

namespace cwalarm {
namespace {

std::vector<MathQuery> Queries(const std::string& expression) {
  return {{"errors", std::nullopt, false, 60},
          {"requests", std::nullopt, false, 60},
          {"e", expression, true, 0}};
}

absl::flat_hash_map<std::string, MathSeries> Inputs(int size) {
  absl::flat_hash_map<std::string, MathSeries> in;
  MathSeries errors, requests;
  for (int i = 0; i < size; ++i) {
    errors.values.push_back(
        i % 7 == 0 ? std::numeric_limits<double>::quiet_NaN() : i % 5);
    requests.values.push_back(100 + i % 11);
  }
  in["errors"] = errors;
  in["requests"] = requests;
  return in;
}

void Evaluate(benchmark::State& state, const std::string& expression) {
  absl::StatusOr<MathProgram> program =
      MathProgram::Compile(Queries(expression));
  if (!program.ok()) {
    state.SkipWithError(std::string(program.status().message()).c_str());
    return;
  }
  const int size = static_cast<int>(state.range(0));
  const MathGrid grid{1710590400, 60, size};
  const auto inputs = Inputs(size);
  for (auto _ : state) {
    absl::StatusOr<MathResult> r = program->Evaluate("e", grid, inputs, {});
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_MathProgram_ErrorRate(benchmark::State& state) {
  Evaluate(state, "100*errors/requests");
}
BENCHMARK(BM_MathProgram_ErrorRate)
    ->ArgName("buckets")
    ->Arg(5)
    ->Arg(60)
    ->Arg(1440);

void BM_MathProgram_IfFillAvg(benchmark::State& state) {
  Evaluate(state,
           "IF(requests > AVG(requests), FILL(errors, REPEAT) / requests, 0)");
}
BENCHMARK(BM_MathProgram_IfFillAvg)
    ->ArgName("buckets")
    ->Arg(5)
    ->Arg(60)
    ->Arg(1440);

void BM_MathProgram_Compile(benchmark::State& state) {
  for (auto _ : state) {
    absl::StatusOr<MathProgram> program = MathProgram::Compile(Queries(
        "IF(requests > AVG(requests), FILL(errors, REPEAT) / requests, 0)"));
    benchmark::DoNotOptimize(program);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MathProgram_Compile);

}  // namespace
}  // namespace cwalarm
