// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "alarm/alarm_state_machine.h"

#include <cassert>
#include <utility>

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
  t.new_reason = reason;
  t.new_reason_data = reason_data;
  t.timestamp = now;
  status->state = new_state;
  status->reason = std::move(reason);
  status->reason_data = std::move(reason_data);
  // Metric alarms have no EvaluationState here, so both timestamps move
  // together (spec 4.4).
  status->state_updated = now;
  status->state_transitioned = now;
  return t;
}

}  // namespace cwalarm
