// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "alarm/alarm_state_machine.h"

#include <cassert>
#include <utility>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace cwalarm {

StateTransition ApplyTransition(AlarmStatus* status, AlarmState new_state,
                                std::string reason, std::string reason_data,
                                absl::Time now) {
  assert(ChangesState(*status, new_state));
  StateTransition t;
  t.old_state = status->state;
  t.old_reason = std::move(status->reason);
  t.old_reason_data = std::move(status->reason_data);
  t.new_state = new_state;
  t.timestamp = now;
  status->state = new_state;
  // The status (held for the alarm's life) gets the copies, which are
  // allocated to size; the transition (history, soon taken) the originals,
  // whose capacity may be up to twice their size when built by appending.
  status->reason = reason;
  status->reason_data = reason_data;
  t.new_reason = std::move(reason);
  t.new_reason_data = std::move(reason_data);
  // Metric alarms have no EvaluationState here, so both timestamps move
  // together (spec 4.4).
  status->state_updated = now;
  status->state_transitioned = now;
  return t;
}

absl::Status ValidateSetAlarmState(absl::string_view alarm_name,
                                   absl::string_view reason,
                                   absl::string_view reason_data) {
  constexpr size_t kMaxStateReason = 1023;
  constexpr size_t kMaxStateReasonData = 4000;
  if (reason.size() > kMaxStateReason) {
    return absl::InvalidArgumentError(absl::StrCat(
        "alarm \"", alarm_name, "\": StateReason (", reason.size(),
        " characters): 1 validation error detected: Value at 'stateReason' "
        "failed to satisfy constraint: Member must have length less than or "
        "equal to 1023 (ValidationError)"));
  }
  if (reason_data.size() > kMaxStateReasonData) {
    return absl::InvalidArgumentError(absl::StrCat(
        "alarm \"", alarm_name, "\": StateReasonData (", reason_data.size(),
        " characters): 1 validation error detected: Value at "
        "'stateReasonData' failed to satisfy constraint: Member must have "
        "length less than or equal to 4000 (ValidationError)"));
  }
  if (!reason_data.empty() &&
      !nlohmann::json::accept(reason_data.begin(), reason_data.end())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "alarm \"", alarm_name, "\": StateReasonData (", reason_data,
        "): Data was not syntactically valid JSON (InvalidFormat)"));
  }
  return absl::OkStatus();
}

}  // namespace cwalarm
