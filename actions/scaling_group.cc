// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "actions/scaling_group.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace cwalarm {
namespace {

// Auto Scaling writes activity times as ISO 8601 to the second with `Z`
// ("At 2024-01-12T16:42:02Z a monitor alarm ...", spec 6.6).
std::string CauseTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

}  // namespace

absl::string_view PolicyOutcomeName(PolicyExecution::Outcome outcome) {
  switch (outcome) {
    case PolicyExecution::Outcome::kActivity:
      return "Activity";
    case PolicyExecution::Outcome::kNoChange:
      return "NoChange";
    case PolicyExecution::Outcome::kCooldown:
      return "Cooldown";
    case PolicyExecution::Outcome::kWarmingUp:
      return "WarmingUp";
    case PolicyExecution::Outcome::kDisabled:
      return "Disabled";
  }
  return "NoChange";
}

absl::StatusOr<ScalingGroup> ScalingGroup::Create(ScalingGroupConfig config,
                                                  absl::Time start) {
  const std::string prefix = absl::StrCat("group \"", config.name, "\": ");
  if (config.name.empty()) {
    return absl::InvalidArgumentError("group: a name is required");
  }
  if (config.min_size < 0 || config.min_size > config.max_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        prefix, "MinSize (", config.min_size, ") must be between 0 and MaxSize (",
        config.max_size, ")"));
  }
  if (config.desired_capacity < config.min_size ||
      config.desired_capacity > config.max_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        prefix, "DesiredCapacity (", config.desired_capacity,
        ") must be between MinSize (", config.min_size, ") and MaxSize (",
        config.max_size, ")"));
  }
  if (config.instance_launch_time < absl::ZeroDuration() ||
      config.default_cooldown < absl::ZeroDuration() ||
      config.default_instance_warmup.value_or(absl::ZeroDuration()) <
          absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        prefix, "launch time, DefaultCooldown and DefaultInstanceWarmup must "
                "not be negative"));
  }
  ScalingGroup g(std::move(config));
  g.start_ = start;
  for (int i = 0; i < g.config_.desired_capacity; ++i) {
    g.live_.push_back(g.all_.size());
    g.all_.push_back({start, start, start});
  }
  return g;
}

int ScalingGroup::InServiceAt(absl::Time now) const {
  int n = 0;
  for (size_t i : live_) n += all_[i].in_service_at <= now ? 1 : 0;
  return n;
}

int ScalingGroup::WarmingAt(absl::Time now) const {
  int n = 0;
  for (size_t i : live_) n += all_[i].warm_until > now ? 1 : 0;
  return n;
}

const ScalingPolicy* ScalingGroup::FindPolicy(
    absl::string_view policy_name) const {
  for (const ScalingPolicy& p : policies_) {
    if (p.policy_name == policy_name) return &p;
  }
  return nullptr;
}

absl::Status ScalingGroup::AddPolicy(ScalingPolicy policy) {
  if (policy.auto_scaling_group_name != config_.name) {
    return absl::InvalidArgumentError(absl::StrCat(
        "policy \"", policy.policy_name, "\": AutoScalingGroupName (",
        policy.auto_scaling_group_name, ") does not name group \"",
        config_.name, "\""));
  }
  absl::Status s = ValidateScalingPolicy(policy);
  if (!s.ok()) return s;
  if (FindPolicy(policy.policy_name) != nullptr) {
    return absl::AlreadyExistsError(
        absl::StrCat("group \"", config_.name, "\": policy \"",
                     policy.policy_name, "\" already exists"));
  }
  policies_.push_back(std::move(policy));
  return absl::OkStatus();
}

absl::Time ScalingGroup::Resize(int to, absl::Time now,
                                absl::Duration warmup) {
  absl::Time end = now;
  while (desired_capacity() < to) {
    Instance in;
    in.launched = now;
    in.in_service_at = now + config_.instance_launch_time;
    in.warm_until = now + warmup;
    end = in.in_service_at;
    live_.push_back(all_.size());
    all_.push_back(in);
  }
  // Newest first, so pending and warming instances go before old ones.
  while (desired_capacity() > to) {
    all_[live_.back()].terminated = now;
    live_.pop_back();
  }
  return end;
}

