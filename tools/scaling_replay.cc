// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "tools/scaling_replay.h"

#include <map>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "actions/scaling_policy.h"
#include "alarm/cw_format.h"
#include "alarm/json_writer.h"

namespace cwalarm {
namespace {

absl::Status BadGroup(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "--group \"", text, "\": ", why,
      " (expected min=N,max=N,desired=N[,launch=120s][,cooldown=300s]"
      "[,warmup=DURATION][,name=GROUP])"));
}

bool ParseSeconds(absl::string_view v, absl::Duration* out) {
  int64_t seconds = 0;
  if (absl::SimpleAtoi(v, &seconds)) {
    *out = absl::Seconds(seconds);
  } else if (!absl::ParseDuration(std::string(v), out)) {
    return false;
  }
  return *out >= absl::ZeroDuration();
}

// The timeline's first row is the group's state before the replay.
std::string TimeText(absl::Time t) {
  return t == absl::InfinitePast() ? "start" : FormatIsoTimestamp(t);
}

}  // namespace

absl::StatusOr<ScalingGroupConfig> ParseGroupFlag(absl::string_view text) {
  ScalingGroupConfig c;
  if (text.empty()) return BadGroup(text, "required with --scaling-policies");
  bool min = false, max = false, desired = false;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(item, absl::MaxSplits('=', 1));
    const absl::string_view k = kv.first;
    const absl::string_view v = kv.second;
    auto integer = [&](int* target, bool* seen) -> absl::Status {
      if (!absl::SimpleAtoi(v, target) || *target < 0) {
        return BadGroup(text, absl::StrCat(k, " \"", v,
                                           "\" must be a non-negative integer"));
      }
      *seen = true;
      return absl::OkStatus();
    };
    absl::Status s;
    absl::Duration d;
    if (k == "min") {
      s = integer(&c.min_size, &min);
    } else if (k == "max") {
      s = integer(&c.max_size, &max);
    } else if (k == "desired") {
      s = integer(&c.desired_capacity, &desired);
    } else if (k == "launch" || k == "cooldown" || k == "warmup") {
      if (!ParseSeconds(v, &d)) {
        return BadGroup(text, absl::StrCat(k, " \"", v,
                                           "\" must be a duration like 120s "
                                           "or 2m"));
      }
      if (k == "launch") c.instance_launch_time = d;
      if (k == "cooldown") c.default_cooldown = d;
      if (k == "warmup") c.default_instance_warmup = d;
    } else if (k == "name") {
      if (v.empty()) return BadGroup(text, "name must not be empty");
      c.name = std::string(v);
    } else {
      return BadGroup(text, absl::StrCat("unknown key \"", k, "\""));
    }
    if (!s.ok()) return s;
  }
  if (!min || !max || !desired) {
    return BadGroup(text, "min, max and desired are required");
  }
  return c;
}

absl::StatusOr<std::unique_ptr<ScalingReplay>> ScalingReplay::Create(
    absl::string_view policies_json, absl::string_view group_flag) {
  absl::StatusOr<ScalingGroupConfig> config = ParseGroupFlag(group_flag);
  if (!config.ok()) return config.status();
  absl::StatusOr<std::vector<ScalingPolicy>> policies =
      ParseScalingPolicies(policies_json);
  if (!policies.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--scaling-policies: ", policies.status().message()));
  }
  if (config->name.empty()) {
    for (const ScalingPolicy& p : *policies) {
      if (config->name.empty()) config->name = p.auto_scaling_group_name;
      if (p.auto_scaling_group_name != config->name) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--scaling-policies: the policies name several groups (\"",
            config->name, "\", \"", p.auto_scaling_group_name,
            "\"); pick one with --group=...,name=GROUP"));
      }
    }
  }
  absl::StatusOr<ScalingGroup> group =
      ScalingGroup::Create(*config, absl::InfinitePast());
  if (!group.ok()) return group.status();
  int attached = 0;
  for (ScalingPolicy& p : *policies) {
    if (p.auto_scaling_group_name != config->name) continue;
    absl::Status s = group->AddPolicy(std::move(p));
    if (!s.ok()) return s;
    ++attached;
  }
  if (attached == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--scaling-policies: no policy names group \"", config->name, "\""));
  }
  return std::unique_ptr<ScalingReplay>(new ScalingReplay(*std::move(group)));
}

