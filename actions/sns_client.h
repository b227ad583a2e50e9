// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// SnsClient: one SigV4-signed SNS `Publish` call over the Query protocol
// (form-encoded `POST /`, XML reply; spec 6.3), through an HttpClient.
//
//   CurlHttpClient http;
//   SnsClient sns(&http, {.endpoint = "", .credentials = creds});
//   absl::StatusOr<std::string> id = sns.Publish(publish, now);
//
// The endpoint is, in order: `SnsClientOptions::endpoint`, the environment's
// AWS_ENDPOINT_URL_SNS, AWS_ENDPOINT_URL, and finally
// `https://sns.{region}.amazonaws.com` (`.com.cn` for cn-* regions), the
// region being the topic ARN's. The signing region is always the topic's.
//
// Errors are classified for the delivery worker (actions/delivery.h):
// kUnavailable = worth retrying (no response, HTTP 5xx, throttling: HTTP 429
// or a Throttling/TooManyRequests/RequestLimitExceeded error code); anything
// else is permanent (kPermissionDenied for 401/403, kNotFound for 404 and
// NotFound codes, kInvalidArgument for other 4xx). Messages carry the HTTP
// status and SNS's error code and message.
//
// Thread-safety: Publish is as thread-safe as the HttpClient it uses.

#ifndef CWALARM_ACTIONS_SNS_CLIENT_H_
#define CWALARM_ACTIONS_SNS_CLIENT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "actions/http_client.h"
#include "actions/sigv4.h"
#include "actions/sns_message.h"

namespace cwalarm {

struct SnsClientOptions {
  // Base URL such as "http://127.0.0.1:4566"; empty resolves as above.
  std::string endpoint;
  AwsCredentials credentials;
};

// The endpoint for `region` given a configured value (may be empty).
std::string ResolveSnsEndpoint(absl::string_view region,
                               absl::string_view configured);

// `Action=Publish&Version=2010-03-31&Message=..&TopicArn=..&Subject=..`,
// RFC 3986-encoded, byte for byte what the AWS SDK for JavaScript v3
// (@aws-sdk/client-sns 3.1169.0) sends for the same input.
std::string SnsPublishBody(const SnsPublish& publish);

class SnsClient {
 public:
  // `http` must outlive the client.
  SnsClient(HttpClient* http, SnsClientOptions options);
  SnsClient(const SnsClient&) = delete;
  SnsClient& operator=(const SnsClient&) = delete;

  // Publishes, signing with `now` as the request time. Returns SNS's
  // MessageId, or an error classified as described above.
  absl::StatusOr<std::string> Publish(const SnsPublish& publish,
                                      absl::Time now);

 private:
  HttpClient* http_;
  SnsClientOptions options_;
};

}  // namespace cwalarm

#endif  // CWALARM_ACTIONS_SNS_CLIENT_H_
