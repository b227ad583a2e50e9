// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The five standard CloudWatch statistics and the statistic set they are
// computed from (spec 1.3).
//
// A bucket's samples are summarised as a `StatisticSet` {SampleCount, Sum,
// Minimum, Maximum}; sets merge by adding counts and sums and taking min/max,
// so any standard statistic of a union of buckets is exact. A bucket with no
// samples has no datapoint (never a zero): `ComputeStatistic` returns nullopt.
//
//   StatisticSet s = StatisticSet::Of(4.0);
//   s.Merge(StatisticSet::Of(6.0));
//   ComputeStatistic(Statistic::kAverage, s);  // 5.0
//
// Extended statistics (percentiles, trimmed means, ...) need raw samples and
// live in their own targets (metrics/extended_statistic.h,
// metrics/sample_distribution.h); `Statistic` stays the enum of the
// `Statistic` field of PutMetricAlarm.
//
// Thread-safety: value types and pure functions.

#ifndef CWALARM_METRICS_STATISTIC_H_
#define CWALARM_METRICS_STATISTIC_H_

#include <cstdint>
#include <limits>
#include <optional>

#include "absl/base/attributes.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cwalarm {

// The `Statistic` enum of PutMetricAlarm.
enum class Statistic : uint8_t {
  kSampleCount,
  kAverage,
  kSum,
  kMinimum,
  kMaximum,
};

// Returns CloudWatch's spelling, e.g. "SampleCount".
absl::string_view StatisticName(Statistic statistic);

// Returns the upper-snake spelling CloudWatch uses in SNS `Trigger.Statistic`
// ("SAMPLE_COUNT", "AVERAGE", ...; spec 6.2).
absl::string_view StatisticUpperName(Statistic statistic);

// Parses CloudWatch's spelling (case-sensitive). On failure returns
// kInvalidArgument with the API's enum message (spec 2): `1 validation error
// detected: Value 'x' at 'statistic' failed to satisfy constraint: Member must
// satisfy enum value set: [Maximum, SampleCount, Sum, Minimum, Average]`.
absl::StatusOr<Statistic> ParseStatistic(absl::string_view name);

// Summary of the samples of one bucket (or one published statistic set).
// An empty set has sample_count == 0. Counts are doubles because CloudWatch
// accepts fractional `Counts` and `SampleCount`.
struct StatisticSet {
  double sample_count = 0;
  double sum = 0;
  double minimum = std::numeric_limits<double>::infinity();
  double maximum = -std::numeric_limits<double>::infinity();

  // A set holding `value` `count` times. Precondition: count > 0.
  static StatisticSet Of(double value, double count = 1) {
    return StatisticSet{count, value * count, value, value};
  }

  bool empty() const { return !(sample_count > 0); }

  // Adds `other`'s samples to this set.
  void Merge(const StatisticSet& other) {
    sample_count += other.sample_count;
    sum += other.sum;
    if (other.minimum < minimum) minimum = other.minimum;
    if (other.maximum > maximum) maximum = other.maximum;
  }
};

// ComputeStatistic's value for a `set` known not to be empty (the
// evaluator's minute path tests emptiness itself): a plain double, so that
// callers need no optional. NaN for a value outside the enum (which no
// parser produces).
ABSL_ATTRIBUTE_ALWAYS_INLINE inline double StatisticOfNonEmpty(
    Statistic statistic, const StatisticSet& set) {
  switch (statistic) {
    case Statistic::kSampleCount:
      return set.sample_count;
    case Statistic::kAverage:
      return set.sum / set.sample_count;
    case Statistic::kSum:
      return set.sum;
    case Statistic::kMinimum:
      return set.minimum;
    case Statistic::kMaximum:
      return set.maximum;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

// Returns `statistic` of `set`, or nullopt when the set is empty (a missing
// datapoint, spec 1.3). Always inlined: the evaluation loop calls it once
// per alarm, and an out-of-line call cost a tenth of an evaluation.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline std::optional<double> ComputeStatistic(
    Statistic statistic, const StatisticSet& set) {
  if (set.empty()) return std::nullopt;
  return StatisticOfNonEmpty(statistic, set);
}

}  // namespace cwalarm

#endif  // CWALARM_METRICS_STATISTIC_H_
