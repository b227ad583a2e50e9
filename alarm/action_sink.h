// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The port through which alarms act: `ActionSink`.
//
// AlarmEvaluator calls `Execute` once per action ARN of the new state's list
// (OKActions, AlarmActions or InsufficientDataActions), after the transition
// has been recorded, and only when the alarm's ActionsEnabled is true
// (spec 4.2). A non-OK status never undoes the transition: it becomes a
// failed Action history item. Adapters live in actions/ (RecordingSink, SNS,
// Auto Scaling); a routing sink may dispatch on the ARN's service.
//
//   class PagerSink : public ActionSink {
//    public:
//     absl::Status Execute(const StateChange& change) override;
//   };
//
// Thread-safety: AlarmEvaluator calls a sink from the thread that runs the
// evaluation, one call at a time. `Execute` may block, but real transports
// should enqueue and return: evaluation waits for it.

#ifndef CWALARM_ALARM_ACTION_SINK_H_
#define CWALARM_ALARM_ACTION_SINK_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "alarm/alarm_spec.h"
#include "alarm/alarm_state.h"

namespace cwalarm {

// One action to run for one state change.
struct StateChange {
  // The alarm's configuration; valid only during the Execute call.
  const AlarmSpec* alarm = nullptr;
  std::string alarm_arn;
  std::string region;      // e.g. "us-east-1".
  std::string account_id;  // 12 digits.
  absl::Time alarm_configuration_updated;
  AlarmState old_state = AlarmState::kInsufficientData;
  AlarmState new_state = AlarmState::kInsufficientData;
  std::string new_reason;
  std::string new_reason_data;  // JSON text, empty when absent.
  absl::Time timestamp;         // The transition time (StateChangeTime).
  std::string action;           // The ARN to run.
};

class ActionSink {
 public:
  ActionSink() = default;
  ActionSink(const ActionSink&) = delete;
  ActionSink& operator=(const ActionSink&) = delete;
  virtual ~ActionSink() = default;

  // Runs (or durably accepts) `change.action`. Returns OK on success;
  // kUnavailable for a transport failure that may succeed on retry; any
  // other code for a permanent failure. The message is copied into the
  // failed Action history item.
  virtual absl::Status Execute(const StateChange& change) = 0;
};

}  // namespace cwalarm

#endif  // CWALARM_ALARM_ACTION_SINK_H_
