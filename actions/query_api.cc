// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "actions/query_api.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace cwalarm {
namespace {

// The throttling codes of the AWS SDKs' retry classifiers.
bool IsThrottling(int status, absl::string_view code) {
  return status == 429 || code == "Throttling" ||
         code == "ThrottlingException" || code == "ThrottledException" ||
         code == "RequestThrottled" || code == "TooManyRequestsException" ||
         code == "RequestLimitExceeded" || code == "SlowDown";
}

// scheme://host[:port]/... -> host[:port]
std::string HostOf(absl::string_view url) {
  size_t scheme = url.find("://");
  absl::string_view rest =
      scheme == absl::string_view::npos ? url : url.substr(scheme + 3);
  return std::string(rest.substr(0, rest.find('/')));
}

}  // namespace

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

std::string ResolveQueryApiEndpoint(absl::string_view service,
                                    absl::string_view env_suffix,
                                    absl::string_view region,
                                    absl::string_view configured) {
  std::string endpoint(configured);
  const std::string service_var = absl::StrCat("AWS_ENDPOINT_URL_", env_suffix);
  for (const char* var : {service_var.c_str(), "AWS_ENDPOINT_URL"}) {
    if (!endpoint.empty()) break;
    const char* v = std::getenv(var);
    if (v != nullptr) endpoint = v;
  }
  if (endpoint.empty()) {
    endpoint = absl::StrCat("https://", service, ".", region, ".amazonaws.com",
                            absl::StartsWith(region, "cn-") ? ".cn" : "");
  }
  while (absl::EndsWith(endpoint, "/")) endpoint.pop_back();
  return endpoint;
}

absl::StatusOr<std::string> CallQueryApi(HttpClient* http,
                                         const AwsCredentials& credentials,
                                         const QueryApiCall& call,
                                         absl::Time now) {
  const std::string endpoint = ResolveQueryApiEndpoint(
      call.service, call.env_suffix, call.region, call.endpoint);
  SigV4Request sig_request;
  sig_request.method = "POST";
  sig_request.path = "/";
  sig_request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                         {"Host", HostOf(endpoint)}};
  sig_request.payload = call.body;
  absl::StatusOr<SigV4Signature> sig = SignSigV4(
      {call.region, call.service, now, credentials}, &sig_request);
  if (!sig.ok()) return sig.status();

  HttpRequest request;
  request.method = "POST";
  request.url = absl::StrCat(endpoint, "/");
  request.headers = std::move(sig_request.headers);
  request.body = std::move(sig_request.payload);
  absl::StatusOr<HttpResponse> response = http->Send(request);
  const std::string what = absl::StrCat(call.what, " via ", endpoint);
  if (!response.ok()) {
    return absl::UnavailableError(
        absl::StrCat(what, ": ", response.status().message()));
  }
  if (response->status >= 200 && response->status < 300) {
    return std::move(response->body);
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
  if (absl::EndsWith(code, "InProgress")) {
    return absl::FailedPreconditionError(detail);
  }
  return absl::InvalidArgumentError(detail);
}

}  // namespace cwalarm
