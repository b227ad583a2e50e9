// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// A single-metric alarm definition: every PutMetricAlarm field of that form
// (spec 1.2), validated with CloudWatch's rules and messages (spec 2).
//
//   AlarmSpec spec;
//   spec.alarm_name = "cpu-high";
//   spec.metric = {"AWS/EC2", "CPUUtilization", {{"InstanceId", "i-1"}}};
//   spec.statistic = Statistic::kAverage;
//   spec.period = absl::Minutes(5);
//   spec.evaluation_periods = 3;
//   spec.threshold = 80;
//   spec.comparison_operator = ComparisonOperator::kGreaterThanThreshold;
//   absl::Status s = spec.Validate();
//
// Optional fields are std::optional where CloudWatch distinguishes "unset"
// from a default (DatapointsToAlarm and TreatMissingData are not echoed by
// DescribeAlarms when unset, spec 1.2), so descriptions round-trip.
//
// Thread-safety: a plain value type.

#ifndef CWALARM_ALARM_ALARM_SPEC_H_
#define CWALARM_ALARM_ALARM_SPEC_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "alarm/alarm_state.h"
#include "alarm/threshold.h"
#include "metrics/metric_id.h"
#include "metrics/statistic.h"
#include "metrics/unit.h"

namespace cwalarm {

// At most this many ARNs in each of the three action lists (spec 1.2).
inline constexpr int kMaxActionsPerState = 5;
// Longest `P x N` with P < 3600 s, and with any P (spec 1.5, newer rule).
inline constexpr absl::Duration kMaxEvaluationLengthShortPeriods =
    absl::Hours(24);
inline constexpr absl::Duration kMaxEvaluationLength = absl::Hours(24 * 7);

struct Tag {
  std::string key;
  std::string value;
};

// `MetricStat` of a MetricDataQuery (spec 1.7): one metric, period and
// statistic (`Stat`: any standard or extended statistic spelling).
struct MetricStat {
  MetricId metric;
  absl::Duration period = absl::ZeroDuration();
  std::string stat;        // "Average", "p99", "TM(10%:90%)", ...
  std::optional<Unit> unit;
};

// One entry of the `Metrics` list (spec 1.7): exactly one of `metric_stat`
// and `expression`.
struct MetricDataQuery {
  std::string id;  // [a-z][A-Za-z0-9_]*, 1-255.
  std::optional<MetricStat> metric_stat;
  std::optional<std::string> expression;  // 1-2048 characters.
  std::optional<std::string> label;
  // Unset behaves as true (the API's default), and is not echoed back.
  std::optional<bool> return_data;
  // Only for Metrics Insights entries; kept, and used as the alarm's period
  // when no entry has a MetricStat.
  std::optional<absl::Duration> period;
  std::optional<std::string> account_id;  // Kept, never interpreted.

  bool ReturnsData() const { return return_data.value_or(true); }
};

// At most this many entries in `Metrics`, of which at most
// kMaxMetricStatQueries with MetricStat and kMaxExpressionQueries with an
// Expression (spec 1.7).
inline constexpr int kMaxMetricDataQueries = 20;
inline constexpr int kMaxMetricStatQueries = 10;
inline constexpr int kMaxExpressionQueries = 10;

struct AlarmSpec {
  // --- Identity and description -------------------------------------------
  std::string alarm_name;                        // Required, 1-255.
  std::optional<std::string> alarm_description;  // 0-1024.

  // --- Actions ---------------------------------------------------------------
  bool actions_enabled = true;
  std::vector<std::string> ok_actions;                 // At most 5 ARNs.
  std::vector<std::string> alarm_actions;              // At most 5 ARNs.
  std::vector<std::string> insufficient_data_actions;  // At most 5 ARNs.

  // --- The metric -------------------------------------------------------------
  MetricId metric;  // Namespace, MetricName, Dimensions.
  // Exactly one of `statistic` and `extended_statistic`.
  std::optional<Statistic> statistic;
  std::optional<std::string> extended_statistic;  // metrics/extended_statistic.h
  absl::Duration period = absl::ZeroDuration();   // 10, 20, 30 or k*60 s.
  std::optional<Unit> unit;                       // Unset: every unit.

  // --- Or the Metrics list (math and anomaly forms, spec 1.7, 3.8) ------------
  // Non-empty: a metric-math or anomaly-detection alarm; then `metric`,
  // `statistic`, `extended_statistic`, `period` and `unit` stay unset.
  std::vector<MetricDataQuery> metrics;
  // Anomaly form: the Id of the ANOMALY_DETECTION_BAND entry; excludes
  // `threshold`.
  std::optional<std::string> threshold_metric_id;

