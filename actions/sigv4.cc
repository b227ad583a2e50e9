// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "actions/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace cwalarm {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string ToHex(const unsigned char* data, size_t n) {
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 15]);
  }
  return out;
}

std::string HmacSha256(absl::string_view key, absl::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
       &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

// The JavaScript SDK's ALWAYS_UNSIGNABLE_HEADERS, plus proxy-* and sec-*.
bool Unsignable(absl::string_view lower) {
  static constexpr const char* kNames[] = {
      "authorization",  "cache-control",
      "connection",     "expect",
      "from",           "keep-alive",
      "max-forwards",   "pragma",
      "referer",        "te",
      "trailer",        "transfer-encoding",
      "upgrade",        "user-agent",
      "x-amzn-trace-id"};
  for (const char* n : kNames) {
    if (lower == n) return true;
  }
  return absl::StartsWith(lower, "proxy-") || absl::StartsWith(lower, "sec-");
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string UriDecode(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
        HexValue(s[i + 2]) >= 0) {
      out.push_back(
          static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else if (s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string CanonicalQuery(absl::string_view query) {
  if (query.empty()) return "";
  std::vector<std::pair<std::string, std::string>> pairs;
  for (absl::string_view part : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(part, absl::MaxSplits('=', 1));
    pairs.emplace_back(UriEncode(UriDecode(kv.first)),
                       UriEncode(UriDecode(kv.second)));
  }
  std::sort(pairs.begin(), pairs.end());
  return absl::StrJoin(pairs, "&", [](std::string* out, const auto& kv) {
    absl::StrAppend(out, kv.first, "=", kv.second);
  });
}

std::string CanonicalPath(absl::string_view path) {
  if (path.empty()) return "/";
  std::string out;
  for (absl::string_view seg : absl::StrSplit(path, '/')) {
    out += UriEncode(seg);
    out += '/';
  }
  out.pop_back();
  return out;
}

std::string CollapseWhitespace(absl::string_view v) {
  std::string out;
  bool space = false;
  for (char c : absl::StripAsciiWhitespace(v)) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string Sha256Hex(absl::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
  return ToHex(out, len);
}

std::string UriEncode(absl::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back("0123456789ABCDEF"[c >> 4]);
      out.push_back("0123456789ABCDEF"[c & 15]);
    }
  }
  return out;
}

absl::StatusOr<AwsCredentials> AwsCredentialsFromEnvironment() {
  AwsCredentials c;
  const char* id = std::getenv("AWS_ACCESS_KEY_ID");
  const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
  const char* token = std::getenv("AWS_SESSION_TOKEN");
  if (id == nullptr || *id == '\0') {
    return absl::FailedPreconditionError(
        "AWS credentials: AWS_ACCESS_KEY_ID is not set");
  }
  if (secret == nullptr || *secret == '\0') {
    return absl::FailedPreconditionError(
        "AWS credentials: AWS_SECRET_ACCESS_KEY is not set");
  }
  c.access_key_id = id;
  c.secret_access_key = secret;
  if (token != nullptr) c.session_token = token;
  return c;
}

absl::StatusOr<SigV4Signature> SignSigV4(const SigV4Params& params,
                                         SigV4Request* request) {
  if (params.region.empty() || params.service.empty()) {
    return absl::InvalidArgumentError(
        "SigV4: region and service must not be empty");
  }
  if (params.credentials.access_key_id.empty() ||
      params.credentials.secret_access_key.empty()) {
    return absl::InvalidArgumentError(
        "SigV4: access key id and secret access key must not be empty");
  }
  auto& headers = request->headers;
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [](const auto& h) {
                                 std::string n = absl::AsciiStrToLower(h.first);
                                 return n == "authorization" ||
                                        n == "x-amz-date" ||
                                        n == "x-amz-security-token";
                               }),
                headers.end());
  bool has_host = std::any_of(
      headers.begin(), headers.end(),
      [](const auto& h) { return absl::AsciiStrToLower(h.first) == "host"; });
  if (!has_host) {
    return absl::InvalidArgumentError("SigV4: the request has no Host header");
  }

  SigV4Signature sig;
  sig.amz_date =
      absl::FormatTime("%Y%m%dT%H%M%SZ", params.time, absl::UTCTimeZone());
  const std::string date = sig.amz_date.substr(0, 8);
  headers.emplace_back("X-Amz-Date", sig.amz_date);
  if (!params.credentials.session_token.empty()) {
    headers.emplace_back("X-Amz-Security-Token",
                         params.credentials.session_token);
  }

  std::vector<std::pair<std::string, std::string>> canonical;
  for (const auto& [name, value] : headers) {
    std::string lower = absl::AsciiStrToLower(name);
    if (Unsignable(lower)) continue;
    canonical.emplace_back(std::move(lower), CollapseWhitespace(value));
  }
  std::sort(canonical.begin(), canonical.end());
  std::string canonical_headers;
  std::vector<std::string> names;
  for (const auto& [name, value] : canonical) {
    absl::StrAppend(&canonical_headers, name, ":", value, "\n");
    names.push_back(name);
  }
  sig.signed_headers = absl::StrJoin(names, ";");

  sig.canonical_request =
      absl::StrCat(request->method, "\n", CanonicalPath(request->path), "\n",
                   CanonicalQuery(request->query), "\n", canonical_headers,
                   "\n", sig.signed_headers, "\n", Sha256Hex(request->payload));
  const std::string scope = absl::StrCat(date, "/", params.region, "/",
                                         params.service, "/aws4_request");
  sig.string_to_sign =
      absl::StrCat("AWS4-HMAC-SHA256\n", sig.amz_date, "\n", scope, "\n",
                   Sha256Hex(sig.canonical_request));

  std::string key = HmacSha256(
      absl::StrCat("AWS4", params.credentials.secret_access_key), date);
  key = HmacSha256(key, params.region);
  key = HmacSha256(key, params.service);
  key = HmacSha256(key, "aws4_request");
  const std::string raw = HmacSha256(key, sig.string_to_sign);
  sig.signature =
      ToHex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
  sig.authorization = absl::StrCat(
      "AWS4-HMAC-SHA256 Credential=", params.credentials.access_key_id, "/",
      scope, ", SignedHeaders=", sig.signed_headers,
      ", Signature=", sig.signature);
  headers.emplace_back("Authorization", sig.authorization);
  return sig;
}

}  // namespace cwalarm
