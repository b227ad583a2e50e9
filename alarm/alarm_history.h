// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Alarm history items in DescribeAlarmHistory's shape (spec 4.7):
// ConfigurationUpdate on create/update/delete, StateUpdate on every
// transition, and one Action item per action run.
//
//   AlarmHistoryItem item = MakeStateUpdateItem("cpu-high", transition);
//   item.summary;  // "Alarm updated from INSUFFICIENT_DATA to ALARM"
//
// Thread-safety: value types and pure functions.

#ifndef CWALARM_ALARM_ALARM_HISTORY_H_
#define CWALARM_ALARM_ALARM_HISTORY_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "alarm/alarm_spec.h"
#include "alarm/alarm_state_machine.h"

namespace cwalarm {

enum class HistoryItemType {
  kConfigurationUpdate,
  kStateUpdate,
  kAction,
};

// "ConfigurationUpdate", "StateUpdate" or "Action".
absl::string_view HistoryItemTypeName(HistoryItemType type);

struct AlarmHistoryItem {
  std::string alarm_name;
  std::string alarm_type = "MetricAlarm";
  absl::Time timestamp;
  HistoryItemType type = HistoryItemType::kStateUpdate;
  std::string summary;  // HistorySummary.
  std::string data;     // HistoryData, compact JSON text.
};

enum class ConfigurationChange { kCreate, kUpdate, kDelete };

// `Alarm "<name>" created|updated|deleted` with HistoryData
// `{"version":"1.0","type":"Create","createdAlarm":{...}}` (`Update` /
// `updatedAlarm`, `Delete` / `deletedAlarm`; the update/delete wording is
// [OPEN] in the spec and ours). The alarm object uses DescribeAlarms' fields
// in camelCase (alarm_json.h).
AlarmHistoryItem MakeConfigurationItem(ConfigurationChange change,
                                       const AlarmSpec& spec,
                                       absl::string_view alarm_arn,
                                       absl::Time now);

// `Alarm updated from OLD to NEW` with HistoryData
// `{"version":"1.0","oldState":{"stateValue","stateReason"[,
// "stateReasonData"]},"newState":{...}}`; stateReasonData is embedded as an
// object, not a string (spec 4.7). Precondition: reason data texts are JSON.
AlarmHistoryItem MakeStateUpdateItem(absl::string_view alarm_name,
                                     const StateTransition& transition);
// The same item from the transition's parts, without a StateTransition
// (no copies of the reason texts).
AlarmHistoryItem MakeStateUpdateItem(
    absl::string_view alarm_name, AlarmState old_state,
    absl::string_view old_reason, absl::string_view old_reason_data,
    AlarmState new_state, absl::string_view new_reason,
    absl::string_view new_reason_data, absl::Time timestamp);

namespace history_internal {
// MakeStateUpdateItem's item written into `*item`, which must be
// default-constructed: a caller that keeps items in a vector builds the item
// in place (emplace_back) instead of moving a returned one. With
// `new_reason_clean`, the caller promises `new_reason` needs no JSON escape
// (the evaluator's own reasons: fixed words, numbers, timestamps), so that
// only the old reason is scanned; the item is the same.
void WriteStateUpdateItem(absl::string_view alarm_name, AlarmState old_state,
                          absl::string_view old_reason,
                          absl::string_view old_reason_data,
                          AlarmState new_state, absl::string_view new_reason,
                          absl::string_view new_reason_data,
                          absl::Time timestamp, bool new_reason_clean,
                          AlarmHistoryItem* item);

// MakeActionItem's item written into `*item`, which must be
// default-constructed (as WriteStateUpdateItem).
void WriteActionItem(absl::string_view alarm_name,
                     absl::string_view action_arn, const absl::Status& result,
                     absl::Time transition_time, AlarmHistoryItem* item);
}  // namespace history_internal

// `Successfully executed action ARN`, or on failure `Failed to execute
// action ARN. Received error: "message"` ([INFERRED] wording: the spec only
// says failures contain "failed"). HistoryData is
// `{"actionState":"Succeeded"|"Failed","notificationResource":ARN,
// "stateUpdateTimestamp":CW-ts[,"error":message]}` ([OPEN] in the spec; the
// first two keys follow the one third-party sample).
AlarmHistoryItem MakeActionItem(absl::string_view alarm_name,
                                absl::string_view action_arn,
                                const absl::Status& result,
                                absl::Time transition_time);

}  // namespace cwalarm

#endif  // CWALARM_ALARM_ALARM_HISTORY_H_
