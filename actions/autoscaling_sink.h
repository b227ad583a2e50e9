// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// AutoScalingSink: the ActionSink adapter for EC2 Auto Scaling policy ARNs
// (spec 6.1, 6.6). It routes
// `arn:aws:autoscaling:{region}:{account}:scalingPolicy:{uuid}:
// autoScalingGroupName/{group}:policyName/{policy}` to the named policy of a
// ScalingGroup (the simulation) and hands every other ARN to an optional
// fallback sink (e.g. a RecordingSink or an SnsSink). With `UseClient`,
// policies of groups that are not simulated go to the real EC2 Auto Scaling
// API instead (AutoScalingClient::ExecutePolicy): step policies with
// MetricValue (the datapoints aggregated with the policy's
// MetricAggregationType, Average when the policy is not known) and
// BreachThreshold, known simple policies with HonorCooldown=true (an
// alarm-triggered simple policy honours the cooldown).
//
//   ScalingGroup group = *ScalingGroup::Create(config, start);
//   group.AddPolicy(policy);
//   RecordingSink others;
//   AutoScalingSink sink(&others);
//   sink.AddGroup(&group);
//   AlarmEvaluator evaluator(&store, &sink);
//
// What the policy sees: `StateChange::metric_values` and `breach_threshold`
// (filled by AlarmEvaluator for transitions and for the once-per-minute
// re-invocations, spec 4.2). When the call carries no values (SetAlarmState,
// spec 4.3) they are read from the StateReasonData JSON instead:
// `recentDatapoints` and `threshold`, as Auto Scaling does.
//
// Errors become failed Action history items: kNotFound for an unknown group
// or policy, kInvalidArgument for a malformed ARN or an Application Auto
// Scaling ARN (not simulated), and the group's errors (for example
// kFailedPrecondition "No step adjustment found for metric value [...] and
// breach threshold T").
//
// Thread-safety: not thread-safe (the evaluator calls sinks from one
// thread). Not copyable. Groups and the fallback are not owned and must
// outlive the sink.

#ifndef CWALARM_ACTIONS_AUTOSCALING_SINK_H_
#define CWALARM_ACTIONS_AUTOSCALING_SINK_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "actions/autoscaling_client.h"
#include "actions/scaling_group.h"
#include "actions/scaling_policy.h"
#include "alarm/action_sink.h"

namespace cwalarm {

// The parts of an EC2 Auto Scaling policy ARN.
struct ScalingPolicyArn {
  std::string partition;  // "aws", "aws-cn", "aws-us-gov".
  std::string region;
  std::string account_id;
  std::string policy_id;  // The UUID.
  std::string auto_scaling_group_name;
  std::string policy_name;
};

// Parses an EC2 Auto Scaling policy ARN. Returns kInvalidArgument naming the
// ARN and what is wrong; Application Auto Scaling ARNs (`resource/...`) are
// reported as not supported.
absl::StatusOr<ScalingPolicyArn> ParseScalingPolicyArn(absl::string_view arn);

// Formats the ARN of `policy` (used by examples and tests).
std::string ScalingPolicyArnFor(absl::string_view region,
                                absl::string_view account_id,
                                absl::string_view policy_id,
                                absl::string_view group_name,
                                absl::string_view policy_name);

class AutoScalingSink : public ActionSink {
 public:
  // `fallback` receives every ARN that is not an Auto Scaling policy; null
  // accepts and ignores them (OK).
  explicit AutoScalingSink(ActionSink* fallback = nullptr)
      : fallback_(fallback) {}

  // Routes policies of `group->name()` to `group`. A second group with the
  // same name replaces the first.
  void AddGroup(ScalingGroup* group);

  // Sends policies of groups not added with AddGroup to `client` (not
  // owned; must outlive the sink). `known` are the policies' definitions
  // (optional; they decide simple vs step parameters, see above).
  void UseClient(AutoScalingClient* client, std::vector<ScalingPolicy> known);

  // See the file comment.
  absl::Status Execute(const StateChange& change) override;

 private:
  ActionSink* fallback_;
  std::vector<ScalingGroup*> groups_;
  AutoScalingClient* client_ = nullptr;
  std::vector<ScalingPolicy> known_;
};

}  // namespace cwalarm

#endif  // CWALARM_ACTIONS_AUTOSCALING_SINK_H_
