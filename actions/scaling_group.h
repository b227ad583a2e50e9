// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// ScalingGroup: a simulated EC2 Auto Scaling group (min, max, desired,
// instance launch time) that applies simple and step scaling policies with
// Auto Scaling's timing rules (spec 6.6), so that a replayed metric history
// shows what a group would have done: scaling activities with Auto
// Scaling's cause text and a capacity timeline.
//
// Pipeline: AlarmEvaluator -> AutoScalingSink -> ScalingGroup::ExecutePolicy
// (once per transition and once per minute while the alarm stays in the
// state, spec 4.2) -> activities() / Timeline().
//
//   absl::StatusOr<ScalingGroup> g = ScalingGroup::Create(
//       {"web", /*min_size=*/1, /*max_size=*/10, /*desired_capacity=*/2,
//        /*instance_launch_time=*/absl::Minutes(2)}, start);
//   g->AddPolicy(policy);
//   g->ExecutePolicy("scale-out", "cpu-high", AlarmState::kAlarm, {72.5}, 50,
//                    now);
//   // g->activities()[0].cause: "At 2024-01-12T16:42:00Z a monitor alarm
//   // cpu-high in state ALARM triggered policy scale-out changing the
//   // desired capacity from 2 to 3."
//
// The model (docs/autoscaling.md lists its limits):
// * A change of desired capacity happens at the invocation; launched
//   instances are InService `instance_launch_time` later; terminations are
//   immediate and take the newest instances first (pending ones first).
// * Simple scaling: an invocation is ignored while an instance launched by
//   any activity is still pending, or before the cooldown of the last
//   simple-scaling activity ends. The cooldown (policy Cooldown, else the
//   group's default, 300 s) starts when that activity completes: when its
//   last instance is InService (scale-out) or at once (scale-in).
// * Step scaling: no cooldown. Instances a step policy launches warm up for
//   the policy's EstimatedInstanceWarmup (else the group's default warm-up,
//   else its default cooldown), counted from launch. The step's adjustment
//   applies to the capacity without warming instances, and the group only
//   grows when the result exceeds the current desired capacity, so warming
//   capacity counts toward the next scale-out; a scale-in waits while any
//   instance warms up.
// * Instance weighting, lifecycle hooks, ELB deregistration delay and
//   availability-zone balancing are not modelled.
//
// Time: every call takes `now`; calls must come in non-decreasing time.
// Thread-safety: not thread-safe. Copyable and movable (a value).

#ifndef CWALARM_ACTIONS_SCALING_GROUP_H_
#define CWALARM_ACTIONS_SCALING_GROUP_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "actions/scaling_policy.h"
#include "alarm/alarm_state.h"

namespace cwalarm {

struct ScalingGroupConfig {
  std::string name;  // AutoScalingGroupName. Required.
  int min_size = 0;
  int max_size = 0;
  int desired_capacity = 0;  // At creation; within [min_size, max_size].
  // From launch to InService. Zero: instances are InService at once.
  absl::Duration instance_launch_time = absl::ZeroDuration();
  // DefaultCooldown (Auto Scaling's default 300 s).
  absl::Duration default_cooldown = absl::Seconds(300);
  // DefaultInstanceWarmup; unset falls back to default_cooldown.
  std::optional<absl::Duration> default_instance_warmup;
};

// One scaling activity (a change of desired capacity).
struct ScalingActivity {
  absl::Time start_time;  // The invocation.
  absl::Time end_time;    // Last instance InService (scale-out) or start.
  std::string alarm_name;
  AlarmState alarm_state = AlarmState::kAlarm;
  std::string policy_name;
  int from_capacity = 0;
  int to_capacity = 0;
  // Auto Scaling's Cause: "At 2024-01-12T16:42:02Z a monitor alarm X in
  // state ALARM triggered policy Y changing the desired capacity from A to
  // B."
  std::string cause;
};

// What one policy invocation did.
struct PolicyExecution {
  enum class Outcome {
    kActivity,    // Desired capacity changed (see activities()).
    kNoChange,    // The adjustment left the capacity as it was (clamped,
                  // zero step, or covered by warming instances).
    kCooldown,    // Simple scaling: activity in progress or cooldown.
    kWarmingUp,   // Step scaling: scale-in waits for warming instances.
    kDisabled,    // The policy is disabled.
  };
  absl::Time time;
  std::string alarm_name;
  std::string policy_name;
  Outcome outcome = Outcome::kNoChange;
  int from_capacity = 0;
  int to_capacity = 0;  // Equal to from_capacity unless kActivity.
  std::optional<int> step_adjustment;  // The chosen step's adjustment.
};

// "Activity", "NoChange", "Cooldown", "WarmingUp", "Disabled".
absl::string_view PolicyOutcomeName(PolicyExecution::Outcome outcome);

// The group's capacity from `time` until the next point.
struct CapacityPoint {
  absl::Time time;
  int desired = 0;
  int in_service = 0;
};

class ScalingGroup {
 public:
  // Returns kInvalidArgument when the name is empty, min_size < 0,
  // min_size > max_size, desired_capacity is outside [min_size, max_size],
  // or a duration is negative. The initial instances are InService at
  // `start` and not warming.
  static absl::StatusOr<ScalingGroup> Create(ScalingGroupConfig config,
                                             absl::Time start);

