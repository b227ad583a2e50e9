// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "actions/http_client.h"

#include <curl/curl.h>

#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"

namespace cwalarm {
namespace {

size_t AppendBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

CurlHttpClient::CurlHttpClient(absl::Duration timeout) : timeout_(timeout) {
  GlobalInitOnce();
}

absl::StatusOr<HttpResponse> CurlHttpClient::Send(const HttpRequest& request) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    return absl::UnavailableError(
        absl::StrCat(request.url, ": curl_easy_init failed"));
  }
  HttpResponse response;
  curl_slist* headers = nullptr;
  // curl would otherwise add "Expect: 100-continue" to larger POSTs.
  headers = curl_slist_append(headers, "Expect:");
  for (const auto& [name, value] : request.headers) {
    headers =
        curl_slist_append(headers, absl::StrCat(name, ": ", value).c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "POST" || !request.body.empty()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(timeout_)));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  if (rc == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    return absl::UnavailableError(absl::StrCat(request.method, " ", request.url,
                                               ": ", curl_easy_strerror(rc)));
  }
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace cwalarm