absl::StatusOr<PolicyExecution> ScalingGroup::ExecutePolicy(
    absl::string_view policy_name, absl::string_view alarm_name,
    AlarmState alarm_state, absl::Span<const double> metric_values,
    std::optional<double> breach_threshold, absl::Time now) {
  const ScalingPolicy* p = FindPolicy(policy_name);
  if (p == nullptr) {
    return absl::NotFoundError(absl::StrCat("group \"", config_.name,
                                            "\": no policy \"", policy_name,
                                            "\""));
  }
  PolicyExecution e;
  e.time = now;
  e.alarm_name = std::string(alarm_name);
  e.policy_name = p->policy_name;
  e.from_capacity = desired_capacity();
  e.to_capacity = e.from_capacity;
  int target = e.from_capacity;
  absl::Duration warmup = absl::ZeroDuration();
  if (!p->enabled) {
    e.outcome = PolicyExecution::Outcome::kDisabled;
  } else if (p->policy_type == PolicyType::kSimpleScaling) {
    bool pending = false;
    for (size_t i : live_) pending = pending || all_[i].in_service_at > now;
    if (pending || now < simple_blocked_until_) {
      e.outcome = PolicyExecution::Outcome::kCooldown;
    } else {
      target = ComputeDesiredCapacity(p->adjustment_type, *p->scaling_adjustment,
                                      e.from_capacity, p->min_adjustment_magnitude,
                                      config_.min_size, config_.max_size);
      e.outcome = target == e.from_capacity
                      ? PolicyExecution::Outcome::kNoChange
                      : PolicyExecution::Outcome::kActivity;
    }
  } else {
    if (!breach_threshold.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "policy \"", p->policy_name,
          "\": step scaling needs the alarm's breach threshold"));
    }
    absl::StatusOr<StepAdjustment> step =
        SelectStep(*p, metric_values, *breach_threshold);
    if (!step.ok()) return step.status();
    e.step_adjustment = step->scaling_adjustment;
    const int warming = WarmingAt(now);
    // Warming capacity counts toward the next scale-out: the adjustment
    // applies to the capacity without it (spec 6.6), so a repeated breach
    // of the same step launches nothing more.
    const int base = e.from_capacity - warming;
    const int wanted =
        ComputeDesiredCapacity(p->adjustment_type, step->scaling_adjustment,
                               base, p->min_adjustment_magnitude,
                               config_.min_size, config_.max_size);
    if (wanted > e.from_capacity) {
      target = wanted;
      e.outcome = PolicyExecution::Outcome::kActivity;
    } else if (wanted < base && warming > 0) {
      e.outcome = PolicyExecution::Outcome::kWarmingUp;
    } else if (wanted < e.from_capacity && warming == 0) {
      target = wanted;
      e.outcome = PolicyExecution::Outcome::kActivity;
    } else {
      e.outcome = PolicyExecution::Outcome::kNoChange;
    }
    warmup = p->estimated_instance_warmup.value_or(
        config_.default_instance_warmup.value_or(config_.default_cooldown));
  }
  if (e.outcome == PolicyExecution::Outcome::kActivity) {
    const absl::Time end = Resize(target, now, warmup);
    e.to_capacity = target;
    if (p->policy_type == PolicyType::kSimpleScaling) {
      simple_blocked_until_ = end + p->cooldown.value_or(config_.default_cooldown);
    }
    ScalingActivity a;
    a.start_time = now;
    a.end_time = end;
    a.alarm_name = e.alarm_name;
    a.alarm_state = alarm_state;
    a.policy_name = p->policy_name;
    a.from_capacity = e.from_capacity;
    a.to_capacity = target;
    a.cause = absl::StrCat("At ", CauseTime(now), " a monitor alarm ",
                           alarm_name, " in state ",
                           AlarmStateName(alarm_state), " triggered policy ",
                           p->policy_name,
                           " changing the desired capacity from ",
                           e.from_capacity, " to ", target, ".");
    activities_.push_back(std::move(a));
  }
  executions_.push_back(e);
  return e;
}

std::vector<CapacityPoint> ScalingGroup::Timeline() const {
  std::vector<absl::Time> times = {start_};
  for (const Instance& in : all_) {
    times.push_back(in.launched);
    if (in.in_service_at < in.terminated) times.push_back(in.in_service_at);
    if (in.terminated != absl::InfiniteFuture()) times.push_back(in.terminated);
  }
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  std::vector<CapacityPoint> out;
  for (absl::Time t : times) {
    CapacityPoint c{t, 0, 0};
    for (const Instance& in : all_) {
      if (in.launched <= t && t < in.terminated) {
        ++c.desired;
        if (in.in_service_at <= t) ++c.in_service;
      }
    }
    if (!out.empty() && out.back().desired == c.desired &&
        out.back().in_service == c.in_service) {
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace cwalarm
