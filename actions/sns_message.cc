// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "actions/sns_message.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "alarm/composite_alarm.h"
#include "alarm/cw_format.h"
#include "alarm/json_writer.h"
#include "alarm/threshold.h"
#include "metrics/statistic.h"
#include "metrics/unit.h"
#include "nlohmann/json.hpp"

namespace cwalarm {
namespace {

// endpoints.json descriptions (S-ENDPOINTS), with "EU (...)" where alarm
// messages keep the old spelling (observed EU (Ireland), EU (Frankfurt)).
struct RegionName {
  const char* code;
  const char* name;
};
constexpr RegionName kRegionNames[] = {
    {"af-south-1", "Africa (Cape Town)"},
    {"ap-east-1", "Asia Pacific (Hong Kong)"},
    {"ap-northeast-1", "Asia Pacific (Tokyo)"},
    {"ap-northeast-2", "Asia Pacific (Seoul)"},
    {"ap-northeast-3", "Asia Pacific (Osaka)"},
    {"ap-south-1", "Asia Pacific (Mumbai)"},
    {"ap-south-2", "Asia Pacific (Hyderabad)"},
    {"ap-southeast-1", "Asia Pacific (Singapore)"},
    {"ap-southeast-2", "Asia Pacific (Sydney)"},
    {"ap-southeast-3", "Asia Pacific (Jakarta)"},
    {"ap-southeast-4", "Asia Pacific (Melbourne)"},
    {"ap-southeast-5", "Asia Pacific (Malaysia)"},
    {"ca-central-1", "Canada (Central)"},
    {"ca-west-1", "Canada West (Calgary)"},
    {"cn-north-1", "China (Beijing)"},
    {"cn-northwest-1", "China (Ningxia)"},
    {"eu-central-1", "EU (Frankfurt)"},
    {"eu-central-2", "EU (Zurich)"},
    {"eu-north-1", "EU (Stockholm)"},
    {"eu-south-1", "EU (Milan)"},
    {"eu-south-2", "EU (Spain)"},
    {"eu-west-1", "EU (Ireland)"},
    {"eu-west-2", "EU (London)"},
    {"eu-west-3", "EU (Paris)"},
    {"il-central-1", "Israel (Tel Aviv)"},
    {"me-central-1", "Middle East (UAE)"},
    {"me-south-1", "Middle East (Bahrain)"},
    {"mx-central-1", "Mexico (Central)"},
    {"sa-east-1", "South America (Sao Paulo)"},
    {"us-east-1", "US East (N. Virginia)"},
    {"us-east-2", "US East (Ohio)"},
    {"us-gov-east-1", "AWS GovCloud (US-East)"},
    {"us-gov-west-1", "AWS GovCloud (US-West)"},
    {"us-west-1", "US West (N. California)"},
    {"us-west-2", "US West (Oregon)"},
};

// Number of UTF-8 characters (code points) in `s`.
int Utf8Length(absl::string_view s) {
  int n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// The longest prefix of `s` with at most `max_chars` code points.
absl::string_view Utf8Prefix(absl::string_view s, int max_chars) {
  int n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (n == max_chars) return s.substr(0, i);
      ++n;
    }
  }
  return s;
}

void StringArray(JsonWriter& w, const std::vector<std::string>& items) {
  w.BeginArray();
  for (const std::string& s : items) w.String(s);
  w.EndArray();
}

void OptionalString(JsonWriter& w, const std::optional<std::string>& s) {
  if (s.has_value()) {
    w.String(*s);
  } else {
    w.Null();
  }
}

// `[{"value":...,"name":...}]`: lower-case keys, value first (spec 6.2).
void Dimensions(JsonWriter& w, const std::vector<Dimension>& dimensions) {
  w.BeginArray();
  for (const Dimension& d : dimensions) {
    w.BeginObject();
    w.Key("value");
    w.String(d.value);
    w.Key("name");
    w.String(d.name);
    w.EndObject();
  }
  w.EndArray();
}

void MetricQuery(JsonWriter& w, const SnsMetricQuery& q) {
  w.BeginObject();
  if (q.expression.has_value()) {
    w.Key("Expression");
    w.String(*q.expression);
    w.Key("Id");
    w.String(q.id);
    if (q.label) {
      w.Key("Label");
      w.String(*q.label);
    }
    w.Key("ReturnData");
    w.Bool(q.return_data);
  } else {
    w.Key("Id");
    w.String(q.id);
    if (q.label) {
      w.Key("Label");
      w.String(*q.label);
    }
    w.Key("MetricStat");
    w.BeginObject();
    w.Key("Metric");
    w.BeginObject();
    w.Key("Dimensions");
    Dimensions(w, q.metric.dimensions);
    w.Key("MetricName");
    w.String(q.metric.metric_name);
    w.Key("Namespace");
    w.String(q.metric.metric_namespace);
    w.EndObject();
    w.Key("Period");
    w.Int(absl::ToInt64Seconds(q.period));
    w.Key("Stat");
    w.String(q.stat);
    if (q.unit) {
      w.Key("Unit");
      w.String(*q.unit);
    }
    w.EndObject();
    w.Key("ReturnData");
    w.Bool(q.return_data);
    if (q.account_id) {
      w.Key("AccountId");
      w.String(*q.account_id);
    }
  }
  w.EndObject();
}

}  // namespace

