// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "alarm/alarm_spec.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/numbers.h"
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

}  // namespace

TreatMissingData AlarmSpec::EffectiveTreatMissingData() const {
  if (metric.metric_namespace == "AWS/DynamoDB") return TreatMissingData::kIgnore;
  return treat_missing_data.value_or(TreatMissingData::kMissing);
}

int AlarmSpec::EffectiveEvaluationRange() const {
  return evaluation_range.value_or(DefaultEvaluationRange(evaluation_periods));
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
  if (metric.metric_name.empty()) {
    return Invalid(*this, "MetricName", "null", "MetricName must not be null");
  }
  if (metric.metric_namespace.empty()) {
    return Invalid(*this, "Namespace", "null", "Namespace must not be null");
  }
  absl::Status id_status =
      ValidateMetricId(metric, absl::StrCat("alarm \"", alarm_name, "\""));
  if (!id_status.ok()) {
    // Same shape as every other Validate() message: the error code last.
    return absl::Status(id_status.code(),
                        absl::StrCat(id_status.message(), " (ValidationError)"));
  }
  if (statistic.has_value() && extended_statistic.has_value()) {
    return Invalid(*this, "Statistic",
                   absl::StrCat(StatisticName(*statistic), " and ExtendedStatistic ",
                                *extended_statistic),
                   "exactly one of Statistic and ExtendedStatistic may be set");
  }
  if (!statistic.has_value() && !extended_statistic.has_value()) {
    return Invalid(*this, "Statistic", "null",
                   "exactly one of Statistic and ExtendedStatistic must be set");
  }
  if (extended_statistic.has_value()) {
    // The whole grammar of spec 1.4, through the one parser; the parser's
    // pointer to the offending character follows CloudWatch's sentence.
    absl::StatusOr<ExtendedStatistic> parsed =
        ParseExtendedStatistic(*extended_statistic);
    if (!parsed.ok()) {
      absl::string_view detail = parsed.status().message();
      const std::string prefix =
          absl::StrCat("ExtendedStatistic \"", *extended_statistic, "\": ");
      if (absl::StartsWith(detail, prefix)) detail.remove_prefix(prefix.size());
      return Invalid(*this, "ExtendedStatistic", *extended_statistic,
                     absl::StrCat("The value ", *extended_statistic,
                                  " for parameter ExtendedStatistic is not "
                                  "supported. (",
                                  detail, ")"),
                     "InvalidParameterValue");
    }
  }
  if (evaluate_low_sample_count_percentile.has_value() &&
      *evaluate_low_sample_count_percentile != "evaluate" &&
      *evaluate_low_sample_count_percentile != "ignore") {
    return Invalid(
        *this, "EvaluateLowSampleCountPercentile",
        *evaluate_low_sample_count_percentile,
        absl::StrCat("Option ", *evaluate_low_sample_count_percentile,
                     " is not supported. Supported options for parameter "
                     "EvaluateLowSampleCountPercentile are evaluate and ignore."));
  }
  if (period == absl::ZeroDuration()) {
    return Invalid(*this, "Period", "null", "Period must not be null");
  }
  if (!IsValidAlarmPeriod(period)) {
    return Invalid(*this, "Period", absl::FormatDuration(period),
                   "Period must be 10, 20, 30 or a multiple of 60");
  }
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
  if (IsAnomalyBandOperator(comparison_operator)) {
    return Invalid(*this, "ComparisonOperator",
                   ComparisonOperatorName(comparison_operator),
                   "band operators need an anomaly-detection alarm "
                   "(Metrics with ANOMALY_DETECTION_BAND and ThresholdMetricId)");
  }
  if (!threshold.has_value()) {
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
