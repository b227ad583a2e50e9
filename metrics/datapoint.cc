// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "metrics/datapoint.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace cwalarm {
namespace {

// CloudWatch refuses magnitudes above 2^360 (S-UG-LIMITS).
const double kMaxMagnitude = std::ldexp(1.0, 360);

// The accepted path formats nothing: `field` is `prefix` followed by
// `index` when index > 0, and is built only for the error message.
absl::Status CheckValue(double v, absl::string_view context,
                        absl::string_view prefix, size_t index = 0) {
  // One comparison accepts every valid value (NaN compares false).
  if (std::fabs(v) <= kMaxMagnitude) {
    return absl::OkStatus();
  }
  const std::string field =
      index > 0 ? absl::StrCat(prefix, index) : std::string(prefix);
  if (std::isnan(v) || std::isinf(v)) {
    std::string shown = std::isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity");
    return absl::InvalidArgumentError(
        absl::StrCat(context, ": The value ", shown, " for parameter ", field,
                     " is invalid."));
  }
  return absl::InvalidArgumentError(absl::StrFormat(
      "%s: The value %g for parameter %s is invalid: values must lie in "
      "[-2^360, 2^360]",
      context, v, field));
}

std::string Iso(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

}  // namespace

StatisticSet MetricDatum::ToStatisticSet() const {
  if (value.has_value()) return StatisticSet::Of(*value);
  if (statistic_values.has_value()) return *statistic_values;
  StatisticSet set;
  for (size_t i = 0; i < values.size(); ++i) {
    double count = counts.empty() ? 1.0 : counts[i];
    if (count > 0) set.Merge(StatisticSet::Of(values[i], count));
  }
  return set;
}

absl::Status ValidateMetricDatum(const MetricDatum& datum,
                                 absl::string_view context) {
  absl::Status id_status = ValidateMetricId(datum.metric, context);
  if (!id_status.ok()) return id_status;
  return ValidateMetricDatumValues(datum, context);
}

absl::Status ValidateMetricDatumValues(const MetricDatum& datum,
                                       absl::string_view context) {
  int forms = (datum.value.has_value() ? 1 : 0) +
              (datum.values.empty() ? 0 : 1) +
              (datum.statistic_values.has_value() ? 1 : 0);
  if (forms != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        context, ": metric \"", datum.metric.metric_name, "\" sets ", forms,
        " of Value, Values and StatisticValues; exactly one is required"));
  }
  if (datum.value.has_value()) {
    absl::Status s = CheckValue(*datum.value, context, "MetricData.member.Value");
    if (!s.ok()) return s;
  }
  if (!datum.values.empty()) {
    if (static_cast<int>(datum.values.size()) > kMaxValuesPerDatum) {
      return absl::InvalidArgumentError(absl::StrCat(
          context, ": Values has ", datum.values.size(),
          " entries; a datum holds at most ", kMaxValuesPerDatum, " values"));
    }
    if (!datum.counts.empty() && datum.counts.size() != datum.values.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          context, ": Values has ", datum.values.size(), " entries but Counts has ",
          datum.counts.size(), "; the two arrays must have the same length"));
    }
    for (size_t i = 0; i < datum.values.size(); ++i) {
      absl::Status s = CheckValue(datum.values[i], context,
                                  "MetricData.member.Values.", i + 1);
      if (!s.ok()) return s;
    }
    for (size_t i = 0; i < datum.counts.size(); ++i) {
      double c = datum.counts[i];
      if (std::isnan(c) || std::isinf(c) || c < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            context, ": Counts[", i, "] (", c,
            ") must be a finite, non-negative number"));
      }
    }
  }
  if (datum.statistic_values.has_value()) {
    const StatisticSet& s = *datum.statistic_values;
    using Field = std::pair<double, const char*>;
    for (auto [v, name] :
         {Field{s.sample_count,
                "MetricData.member.StatisticValues.SampleCount"},
          Field{s.sum, "MetricData.member.StatisticValues.Sum"},
          Field{s.minimum, "MetricData.member.StatisticValues.Minimum"},
          Field{s.maximum, "MetricData.member.StatisticValues.Maximum"}}) {
      absl::Status st = CheckValue(v, context, name);
      if (!st.ok()) return st;
    }
    if (!(s.sample_count > 0)) {
      return absl::InvalidArgumentError(absl::StrCat(
          context, ": StatisticValues.SampleCount (", s.sample_count,
          ") must be greater than 0"));
    }
    if (s.minimum > s.maximum) {
      return absl::InvalidArgumentError(absl::StrCat(
          context, ": StatisticValues.Minimum (", s.minimum,
          ") must not exceed StatisticValues.Maximum (", s.maximum, ")"));
    }
  }
  if (static_cast<int>(datum.unit) < 0 ||
      static_cast<int>(datum.unit) >= kUnitCount) {
    return absl::InvalidArgumentError(absl::StrCat(
        context, ": Unit (", static_cast<int>(datum.unit),
        ") is not a CloudWatch unit"));
  }
  if (datum.storage_resolution != 1 && datum.storage_resolution != 60) {
    return absl::InvalidArgumentError(absl::StrCat(
        context, ": StorageResolution (", datum.storage_resolution,
        ") must be 1 or 60"));
  }
  return absl::OkStatus();
}

absl::Status ValidateMetricDatum(const MetricDatum& datum,
                                 absl::string_view context,
                                 absl::Time ingest_clock) {
  absl::Status status = ValidateMetricId(datum.metric, context);
  if (!status.ok()) return status;
  return ValidateMetricDatumValues(datum, context, ingest_clock);
}

absl::Status ValidateMetricDatumValues(const MetricDatum& datum,
                                       absl::string_view context,
                                       absl::Time ingest_clock) {
  absl::Status status = ValidateMetricDatumValues(datum, context);
  if (!status.ok()) return status;
  if (datum.timestamp < ingest_clock - kMaxDatumAge) {
    return absl::OutOfRangeError(absl::StrCat(
        context, ": Timestamp ", Iso(datum.timestamp),
        " is more than two weeks before the time the datum was received (",
        Iso(ingest_clock), ")"));
  }
  if (datum.timestamp > ingest_clock + kMaxDatumLead) {
    return absl::OutOfRangeError(absl::StrCat(
        context, ": Timestamp ", Iso(datum.timestamp),
        " is more than two hours after the time the datum was received (",
        Iso(ingest_clock), ")"));
  }
  return absl::OkStatus();
}

}  // namespace cwalarm