absl::StatusOr<SnsTopicArn> ParseSnsTopicArn(absl::string_view arn) {
  std::vector<absl::string_view> parts = absl::StrSplit(arn, ':');
  if (parts.size() != 6 || parts[0] != "arn" || parts[2] != "sns") {
    return absl::InvalidArgumentError(
        absl::StrCat("action \"", arn,
                     "\": not an SNS topic ARN "
                     "(arn:{partition}:sns:{region}:{account}:{topic})"));
  }
  for (int i = 1; i < 6; ++i) {
    if (parts[i].empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "action \"", arn, "\": SNS topic ARN has an empty part ", i));
    }
  }
  return SnsTopicArn{std::string(parts[1]), std::string(parts[3]),
                     std::string(parts[4]), std::string(parts[5])};
}

std::string RegionLongName(absl::string_view region) {
  for (const RegionName& r : kRegionNames) {
    if (region == r.code) return r.name;
  }
  return std::string(region);
}

std::string SnsSubject(AlarmState new_state, absl::string_view alarm_name,
                       absl::string_view region_long_name) {
  // SNS rejects line breaks and control characters in a subject.
  std::string name(alarm_name);
  for (char& c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  std::string head = absl::StrCat(AlarmStateName(new_state), ": \"");
  std::string tail = absl::StrCat("\" in ", region_long_name);
  std::string subject = absl::StrCat(head, name, tail);
  if (Utf8Length(subject) <= kMaxSnsSubjectLength) return subject;
  int room = kMaxSnsSubjectLength - Utf8Length(head) - Utf8Length(tail) - 3;
  if (room >= 1) {
    return absl::StrCat(head, Utf8Prefix(name, room), "...", tail);
  }
  return std::string(Utf8Prefix(subject, kMaxSnsSubjectLength));
}

namespace {

AlarmNotification CompositeNotification(const StateChange& change) {
  const CompositeAlarmSpec& spec = *change.composite;
  AlarmNotification n;
  n.composite = true;
  n.alarm_name = spec.alarm_name;
  n.alarm_description = spec.alarm_description;
  n.account_id = change.account_id;
  n.alarm_configuration_updated = change.alarm_configuration_updated;
  n.new_state = change.new_state;
  n.new_reason = change.new_reason;
  n.state_change_time = change.timestamp;
  n.region = change.region;
  n.alarm_arn = change.alarm_arn;
  n.old_state = change.old_state;
  n.ok_actions = spec.ok_actions;
  n.alarm_actions = spec.alarm_actions;
  n.insufficient_data_actions = spec.insufficient_data_actions;
  n.action_executed_after_mute_window.reset();
  // {"triggeringAlarms":[{"arn":..,"state":{"value":..,"timestamp":..}}]}
  nlohmann::json data =
      nlohmann::json::parse(change.new_reason_data, nullptr, false);
  if (data.is_object() && data.contains("triggeringAlarms") &&
      data["triggeringAlarms"].is_array()) {
    for (const nlohmann::json& t : data["triggeringAlarms"]) {
      TriggeringChild child;
      child.arn = t.value("arn", "");
      if (t.contains("state") && t["state"].is_object()) {
        child.state = t["state"].value("value", "");
        child.timestamp = t["state"].value("timestamp", "");
      }
      n.triggering_children.push_back(std::move(child));
    }
  }
  return n;
}

}  // namespace

AlarmNotification NotificationFromStateChange(const StateChange& change) {
  if (change.alarm == nullptr) return CompositeNotification(change);
  const AlarmSpec& spec = *change.alarm;
  AlarmNotification n;
  n.alarm_name = spec.alarm_name;
  n.alarm_description = spec.alarm_description;
  n.account_id = change.account_id;
  n.alarm_configuration_updated = change.alarm_configuration_updated;
  n.new_state = change.new_state;
  n.new_reason = change.new_reason;
  n.state_change_time = change.timestamp;
  n.region = change.region;
  n.alarm_arn = change.alarm_arn;
  n.old_state = change.old_state;
  n.ok_actions = spec.ok_actions;
  n.alarm_actions = spec.alarm_actions;
  n.insufficient_data_actions = spec.insufficient_data_actions;
  n.metric = spec.metric;
  if (spec.statistic.has_value()) {
    n.statistic = std::string(StatisticUpperName(*spec.statistic));
  }
  n.extended_statistic = spec.extended_statistic;
  if (spec.unit.has_value()) n.unit = std::string(UnitName(*spec.unit));
  n.period = spec.EffectivePeriod();
  for (const MetricDataQuery& q : spec.metrics) {
    SnsMetricQuery m;
    m.id = q.id;
    m.expression = q.expression;
    m.label = q.label;
    if (q.metric_stat.has_value()) {
      m.metric = q.metric_stat->metric;
      m.period = q.metric_stat->period;
      m.stat = q.metric_stat->stat;
      if (q.metric_stat->unit.has_value()) {
        m.unit = std::string(UnitName(*q.metric_stat->unit));
      }
    }
    m.return_data = q.ReturnsData();
    m.account_id = q.account_id;
    n.metrics.push_back(std::move(m));
  }
  n.threshold_metric_id = spec.threshold_metric_id;
  n.evaluation_periods = spec.evaluation_periods;
  n.datapoints_to_alarm = spec.datapoints_to_alarm;
  n.comparison_operator =
      std::string(ComparisonOperatorName(spec.comparison_operator));
  n.threshold = spec.threshold;
  if (spec.treat_missing_data.has_value()) {
    n.treat_missing_data =
        std::string(TreatMissingDataName(*spec.treat_missing_data));
  }
  n.evaluate_low_sample_count_percentile =
      spec.evaluate_low_sample_count_percentile.value_or("");
  return n;
}

std::string SnsMessageJson(const AlarmNotification& n) {
  JsonWriter w;
  w.BeginObject();
  w.Key("AlarmName");
  w.String(n.alarm_name);
  w.Key("AlarmDescription");
  OptionalString(w, n.alarm_description);
  w.Key("AWSAccountId");
  w.String(n.account_id);
  if (!n.composite) {
    w.Key("AlarmConfigurationUpdatedTimestamp");
    w.String(FormatCwTimestamp(n.alarm_configuration_updated));
  }
  w.Key("NewStateValue");
  w.String(AlarmStateName(n.new_state));
  w.Key("NewStateReason");
  w.String(n.new_reason);
  w.Key("StateChangeTime");
  w.String(FormatCwTimestamp(n.state_change_time));
  w.Key("Region");
  w.String(RegionLongName(n.region));
  w.Key("AlarmArn");
  w.String(n.alarm_arn);
  w.Key("OldStateValue");
  w.String(AlarmStateName(n.old_state));
  w.Key("OKActions");
  StringArray(w, n.ok_actions);
  w.Key("AlarmActions");
  StringArray(w, n.alarm_actions);
  w.Key("InsufficientDataActions");
  StringArray(w, n.insufficient_data_actions);

  if (n.composite) {
    // Field names as confirmed against AWS by LocalStack's tests (spec 6.2).
    w.Key("TriggeringChildren");
    w.BeginArray();
    for (const TriggeringChild& c : n.triggering_children) {
      w.BeginObject();
      w.Key("Arn");
      w.String(c.arn);
      w.Key("State");
      w.BeginObject();
      w.Key("Value");
      w.String(c.state);
      w.Key("Timestamp");
      w.String(c.timestamp);
      w.EndObject();
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return w.Release();
  }

  w.Key("Trigger");
  w.BeginObject();
  const bool math = !n.metrics.empty();
  if (!math) {
    w.Key("MetricName");
    w.String(n.metric.metric_name);
    w.Key("Namespace");
    w.String(n.metric.metric_namespace);
    if (n.extended_statistic.has_value()) {
      w.Key("StatisticType");
      w.String("ExtendedStatistic");
      w.Key("ExtendedStatistic");
      w.String(*n.extended_statistic);
    } else {
      w.Key("StatisticType");
      w.String("Statistic");
      w.Key("Statistic");
      w.String(n.statistic.value_or(""));
    }
    w.Key("Unit");
    OptionalString(w, n.unit);
    w.Key("Dimensions");
    Dimensions(w, n.metric.dimensions);
  }
  w.Key("Period");
  w.Int(absl::ToInt64Seconds(n.period));
  w.Key("EvaluationPeriods");
  w.Int(n.evaluation_periods);
  if (n.datapoints_to_alarm.has_value()) {
    w.Key("DatapointsToAlarm");
    w.Int(*n.datapoints_to_alarm);
  }
  w.Key("ComparisonOperator");
  w.String(n.comparison_operator);
  if (n.threshold.has_value()) {
    w.Key("Threshold");
    w.Double(*n.threshold);
  }
  if (n.threshold_metric_id.has_value()) {
    w.Key("ThresholdMetricId");
    w.String(*n.threshold_metric_id);
  }
  w.Key("TreatMissingData");
  w.String(n.treat_missing_data);
  w.Key("EvaluateLowSampleCountPercentile");
  w.String(n.evaluate_low_sample_count_percentile);
  if (math) {
    w.Key("Metrics");
    w.BeginArray();
    for (const SnsMetricQuery& q : n.metrics) MetricQuery(w, q);
    w.EndArray();
  }
  w.EndObject();

  if (n.action_executed_after_mute_window.has_value()) {
    w.Key("ActionExecutedAfterMuteWindow");
    w.Bool(*n.action_executed_after_mute_window);
  }
  w.EndObject();
  return w.Release();
}

std::string IdempotencyKey(absl::string_view alarm_arn, absl::Time transition) {
  return absl::StrCat(alarm_arn, "@", FormatCwTimestamp(transition));
}

absl::StatusOr<SnsPublish> MakeSnsPublish(const AlarmNotification& n,
                                          absl::string_view topic_arn) {
  absl::StatusOr<SnsTopicArn> topic = ParseSnsTopicArn(topic_arn);
  if (!topic.ok()) return topic.status();
  SnsPublish p;
  p.topic_arn = std::string(topic_arn);
  p.region = topic->region;
  p.subject = SnsSubject(n.new_state, n.alarm_name, RegionLongName(n.region));
  p.message = SnsMessageJson(n);
  if (p.message.size() > static_cast<size_t>(kMaxSnsMessageBytes)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "alarm \"", n.alarm_name, "\": SNS message is ", p.message.size(),
        " bytes; SNS accepts at most ", kMaxSnsMessageBytes));
  }
  p.idempotency_key = IdempotencyKey(n.alarm_arn, n.state_change_time);
  p.alarm_arn = n.alarm_arn;
  p.alarm_name = n.alarm_name;
  p.state_change_time = n.state_change_time;
  return p;
}

absl::StatusOr<SnsPublish> MakeSnsPublish(const StateChange& change) {
  if (change.alarm == nullptr && change.composite == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "alarm ", change.alarm_arn, ": action ", change.action,
        ": the state change names neither a metric nor a composite alarm"));
  }
  return MakeSnsPublish(NotificationFromStateChange(change), change.action);
}

}  // namespace cwalarm
