// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The SNS notification CloudWatch publishes for a metric alarm's state
// change: the JSON `Message` (spec 6.2), the `Subject` (spec 6.3), the topic
// ARN parsed into partition/region/account/name (spec 6.1) and the region
// long names ("US East (N. Virginia)", "EU (Ireland)").
//
// Pipeline position: actions/sns_sink turns each StateChange into an
// SnsPublish with `MakeSnsPublish`, stores it in the outbox, and a delivery
// worker later sends it with actions/sns_client.
//
//   absl::StatusOr<SnsPublish> p = MakeSnsPublish(change);
//   p->subject;  // ALARM: "cpu-high" in US East (N. Virginia)
//   p->message;  // {"AlarmName":"cpu-high","AlarmDescription":null,...}
//
// The message is compact JSON written field by field in CloudWatch's order
// (alarm/json_writer.h); numbers are printed as Java's Double.toString.
//
// Thread-safety: value types and pure functions.

#ifndef CWALARM_ACTIONS_SNS_MESSAGE_H_
#define CWALARM_ACTIONS_SNS_MESSAGE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "alarm/action_sink.h"
#include "alarm/alarm_state.h"
#include "metrics/metric_id.h"

namespace cwalarm {

// SNS's limit: a subject must be shorter than 100 characters (spec 6.3).
inline constexpr int kMaxSnsSubjectLength = 99;
// SNS's limit on the UTF-8 message (spec 6.3).
inline constexpr int kMaxSnsMessageBytes = 262144;

// `arn:{partition}:sns:{region}:{account}:{topic}`.
struct SnsTopicArn {
  std::string partition;
  std::string region;
  std::string account_id;
  std::string topic;
};

// Parses an SNS topic ARN (spec 6.1). Returns kInvalidArgument naming the
// ARN when it does not have six colon-separated parts, the service is not
// `sns`, or a part is empty.
absl::StatusOr<SnsTopicArn> ParseSnsTopicArn(absl::string_view arn);

// The long name alarm messages use for `region` (spec 6.3): endpoints.json's
// description except `EU (...)` for the European regions where endpoints.json
// now says `Europe (...)`. An unknown region code is returned unchanged
// ([OPEN]: what AWS prints for a region it does not name).
std::string RegionLongName(absl::string_view region);

// `{STATE}: "{alarm_name}" in {region_long_name}` (spec 6.3). SNS requires
// fewer than 100 characters and no control characters; CloudWatch's own
// shortening is [OPEN]. Ours: control characters become spaces; if the
// subject is still too long, the alarm name is cut (at a UTF-8 character
// boundary) and ends in "..." inside the quotes, keeping the state and the
// region; if even an empty name does not fit, the whole subject is cut to
// 99 characters.
std::string SnsSubject(AlarmState new_state, absl::string_view alarm_name,
                       absl::string_view region_long_name);

// One metric of a metric-math alarm's `Trigger.Metrics` (spec 6.2): either
// an expression or a MetricStat.
struct SnsMetricQuery {
  std::string id;
  std::optional<std::string> expression;
  std::optional<std::string> label;
  // MetricStat, used when `expression` is unset.
  MetricId metric;
  absl::Duration period = absl::ZeroDuration();
  std::string stat;  // e.g. "Average", "p99".
  std::optional<std::string> unit;
  bool return_data = true;
  std::optional<std::string> account_id;
};

// One entry of a composite alarm's `TriggeringChildren` (spec 6.2).
struct TriggeringChild {
  std::string arn;
  std::string state;      // "ALARM", "OK", "INSUFFICIENT_DATA".
  std::string timestamp;  // CW-ts, as in the reason data.
};

// Everything the message contains, independent of AlarmSpec so that the
// extended-statistic, metric-math and composite variants can be written.
struct AlarmNotification {
  std::string alarm_name;
  std::optional<std::string> alarm_description;  // null when unset.
  std::string account_id;
  absl::Time alarm_configuration_updated;
  AlarmState new_state = AlarmState::kAlarm;
  std::string new_reason;
  absl::Time state_change_time;
  std::string region;  // Code, e.g. "us-east-1"; printed as its long name.
  std::string alarm_arn;
  AlarmState old_state = AlarmState::kOk;
  std::vector<std::string> ok_actions;
  std::vector<std::string> alarm_actions;
  std::vector<std::string> insufficient_data_actions;

