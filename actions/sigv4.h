// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// AWS Signature Version 4 request signing (HMAC-SHA256, via OpenSSL's
// libcrypto), for any service: SNS Publish today, Auto Scaling's
// ExecutePolicy later.
//
//   SigV4Request r{"POST", "/", "", {{"Host", "sns.us-east-1.amazonaws.com"},
//                  {"Content-Type", "application/x-www-form-urlencoded"}},
//                  body};
//   absl::StatusOr<SigV4Signature> s =
//       SignSigV4({"us-east-1", "sns", now, credentials}, &r);
//   // r.headers now also holds X-Amz-Date, [X-Amz-Security-Token] and
//   // Authorization: AWS4-HMAC-SHA256
//   Credential=.../20150830/us-east-1/sns/aws4_request, ...
//
// The canonical form follows the SigV4 documentation and the AWS SDK for
// JavaScript v3 (checked against it by tests/sigv4/): every header is signed
// except the SDK's unsignable ones (authorization, user-agent, expect, ...,
// proxy-*, sec-*); values are trimmed and inner whitespace runs collapse to
// one space; the path is URI-encoded once more per RFC 3986 with `/` kept
// (non-S3 rule); query pairs are decoded, re-encoded and sorted.
//
// Thread-safety: pure functions (OpenSSL's one-shot digests are reentrant).

#ifndef CWALARM_ACTIONS_SIGV4_H_
#define CWALARM_ACTIONS_SIGV4_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace cwalarm {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // Empty when the credentials are long-term.
};

// Reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the optional
// AWS_SESSION_TOKEN. Returns kFailedPrecondition naming the missing variable
// when either of the first two is unset or empty.
absl::StatusOr<AwsCredentials> AwsCredentialsFromEnvironment();

// An HTTP request as it will be sent.
struct SigV4Request {
  std::string method;  // "GET", "POST".
  std::string path;    // As sent, e.g. "/".
  std::string query;   // As sent, without '?'; may be empty.
  // Names in any case. Must contain Host. Existing Authorization,
  // X-Amz-Date and X-Amz-Security-Token headers are replaced.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload;
};

struct SigV4Params {
  std::string region;   // e.g. "us-east-1".
  std::string service;  // Signing name, e.g. "sns", "iam", "autoscaling".
  absl::Time time;      // The request time (X-Amz-Date), whole seconds used.
  AwsCredentials credentials;
};

// The intermediate values, for diagnostics and tests.
struct SigV4Signature {
  std::string amz_date;  // 20150830T123600Z
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // content-type;host;x-amz-date
  std::string signature;       // 64 hex digits.
  std::string authorization;   // The Authorization header value.
};

// Signs `request` in place: appends X-Amz-Date, X-Amz-Security-Token (only
// with a session token) and Authorization headers, and returns the
// signature's parts. Returns kInvalidArgument when the request has no Host
// header, or the region, service or credentials are empty.
absl::StatusOr<SigV4Signature> SignSigV4(const SigV4Params& params,
                                         SigV4Request* request);

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(absl::string_view data);

// RFC 3986 percent-encoding: everything but A-Z a-z 0-9 - _ . ~ is encoded
// as %XX (upper-case hex). This is also the AWS Query protocol's form
// encoding (the JavaScript SDK's extendedEncodeURIComponent).
std::string UriEncode(absl::string_view s);

}  // namespace cwalarm

#endif  // CWALARM_ACTIONS_SIGV4_H_
