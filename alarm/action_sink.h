// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The port through which alarms act: `ActionSink`.
//
// AlarmEvaluator calls `Execute` once per action ARN of the new state's list
// (OKActions, AlarmActions or InsufficientDataActions), after the transition
// has been recorded, and only when the alarm's ActionsEnabled is true
// (spec 4.2). A non-OK status never undoes the transition: it becomes a
// failed Action history item. Exception (spec 4.2): an Auto Scaling policy
// ARN (`IsAutoScalingPolicyArn`) is invoked again once per minute while the
// alarm stays in the state whose list names it; those calls have
// `repeated == true` and carry the current evaluation's datapoints. Adapters live in actions/ (RecordingSink, SNS,
// Auto Scaling); a routing sink may dispatch on the ARN's service.
//
//   class PagerSink : public ActionSink {
//    public:
//     absl::Status Execute(const StateChange& change) override;
//   };
//
// Thread-safety: AlarmEvaluator calls a sink from the thread that runs the
// evaluation, one call at a time. `Execute` may block, but real transports
// should enqueue and return: evaluation waits for it. `Execute` must not
// call back into the evaluator that called it: the StateChange it gets is
// a buffer the evaluator reuses for every call (copy what must outlive the
// call).

#ifndef CWALARM_ALARM_ACTION_SINK_H_
#define CWALARM_ALARM_ACTION_SINK_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "alarm/alarm_spec.h"
#include "alarm/alarm_state.h"

namespace cwalarm {

struct CompositeAlarmSpec;  // alarm/composite_alarm.h

// One action to run for one state change.
struct StateChange {
  // The alarm's configuration; valid only during the Execute call. Null for
  // a composite alarm, which sets `composite` instead (CompositeEvaluator);
  // its reason data holds the triggering children (spec 4.6, 6.2).
  const AlarmSpec* alarm = nullptr;
  const CompositeAlarmSpec* composite = nullptr;
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

  // --- For Auto Scaling (spec 4.2, 6.6) ------------------------------------
  // False for the call made by the transition itself; true for the
  // once-per-minute re-invocation of an Auto Scaling ARN while the state
  // persists (then old_state == new_state and the reason fields are those
  // of the last transition).
  bool repeated = false;
  // When this call is made: the evaluation instant (equal to `timestamp`
  // unless `repeated`).
  absl::Time invoked_at;
  // The values of the real datapoints among the N newest buckets of the
  // evaluation that made this call, newest first (what Auto Scaling
  // aggregates with MetricAggregationType). Empty for SetAlarmState, whose
  // data is only in `new_reason_data`.
  std::vector<double> metric_values;
  // The alarm's threshold, when it has one.
  std::optional<double> breach_threshold;
};

// True when `arn` names an EC2 Auto Scaling or Application Auto Scaling
// policy: `arn:{partition}:autoscaling:...:scalingPolicy:...` (spec 6.1).
inline bool IsAutoScalingPolicyArn(absl::string_view arn) {
  // arn:partition:service:...; partitions aws, aws-cn, aws-us-gov.
  if (arn.substr(0, 4) != "arn:") return false;
  size_t service = arn.find(':', 4);
  if (service == absl::string_view::npos) return false;
  return arn.substr(service + 1, 12) == "autoscaling:" &&
         arn.find(":scalingPolicy:") != absl::string_view::npos;
}

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
