// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "actions/recording_sink.h"

namespace cwalarm {

absl::Status RecordingSink::Execute(const StateChange& change) {
  // Built in place: no temporary record to move and destroy.
  RecordedAction& a = actions_.emplace_back();
  if (change.alarm != nullptr) {
    a.alarm_name = change.alarm->alarm_name;
  } else {
    // Composite alarms (no AlarmSpec): the name is the ARN's last part.
    size_t at = change.alarm_arn.find(":alarm:");
    if (at != std::string::npos) a.alarm_name = change.alarm_arn.substr(at + 7);
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

}  // namespace cwalarm
