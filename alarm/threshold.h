// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Comparison operators, the breaching predicate (spec 1.6) and the missing-
// data treatments (spec 1.2, 3.4).
//
//   IsBreaching(ComparisonOperator::kGreaterThanThreshold, 51.0, 50.0);  // true
//   ComparisonPhrase(ComparisonOperator::kLessThanThreshold);  // "less than"
//
// Thread-safety: pure functions.

#ifndef CWALARM_ALARM_THRESHOLD_H_
#define CWALARM_ALARM_THRESHOLD_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cwalarm {

enum class ComparisonOperator : uint8_t {
  kGreaterThanOrEqualToThreshold,
  kGreaterThanThreshold,
  kLessThanThreshold,
  kLessThanOrEqualToThreshold,
  // Anomaly-detection band operators (spec 1.6); not valid with a static
  // threshold.
  kLessThanLowerOrGreaterThanUpperThreshold,
  kLessThanLowerThreshold,
  kGreaterThanUpperThreshold,
};

// CloudWatch's spelling, e.g. "GreaterThanOrEqualToThreshold".
absl::string_view ComparisonOperatorName(ComparisonOperator op);

// Parses CloudWatch's spelling; kInvalidArgument with the API's enum message
// otherwise.
absl::StatusOr<ComparisonOperator> ParseComparisonOperator(
    absl::string_view name);

// True for the three band operators.
bool IsAnomalyBandOperator(ComparisonOperator op);

// The phrase used in StateReason (spec 4.5): "greater than", "greater than or
// equal to", "less than", "less than or equal to". Precondition: a static
// threshold operator.
absl::string_view ComparisonPhrase(ComparisonOperator op);

// Whether `value` breaches static threshold `threshold` under `op` (the
// metric value is the left operand). Precondition: a static operator.
// Forced inline (GCC and Clang): with the sliding path calling it too, GCC
// 12 made it an out-of-line call in the Period-60 loop (8 of its ~128
// instructions, callgrind).
inline __attribute__((always_inline)) bool IsBreaching(ComparisonOperator op, double value, double threshold) {
  switch (op) {
    case ComparisonOperator::kGreaterThanOrEqualToThreshold:
      return value >= threshold;
    case ComparisonOperator::kGreaterThanThreshold:
      return value > threshold;
    case ComparisonOperator::kLessThanThreshold:
      return value < threshold;
    case ComparisonOperator::kLessThanOrEqualToThreshold:
      return value <= threshold;
    default:
      return false;
  }
}

// `TreatMissingData`.
enum class TreatMissingData : uint8_t {
  kMissing,
  kIgnore,
  kBreaching,
  kNotBreaching,
};

// "breaching", "notBreaching", "ignore" or "missing".
absl::string_view TreatMissingDataName(TreatMissingData tmd);

// Parses the spelling above; otherwise kInvalidArgument with CloudWatch's
// text (spec 2): `The value x is not supported for TreatMissingData
// parameter. Supported values are [breaching, notBreaching, ignore, missing].`
absl::StatusOr<TreatMissingData> ParseTreatMissingData(absl::string_view name);

}  // namespace cwalarm

#endif  // CWALARM_ALARM_THRESHOLD_H_
