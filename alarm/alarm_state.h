// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The three alarm states (CloudWatch `StateValue`).
//
//   AlarmStateName(AlarmState::kInsufficientData);  // "INSUFFICIENT_DATA"
//   absl::StatusOr<AlarmState> s = ParseAlarmState("ALARM");
//
// Thread-safety: pure functions.

#ifndef CWALARM_ALARM_ALARM_STATE_H_
#define CWALARM_ALARM_ALARM_STATE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cwalarm {

enum class AlarmState : uint8_t {
  kOk,
  kAlarm,
  kInsufficientData,
};

// Returns "OK", "ALARM" or "INSUFFICIENT_DATA".
absl::string_view AlarmStateName(AlarmState state);

// Parses the spelling above. Otherwise returns kInvalidArgument with
// SetAlarmState's observed message (spec 2): `1 validation error detected:
// Value 'x' at 'stateValue' failed to satisfy constraint: Member must satisfy
// enum value set: [INSUFFICIENT_DATA, ALARM, OK]`.
absl::StatusOr<AlarmState> ParseAlarmState(absl::string_view name);

}  // namespace cwalarm

#endif  // CWALARM_ALARM_ALARM_STATE_H_
