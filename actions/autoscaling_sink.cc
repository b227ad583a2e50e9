// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "actions/autoscaling_sink.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace cwalarm {
namespace {

absl::Status BadArn(absl::string_view arn, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("action ", arn, ": ", why,
                   " (expected arn:aws:autoscaling:REGION:ACCOUNT:"
                   "scalingPolicy:UUID:autoScalingGroupName/GROUP:"
                   "policyName/POLICY)"));
}

}  // namespace

absl::StatusOr<ScalingPolicyArn> ParseScalingPolicyArn(absl::string_view arn) {
  // arn:partition:autoscaling:region:account:scalingPolicy:uuid:
  // autoScalingGroupName/g:policyName/p. Group and policy names may not
  // contain ':' (Auto Scaling's name pattern excludes it).
  std::vector<absl::string_view> f = absl::StrSplit(arn, ':');
  if (f.size() < 8 || f[0] != "arn" || f[2] != "autoscaling" ||
      f[5] != "scalingPolicy") {
    return BadArn(arn, "not an Auto Scaling policy ARN");
  }
  if (absl::StartsWith(f[7], "resource/")) {
    return BadArn(arn,
                  "Application Auto Scaling policies are not simulated; only "
                  "EC2 Auto Scaling group policies are");
  }
  if (f.size() != 9 || !absl::StartsWith(f[7], "autoScalingGroupName/") ||
      !absl::StartsWith(f[8], "policyName/")) {
    return BadArn(arn, "malformed EC2 Auto Scaling policy ARN");
  }
  ScalingPolicyArn out;
  out.partition = std::string(f[1]);
  out.region = std::string(f[3]);
  out.account_id = std::string(f[4]);
  out.policy_id = std::string(f[6]);
  out.auto_scaling_group_name =
      std::string(f[7].substr(sizeof("autoScalingGroupName/") - 1));
  out.policy_name = std::string(f[8].substr(sizeof("policyName/") - 1));
  if (out.auto_scaling_group_name.empty() || out.policy_name.empty()) {
    return BadArn(arn, "empty group or policy name");
  }
  return out;
}

std::string ScalingPolicyArnFor(absl::string_view region,
                                absl::string_view account_id,
                                absl::string_view policy_id,
                                absl::string_view group_name,
                                absl::string_view policy_name) {
  return absl::StrCat("arn:aws:autoscaling:", region, ":", account_id,
                      ":scalingPolicy:", policy_id,
                      ":autoScalingGroupName/", group_name,
                      ":policyName/", policy_name);
}

void AutoScalingSink::UseClient(AutoScalingClient* client,
                                std::vector<ScalingPolicy> known) {
  client_ = client;
  known_ = std::move(known);
}

void AutoScalingSink::AddGroup(ScalingGroup* group) {
  for (ScalingGroup*& g : groups_) {
    if (g->name() == group->name()) {
      g = group;
      return;
    }
  }
  groups_.push_back(group);
}

absl::Status AutoScalingSink::Execute(const StateChange& change) {
  if (!IsAutoScalingPolicyArn(change.action)) {
    return fallback_ == nullptr ? absl::OkStatus() : fallback_->Execute(change);
  }
  absl::StatusOr<ScalingPolicyArn> arn = ParseScalingPolicyArn(change.action);
  if (!arn.ok()) return arn.status();
  ScalingGroup* group = nullptr;
  for (ScalingGroup* g : groups_) {
    if (g->name() == arn->auto_scaling_group_name) group = g;
  }
  if (group == nullptr && client_ == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "no Auto Scaling group \"", arn->auto_scaling_group_name,
        "\" is simulated"));
  }
  std::vector<double> values = change.metric_values;
  std::optional<double> threshold = change.breach_threshold;
  if (values.empty() && !change.new_reason_data.empty()) {
    // SetAlarmState: the caller's StateReasonData carries what the policy
    // needs (spec 4.3).
    nlohmann::json j = nlohmann::json::parse(change.new_reason_data, nullptr,
                                             /*allow_exceptions=*/false);
    if (j.is_object()) {
      auto recent = j.find("recentDatapoints");
      if (recent != j.end() && recent->is_array()) {
        for (const auto& v : *recent) {
          if (v.is_number()) values.push_back(v.get<double>());
        }
      }
      auto t = j.find("threshold");
      if (!threshold.has_value() && t != j.end() && t->is_number()) {
        threshold = t->get<double>();
      }
    }
  }
  // Sinks called by code that predates `invoked_at` leave it at the epoch.
  const absl::Time now =
      change.invoked_at == absl::Time() ? change.timestamp : change.invoked_at;
  if (group == nullptr) {
    ExecutePolicyRequest request;
    request.region = arn->region;
    request.auto_scaling_group_name = arn->auto_scaling_group_name;
    request.policy_name = arn->policy_name;
    const ScalingPolicy* policy = nullptr;
    for (const ScalingPolicy& p : known_) {
      if (p.auto_scaling_group_name == arn->auto_scaling_group_name &&
          p.policy_name == arn->policy_name) {
        policy = &p;
      }
    }
    if (policy != nullptr && policy->policy_type == PolicyType::kSimpleScaling) {
      request.honor_cooldown = true;
    } else {
      if (values.empty() || !threshold.has_value()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "ExecutePolicy ", arn->policy_name,
            ": no datapoints or threshold to send as MetricValue and "
            "BreachThreshold"));
      }
      request.metric_value = AggregateMetricValues(
          policy != nullptr ? policy->EffectiveMetricAggregationType()
                            : MetricAggregationType::kAverage,
          values);
      request.breach_threshold = threshold;
    }
    return client_->ExecutePolicy(request, now);
  }
  const std::string alarm_name =
      change.alarm != nullptr ? change.alarm->alarm_name : change.alarm_arn;
  absl::StatusOr<PolicyExecution> e =
      group->ExecutePolicy(arn->policy_name, alarm_name, change.new_state,
                           values, threshold, now);
  return e.status();
}

}  // namespace cwalarm
