// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// What is published and what is evaluated.
//
// `MetricDatum` is one entry of a PutMetricData request: a metric, a
// timestamp, a unit, and exactly one of a single `Value`, `Values` + `Counts`
// arrays, or `StatisticValues`. `Datapoint` is one aggregated value of one
// period bucket, stamped with the bucket start (spec 1.3, 3.2.1).
//
//   MetricDatum d;
//   d.metric = {"AWS/EC2", "CPUUtilization", {{"InstanceId", "i-1"}}};
//   d.timestamp = absl::FromUnixSeconds(1700000000);
//   d.value = 42.0;
//   absl::Status s = ValidateMetricDatum(d, "MetricData[0]");
//
// Thread-safety: value types and pure functions.

#ifndef CWALARM_METRICS_DATAPOINT_H_
#define CWALARM_METRICS_DATAPOINT_H_

#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "metrics/metric_id.h"
#include "metrics/statistic.h"
#include "metrics/unit.h"

namespace cwalarm {

// At most this many entries in `Values` (spec, issue "ingestion").
inline constexpr int kMaxValuesPerDatum = 150;
// PutMetricData accepts timestamps at most two weeks before and two hours
// after the moment the datum is received (spec 3.2.3, S-UG-CONCEPTS); both
// limits are inclusive.
inline constexpr absl::Duration kMaxDatumAge = absl::Hours(24 * 14);
inline constexpr absl::Duration kMaxDatumLead = absl::Hours(2);

// One PutMetricData datum. Exactly one of `value`, `values` (with optional
// `counts` of the same length; missing counts mean 1 each) and
// `statistic_values` must be set.
struct MetricDatum {
  MetricId metric;
  absl::Time timestamp;
  Unit unit = Unit::kNone;  // Published without a unit means `None`.
  std::optional<double> value;
  std::vector<double> values;
  std::vector<double> counts;
  std::optional<StatisticSet> statistic_values;
  // 1 (high resolution) or 60 (standard, the default).
  int storage_resolution = 60;

  // Returns the datum's samples summarised as one statistic set.
  // Precondition: ValidateMetricDatum(*this) is OK.
  StatisticSet ToStatisticSet() const;
};

// Checks the rules PutMetricData applies to one datum: a valid metric id;
// exactly one value form; finite values within [-2^360, 2^360]; `Values` at
// most 150 long and `Counts` the same length with non-negative counts;
// statistic sets with SampleCount > 0 and Minimum <= Maximum;
// StorageResolution 1 or 60. Returns kInvalidArgument whose message starts
// with `context` (e.g. `metrics.csv:14` or `MetricData[3]`) and names the
// field, the value and the rule; NaN and infinities use CloudWatch's text
// `The value NaN for parameter MetricData.member.N.Value is invalid.`.
// A `unit` outside the `Unit` enum (only possible through a cast) is
// refused with kInvalidArgument; text-level unknown units are refused by
// ParseUnit where the text is read.
absl::Status ValidateMetricDatum(const MetricDatum& datum,
                                 absl::string_view context);

// ValidateMetricDatum plus the timestamp window relative to `ingest_clock`,
// the instant the datum is received (an argument: nothing here reads the
// clock). A timestamp earlier than ingest_clock - 14 days or later than
// ingest_clock + 2 hours returns kOutOfRange:
// `MetricData[3]: Timestamp 2024-03-01T00:00:00Z is more than two weeks
// before the time the datum was received (2024-03-16T00:00:00Z)`
// (CloudWatch's own wording is not recorded in the spec). The other rules
// are checked first, so a datum with several problems reports the first of
// ValidateMetricDatum's.
absl::Status ValidateMetricDatum(const MetricDatum& datum,
                                 absl::string_view context,
                                 absl::Time ingest_clock);

// The two functions above without the metric-id rules (ValidateMetricId),
// for callers that know the id is valid: MetricStore checks each metric's id
// once, the first time a datum names it. The id rules come first in
// ValidateMetricDatum, so for an id that passes them both give the same
// result, message included.
absl::Status ValidateMetricDatumValues(const MetricDatum& datum,
                                       absl::string_view context);
absl::Status ValidateMetricDatumValues(const MetricDatum& datum,
                                       absl::string_view context,
                                       absl::Time ingest_clock);

// One aggregated value of one bucket `[timestamp, timestamp + period)`.
struct Datapoint {
  absl::Time timestamp;  // The bucket start.
  double value = 0;
  double sample_count = 0;
};

}  // namespace cwalarm

#endif  // CWALARM_METRICS_DATAPOINT_H_
