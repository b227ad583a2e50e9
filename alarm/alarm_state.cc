// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "alarm/alarm_state.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace cwalarm {

absl::string_view AlarmStateName(AlarmState state) {
  switch (state) {
    case AlarmState::kOk:
      return "OK";
    case AlarmState::kAlarm:
      return "ALARM";
    case AlarmState::kInsufficientData:
      return "INSUFFICIENT_DATA";
  }
  return "";
}

absl::StatusOr<AlarmState> ParseAlarmState(absl::string_view name) {
  for (AlarmState s :
       {AlarmState::kOk, AlarmState::kAlarm, AlarmState::kInsufficientData}) {
    if (AlarmStateName(s) == name) return s;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "1 validation error detected: Value '", name,
      "' at 'stateValue' failed to satisfy constraint: Member must satisfy "
      "enum value set: [INSUFFICIENT_DATA, ALARM, OK]"));
}

}  // namespace cwalarm