  // Composite alarm (spec 6.2): no AlarmConfigurationUpdatedTimestamp, no
  // Trigger, no ActionExecutedAfterMuteWindow; `TriggeringChildren` after
  // the action lists. `AlarmRule` is not written ([OPEN] in the spec).
  bool composite = false;
  std::vector<TriggeringChild> triggering_children;

  // Trigger (metric alarms). With a non-empty `metrics` the math form is
  // written (no MetricName, Namespace, Statistic*, Unit, Dimensions).
  MetricId metric;
  std::optional<std::string> statistic;           // Upper-case, e.g. "AVERAGE".
  std::optional<std::string> extended_statistic;  // e.g. "p99".
  std::optional<std::string> unit;                // null when unset.
  absl::Duration period = absl::ZeroDuration();
  int evaluation_periods = 1;
  std::optional<int> datapoints_to_alarm;  // Written only when configured.
  std::string comparison_operator;
  std::optional<double> threshold;  // Unset for anomaly alarms.
  std::optional<std::string> threshold_metric_id;
  // The configured value, or "" when unset ([OPEN] for current AWS; "" is
  // what LocalStack emits and one 2019 sample shows).
  std::string treat_missing_data;
  std::string evaluate_low_sample_count_percentile;  // "" when unset.
  std::vector<SnsMetricQuery> metrics;

  // `ActionExecutedAfterMuteWindow`, present in 2026 samples (false there).
  // Unset omits the field, as messages before mute rules did.
  std::optional<bool> action_executed_after_mute_window = false;
};

// Fills a notification from an evaluator's StateChange: from `change.alarm`
// for a metric alarm, or from `change.composite` for a composite alarm,
// whose TriggeringChildren come from the reason data's `triggeringAlarms`
// (spec 4.6; unparsable reason data gives an empty list). Precondition: one
// of the two is non-null (MakeSnsPublish checks it).
AlarmNotification NotificationFromStateChange(const StateChange& change);

// The `Message` JSON of spec 6.2, compact, fields in CloudWatch's order.
std::string SnsMessageJson(const AlarmNotification& notification);

// One Publish call (spec 6.3) plus what delivery needs to order and
// identify it.
struct SnsPublish {
  std::string topic_arn;
  std::string region;  // From the topic ARN: the endpoint's region.
  std::string subject;
  std::string message;
  // `{alarm ARN}@{StateChangeTime as CW-ts}`: equal for every redelivery of
  // one transition's notification (the message carries both parts too).
  std::string idempotency_key;
  std::string alarm_arn;  // Delivery is ordered per alarm.
  std::string alarm_name;
  absl::Time state_change_time;
};

// Builds the Publish call for `change` (its `action` is the topic ARN).
// Returns kInvalidArgument when the action is not an SNS topic ARN, when
// the message exceeds SNS's 262144-byte limit, or when the change names
// neither a metric nor a composite alarm.
absl::StatusOr<SnsPublish> MakeSnsPublish(const StateChange& change);

// Same, from an already built notification and topic.
absl::StatusOr<SnsPublish> MakeSnsPublish(const AlarmNotification& notification,
                                          absl::string_view topic_arn);

// `{alarm_arn}@{CW-ts}`.
std::string IdempotencyKey(absl::string_view alarm_arn, absl::Time transition);

}  // namespace cwalarm

#endif  // CWALARM_ACTIONS_SNS_MESSAGE_H_
