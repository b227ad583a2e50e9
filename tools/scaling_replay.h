// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// `cwalarm replay --scaling-policies=FILE --group=min=1,max=10,desired=2
// [,launch=120s][,cooldown=300s][,warmup=DURATION][,name=GROUP]`: a
// simulated Auto Scaling group (actions/scaling_group.h) driven by the
// replay's alarms through an AutoScalingSink, and its report (each scaling
// activity with Auto Scaling's cause text, and the capacity timeline).
//
//   absl::StatusOr<std::unique_ptr<ScalingReplay>> s =
//       ScalingReplay::Create(policies_json, "min=1,max=10,desired=2");
//   options.action_sink = (*s)->sink(options.action_sink);
//   RunReplay(options, &out);
//   out += (*s)->Report(ReplayOptions::Format::kText);
//
// The group starts with `desired` InService instances before the replay's
// first instant (the timeline's first row says "start"). Policy ARNs in
// the alarms are matched by group and policy name (the ARN's region,
// account and UUID are not checked).
//
// Thread-safety: not thread-safe. Not copyable.

#ifndef CWALARM_TOOLS_SCALING_REPLAY_H_
#define CWALARM_TOOLS_SCALING_REPLAY_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "actions/autoscaling_sink.h"
#include "actions/scaling_group.h"
#include "alarm/action_sink.h"
#include "tools/replay.h"

namespace cwalarm {

// Parses `--group`: comma-separated key=value pairs; min, max and desired
// are required integers; launch, cooldown and warmup are durations (`120s`,
// `2m`; a bare number is seconds); name is the group name (default: the
// name the policies use). Returns kInvalidArgument naming the bad item.
// `name` is left empty when not given.
absl::StatusOr<ScalingGroupConfig> ParseGroupFlag(absl::string_view text);

class ScalingReplay {
 public:
  // `policies_json`: the --scaling-policies file's contents (one
  // put-scaling-policy object or an array, ParseScalingPolicies). Every
  // policy must name the group (`name=` or, when absent, one common
  // AutoScalingGroupName). Errors: the parser's and ParseGroupFlag's, and
  // kInvalidArgument when the policies name several groups without `name=`
  // or none of them names `name=`.
  static absl::StatusOr<std::unique_ptr<ScalingReplay>> Create(
      absl::string_view policies_json, absl::string_view group_flag);
  ScalingReplay(const ScalingReplay&) = delete;
  ScalingReplay& operator=(const ScalingReplay&) = delete;

  // The sink to give the replay; ARNs that are not Auto Scaling policies go
  // to `fallback` (may be null). Valid while this object lives.
  ActionSink* sink(ActionSink* fallback);

  const ScalingGroup& group() const { return group_; }

  // The activities and the capacity timeline. Text: an "Auto Scaling group"
  // header, one line per activity (`TIME  FROM -> TO  cause`), then one
  // line per timeline point (`TIME  desired=D in_service=S`). JSON: one
  // object on one line, `{"AutoScalingGroup":{...},"Activities":[...],
  // "Timeline":[...],"Invocations":{outcome: count}}`, meant to follow the
  // replay's own JSON document.
  std::string Report(ReplayOptions::Format format) const;

 private:
  explicit ScalingReplay(ScalingGroup group) : group_(std::move(group)) {}

  ScalingGroup group_;
  std::unique_ptr<AutoScalingSink> sink_;
};

}  // namespace cwalarm

#endif  // CWALARM_TOOLS_SCALING_REPLAY_H_
