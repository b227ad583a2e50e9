// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "alarm/alarm_json.h"

#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "alarm/cw_format.h"

namespace cwalarm {

void WriteMetricAlarm(const AlarmSpec& spec, const AlarmStatus& status,
                      absl::string_view alarm_arn,
                      absl::Time configuration_updated, JsonWriter* w) {
  // Key order of botocore's MetricAlarm shape.
  w->BeginObject();
  w->Key("AlarmName");
  w->String(spec.alarm_name);
  w->Key("AlarmArn");
  w->String(alarm_arn);
  if (spec.alarm_description.has_value()) {
    w->Key("AlarmDescription");
    w->String(*spec.alarm_description);
  }
  w->Key("AlarmConfigurationUpdatedTimestamp");
  w->String(FormatIsoTimestamp(configuration_updated));
  w->Key("ActionsEnabled");
  w->Bool(spec.actions_enabled);
  w->Key("OKActions");
  w->StringArray(spec.ok_actions);
  w->Key("AlarmActions");
  w->StringArray(spec.alarm_actions);
  w->Key("InsufficientDataActions");
  w->StringArray(spec.insufficient_data_actions);
  w->Key("StateValue");
  w->String(AlarmStateName(status.state));
  w->Key("StateReason");
  w->String(status.reason);
  if (!status.reason_data.empty()) {
    w->Key("StateReasonData");
    w->String(status.reason_data);
  }
  w->Key("StateUpdatedTimestamp");
  w->String(FormatIsoTimestamp(status.state_updated));
  const bool math = spec.HasMetricsList();
  if (!math) {
    w->Key("MetricName");
    w->String(spec.metric.metric_name);
    w->Key("Namespace");
    w->String(spec.metric.metric_namespace);
  }
  if (spec.statistic.has_value()) {
    w->Key("Statistic");
    w->String(StatisticName(*spec.statistic));
  }
  if (spec.extended_statistic.has_value()) {
    w->Key("ExtendedStatistic");
    w->String(*spec.extended_statistic);
  }
  w->Key("Dimensions");
  w->BeginArray();
  for (const Dimension& d : spec.metric.dimensions) {
    w->BeginObject();
    w->Key("Name");
    w->String(d.name);
    w->Key("Value");
    w->String(d.value);
    w->EndObject();
  }
  w->EndArray();
  if (!math) {
    w->Key("Period");
    w->Int(absl::ToInt64Seconds(spec.period));
  }
  if (spec.unit.has_value()) {
    w->Key("Unit");
    w->String(UnitName(*spec.unit));
  }
  w->Key("EvaluationPeriods");
  w->Int(spec.evaluation_periods);
  if (spec.datapoints_to_alarm.has_value()) {
    w->Key("DatapointsToAlarm");
    w->Int(*spec.datapoints_to_alarm);
  }
  if (!spec.IsAnomalyDetection()) {
    w->Key("Threshold");
    w->Double(spec.threshold.value_or(0));
  }
  w->Key("ComparisonOperator");
  w->String(ComparisonOperatorName(spec.comparison_operator));
  if (spec.treat_missing_data.has_value()) {
    w->Key("TreatMissingData");
    w->String(TreatMissingDataName(*spec.treat_missing_data));
  }
  if (spec.evaluate_low_sample_count_percentile.has_value()) {
    w->Key("EvaluateLowSampleCountPercentile");
    w->String(*spec.evaluate_low_sample_count_percentile);
  }
  if (math) {
    w->Key("Metrics");
    WriteMetricsList(spec.metrics, /*camel_case=*/false, w);
  }
  if (spec.threshold_metric_id.has_value()) {
    w->Key("ThresholdMetricId");
    w->String(*spec.threshold_metric_id);
  }
  w->Key("StateTransitionedTimestamp");
  w->String(FormatIsoTimestamp(status.state_transitioned));
  w->EndObject();
}

void WriteHistoryAlarmConfiguration(const AlarmSpec& spec,
                                    absl::string_view alarm_arn,
                                    absl::Time configuration_updated,
                                    JsonWriter* w) {
  // The order of the observed `createdAlarm` sample (spec 4.7), then the
  // remaining configuration fields.
  w->BeginObject();
  WriteHistoryAlarmIdentity(spec.alarm_name, spec.alarm_description, alarm_arn,
                            configuration_updated, w);
  const bool math = spec.HasMetricsList();
  if (!math) {
    w->Key("namespace");
    w->String(spec.metric.metric_namespace);
    w->Key("metricName");
    w->String(spec.metric.metric_name);
  }
  if (spec.statistic.has_value()) {
    w->Key("statistic");
    w->String(StatisticName(*spec.statistic));
  }
  if (spec.extended_statistic.has_value()) {
    w->Key("extendedStatistic");
    w->String(*spec.extended_statistic);
  }
  if (!math) {
    w->Key("period");
    w->Int(absl::ToInt64Seconds(spec.period));
  }
  w->Key("dimensions");
  w->BeginArray();
  for (const Dimension& d : spec.metric.dimensions) {
    w->BeginObject();
    w->Key("value");
    w->String(d.value);
    w->Key("name");
    w->String(d.name);
    w->EndObject();
  }
  w->EndArray();
  if (!spec.IsAnomalyDetection()) {
    w->Key("threshold");
    w->Double(spec.threshold.value_or(0));
  }
  w->Key("comparisonOperator");
  w->String(ComparisonOperatorName(spec.comparison_operator));
  w->Key("evaluationPeriods");
  w->Int(spec.evaluation_periods);
  if (spec.datapoints_to_alarm.has_value()) {
    w->Key("datapointsToAlarm");
    w->Int(*spec.datapoints_to_alarm);
  }
  if (spec.unit.has_value()) {
    w->Key("unit");
    w->String(UnitName(*spec.unit));
  }
  if (spec.treat_missing_data.has_value()) {
    w->Key("treatMissingData");
    w->String(TreatMissingDataName(*spec.treat_missing_data));
  }
  if (spec.evaluate_low_sample_count_percentile.has_value()) {
    w->Key("evaluateLowSampleCountPercentile");
    w->String(*spec.evaluate_low_sample_count_percentile);
  }
  if (math) {
    w->Key("metrics");
    WriteMetricsList(spec.metrics, /*camel_case=*/true, w);
  }
  if (spec.threshold_metric_id.has_value()) {
    w->Key("thresholdMetricId");
    w->String(*spec.threshold_metric_id);
  }
  w->Key("actionsEnabled");
  w->Bool(spec.actions_enabled);
  w->Key("okActions");
  w->StringArray(spec.ok_actions);
  w->Key("alarmActions");
  w->StringArray(spec.alarm_actions);
  w->Key("insufficientDataActions");
  w->StringArray(spec.insufficient_data_actions);
  w->EndObject();
}

void WriteMetricsList(const std::vector<MetricDataQuery>& metrics,
                      bool camel_case, JsonWriter* w) {
  auto key = [&](absl::string_view pascal) {
    if (!camel_case) {
      w->Key(pascal);
      return;
    }
    std::string k(pascal);
    k[0] = static_cast<char>(absl::ascii_tolower(static_cast<unsigned char>(k[0])));
    w->Key(k);
  };
  w->BeginArray();
  for (const MetricDataQuery& q : metrics) {
    w->BeginObject();
    key("Id");
    w->String(q.id);
    if (q.metric_stat.has_value()) {
      const MetricStat& ms = *q.metric_stat;
      key("MetricStat");
      w->BeginObject();
      key("Metric");
      w->BeginObject();
      key("Namespace");
      w->String(ms.metric.metric_namespace);
      key("MetricName");
      w->String(ms.metric.metric_name);
      key("Dimensions");
      w->BeginArray();
      for (const Dimension& d : ms.metric.dimensions) {
        w->BeginObject();
        key("Name");
        w->String(d.name);
        key("Value");
        w->String(d.value);
        w->EndObject();
      }
      w->EndArray();
      w->EndObject();
      key("Period");
      w->Int(absl::ToInt64Seconds(ms.period));
      key("Stat");
      w->String(ms.stat);
      if (ms.unit.has_value()) {
        key("Unit");
        w->String(UnitName(*ms.unit));
      }
      w->EndObject();
    }
    if (q.expression.has_value()) {
      key("Expression");
      w->String(*q.expression);
    }
    if (q.label.has_value()) {
      key("Label");
      w->String(*q.label);
    }
    key("ReturnData");
    w->Bool(q.ReturnsData());
    if (q.period.has_value()) {
      key("Period");
      w->Int(absl::ToInt64Seconds(*q.period));
    }
    if (q.account_id.has_value()) {
      key("AccountId");
      w->String(*q.account_id);
    }
    w->EndObject();
  }
  w->EndArray();
}

void WriteHistoryAlarmIdentity(absl::string_view alarm_name,
                               const std::optional<std::string>& description,
                               absl::string_view alarm_arn,
                               absl::Time configuration_updated,
                               JsonWriter* w) {
  w->Key("alarmName");
  w->String(alarm_name);
  if (description.has_value()) {
    w->Key("alarmDescription");
    w->String(*description);
  }
  w->Key("alarmArn");
  w->String(alarm_arn);
  w->Key("alarmConfigurationUpdatedTimestamp");
  w->String(FormatCwTimestamp(configuration_updated));
}

}  // namespace cwalarm