ActionSink* ScalingReplay::sink(ActionSink* fallback) {
  sink_ = std::make_unique<AutoScalingSink>(fallback);
  sink_->AddGroup(&group_);
  return sink_.get();
}

std::string ScalingReplay::Report(ReplayOptions::Format format) const {
  const ScalingGroupConfig& c = group_.config();
  std::map<std::string, int> outcomes;
  for (const PolicyExecution& e : group_.executions()) {
    ++outcomes[std::string(PolicyOutcomeName(e.outcome))];
  }
  const std::vector<CapacityPoint> timeline = group_.Timeline();
  if (format == ReplayOptions::Format::kText) {
    std::string out = absl::StrFormat(
        "\nAuto Scaling group %s (min %d, max %d, desired %d, launch %s, "
        "cooldown %s)\n",
        c.name, c.min_size, c.max_size, c.desired_capacity,
        absl::FormatDuration(c.instance_launch_time),
        absl::FormatDuration(c.default_cooldown));
    absl::StrAppend(&out, "Activities (", group_.activities().size(), "):\n");
    for (const ScalingActivity& a : group_.activities()) {
      absl::StrAppend(&out, "  ", FormatIsoTimestamp(a.start_time), "  ",
                      a.from_capacity, " -> ", a.to_capacity, "  ", a.cause,
                      "\n");
    }
    absl::StrAppend(&out, "Invocations:");
    for (const auto& [name, n] : outcomes) {
      absl::StrAppend(&out, " ", name, "=", n);
    }
    absl::StrAppend(&out, "\nCapacity timeline:\n");
    for (const CapacityPoint& p : timeline) {
      absl::StrAppend(&out, "  ", absl::StrFormat("%-24s", TimeText(p.time)),
                      "  desired=", p.desired, " in_service=", p.in_service,
                      "\n");
    }
    return out;
  }
  JsonWriter w;
  w.BeginObject();
  w.Key("AutoScalingGroup");
  w.BeginObject();
  w.Key("AutoScalingGroupName");
  w.String(c.name);
  w.Key("MinSize");
  w.Int(c.min_size);
  w.Key("MaxSize");
  w.Int(c.max_size);
  w.Key("DesiredCapacity");
  w.Int(c.desired_capacity);
  w.Key("InstanceLaunchSeconds");
  w.Int(absl::ToInt64Seconds(c.instance_launch_time));
  w.Key("DefaultCooldown");
  w.Int(absl::ToInt64Seconds(c.default_cooldown));
  w.EndObject();
  w.Key("Activities");
  w.BeginArray();
  for (const ScalingActivity& a : group_.activities()) {
    w.BeginObject();
    w.Key("StartTime");
    w.String(FormatIsoTimestamp(a.start_time));
    w.Key("EndTime");
    w.String(FormatIsoTimestamp(a.end_time));
    w.Key("PolicyName");
    w.String(a.policy_name);
    w.Key("AlarmName");
    w.String(a.alarm_name);
    w.Key("FromCapacity");
    w.Int(a.from_capacity);
    w.Key("ToCapacity");
    w.Int(a.to_capacity);
    w.Key("Cause");
    w.String(a.cause);
    w.EndObject();
  }
  w.EndArray();
  w.Key("Timeline");
  w.BeginArray();
  for (const CapacityPoint& p : timeline) {
    w.BeginObject();
    w.Key("Time");
    w.String(TimeText(p.time));
    w.Key("DesiredCapacity");
    w.Int(p.desired);
    w.Key("InService");
    w.Int(p.in_service);
    w.EndObject();
  }
  w.EndArray();
  w.Key("Invocations");
  w.BeginObject();
  for (const auto& [name, n] : outcomes) {
    w.Key(name);
    w.Int(n);
  }
  w.EndObject();
  w.EndObject();
  return absl::StrCat(w.str(), "\n");
}

}  // namespace cwalarm
