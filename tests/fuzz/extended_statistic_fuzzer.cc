// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target: the extended-statistic grammar (spec 1.4). The first
// line of the input is the statistic; the rest, read as doubles eight bytes
// at a time, are samples. A statistic that parses keeps its text, has its
// bounds ordered, and computes on the samples without crashing; a refusal
// is kInvalidArgument naming the text. Built by scripts/fuzz.sh.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "metrics/extended_statistic.h"
#include "metrics/sample_distribution.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  absl::string_view text = input.substr(0, newline);
  absl::StatusOr<cwalarm::ExtendedStatistic> parsed =
      cwalarm::ParseExtendedStatistic(text);
  if (!parsed.ok()) {
    if (parsed.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
    if (!absl::StartsWith(parsed.status().message(), "ExtendedStatistic \"")) {
      std::abort();
    }
    return 0;
  }
  if (parsed->text != text) std::abort();
  if (parsed->is_percentile() &&
      !(parsed->percentile >= 0 && parsed->percentile <= 100)) {
    std::abort();
  }
  std::vector<cwalarm::WeightedValue> samples;
  if (newline != absl::string_view::npos) {
    absl::string_view rest = input.substr(newline + 1);
    for (size_t i = 0; i + 8 <= rest.size() && samples.size() < 256; i += 8) {
      double v;
      std::memcpy(&v, rest.data() + i, sizeof v);
      if (!std::isfinite(v)) continue;
      samples.push_back({v, 1.0 + static_cast<double>(rest[i] & 3)});
    }
  }
  std::sort(samples.begin(), samples.end(),
            [](const cwalarm::WeightedValue& a, const cwalarm::WeightedValue& b) {
              return a.value < b.value;
            });
  for (auto estimator : {cwalarm::PercentileEstimator::kNearestRank,
                         cwalarm::PercentileEstimator::kLinear}) {
    std::optional<double> v =
        cwalarm::ComputeExtendedStatistic(*parsed, samples, estimator);
    (void)v;
  }
  (void)cwalarm::LowSampleCountThreshold(*parsed);
  return 0;
}
