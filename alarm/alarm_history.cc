// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "alarm/alarm_history.h"

#include <cassert>
#include <cstring>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "alarm/alarm_json.h"
#include "alarm/cw_format.h"
#include "alarm/json_writer.h"

namespace cwalarm {
namespace {

// `{"stateValue":..,"stateReason":..[,"stateReasonData":..]}`.
void AppendState(absl::string_view state_name, absl::string_view reason,
                 absl::string_view reason_data, StringAppender* w) {
  w->Literal("{\"stateValue\":");
  w->Quoted(state_name);
  w->Literal(",\"stateReason\":");
  w->Quoted(reason);
  if (!reason_data.empty()) {
    w->Literal(",\"stateReasonData\":");
    w->Append(reason_data);
  }
  w->Char('}');
}

// `text` at `p`; returns the end.
char* Put(char* p, absl::string_view text) {
  if (text.empty()) return p;  // data() may be null.
  std::memcpy(p, text.data(), text.size());
  return p + text.size();
}

// The longest AlarmStateName ("INSUFFICIENT_DATA").
constexpr size_t kMaxStateNameChars = 17;
// Items up to this size are written on the stack, then copied into their
// string.
constexpr size_t kStackChars = 4096;

// AppendState's text for a state name and a reason that need no escape
// (JSON-clean: AlarmStateName's names always are), and its size.
constexpr absl::string_view kStateValue = "{\"stateValue\":\"";
constexpr absl::string_view kStateReason = "\",\"stateReason\":\"";
constexpr absl::string_view kStateReasonData = "\",\"stateReasonData\":";
size_t CleanStateSize(absl::string_view state_name, absl::string_view reason,
                      absl::string_view reason_data) {
  return kStateValue.size() + state_name.size() + kStateReason.size() +
         reason.size() +
         (reason_data.empty() ? 1 : kStateReasonData.size() + reason_data.size()) +
         1;
}
char* PutCleanState(char* p, absl::string_view state_name,
                    absl::string_view reason, absl::string_view reason_data) {
  p = Put(p, kStateValue);
  p = Put(p, state_name);
  p = Put(p, kStateReason);
  p = Put(p, reason);
  if (reason_data.empty()) {
    *p++ = '"';
  } else {
    p = Put(p, kStateReasonData);
    p = Put(p, reason_data);
  }
  *p++ = '}';
  return p;
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

namespace {

// MakeStateUpdateItem's item, written into `item_out` (default-constructed);
// `new_reason_clean` skips the scan of a new reason the caller knows needs
// no escape.
void StateUpdateItem(absl::string_view alarm_name, AlarmState old_state,
                     absl::string_view old_reason,
                     absl::string_view old_reason_data, AlarmState new_state,
                     absl::string_view new_reason,
                     absl::string_view new_reason_data, absl::Time timestamp,
                     bool new_reason_clean, AlarmHistoryItem* item_out) {
  AlarmHistoryItem& item = *item_out;
  item.alarm_name.assign(alarm_name.data(), alarm_name.size());
  item.timestamp = timestamp;
  item.type = HistoryItemType::kStateUpdate;
  const absl::string_view old_name = AlarmStateName(old_state);
  const absl::string_view new_name = AlarmStateName(new_state);
  // "Alarm updated from OLD to NEW", written at its size.
  constexpr absl::string_view kFrom = "Alarm updated from ";
  constexpr absl::string_view kTo = " to ";
  // Built on the stack and copied once: constructing the string from its
  // text costs fewer instructions than resizing it (which zero-fills).
  assert(old_name.size() <= kMaxStateNameChars &&
         new_name.size() <= kMaxStateNameChars);
  char summary[kFrom.size() + 2 * kMaxStateNameChars + kTo.size()];
  char* s = summary;
  s = Put(s, kFrom);
  s = Put(s, old_name);
  s = Put(s, kTo);
  s = Put(s, new_name);
  item.summary = std::string(summary, static_cast<size_t>(s - summary));
  // What JsonWriter writes for WriteState's calls (compact form): the
  // reasons quoted, the reason data embedded as is. Reasons the evaluator
  // builds never need an escape (SetAlarmState's may): then the text's size
  // is known up front and it is written in one pass into a buffer of
  // exactly that size.
  if (JsonWriter::CleanPrefix(old_reason) == old_reason.size() &&
      (new_reason_clean ||
       JsonWriter::CleanPrefix(new_reason) == new_reason.size())) {
    constexpr absl::string_view kHead = "{\"version\":\"1.0\",\"oldState\":";
    constexpr absl::string_view kMiddle = ",\"newState\":";
    const size_t size = kHead.size() +
                        CleanStateSize(old_name, old_reason, old_reason_data) +
                        kMiddle.size() +
                        CleanStateSize(new_name, new_reason, new_reason_data) +
                        1;
    // Up to a few KB (the usual item) on the stack, as the summary.
    char stack[kStackChars];
    std::unique_ptr<char[]> heap;
    char* const text = size <= kStackChars
                           ? stack
                           : (heap = std::make_unique<char[]>(size)).get();
    char* p = text;
    p = Put(p, kHead);
    p = PutCleanState(p, old_name, old_reason, old_reason_data);
    p = Put(p, kMiddle);
    p = PutCleanState(p, new_name, new_reason, new_reason_data);
    *p++ = '}';
    assert(p == text + size);
    item.data = std::string(text, size);
    return;
  }
  StringAppender w(&item.data,
                   200 + old_reason.size() + old_reason_data.size() +
                       new_reason.size() + new_reason_data.size());
  w.Literal("{\"version\":\"1.0\",\"oldState\":");
  AppendState(old_name, old_reason, old_reason_data, &w);
  w.Literal(",\"newState\":");
  AppendState(new_name, new_reason, new_reason_data, &w);
  w.Char('}');
  w.Finish();
}

}  // namespace

AlarmHistoryItem MakeStateUpdateItem(absl::string_view alarm_name,
                                     const StateTransition& t) {
  return MakeStateUpdateItem(alarm_name, t.old_state, t.old_reason,
                             t.old_reason_data, t.new_state, t.new_reason,
                             t.new_reason_data, t.timestamp);
}

AlarmHistoryItem MakeStateUpdateItem(
    absl::string_view alarm_name, AlarmState old_state,
    absl::string_view old_reason, absl::string_view old_reason_data,
    AlarmState new_state, absl::string_view new_reason,
    absl::string_view new_reason_data, absl::Time timestamp) {
  AlarmHistoryItem item;
  StateUpdateItem(alarm_name, old_state, old_reason, old_reason_data,
                  new_state, new_reason, new_reason_data, timestamp,
                  /*new_reason_clean=*/false, &item);
  return item;
}

namespace history_internal {

void WriteStateUpdateItem(absl::string_view alarm_name, AlarmState old_state,
                          absl::string_view old_reason,
                          absl::string_view old_reason_data,
                          AlarmState new_state, absl::string_view new_reason,
                          absl::string_view new_reason_data,
                          absl::Time timestamp, bool new_reason_clean,
                          AlarmHistoryItem* item) {
  assert(!new_reason_clean ||
         JsonWriter::CleanPrefix(new_reason) == new_reason.size());
  StateUpdateItem(alarm_name, old_state, old_reason, old_reason_data,
                  new_state, new_reason, new_reason_data, timestamp,
                  new_reason_clean, item);
}

void WriteActionItem(absl::string_view alarm_name,
                     absl::string_view action_arn, const absl::Status& result,
                     absl::Time transition_time, AlarmHistoryItem* item_out) {
  AlarmHistoryItem& item = *item_out;
  item.alarm_name.assign(alarm_name.data(), alarm_name.size());
  item.timestamp = transition_time;
  item.type = HistoryItemType::kAction;
  // A success with an ARN that needs no escape and fits the summary (the
  // usual case): both texts written in one pass at their sizes.
  constexpr absl::string_view kExecuted = "Successfully executed action ";
  if (result.ok() && kExecuted.size() + action_arn.size() <= 255 &&
      JsonWriter::CleanPrefix(action_arn) == action_arn.size()) {
    // Both texts built on the stack (the summary is at most 255
    // characters, so the ARN at most 226) and copied once.
    char summary[255];
    const char* const summary_end = Put(Put(summary, kExecuted), action_arn);
    item.summary =
        std::string(summary, static_cast<size_t>(summary_end - summary));
    constexpr absl::string_view kHead =
        "{\"actionState\":\"Succeeded\",\"notificationResource\":\"";
    constexpr absl::string_view kMiddle = "\",\"stateUpdateTimestamp\":\"";
    constexpr absl::string_view kTail = "\"}";
    char data[kHead.size() + 255 + kMiddle.size() + kMaxTimestampChars +
              kTail.size()];
    char* p = data;
    p = Put(p, kHead);
    p = Put(p, action_arn);
    p = Put(p, kMiddle);
    p = WriteCwTimestamp(transition_time, p);
    p = Put(p, kTail);
    item.data = std::string(data, static_cast<size_t>(p - data));
    return;
  }
  if (result.ok()) {
    item.summary.reserve(29 + action_arn.size());
    item.summary.append("Successfully executed action ");
    item.summary.append(action_arn.data(), action_arn.size());
  } else {
    item.summary = absl::StrCat("Failed to execute action ", action_arn,
                                ". Received error: \"", result.message(), "\"");
  }
  // HistorySummary is limited to 255 characters (spec 4.7); the full error
  // stays in HistoryData.
  if (item.summary.size() > 255) item.summary = item.summary.substr(0, 252) + "...";
  // JsonWriter's compact output for these keys, appended directly. The
  // room covers the literals (75 bytes), the quoted ARN and the timestamp's
  // worst case (QuotedCwTimestamp asks for kMaxTimestampChars + 2), so the
  // buffer is not grown: a grow copied the item and cost ~500 instructions.
  StringAppender w(&item.data,
                   80 + kMaxTimestampChars + 2 + action_arn.size() + 2 +
                       (result.ok() ? 0 : 12 + result.message().size() + 2));
  if (result.ok()) {
    w.Literal("{\"actionState\":\"Succeeded\"");
  } else {
    w.Literal("{\"actionState\":\"Failed\"");
  }
  w.Literal(",\"notificationResource\":");
  w.Quoted(action_arn);
  w.Literal(",\"stateUpdateTimestamp\":");
  w.QuotedCwTimestamp(transition_time);
  if (!result.ok()) {
    w.Literal(",\"error\":");
    w.Quoted(result.message());
  }
  w.Char('}');
  w.Finish();
}

}  // namespace history_internal

AlarmHistoryItem MakeActionItem(absl::string_view alarm_name,
                                absl::string_view action_arn,
                                const absl::Status& result,
                                absl::Time transition_time) {
  AlarmHistoryItem item;
  history_internal::WriteActionItem(alarm_name, action_arn, result,
                                    transition_time, &item);
  return item;
}

}  // namespace cwalarm