  // --- The decision ----------------------------------------------------------
  int evaluation_periods = 0;                // N, >= 1.
  std::optional<int> datapoints_to_alarm;    // M, 1..N; unset behaves as N.
  std::optional<double> threshold;           // Required for static alarms.
  ComparisonOperator comparison_operator =
      ComparisonOperator::kGreaterThanThreshold;
  std::optional<TreatMissingData> treat_missing_data;  // Unset: missing.
  // "evaluate" or "ignore"; only meaningful for percentiles.
  std::optional<std::string> evaluate_low_sample_count_percentile;

  // Evaluation range R in buckets (spec 3.3). Not a CloudWatch field: unset
  // uses DefaultEvaluationRange(N). Must be >= N.
  std::optional<int> evaluation_range;

  std::vector<Tag> tags;  // At most 50; kept, never interpreted.

  // True for the Metrics-list forms (math and anomaly).
  bool HasMetricsList() const { return !metrics.empty(); }
  // True for the anomaly-detection form.
  bool IsAnomalyDetection() const { return threshold_metric_id.has_value(); }

  // The alarm's bucket period: `period`, or for a Metrics-list alarm the
  // period of its MetricStat entries (Validate makes them equal).
  absl::Duration EffectivePeriod() const;

  // M, defaulting to N.
  int EffectiveDatapointsToAlarm() const {
    return datapoints_to_alarm.value_or(evaluation_periods);
  }

  // The treatment actually applied: `missing` when unset, and `ignore` for
  // every alarm on namespace AWS/DynamoDB whatever is configured (spec 3.4).
  TreatMissingData EffectiveTreatMissingData() const;

  // R: `evaluation_range` or the default.
  int EffectiveEvaluationRange() const;

  // Checks every rule of spec 2 that applies to the single-metric form.
  // Returns kInvalidArgument whose message starts with `alarm "<name>": `,
  // names the field and value, and ends with CloudWatch's own text where the
  // spec records one, followed by the error code in parentheses, e.g.
  // `alarm "cpu": Period (45 s): Period must be 10, 20, 30 or a multiple of
  // 60 (ValidationError)`. The first violated rule is reported.
  absl::Status Validate() const;
};

// PutAnomalyDetector for one metric and statistic (spec 3.8, S-UG-AD): the
// configuration of the model an ANOMALY_DETECTION_BAND over a MetricStat
// with that metric and Stat uses. Without one, the band uses a default
// model (nothing excluded); CloudWatch likewise creates a missing model
// when the alarm is evaluated.
struct AnomalyDetectorSpec {
  MetricId metric;
  std::string stat;  // "Average", "p99", ... as in MetricStat.
  struct TimeRange {
    absl::Time start;
    absl::Time end;  // Exclusive.
  };
  // Training ignores buckets whose start lies in one of these ranges (an
  // outage, a migration, a holiday).
  std::vector<TimeRange> excluded_time_ranges;
  // Kept and echoed; the model's daily and weekly cycles are in UTC
  // (docs/choices.md).
  std::optional<std::string> metric_timezone;

  // The key detectors are matched by: the metric's canonical key and Stat.
  std::string Key() const;

  // kInvalidArgument naming the field: an invalid metric id, a Stat that is
  // no statistic, a range whose end is not after its start, more than
  // kMaxExcludedTimeRanges ranges.
  absl::Status Validate() const;
};

// The key a detector is stored and matched by: the metric's canonical key
// and the Stat. Used by AnomalyDetectorSpec::Key and by the bands of
// Metrics-list alarms, so both sides always agree.
std::string AnomalyDetectorKey(const MetricId& metric, absl::string_view stat);

// At most this many excluded ranges per detector ([INFERRED]: CloudWatch
// documents no limit; docs/choices.md).
inline constexpr int kMaxExcludedTimeRanges = 100;

// The default evaluation range R(N) = N + max(floor(N/3), 2) (spec 3.3,
// [INFERRED]; reproduces the documented R = 5 for N = 3).
int DefaultEvaluationRange(int evaluation_periods);

// The alarm's ARN: `arn:aws:cloudwatch:{region}:{account}:alarm:{name}`.
std::string AlarmArn(absl::string_view region, absl::string_view account_id,
                     absl::string_view alarm_name);

}  // namespace cwalarm

#endif  // CWALARM_ALARM_ALARM_SPEC_H_
