// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "actions/autoscaling_client.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace cwalarm {
namespace {

std::string XmlText(absl::string_view xml, absl::string_view tag) {
  const std::string open = absl::StrCat("<", tag, ">");
  const std::string close = absl::StrCat("</", tag, ">");
  size_t b = xml.find(open);
  if (b == absl::string_view::npos) return "";
  b += open.size();
  size_t e = xml.find(close, b);
  if (e == absl::string_view::npos) return "";
  return std::string(xml.substr(b, e - b));
}

bool IsThrottling(int status, absl::string_view code) {
  return status == 429 || code == "Throttling" ||
         code == "ThrottlingException" || code == "RequestLimitExceeded";
}

// scheme://host[:port] -> host[:port]
std::string HostOf(absl::string_view url) {
  size_t scheme = url.find("://");
  absl::string_view rest =
      scheme == absl::string_view::npos ? url : url.substr(scheme + 3);
  return std::string(rest.substr(0, rest.find('/')));
}

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
  std::string endpoint(configured);
  for (const char* var : {"AWS_ENDPOINT_URL_AUTO_SCALING", "AWS_ENDPOINT_URL"}) {
    if (!endpoint.empty()) break;
    const char* v = std::getenv(var);
    if (v != nullptr) endpoint = v;
  }
  if (endpoint.empty()) {
    endpoint = absl::StrCat("https://autoscaling.", region, ".amazonaws.com",
                            absl::StartsWith(region, "cn-") ? ".cn" : "");
  }
  while (absl::EndsWith(endpoint, "/")) endpoint.pop_back();
  return endpoint;
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
  const std::string endpoint =
      ResolveAutoScalingEndpoint(r.region, options_.endpoint);
  SigV4Request sig_request;
  sig_request.method = "POST";
  sig_request.path = "/";
  sig_request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                         {"Host", HostOf(endpoint)}};
  sig_request.payload = ExecutePolicyBody(r);
  absl::StatusOr<SigV4Signature> sig = SignSigV4(
      {r.region, "autoscaling", now, options_.credentials}, &sig_request);
  if (!sig.ok()) return sig.status();

  HttpRequest request;
  request.method = "POST";
  request.url = absl::StrCat(endpoint, "/");
  request.headers = std::move(sig_request.headers);
  request.body = std::move(sig_request.payload);
  absl::StatusOr<HttpResponse> response = http_->Send(request);
  const std::string what =
      absl::StrCat("Auto Scaling ExecutePolicy ", r.policy_name, " of group ",
                   r.auto_scaling_group_name, " via ", endpoint);
  if (!response.ok()) {
    return absl::UnavailableError(
        absl::StrCat(what, ": ", response.status().message()));
  }
  if (response->status >= 200 && response->status < 300) {
    return absl::OkStatus();
  }
  const std::string code = XmlText(response->body, "Code");
  const std::string message = XmlText(response->body, "Message");
  const std::string detail =
      absl::StrCat(what, ": HTTP ", response->status,
                   code.empty() ? "" : absl::StrCat(" ", code),
                   message.empty() ? "" : absl::StrCat(": ", message));
  if (response->status >= 500 || IsThrottling(response->status, code)) {
    return absl::UnavailableError(detail);
  }
  if (response->status == 401 || response->status == 403) {
    return absl::PermissionDeniedError(detail);
  }
  if (response->status == 404 || absl::StrContains(code, "NotFound")) {
    return absl::NotFoundError(detail);
  }
  if (code == "ScalingActivityInProgress") {
    return absl::FailedPreconditionError(detail);
  }
  return absl::InvalidArgumentError(detail);
}

}  // namespace cwalarm
