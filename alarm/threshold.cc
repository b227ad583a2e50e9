// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "alarm/threshold.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace cwalarm {
namespace {

constexpr ComparisonOperator kAllOperators[] = {
    ComparisonOperator::kGreaterThanOrEqualToThreshold,
    ComparisonOperator::kGreaterThanThreshold,
    ComparisonOperator::kLessThanThreshold,
    ComparisonOperator::kLessThanOrEqualToThreshold,
    ComparisonOperator::kLessThanLowerOrGreaterThanUpperThreshold,
    ComparisonOperator::kLessThanLowerThreshold,
    ComparisonOperator::kGreaterThanUpperThreshold,
};

constexpr TreatMissingData kAllTreatments[] = {
    TreatMissingData::kBreaching, TreatMissingData::kNotBreaching,
    TreatMissingData::kIgnore, TreatMissingData::kMissing};

}  // namespace

absl::string_view ComparisonOperatorName(ComparisonOperator op) {
  switch (op) {
    case ComparisonOperator::kGreaterThanOrEqualToThreshold:
      return "GreaterThanOrEqualToThreshold";
    case ComparisonOperator::kGreaterThanThreshold:
      return "GreaterThanThreshold";
    case ComparisonOperator::kLessThanThreshold:
      return "LessThanThreshold";
    case ComparisonOperator::kLessThanOrEqualToThreshold:
      return "LessThanOrEqualToThreshold";
    case ComparisonOperator::kLessThanLowerOrGreaterThanUpperThreshold:
      return "LessThanLowerOrGreaterThanUpperThreshold";
    case ComparisonOperator::kLessThanLowerThreshold:
      return "LessThanLowerThreshold";
    case ComparisonOperator::kGreaterThanUpperThreshold:
      return "GreaterThanUpperThreshold";
  }
  return "";
}

absl::StatusOr<ComparisonOperator> ParseComparisonOperator(
    absl::string_view name) {
  for (ComparisonOperator op : kAllOperators) {
    if (ComparisonOperatorName(op) == name) return op;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "1 validation error detected: Value '", name,
      "' at 'comparisonOperator' failed to satisfy constraint: Member must "
      "satisfy enum value set: [GreaterThanOrEqualToThreshold, "
      "GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold, "
      "LessThanLowerOrGreaterThanUpperThreshold, LessThanLowerThreshold, "
      "GreaterThanUpperThreshold]"));
}

bool IsAnomalyBandOperator(ComparisonOperator op) {
  return op == ComparisonOperator::kLessThanLowerOrGreaterThanUpperThreshold ||
         op == ComparisonOperator::kLessThanLowerThreshold ||
         op == ComparisonOperator::kGreaterThanUpperThreshold;
}

absl::string_view ComparisonPhrase(ComparisonOperator op) {
  switch (op) {
    case ComparisonOperator::kGreaterThanOrEqualToThreshold:
      return "greater than or equal to";
    case ComparisonOperator::kGreaterThanThreshold:
      return "greater than";
    case ComparisonOperator::kLessThanThreshold:
      return "less than";
    case ComparisonOperator::kLessThanOrEqualToThreshold:
      return "less than or equal to";
    default:
      return "";
  }
}

absl::string_view TreatMissingDataName(TreatMissingData tmd) {
  switch (tmd) {
    case TreatMissingData::kBreaching:
      return "breaching";
    case TreatMissingData::kNotBreaching:
      return "notBreaching";
    case TreatMissingData::kIgnore:
      return "ignore";
    case TreatMissingData::kMissing:
      return "missing";
  }
  return "";
}

absl::StatusOr<TreatMissingData> ParseTreatMissingData(absl::string_view name) {
  for (TreatMissingData t : kAllTreatments) {
    if (TreatMissingDataName(t) == name) return t;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "The value ", name,
      " is not supported for TreatMissingData parameter. Supported values are "
      "[breaching, notBreaching, ignore, missing]."));
}

}  // namespace cwalarm
