// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "alarm/alarm_history.h"

#include "absl/strings/str_cat.h"
#include "alarm/alarm_json.h"
#include "alarm/cw_format.h"
#include "alarm/json_writer.h"

namespace cwalarm {
namespace {

void WriteState(AlarmState state, const std::string& reason,
                const std::string& reason_data, JsonWriter* w) {
  w->BeginObject();
  w->Key("stateValue");
  w->String(AlarmStateName(state));
  w->Key("stateReason");
  w->String(reason);
  if (!reason_data.empty()) {
    w->Key("stateReasonData");
    w->Raw(reason_data);
  }
  w->EndObject();
}

}  // namespace

absl::string_view HistoryItemTypeName(HistoryItemType type) {
  switch (type) {
    case HistoryItemType::kConfigurationUpdate:
      return "ConfigurationUpdate";
    case HistoryItemType::kStateUpdate:
      return "StateUpdate";
    case HistoryItemType::kAction:
      return "Action";
  }
  return "";
}

AlarmHistoryItem MakeConfigurationItem(ConfigurationChange change,
                                       const AlarmSpec& spec,
                                       absl::string_view alarm_arn,
                                       absl::Time now) {
  absl::string_view verb, type, key;
  switch (change) {
    case ConfigurationChange::kCreate:
      verb = "created", type = "Create", key = "createdAlarm";
      break;
    case ConfigurationChange::kUpdate:
      verb = "updated", type = "Update", key = "updatedAlarm";
      break;
    case ConfigurationChange::kDelete:
      verb = "deleted", type = "Delete", key = "deletedAlarm";
      break;
  }
  AlarmHistoryItem item;
  item.alarm_name = spec.alarm_name;
  item.timestamp = now;
  item.type = HistoryItemType::kConfigurationUpdate;
  item.summary = absl::StrCat("Alarm \"", spec.alarm_name, "\" ", verb);
  JsonWriter w;
  w.BeginObject();
  w.Key("version");
  w.String("1.0");
  w.Key("type");
  w.String(type);
  w.Key(key);
  WriteHistoryAlarmConfiguration(spec, alarm_arn, now, &w);
  w.EndObject();
  item.data = w.Release();
  return item;
}

AlarmHistoryItem MakeStateUpdateItem(absl::string_view alarm_name,
                                     const StateTransition& t) {
  AlarmHistoryItem item;
  item.alarm_name = std::string(alarm_name);
  item.timestamp = t.timestamp;
  item.type = HistoryItemType::kStateUpdate;
  item.summary = absl::StrCat("Alarm updated from ", AlarmStateName(t.old_state),
                              " to ", AlarmStateName(t.new_state));
  JsonWriter w;
  w.Reserve(96 + t.old_reason.size() + t.old_reason_data.size() +
            t.new_reason.size() + t.new_reason_data.size());
  w.BeginObject();
  w.Key("version");
  w.String("1.0");
  w.Key("oldState");
  WriteState(t.old_state, t.old_reason, t.old_reason_data, &w);
  w.Key("newState");
  WriteState(t.new_state, t.new_reason, t.new_reason_data, &w);
  w.EndObject();
  item.data = w.Release();
  return item;
}

AlarmHistoryItem MakeActionItem(absl::string_view alarm_name,
                                absl::string_view action_arn,
                                const absl::Status& result,
                                absl::Time transition_time) {
  AlarmHistoryItem item;
  item.alarm_name = std::string(alarm_name);
  item.timestamp = transition_time;
  item.type = HistoryItemType::kAction;
  item.summary =
      result.ok()
          ? absl::StrCat("Successfully executed action ", action_arn)
          : absl::StrCat("Failed to execute action ", action_arn,
                         ". Received error: \"", result.message(), "\"");
  // HistorySummary is limited to 255 characters (spec 4.7); the full error
  // stays in HistoryData.
  if (item.summary.size() > 255) item.summary = item.summary.substr(0, 252) + "...";
  JsonWriter w;
  w.BeginObject();
  w.Key("actionState");
  w.String(result.ok() ? "Succeeded" : "Failed");
  w.Key("notificationResource");
  w.String(action_arn);
  w.Key("stateUpdateTimestamp");
  w.CwTimestamp(transition_time);
  if (!result.ok()) {
    w.Key("error");
    w.String(result.message());
  }
  w.EndObject();
  item.data = w.Release();
  return item;
}

}  // namespace cwalarm
