// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "actions/sns_client.h"

#include <cstdlib>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "actions/query_api.h"

namespace cwalarm {

std::string ResolveSnsEndpoint(absl::string_view region,
                               absl::string_view configured) {
  return ResolveQueryApiEndpoint("sns", "SNS", region, configured);
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
  absl::StatusOr<std::string> reply = CallQueryApi(
      http_, options_.credentials,
      {"sns", "SNS", publish.region, options_.endpoint, SnsPublishBody(publish),
       absl::StrCat("SNS Publish to ", publish.topic_arn)},
      now);
  if (!reply.ok()) return reply.status();
  return XmlText(*reply, "MessageId");
}

}  // namespace cwalarm
