// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// AutoScalingClient: one SigV4-signed EC2 Auto Scaling `ExecutePolicy` call
// over the Query protocol (form-encoded `POST /`, Version 2011-01-01, XML
// reply), through the HttpClient and SigV4 signer of the SNS sink
// (actions/http_client.h, actions/sigv4.h). This is how an alarm's policy
// ARN reaches a real group (spec 6.6): step policies get MetricValue and
// BreachThreshold, simple policies HonorCooldown.
//
//   CurlHttpClient http;
//   AutoScalingClient client(&http, {"", creds});
//   absl::Status s = client.ExecutePolicy(
//       {"us-east-1", "web", "scale-out", std::nullopt, 72.5, 50.0}, now);
//
// The endpoint is, in order: `AutoScalingClientOptions::endpoint`, the
// environment's AWS_ENDPOINT_URL_AUTO_SCALING, AWS_ENDPOINT_URL, and
// `https://autoscaling.{region}.amazonaws.com` (`.com.cn` for cn-*). The
// signing name is `autoscaling`, the region the request's.
//
// No retries here: a failure is returned (kUnavailable for no response,
// HTTP 5xx or throttling; kPermissionDenied for 401/403; kNotFound for
// 404 or a NotFound code; kInvalidArgument for other 4xx, e.g.
// ValidationError "No step adjustment found ..."; kFailedPrecondition for
// ScalingActivityInProgress), and the alarm's once-per-minute re-invocation
// (spec 4.2) is the retry. Messages carry the HTTP status and Auto Scaling's
// error code and message.
//
// Thread-safety: ExecutePolicy is as thread-safe as the HttpClient.

#ifndef CWALARM_ACTIONS_AUTOSCALING_CLIENT_H_
#define CWALARM_ACTIONS_AUTOSCALING_CLIENT_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "actions/http_client.h"
#include "actions/sigv4.h"

namespace cwalarm {

struct AutoScalingClientOptions {
  // Base URL such as "http://127.0.0.1:4566"; empty resolves as above.
  std::string endpoint;
  AwsCredentials credentials;
};

// ExecutePolicy's input (S-API-AS).
struct ExecutePolicyRequest {
  std::string region;  // Signing region and default endpoint.
  std::string auto_scaling_group_name;
  std::string policy_name;
  // SimpleScaling only.
  std::optional<bool> honor_cooldown;
  // StepScaling only, both required there: the aggregated metric value and
  // the alarm's threshold.
  std::optional<double> metric_value;
  std::optional<double> breach_threshold;
};

// The endpoint for `region` given a configured value (may be empty).
std::string ResolveAutoScalingEndpoint(absl::string_view region,
                                       absl::string_view configured);

// `Action=ExecutePolicy&Version=2011-01-01&PolicyName=..&
// AutoScalingGroupName=..[&HonorCooldown=true|false][&MetricValue=..]
// [&BreachThreshold=..]`, RFC 3986-encoded; numbers in their shortest
// round-trip form without a trailing ".0" (59, 59.5): byte for byte what
// the AWS SDK for JavaScript v3 (@aws-sdk/client-auto-scaling 3.1169.0)
// sends (tests/sigv4/sign_execute_policy.mjs).
std::string ExecutePolicyBody(const ExecutePolicyRequest& request);

class AutoScalingClient {
 public:
  // `http` must outlive the client.
  AutoScalingClient(HttpClient* http, AutoScalingClientOptions options);
  AutoScalingClient(const AutoScalingClient&) = delete;
  AutoScalingClient& operator=(const AutoScalingClient&) = delete;

  // Calls ExecutePolicy, signing with `now` as the request time. Returns OK
  // on HTTP 2xx, otherwise the classified error described above.
  absl::Status ExecutePolicy(const ExecutePolicyRequest& request,
                             absl::Time now);

 private:
  HttpClient* http_;
  AutoScalingClientOptions options_;
};

}  // namespace cwalarm

#endif  // CWALARM_ACTIONS_AUTOSCALING_CLIENT_H_
