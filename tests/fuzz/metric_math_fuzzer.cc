// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target: the metric-math language (alarm/metric_math.h). Each line
// of the input is one expression entry (e1, e2, ...; at most 4) after two
// MetricStat entries m1 and m2. A list that compiles is evaluated entry by
// entry on a 6-bucket grid holding missing values, zeros, negatives and huge
// values; every outcome must be a status with a documented code or a result
// of grid size without infinities, and the same twice. A refused list is
// kInvalidArgument. Built by scripts/fuzz.sh.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "alarm/metric_math.h"

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool Clean(const cwalarm::MathSeries& s, int size) {
  if (static_cast<int>(s.values.size()) != size) return false;
  for (double x : s.values) {
    if (std::isinf(x)) return false;
  }
  return true;
}

bool SameBits(const cwalarm::MathSeries& a, const cwalarm::MathSeries& b) {
  return a.values.size() == b.values.size() &&
         (a.values.empty() ||
          std::memcmp(a.values.data(), b.values.data(),
                      a.values.size() * sizeof(double)) == 0);
}

absl::StatusOr<cwalarm::MathResult> Band(absl::string_view,
                                         const cwalarm::MathSeries& m, double k,
                                         const cwalarm::MathGrid&) {
  cwalarm::MathResult r;
  r.is_band = true;
  for (double x : m.values) {
    r.upper.values.push_back(x + k);
    r.lower.values.push_back(x - k);
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<cwalarm::MathQuery> queries = {
      {"m1", std::nullopt, false, 60},
      {"m2", std::nullopt, false, 300},
  };
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (++line_number > 4) break;
    queries.push_back({absl::StrCat("e", line_number), std::string(line),
                       line_number == 1, 0});
  }
  absl::StatusOr<cwalarm::MathProgram> program =
      cwalarm::MathProgram::Compile(queries);
  if (!program.ok()) {
    if (program.status().code() != absl::StatusCode::kInvalidArgument) {
      std::abort();
    }
    return 0;
  }
  const cwalarm::MathGrid grid{1710590400, 60, 6};
  const absl::flat_hash_map<std::string, cwalarm::MathSeries> inputs = {
      {"m1", {{1, kNaN, -3, 0, 1e308, 2.5}}},
      {"m2", {{kNaN, 2, 0, 5, -0.5, kNaN}}},
  };
  for (const cwalarm::MathQuery& q : program->queries()) {
    absl::StatusOr<cwalarm::MathResult> r =
        program->Evaluate(q.id, grid, inputs, &Band);
    absl::StatusOr<cwalarm::MathResult> again =
        program->Evaluate(q.id, grid, inputs, &Band);
    if (r.ok() != again.ok()) std::abort();
    if (!r.ok()) {
      if (r.status() != again.status()) std::abort();
      if (r.status().code() != absl::StatusCode::kInvalidArgument) {
        std::abort();
      }
      continue;
    }
    if (r->is_band) {
      if (!Clean(r->upper, grid.size) || !Clean(r->lower, grid.size) ||
          !SameBits(r->upper, again->upper) ||
          !SameBits(r->lower, again->lower)) {
        std::abort();
      }
    } else if (!Clean(r->values, grid.size) ||
               !SameBits(r->values, again->values)) {
      std::abort();
    }
  }
  return 0;
}
