// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// JSON renderings of an alarm's configuration and state in the shapes
// CloudWatch uses: DescribeAlarms' `MetricAlarm` (PascalCase keys) and the
// camelCase alarm object inside ConfigurationUpdate history data.
//
// Fields CloudWatch omits when unset stay omitted (`AlarmDescription`,
// `DatapointsToAlarm`, `TreatMissingData`, `Unit`, `StateReasonData`,
// `EvaluateLowSampleCountPercentile`); the three action lists and
// `Dimensions` are always present, `[]` when empty (spec 1.2).
//
//   JsonWriter w(2);
//   WriteMetricAlarm(spec, status, arn, configuration_updated, &w);
//
// Thread-safety: pure functions over their arguments.

#ifndef CWALARM_ALARM_ALARM_JSON_H_
#define CWALARM_ALARM_ALARM_JSON_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "alarm/alarm_spec.h"
#include "alarm/alarm_state_machine.h"
#include "alarm/json_writer.h"

namespace cwalarm {

// Writes one DescribeAlarms `MetricAlarm` object. Timestamps are ISO 8601
// with milliseconds and `Z` (FormatIsoTimestamp).
void WriteMetricAlarm(const AlarmSpec& spec, const AlarmStatus& status,
                      absl::string_view alarm_arn,
                      absl::Time configuration_updated, JsonWriter* out);

// Writes the camelCase configuration object of ConfigurationUpdate history
// data (`createdAlarm` and friends; spec 4.7).
void WriteHistoryAlarmConfiguration(const AlarmSpec& spec,
                                    absl::string_view alarm_arn,
                                    absl::Time configuration_updated,
                                    JsonWriter* out);

// Writes a `Metrics` list (spec 1.7) as an array: PascalCase keys as in
// DescribeAlarms and PutMetricAlarm, or camelCase as in ConfigurationUpdate
// history data. ReturnData is always written (its effective value).
void WriteMetricsList(const std::vector<MetricDataQuery>& metrics,
                      bool camel_case, JsonWriter* w);

// Writes the four keys every ConfigurationUpdate alarm object starts with,
// in the order of the observed `createdAlarm` sample (spec 4.7):
// alarmName, alarmDescription (only when set), alarmArn and
// alarmConfigurationUpdatedTimestamp (CW-ts). Shared by metric and composite
// alarms; the caller opens and closes the object.
void WriteHistoryAlarmIdentity(absl::string_view alarm_name,
                               const std::optional<std::string>& description,
                               absl::string_view alarm_arn,
                               absl::Time configuration_updated,
                               JsonWriter* out);

}  // namespace cwalarm

#endif  // CWALARM_ALARM_ALARM_JSON_H_
