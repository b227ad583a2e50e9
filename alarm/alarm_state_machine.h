// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The OK / ALARM / INSUFFICIENT_DATA state of one alarm and the pure
// transition rule (spec 4.1, 4.2, 4.4): a proposed state equal to the current
// one changes nothing (no history, no action, timestamps untouched); a
// different one replaces state, reason, reason data and both timestamps and
// yields a `StateTransition`. Dispatching actions is not done here
// (AlarmEvaluator does it from the returned transition).
//
//   AlarmStatus status = AlarmStatus::Created(now);
//   if (ChangesState(status, AlarmState::kAlarm)) {
//     StateTransition t = ApplyTransition(&status, AlarmState::kAlarm,
//                                         reason, reason_data, now);
//   }
//
// Thread-safety: value types and pure functions.

#ifndef CWALARM_ALARM_ALARM_STATE_MACHINE_H_
#define CWALARM_ALARM_ALARM_STATE_MACHINE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "alarm/alarm_state.h"

namespace cwalarm {

// The reason every new alarm starts with (spec 4.1, 4.5 #1).
inline constexpr char kInitialAlarmReason[] = "Unchecked: Initial alarm creation";

// The mutable, described part of an alarm (DescribeAlarms' state fields).
struct AlarmStatus {
  AlarmState state = AlarmState::kInsufficientData;
  std::string reason = kInitialAlarmReason;
  std::string reason_data;  // JSON text; empty means absent (spec 1.2).
  absl::Time state_updated;
  absl::Time state_transitioned;

  // The status of an alarm created at `now`: INSUFFICIENT_DATA with
  // "Unchecked: Initial alarm creation" and no reason data.
  static AlarmStatus Created(absl::Time now) {
    AlarmStatus s;
    s.state_updated = now;
    s.state_transitioned = now;
    return s;
  }
};

// One state change: what it was and what it became.
struct StateTransition {
  AlarmState old_state;
  std::string old_reason;
  std::string old_reason_data;  // Empty when absent.
  AlarmState new_state;
  std::string new_reason;
  std::string new_reason_data;  // Empty when absent.
  absl::Time timestamp;
};

// True iff `proposed` differs from the current state: the only case in which
// anything is written or any action runs (spec 4.2).
inline bool ChangesState(const AlarmStatus& status, AlarmState proposed) {
  return status.state != proposed;
}

// Applies a change to `*status` and returns the transition.
// Precondition: ChangesState(*status, new_state).
StateTransition ApplyTransition(AlarmStatus* status, AlarmState new_state,
                                std::string reason, std::string reason_data,
                                absl::Time now);

// Checks a SetAlarmState request's text fields (spec 4.3, spec 2): `reason`
// at most 1023 characters, `reason_data` at most 4000 and, when not empty,
// valid JSON. Returns kInvalidArgument naming the alarm, the field, the
// value and the rule (CloudWatch's ValidationError / InvalidFormat texts).
// Shared by metric and composite alarms.
absl::Status ValidateSetAlarmState(absl::string_view alarm_name,
                                   absl::string_view reason,
                                   absl::string_view reason_data);

}  // namespace cwalarm

#endif  // CWALARM_ALARM_ALARM_STATE_MACHINE_H_
