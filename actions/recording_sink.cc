// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "actions/recording_sink.h"

namespace cwalarm {

absl::Status RecordingSink::Execute(const StateChange& change) {
  RecordedAction a;
  a.alarm_name = change.alarm != nullptr ? change.alarm->alarm_name : "";
  a.alarm_arn = change.alarm_arn;
  a.action = change.action;
  a.old_state = change.old_state;
  a.new_state = change.new_state;
  a.new_reason = change.new_reason;
  a.new_reason_data = change.new_reason_data;
  a.timestamp = change.timestamp;
  a.succeeded = fail_with_.ok();
  actions_.push_back(std::move(a));
  return fail_with_;
}

}  // namespace cwalarm
