// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "actions/autoscaling_client.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "actions/query_api.h"

namespace cwalarm {
namespace {

// The shortest decimal that reads back as `v`; integers without ".0" or an
// exponent (59, not 5.9e+01), as JavaScript's String(number) writes them.
std::string ShortestNumber(double v) {
  char buf[400];
  if (v == std::floor(v) && std::fabs(v) < 1e21) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
    return buf;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

}  // namespace

std::string ResolveAutoScalingEndpoint(absl::string_view region,
                                       absl::string_view configured) {
  return ResolveQueryApiEndpoint("autoscaling", "AUTO_SCALING", region,
                                 configured);
}

std::string ExecutePolicyBody(const ExecutePolicyRequest& r) {
  // PolicyName before AutoScalingGroupName: the order the AWS SDK for
  // JavaScript sends (tests/sigv4/testdata/autoscaling_execute_policy_js.json).
  std::string body = absl::StrCat(
      "Action=ExecutePolicy&Version=2011-01-01&PolicyName=",
      UriEncode(r.policy_name),
      "&AutoScalingGroupName=", UriEncode(r.auto_scaling_group_name));
  if (r.honor_cooldown.has_value()) {
    absl::StrAppend(&body, "&HonorCooldown=",
                    *r.honor_cooldown ? "true" : "false");
  }
  if (r.metric_value.has_value()) {
    absl::StrAppend(&body, "&MetricValue=",
                    UriEncode(ShortestNumber(*r.metric_value)));
  }
  if (r.breach_threshold.has_value()) {
    absl::StrAppend(&body, "&BreachThreshold=",
                    UriEncode(ShortestNumber(*r.breach_threshold)));
  }
  return body;
}

AutoScalingClient::AutoScalingClient(HttpClient* http,
                                     AutoScalingClientOptions options)
    : http_(http), options_(std::move(options)) {}

absl::Status AutoScalingClient::ExecutePolicy(
    const ExecutePolicyRequest& r, absl::Time now) {
  return CallQueryApi(
             http_, options_.credentials,
             {"autoscaling", "AUTO_SCALING", r.region, options_.endpoint,
              ExecutePolicyBody(r),
              absl::StrCat("Auto Scaling ExecutePolicy ", r.policy_name,
                           " of group ", r.auto_scaling_group_name)},
             now)
      .status();
}

}  // namespace cwalarm
