// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "actions/sns_client.h"

#include <cstdlib>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace cwalarm {
namespace {

// The text of the first <tag>...</tag> in `xml`, or "".
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
         code == "ThrottlingException" || code == "ThrottledException" ||
         code == "RequestThrottled" || code == "TooManyRequestsException" ||
         code == "RequestLimitExceeded" || code == "SlowDown";
}

// scheme://host[:port] -> host[:port]
std::string HostOf(absl::string_view url) {
  size_t scheme = url.find("://");
  absl::string_view rest =
      scheme == absl::string_view::npos ? url : url.substr(scheme + 3);
  return std::string(rest.substr(0, rest.find('/')));
}

}  // namespace

std::string ResolveSnsEndpoint(absl::string_view region,
                               absl::string_view configured) {
  std::string endpoint(configured);
  for (const char* var : {"AWS_ENDPOINT_URL_SNS", "AWS_ENDPOINT_URL"}) {
    if (!endpoint.empty()) break;
    const char* v = std::getenv(var);
    if (v != nullptr) endpoint = v;
  }
  if (endpoint.empty()) {
    endpoint = absl::StrCat("https://sns.", region, ".amazonaws.com",
                            absl::StartsWith(region, "cn-") ? ".cn" : "");
  }
  while (absl::EndsWith(endpoint, "/")) endpoint.pop_back();
  return endpoint;
}

std::string SnsPublishBody(const SnsPublish& p) {
  return absl::StrCat(
      "Action=Publish&Version=2010-03-31&Message=", UriEncode(p.message),
      "&TopicArn=", UriEncode(p.topic_arn), "&Subject=", UriEncode(p.subject));
}

SnsClient::SnsClient(HttpClient* http, SnsClientOptions options)
    : http_(http), options_(std::move(options)) {}

absl::StatusOr<std::string> SnsClient::Publish(const SnsPublish& publish,
                                               absl::Time now) {
  const std::string endpoint =
      ResolveSnsEndpoint(publish.region, options_.endpoint);
  SigV4Request sig_request;
  sig_request.method = "POST";
  sig_request.path = "/";
  sig_request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                         {"Host", HostOf(endpoint)}};
  sig_request.payload = SnsPublishBody(publish);
  absl::StatusOr<SigV4Signature> sig = SignSigV4(
      {publish.region, "sns", now, options_.credentials}, &sig_request);
  if (!sig.ok()) return sig.status();

  HttpRequest request;
  request.method = "POST";
  request.url = absl::StrCat(endpoint, "/");
  request.headers = std::move(sig_request.headers);
  request.body = std::move(sig_request.payload);
  absl::StatusOr<HttpResponse> response = http_->Send(request);
  const std::string what =
      absl::StrCat("SNS Publish to ", publish.topic_arn, " via ", endpoint);
  if (!response.ok()) {
    return absl::UnavailableError(
        absl::StrCat(what, ": ", response.status().message()));
  }
  if (response->status >= 200 && response->status < 300) {
    return XmlText(response->body, "MessageId");
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
  return absl::InvalidArgumentError(detail);
}

}  // namespace cwalarm
