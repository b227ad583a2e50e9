// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// SigV4 signer: AWS's own documented example, and agreement with the AWS SDK
// for JavaScript v3 on a captured SNS Publish (tests/sigv4/). The captured
// request is read from tests/sigv4/testdata/sns_publish_js.json, or from
// $CWALARM_SIGV4_CAPTURE when tests/sigv4/check.sh has just re-captured it
// with the SDK.

#include "actions/sigv4.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "actions/sns_client.h"
#include "actions/sns_message.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace cwalarm {
namespace {

AwsCredentials ExampleCredentials() {
  return {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
}

TEST(SigV4Test, AwsDocumentationIamListUsersExample) {
  // The worked example of AWS's "Signature Version 4 signing process"
  // documentation (GET iam ListUsers, 20150830T123600Z).
  SigV4Request r;
  r.method = "GET";
  r.path = "/";
  r.query = "Action=ListUsers&Version=2010-05-08";
  r.headers = {
      {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
      {"Host", "iam.amazonaws.com"}};
  absl::StatusOr<SigV4Signature> s =
      SignSigV4({"us-east-1", "iam",
                 absl::FromCivil(absl::CivilSecond(2015, 8, 30, 12, 36, 0),
                                 absl::UTCTimeZone()),
                 ExampleCredentials()},
                &r);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(Sha256Hex(s->canonical_request),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  EXPECT_EQ(s->signed_headers, "content-type;host;x-amz-date");
  EXPECT_EQ(s->signature,
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  EXPECT_EQ(s->authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/"
            "aws4_request, SignedHeaders=content-type;host;x-amz-date, "
            "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b592"
            "4a6f2b5d7");
  EXPECT_EQ(r.headers.back().first, "Authorization");
}

TEST(SigV4Test, QueryIsSortedAndReencoded) {
  SigV4Request a{"GET", "/", "b=2&a=x%20y", {{"Host", "h"}}, ""};
  SigV4Request b{"GET", "/", "a=x y&b=2", {{"Host", "h"}}, ""};
  SigV4Params p{"us-east-1", "svc", absl::FromUnixSeconds(0),
                ExampleCredentials()};
  EXPECT_EQ(SignSigV4(p, &a)->signature, SignSigV4(p, &b)->signature);
}

TEST(SigV4Test, SessionTokenIsSentAndSigned) {
  SigV4Request r{"POST", "/", "", {{"Host", "h"}}, "x"};
  AwsCredentials c = ExampleCredentials();
  c.session_token = "TOKEN";
  absl::StatusOr<SigV4Signature> s =
      SignSigV4({"us-east-1", "sns", absl::FromUnixSeconds(0), c}, &r);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->signed_headers, "host;x-amz-date;x-amz-security-token");
}

TEST(SigV4Test, MissingHostIsAnError) {
  SigV4Request r{"POST", "/", "", {}, ""};
  absl::StatusOr<SigV4Signature> s = SignSigV4(
      {"us-east-1", "sns", absl::FromUnixSeconds(0), ExampleCredentials()}, &r);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), testing::HasSubstr("no Host header"));
}

TEST(UriEncodeTest, EncodesLikeTheSdkExtendedEncodeUriComponent) {
  EXPECT_EQ(UriEncode("a b+c/d*e(f)!'~._-\xC3\xA9"),
            "a%20b%2Bc%2Fd%2Ae%28f%29%21%27~._-%C3%A9");
}

nlohmann::json LoadCapture() {
  const char* env = std::getenv("CWALARM_SIGV4_CAPTURE");
  std::string path =
      env != nullptr ? env : "tests/sigv4/testdata/sns_publish_js.json";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

TEST(SigV4Test, AgreesWithAwsSdkForJavaScriptOnSnsPublish) {
  nlohmann::json cap = LoadCapture();
  SigV4Request r;
  r.method = cap["method"];
  r.path = cap["path"];
  std::string authorization;
  for (auto& [name, value] : cap["headers"].items()) {
    if (name == "authorization") {
      authorization = value;
    } else {
      r.headers.emplace_back(name, value.get<std::string>());
    }
  }
  r.payload = cap["body"];
  absl::Time t;
  std::string err;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full,
                              cap["time"].get<std::string>(), &t, &err));
  AwsCredentials c{cap["access_key_id"], cap["secret_access_key"],
                   cap["session_token"]};
  absl::StatusOr<SigV4Signature> s =
      SignSigV4({cap["region"], cap["service"], t, c}, &r);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->authorization, authorization) << "canonical request:\n"
                                             << s->canonical_request;
}

TEST(SnsPublishBodyTest, SameBytesAsAwsSdkForJavaScript) {
  nlohmann::json cap = LoadCapture();
  SnsPublish p;
  p.topic_arn = cap["input"]["TopicArn"];
  p.subject = cap["input"]["Subject"];
  p.message = cap["input"]["Message"];
  EXPECT_EQ(SnsPublishBody(p), cap["body"].get<std::string>());
}

}  // namespace
}  // namespace cwalarm
