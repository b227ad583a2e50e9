// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// One signed call to an AWS Query-protocol API (form-encoded `POST /`, XML
// reply): the shared transport of the SNS and Auto Scaling clients.
//
//   QueryApiCall call{"sns", "SNS", "us-east-1", "", body, "SNS Publish to x"};
//   absl::StatusOr<std::string> xml = CallQueryApi(&http, credentials, call, now);
//
// The endpoint is the configured one, else `AWS_ENDPOINT_URL_<SERVICE>`, else
// `AWS_ENDPOINT_URL`, else `https://<service>.<region>.amazonaws.com` (`.cn`
// appended in China regions); a trailing `/` is dropped. Errors are
// classified for the delivery worker (actions/delivery.h): kUnavailable for a
// transport failure, 5xx or throttling (retry); kPermissionDenied for 401/403;
// kNotFound for 404 or a `*NotFound` code; kFailedPrecondition for an
// `*InProgress` code (e.g. ScalingActivityInProgress); kInvalidArgument for
// every other 4xx. Each message starts with the call's `what` and the
// endpoint, then the HTTP status, the AWS error code and message.
//
// Thread-safety: the functions are thread-safe if the HttpClient is.

#ifndef CWALARM_ACTIONS_QUERY_API_H_
#define CWALARM_ACTIONS_QUERY_API_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "actions/http_client.h"
#include "actions/sigv4.h"

namespace cwalarm {

struct QueryApiCall {
  std::string service;      // Signing name and host prefix: "sns", "autoscaling".
  std::string env_suffix;   // AWS_ENDPOINT_URL_<env_suffix>: "SNS", "AUTO_SCALING".
  std::string region;       // e.g. "us-east-1".
  std::string endpoint;     // Configured endpoint; empty: see above.
  std::string body;         // The form-encoded parameters.
  std::string what;         // Prefix of error messages, e.g. "SNS Publish to <arn>".
};

// The endpoint `call` goes to (see the file comment).
std::string ResolveQueryApiEndpoint(absl::string_view service,
                                    absl::string_view env_suffix,
                                    absl::string_view region,
                                    absl::string_view configured);

// Signs `call` with SigV4 at `now` and sends it through `http`. Returns the
// reply body of a 2xx answer, or the classified error described above.
absl::StatusOr<std::string> CallQueryApi(HttpClient* http,
                                         const AwsCredentials& credentials,
                                         const QueryApiCall& call,
                                         absl::Time now);

// The text of the first `<tag>...</tag>` in `xml`, or "".
std::string XmlText(absl::string_view xml, absl::string_view tag);

}  // namespace cwalarm

#endif  // CWALARM_ACTIONS_QUERY_API_H_
