// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// A narrow HTTP client interface and its libcurl implementation. SNS (and
// later Auto Scaling) calls go through `HttpClient`, so tests substitute a
// fake and never touch the network.
//
//   CurlHttpClient http(absl::Seconds(10));
//   absl::StatusOr<HttpResponse> r = http.Send(
//       {"POST", "http://127.0.0.1:4566/", {{"Content-Type", "..."}}, body});
//
// Thread-safety: `CurlHttpClient::Send` is safe to call from several
// threads (one curl easy handle per call).

#ifndef CWALARM_ACTIONS_HTTP_CLIENT_H_
#define CWALARM_ACTIONS_HTTP_CLIENT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace cwalarm {

struct HttpRequest {
  std::string method = "POST";
  std::string url;  // scheme://host[:port]/path[?query]
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;  // HTTP status code.
  std::string body;
};

class HttpClient {
 public:
  HttpClient() = default;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  virtual ~HttpClient() = default;

  // Sends `request` and returns the response, whatever its status code.
  // Returns kUnavailable when no response was received (connection refused,
  // DNS failure, timeout, reset), with the transport's message.
  virtual absl::StatusOr<HttpResponse> Send(const HttpRequest& request) = 0;
};

// libcurl (Debian's libcurl4-openssl-dev). Not copyable.
class CurlHttpClient : public HttpClient {
 public:
  // `timeout` bounds each whole request (connect + transfer).
  explicit CurlHttpClient(absl::Duration timeout = absl::Seconds(10));

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override;

 private:
  absl::Duration timeout_;
};

}  // namespace cwalarm

#endif  // CWALARM_ACTIONS_HTTP_CLIENT_H_
