// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "actions/recording_sink.h"

#include <string>
#include <utility>

namespace cwalarm {

absl::Status RecordingSink::Execute(const StateChange& change) {
  // Built in place, in a record Clear set aside when there is one (every
  // field is assigned below, so nothing of its previous use remains).
  RecordedAction* record;
  if (spare_.empty()) {
    record = &actions_.emplace_back();
  } else {
    record = &actions_.emplace_back(std::move(spare_.back()));
    spare_.pop_back();
  }
  RecordedAction& a = *record;
  if (change.alarm != nullptr) {
    a.alarm_name = change.alarm->alarm_name;
  } else {
    // Composite alarms (no AlarmSpec): the name is the ARN's last part.
    size_t at = change.alarm_arn.find(":alarm:");
    if (at != std::string::npos) {
      a.alarm_name.assign(change.alarm_arn, at + 7, std::string::npos);
    } else {
      a.alarm_name.clear();
    }
  }
  a.alarm_arn = change.alarm_arn;
  a.action = change.action;
  a.old_state = change.old_state;
  a.new_state = change.new_state;
  a.new_reason = change.new_reason;
  a.new_reason_data = change.new_reason_data;
  a.timestamp = change.timestamp;
  a.succeeded = fail_with_.ok();
  return fail_with_;
}

void RecordingSink::Clear() {
  for (RecordedAction& a : actions_) spare_.push_back(std::move(a));
  actions_.clear();
}

}  // namespace cwalarm
