// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "alarm/alarm_spec.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/numbers.h"
#include "alarm/metric_math.h"
#include "metrics/extended_statistic.h"
#include "metrics/period.h"

namespace cwalarm {
namespace {

// `alarm "<name>": <field> (<value>): <rule> (<code>)`.
absl::Status Invalid(const AlarmSpec& spec, absl::string_view field,
                     absl::string_view value, absl::string_view rule,
                     absl::string_view code = "ValidationError") {
  return absl::InvalidArgumentError(absl::StrCat("alarm \"", spec.alarm_name,
                                                 "\": ", field, " (", value,
                                                 "): ", rule, " (", code, ")"));
}

// The generic AWS schema-validation message (spec 2, "pattern").
std::string LengthRule(absl::string_view api_field, int max) {
  return absl::StrCat(
      "1 validation error detected: Value at '", api_field,
      "' failed to satisfy constraint: Member must have length less than or "
      "equal to ",
      max);
}

bool HasControlCharacter(absl::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

// Which state lists an action kind may appear in, and whether it needs an
// EC2 instance (spec 6.1).
absl::Status ValidateAction(const AlarmSpec& spec, absl::string_view list,
                            size_t i, absl::string_view arn) {
  std::string field = absl::StrCat(list, "[", i, "]");
  std::vector<absl::string_view> parts = absl::StrSplit(arn, ':');
  if (parts.size() < 6 || parts[0] != "arn" || parts[2].empty()) {
    // CloudWatch answers a non-ARN action with an *empty* ValidationError
    // message (spec 2); we say what is wrong instead.
    return Invalid(spec, field, arn,
                   "an action must be an ARN "
                   "(arn:partition:service:region:account:resource); "
                   "CloudWatch itself returns an empty message here");
  }
  absl::string_view service = parts[2];
  bool alarm_only = service == "ssm" || service == "ssm-incidents" ||
                    service == "aiops";
  if (alarm_only && list != "AlarmActions") {
    return Invalid(spec, field, arn,
                   "Systems Manager, Incident Manager and investigation "
                   "actions are only valid in AlarmActions");
  }
  bool ec2_action = (service == "automate" && parts.size() >= 6 &&
                     parts[4] == "ec2") ||
                    (service == "swf" && absl::StrContains(arn, "AWS_EC2.InstanceId"));
  if (ec2_action) {
    bool has_instance = std::any_of(
        spec.metric.dimensions.begin(), spec.metric.dimensions.end(),
        [](const Dimension& d) { return d.name == "InstanceId"; });
    if (!has_instance) {
      return Invalid(spec, field, arn,
                     "Invalid use of EC2 action. An EC2 action can only be "
                     "used if the alarm is monitoring an EC2 instance.");
    }
  }
  return absl::OkStatus();
}

// The single-metric form (spec 1.2): the metric, its statistic and period.
absl::Status ValidateSingleMetric(const AlarmSpec& spec) {
  if (spec.metric.metric_name.empty()) {
    return Invalid(spec, "MetricName", "null", "MetricName must not be null");
  }
  if (spec.metric.metric_namespace.empty()) {
    return Invalid(spec, "Namespace", "null", "Namespace must not be null");
  }
  absl::Status id_status =
      ValidateMetricId(spec.metric, absl::StrCat("alarm \"", spec.alarm_name, "\""));
  if (!id_status.ok()) {
    // Same shape as every other Validate() message: the error code last.
    return absl::Status(id_status.code(),
                        absl::StrCat(id_status.message(), " (ValidationError)"));
  }
  if (spec.statistic.has_value() && spec.extended_statistic.has_value()) {
    return Invalid(spec, "Statistic",
                   absl::StrCat(StatisticName(*spec.statistic), " and ExtendedStatistic ",
                                *spec.extended_statistic),
                   "exactly one of Statistic and ExtendedStatistic may be set");
  }
  if (!spec.statistic.has_value() && !spec.extended_statistic.has_value()) {
    return Invalid(spec, "Statistic", "null",
                   "exactly one of Statistic and ExtendedStatistic must be set");
  }
  if (spec.extended_statistic.has_value()) {
    // The whole grammar of spec 1.4, through the one parser; the parser's
    // pointer to the offending character follows CloudWatch's sentence.
    absl::StatusOr<ExtendedStatistic> parsed =
        ParseExtendedStatistic(*spec.extended_statistic);
    if (!parsed.ok()) {
      absl::string_view detail = parsed.status().message();
      const std::string prefix =
          absl::StrCat("ExtendedStatistic \"", *spec.extended_statistic, "\": ");
      if (absl::StartsWith(detail, prefix)) detail.remove_prefix(prefix.size());
      return Invalid(spec, "ExtendedStatistic", *spec.extended_statistic,
                     absl::StrCat("The value ", *spec.extended_statistic,
                                  " for parameter ExtendedStatistic is not "
                                  "supported. (",
                                  detail, ")"),
                     "InvalidParameterValue");
    }
  }
  if (spec.evaluate_low_sample_count_percentile.has_value() &&
      *spec.evaluate_low_sample_count_percentile != "evaluate" &&
      *spec.evaluate_low_sample_count_percentile != "ignore") {
    return Invalid(
        spec, "EvaluateLowSampleCountPercentile",
        *spec.evaluate_low_sample_count_percentile,
        absl::StrCat("Option ", *spec.evaluate_low_sample_count_percentile,
                     " is not supported. Supported options for parameter "
                     "EvaluateLowSampleCountPercentile are evaluate and ignore."));
  }
  if (spec.period == absl::ZeroDuration()) {
    return Invalid(spec, "Period", "null", "Period must not be null");
  }
  if (!IsValidAlarmPeriod(spec.period)) {
    return Invalid(spec, "Period", absl::FormatDuration(spec.period),
                   "Period must be 10, 20, 30 or a multiple of 60");
  }
  return absl::OkStatus();
}

// The Metrics-list forms (spec 1.7, 2): the top-level single-metric fields
// absent, each entry valid, the limits, ReturnData counts, and the program
// (ids, references, expressions) compiling.
absl::Status ValidateMetricsList(const AlarmSpec& spec) {
  // "Statistic should not be set if list of Metrics is set." (observed) and
  // the same sentence for the other single-metric fields ([INFERRED], spec 2).
  struct Forbidden {
    absl::string_view name;
    bool set;
    std::string value;
  };
  for (const Forbidden& f : {
           Forbidden{"MetricName", !spec.metric.metric_name.empty(),
                     spec.metric.metric_name},
           Forbidden{"Namespace", !spec.metric.metric_namespace.empty(),
                     spec.metric.metric_namespace},
           Forbidden{"Dimensions", !spec.metric.dimensions.empty(),
                     absl::StrCat(spec.metric.dimensions.size(), " dimensions")},
           Forbidden{"Statistic", spec.statistic.has_value(),
                     spec.statistic ? std::string(StatisticName(*spec.statistic))
                                    : ""},
           Forbidden{"ExtendedStatistic", spec.extended_statistic.has_value(),
                     spec.extended_statistic.value_or("")},
           Forbidden{"Period", spec.period != absl::ZeroDuration(),
                     absl::FormatDuration(spec.period)},
           Forbidden{"Unit", spec.unit.has_value(),
                     spec.unit ? std::string(UnitName(*spec.unit)) : ""},
       }) {
    if (f.set) {
      return Invalid(spec, f.name, f.value,
                     absl::StrCat(f.name,
                                  " should not be set if list of Metrics is set."));
    }
  }
  const int count = static_cast<int>(spec.metrics.size());
  if (count > kMaxMetricDataQueries) {
    return Invalid(spec, "Metrics", absl::StrCat(count, " entries"),
                   LengthRule("metrics", kMaxMetricDataQueries));
  }
  int stats = 0;
  int expressions = 0;
  int returning = 0;
  std::optional<absl::Duration> period;
  std::vector<MathQuery> queries;
  queries.reserve(spec.metrics.size());
  for (int i = 0; i < count; ++i) {
    const MetricDataQuery& q = spec.metrics[i];
    const std::string field = absl::StrCat("Metrics[", i, "]");
    if (q.metric_stat.has_value() == q.expression.has_value()) {
      return Invalid(spec, field, q.id.empty() ? "no Id" : q.id,
                     "exactly one of MetricStat and Expression must be set in "
                     "each element of the metrics list");
    }
    if (q.ReturnsData()) ++returning;
    MathQuery mq;
    mq.id = q.id;
    mq.return_data = q.ReturnsData();
    if (q.expression.has_value()) {
      ++expressions;
      mq.expression = *q.expression;
      if (q.period.has_value()) {
        if (!IsValidAlarmPeriod(*q.period)) {
          return Invalid(spec, absl::StrCat(field, ".Period"),
                         absl::FormatDuration(*q.period),
                         "Period must be 10, 20, 30 or a multiple of 60");
        }
      }
    } else {
      ++stats;
      const MetricStat& ms = *q.metric_stat;
      const std::string context =
          absl::StrCat("alarm \"", spec.alarm_name, "\": ", field, ".MetricStat");
      if (ms.metric.metric_name.empty() || ms.metric.metric_namespace.empty()) {
        return Invalid(spec, absl::StrCat(field, ".MetricStat.Metric"),
                       ms.metric.metric_name.empty() ? "no MetricName"
                                                     : "no Namespace",
                       "Invalid metrics list (a MetricStat needs a Namespace "
                       "and a MetricName)");
      }
      absl::Status id_status = ValidateMetricId(ms.metric, context);
      if (!id_status.ok()) {
        return absl::Status(id_status.code(), absl::StrCat(id_status.message(),
                                                           " (ValidationError)"));
      }
      // A bad Stat is "Invalid metrics list" on real AWS (spec 2); we add
      // which entry and why.
      if (!ParseStatistic(ms.stat).ok() && !ParseExtendedStatistic(ms.stat).ok()) {
        return Invalid(spec, absl::StrCat(field, ".MetricStat.Stat"), ms.stat,
                       "Invalid metrics list (Stat must be a statistic or an "
                       "extended statistic, spec 1.3, 1.4)");
      }
      if (ms.period == absl::ZeroDuration() || !IsValidAlarmPeriod(ms.period)) {
        return Invalid(spec, absl::StrCat(field, ".MetricStat.Period"),
                       absl::FormatDuration(ms.period),
                       "Period must be 10, 20, 30 or a multiple of 60");
      }
      // [INFERRED] docs/choices.md: every MetricStat of one alarm uses the
      // same period, since all series are evaluated on one bucket grid.
      if (period.has_value() && *period != ms.period) {
        return Invalid(spec, absl::StrCat(field, ".MetricStat.Period"),
                       absl::FormatDuration(ms.period),
                       absl::StrCat("every MetricStat of a metric-math alarm "
                                    "must use the same Period (the first uses ",
                                    absl::FormatDuration(*period), ")"),
                       "cwalarm");
      }
      period = ms.period;
      mq.period_seconds = absl::ToInt64Seconds(ms.period);
    }
    if (q.label.has_value() && q.label->size() > 255) {
      return Invalid(spec, absl::StrCat(field, ".Label"),
                     absl::StrCat(q.label->size(), " characters"),
                     LengthRule("label", 255));
    }
    queries.push_back(std::move(mq));
  }
  if (stats > kMaxMetricStatQueries) {
    return Invalid(spec, "Metrics", absl::StrCat(stats, " MetricStat entries"),
                   absl::StrCat("an alarm may use at most ",
                                kMaxMetricStatQueries,
                                " metrics with MetricStat (spec 1.7)"));
  }
  if (expressions > kMaxExpressionQueries) {
    return Invalid(spec, "Metrics", absl::StrCat(expressions, " expressions"),
                   absl::StrCat("an alarm may use at most ",
                                kMaxExpressionQueries,
                                " expressions (spec 1.7)"));
  }
  absl::StatusOr<MathProgram> program = MathProgram::Compile(std::move(queries));
  if (!program.ok()) {
    return Invalid(spec, "Metrics", "expression", program.status().message());
  }
  if (!period.has_value()) {
    // No MetricStat: the bucket period comes from an expression's Period.
    for (const MetricDataQuery& q : spec.metrics) {
      if (q.period.has_value()) period = q.period;
    }
    if (!period.has_value()) {
      return Invalid(spec, "Metrics", "no MetricStat and no Period",
                     "a metrics list without MetricStat entries needs a "
                     "Period on its expression",
                     "cwalarm");
    }
  }
  if (spec.IsAnomalyDetection()) {
    if (spec.threshold.has_value()) {
      return Invalid(spec, "Threshold",
                     absl::StrCat(*spec.threshold,
                                  " and ThresholdMetricId ",
                                  *spec.threshold_metric_id),
                     "Threshold and ThresholdMetricId cannot both be set");
    }
    if (returning != 2) {
      return Invalid(spec, "Metrics",
                     absl::StrCat(returning, " entries with ReturnData true"),
                     "Exactly two elements of the metrics list should return "
                     "data.");
    }
    int matching = 0;
    bool band = false;
    for (const MetricDataQuery& q : spec.metrics) {
      if (q.id != *spec.threshold_metric_id || !q.ReturnsData()) continue;
      ++matching;
      std::string metric_id;
      double k = 0;
      band = program->IsAnomalyBand(q.id, &metric_id, &k);
    }
    if (matching != 1) {
      return Invalid(spec, "ThresholdMetricId", *spec.threshold_metric_id,
                     "Metrics list must contain exactly one metric matching "
                     "the ThresholdMetricId parameter");
    }
    if (!band) {
      return Invalid(spec, "ThresholdMetricId", *spec.threshold_metric_id,
                     "the ThresholdMetricId entry must be an "
                     "ANOMALY_DETECTION_BAND expression (spec 3.8)");
    }
    if (!IsAnomalyBandOperator(spec.comparison_operator)) {
      return Invalid(spec, "ComparisonOperator",
                     ComparisonOperatorName(spec.comparison_operator),
                     "an anomaly-detection alarm needs a band operator "
                     "(LessThanLowerOrGreaterThanUpperThreshold, "
                     "LessThanLowerThreshold or GreaterThanUpperThreshold)");
    }
    if (*period < absl::Seconds(60)) {
      return Invalid(spec, "Period", absl::FormatDuration(*period),
                     "an anomaly-detection alarm needs a Period of at least "
                     "60 seconds (spec 3.8)");
    }
    // No Auto Scaling actions on anomaly alarms (spec 3.8; the exact code
    // and text are [OPEN] in spec 2).
    for (const auto* list : {&spec.ok_actions, &spec.alarm_actions,
                             &spec.insufficient_data_actions}) {
      for (const std::string& arn : *list) {
        if (absl::StrContains(arn, ":autoscaling:")) {
          return Invalid(spec, "AlarmActions", arn,
                         "Auto Scaling actions are not supported on "
                         "anomaly-detection alarms (spec 3.8)");
        }
      }
    }
  } else {
    if (returning != 1) {
      return Invalid(spec, "Metrics",
                     absl::StrCat(returning, " entries with ReturnData true"),
                     "Exactly one element of the metrics list should return "
                     "data.");
    }
    for (const MetricDataQuery& q : spec.metrics) {
      std::string metric_id;
      double k = 0;
      if (q.ReturnsData() && program->IsAnomalyBand(q.id, &metric_id, &k)) {
        return Invalid(spec, "ThresholdMetricId", "null",
                       "an alarm returning an ANOMALY_DETECTION_BAND needs "
                       "ThresholdMetricId naming it (spec 3.8)");
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

TreatMissingData AlarmSpec::EffectiveTreatMissingData() const {
  if (metric.metric_namespace == "AWS/DynamoDB") return TreatMissingData::kIgnore;
  return treat_missing_data.value_or(TreatMissingData::kMissing);
}

absl::Duration AlarmSpec::EffectivePeriod() const {
  if (metrics.empty()) return period;
  for (const MetricDataQuery& q : metrics) {
    if (q.metric_stat.has_value()) return q.metric_stat->period;
  }
  for (const MetricDataQuery& q : metrics) {
    if (q.period.has_value()) return *q.period;
  }
  return absl::ZeroDuration();
}

int AlarmSpec::EffectiveEvaluationRange() const {
  return evaluation_range.value_or(DefaultEvaluationRange(evaluation_periods));
}

std::string AnomalyDetectorKey(const MetricId& metric, absl::string_view stat) {
  return absl::StrCat(metric.Key(), "\x1f", stat);
}

std::string AnomalyDetectorSpec::Key() const {
  return AnomalyDetectorKey(metric, stat);
}

absl::Status AnomalyDetectorSpec::Validate() const {
  const std::string who = absl::StrCat("anomaly detector ", metric.metric_namespace,
                                       "/", metric.metric_name, " ", stat);
  if (metric.metric_namespace.empty() || metric.metric_name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        who, ": Namespace and MetricName must not be null (ValidationError)"));
  }
  absl::Status id = ValidateMetricId(metric, who);
  if (!id.ok()) return id;
  if (!ParseStatistic(stat).ok() && !ParseExtendedStatistic(stat).ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        who, ": Stat (", stat,
        "): must be a statistic or an extended statistic (spec 1.3, 1.4) "
        "(InvalidParameterValue)"));
  }
  if (static_cast<int>(excluded_time_ranges.size()) > kMaxExcludedTimeRanges) {
    return absl::InvalidArgumentError(absl::StrCat(
        who, ": Configuration.ExcludedTimeRanges (",
        excluded_time_ranges.size(), " ranges): at most ",
        kMaxExcludedTimeRanges, " ranges (cwalarm)"));
  }
  for (size_t i = 0; i < excluded_time_ranges.size(); ++i) {
    const TimeRange& r = excluded_time_ranges[i];
    if (!(r.start < r.end)) {
      return absl::InvalidArgumentError(absl::StrCat(
          who, ": Configuration.ExcludedTimeRanges[", i, "] (",
          absl::FormatTime(r.start), " to ", absl::FormatTime(r.end),
          "): EndTime must be after StartTime (ValidationError)"));
    }
  }
  return absl::OkStatus();
}

int DefaultEvaluationRange(int evaluation_periods) {
  return evaluation_periods + std::max(evaluation_periods / 3, 2);
}

std::string AlarmArn(absl::string_view region, absl::string_view account_id,
                     absl::string_view alarm_name) {
  return absl::StrCat("arn:aws:cloudwatch:", region, ":", account_id,
                      ":alarm:", alarm_name);
}

absl::Status AlarmSpec::Validate() const {
  if (alarm_name.empty() || alarm_name.size() > 255) {
    return Invalid(*this, "AlarmName", absl::StrCat(alarm_name.size(), " characters"),
                   alarm_name.empty()
                       ? "1 validation error detected: Value at 'alarmName' "
                         "failed to satisfy constraint: Member must have "
                         "length greater than or equal to 1"
                       : LengthRule("alarmName", 255));
  }
  if (HasControlCharacter(alarm_name)) {
    return Invalid(*this, "AlarmName", alarm_name,
                   "an alarm name must not contain ASCII control characters");
  }
  if (alarm_description.has_value() && alarm_description->size() > 1024) {
    return Invalid(*this, "AlarmDescription",
                   absl::StrCat(alarm_description->size(), " characters"),
                   LengthRule("alarmDescription", 1024));
  }
  struct NamedList {
    absl::string_view name;
    absl::string_view api_name;
    const std::vector<std::string>* arns;
  };
  for (const NamedList& l :
       {NamedList{"OKActions", "oKActions", &ok_actions},
        NamedList{"AlarmActions", "alarmActions", &alarm_actions},
        NamedList{"InsufficientDataActions", "insufficientDataActions",
                  &insufficient_data_actions}}) {
    if (static_cast<int>(l.arns->size()) > kMaxActionsPerState) {
      return Invalid(*this, l.name, absl::StrCat(l.arns->size(), " actions"),
                     LengthRule(l.api_name, kMaxActionsPerState));
    }
    for (size_t i = 0; i < l.arns->size(); ++i) {
      absl::Status s = ValidateAction(*this, l.name, i, (*l.arns)[i]);
      if (!s.ok()) return s;
    }
  }
  absl::Status form = HasMetricsList() ? ValidateMetricsList(*this)
                                      : ValidateSingleMetric(*this);
  if (!form.ok()) return form;
  if (evaluation_periods < 1) {
    return Invalid(*this, "EvaluationPeriods", absl::StrCat(evaluation_periods),
                   "1 validation error detected: Value at 'evaluationPeriods' "
                   "failed to satisfy constraint: Member must have value "
                   "greater than or equal to 1");
  }
  if (datapoints_to_alarm.has_value()) {
    if (*datapoints_to_alarm < 1) {
      return Invalid(*this, "DatapointsToAlarm", absl::StrCat(*datapoints_to_alarm),
                     "1 validation error detected: Value at "
                     "'datapointsToAlarm' failed to satisfy constraint: Member "
                     "must have value greater than or equal to 1");
    }
    if (*datapoints_to_alarm > evaluation_periods) {
      return Invalid(*this, "DatapointsToAlarm",
                     absl::StrCat(*datapoints_to_alarm, " > EvaluationPeriods ",
                                  evaluation_periods),
                     "DatapointsToAlarm must be less than or equal to "
                     "EvaluationPeriods");
    }
  }
  // spec 1.5: P x N <= 1 day when P < 1 h, <= 7 days otherwise. The exact
  // CloudWatch text is [OPEN]; this wording is ours.
  const absl::Duration period = EffectivePeriod();
  absl::Duration length = period * evaluation_periods;
  absl::Duration limit = period < absl::Hours(1) ? kMaxEvaluationLengthShortPeriods
                                                 : kMaxEvaluationLength;
  if (length > limit) {
    return Invalid(
        *this, "Period * EvaluationPeriods",
        absl::StrCat(absl::ToInt64Seconds(length), " s"),
        absl::StrCat("the evaluation length Period * EvaluationPeriods must "
                     "not exceed ",
                     absl::ToInt64Seconds(limit),
                     " seconds (one day for periods under an hour, seven days "
                     "otherwise)"));
  }
  if (IsAnomalyDetection()) {
    // Checked with the Metrics list above.
  } else if (threshold_metric_id.has_value() && !HasMetricsList()) {
    return Invalid(*this, "ThresholdMetricId", *threshold_metric_id,
                   "ThresholdMetricId needs a Metrics list with an "
                   "ANOMALY_DETECTION_BAND entry (spec 3.8)");
  } else if (IsAnomalyBandOperator(comparison_operator)) {
    return Invalid(*this, "ComparisonOperator",
                   ComparisonOperatorName(comparison_operator),
                   "band operators need an anomaly-detection alarm "
                   "(Metrics with ANOMALY_DETECTION_BAND and ThresholdMetricId)");
  }
  if (!threshold.has_value() && !IsAnomalyDetection()) {
    return Invalid(*this, "Threshold", "null",
                   "Threshold must not be null for a static-threshold alarm");
  }
  if (evaluation_range.has_value() && *evaluation_range < evaluation_periods) {
    return Invalid(*this, "EvaluationRange",
                   absl::StrCat(*evaluation_range, " < EvaluationPeriods ",
                                evaluation_periods),
                   "the evaluation range must cover at least EvaluationPeriods "
                   "buckets (spec 3.3)",
                   "cwalarm");
  }
  if (tags.size() > 50) {
    return Invalid(*this, "Tags", absl::StrCat(tags.size(), " tags"),
                   LengthRule("tags", 50));
  }
  return absl::OkStatus();
}

}  // namespace cwalarm