  // --- Queries -------------------------------------------------------------

  const ScalingGroupConfig& config() const { return config_; }
  const std::string& name() const { return config_.name; }
  int desired_capacity() const { return static_cast<int>(live_.size()); }
  // Instances InService at `now` (launched at least instance_launch_time
  // ago and not terminated).
  int InServiceAt(absl::Time now) const;
  // Instances launched by step policies still warming up at `now`.
  int WarmingAt(absl::Time now) const;
  // The policy named `policy_name`, or nullptr.
  const ScalingPolicy* FindPolicy(absl::string_view policy_name) const;

  // Every activity so far, in order.
  const std::vector<ScalingActivity>& activities() const { return activities_; }
  // Every invocation so far, in order.
  const std::vector<PolicyExecution>& executions() const { return executions_; }
  // The capacity at creation and at every instant where the desired or the
  // InService count changed, up to the last known event (launches still
  // pending appear at their InService time). Sorted by time.
  std::vector<CapacityPoint> Timeline() const;

  // --- Mutators ------------------------------------------------------------

  // Attaches `policy` (validated). Returns kInvalidArgument when it names
  // another group or is invalid, kAlreadyExists for a second policy with
  // the same name.
  absl::Status AddPolicy(ScalingPolicy policy);

  // Runs `policy_name` as triggered by alarm `alarm_name` in `alarm_state`
  // at `now` (see the model above). `metric_values` (the alarm's evaluated
  // datapoints) and `breach_threshold` are required for step scaling and
  // ignored for simple scaling. Returns the execution (also appended to
  // executions()), or:
  // * kNotFound for an unknown policy;
  // * kInvalidArgument when a step policy gets no breach threshold;
  // * kFailedPrecondition "No step adjustment found for metric value [...]
  //   and breach threshold T" when no step matches (SelectStep).
  // Errors change nothing and are not recorded as executions.
  absl::StatusOr<PolicyExecution> ExecutePolicy(
      absl::string_view policy_name, absl::string_view alarm_name,
      AlarmState alarm_state, absl::Span<const double> metric_values,
      std::optional<double> breach_threshold, absl::Time now);

 private:
  struct Instance {
    absl::Time launched;
    absl::Time in_service_at;
    absl::Time warm_until;  // == launched when it never warms up.
    absl::Time terminated = absl::InfiniteFuture();
  };

  ScalingGroup(ScalingGroupConfig config) : config_(std::move(config)) {}
  // Sets the desired capacity to `to` at `now`; returns the activity's end.
  absl::Time Resize(int to, absl::Time now, absl::Duration warmup);

  ScalingGroupConfig config_;
  absl::Time start_;
  std::vector<ScalingPolicy> policies_;
  std::vector<Instance> all_;    // Every instance ever, launch order.
  std::vector<size_t> live_;     // Indexes into all_ of running instances.
  absl::Time simple_blocked_until_ = absl::InfinitePast();
  std::vector<ScalingActivity> activities_;
  std::vector<PolicyExecution> executions_;
};

}  // namespace cwalarm

#endif  // CWALARM_ACTIONS_SCALING_GROUP_H_
