// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "metrics/statistic.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace cwalarm {

absl::string_view StatisticName(Statistic statistic) {
  switch (statistic) {
    case Statistic::kSampleCount:
      return "SampleCount";
    case Statistic::kAverage:
      return "Average";
    case Statistic::kSum:
      return "Sum";
    case Statistic::kMinimum:
      return "Minimum";
    case Statistic::kMaximum:
      return "Maximum";
  }
  return "";
}

absl::string_view StatisticUpperName(Statistic statistic) {
  switch (statistic) {
    case Statistic::kSampleCount:
      return "SAMPLE_COUNT";
    case Statistic::kAverage:
      return "AVERAGE";
    case Statistic::kSum:
      return "SUM";
    case Statistic::kMinimum:
      return "MINIMUM";
    case Statistic::kMaximum:
      return "MAXIMUM";
  }
  return "";
}

absl::StatusOr<Statistic> ParseStatistic(absl::string_view name) {
  for (Statistic s : {Statistic::kSampleCount, Statistic::kAverage,
                      Statistic::kSum, Statistic::kMinimum,
                      Statistic::kMaximum}) {
    if (StatisticName(s) == name) return s;
  }
  // The API's own enum-violation message (spec 2, S-LS provider).
  return absl::InvalidArgumentError(absl::StrCat(
      "1 validation error detected: Value '", name,
      "' at 'statistic' failed to satisfy constraint: Member must satisfy "
      "enum value set: [Maximum, SampleCount, Sum, Minimum, Average]"));
}

}  // namespace cwalarm
