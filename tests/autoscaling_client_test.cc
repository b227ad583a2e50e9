// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// ExecutePolicy over the Auto Scaling Query API (spec 6.6) against a local
// HTTP server that this test starts on 127.0.0.1 (an ephemeral port; no
// network beyond loopback). The server checks the form parameters and
// verifies the SigV4 signature the way AWS does: it re-signs the request's
// signed headers and body with the shared secret and compares the
// Authorization header. The re-signing uses cwalarm's own signer
// (actions/sigv4.h, itself checked against AWS's published example and the
// AWS SDK for JavaScript by tests/sigv4_test.cc and tests/sigv4/).

#include "actions/autoscaling_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "actions/autoscaling_sink.h"
#include "actions/http_client.h"
#include "actions/scaling_policy.h"
#include "actions/sigv4.h"
#include "alarm/action_sink.h"
#include "alarm/alarm_spec.h"
#include "alarm/alarm_state.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/status_matchers.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::IsOk;
using ::cwalarm_testing::StatusIs;
using ::testing::HasSubstr;

const AwsCredentials kCredentials = {"AKIDEXAMPLE",
                                     "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                     ""};

absl::Time Now() {
  return absl::FromCivil(absl::CivilSecond(2024, 1, 12, 16, 42, 2),
                         absl::UTCTimeZone());
}

std::string PercentDecode(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      if (absl::SimpleHexAtoi(s.substr(i + 1, 2), &v)) {
        out.push_back(static_cast<char>(v));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i] == '+' ? ' ' : s[i]);
  }
  return out;
}

// What the server received.
struct Received {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::map<std::string, std::string> form;
  bool signature_valid = false;
  std::string credential_scope;

  std::string Header(absl::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (absl::EqualsIgnoreCase(k, name)) return v;
    }
    return "";
  }
};

// Re-signs `r` as the server would and compares the Authorization header.
bool VerifySignature(Received* r) {
  const std::string auth = r->Header("Authorization");
  absl::string_view rest = auth;
  if (!absl::ConsumePrefix(&rest, "AWS4-HMAC-SHA256 Credential=")) return false;
  std::vector<std::string> parts = absl::StrSplit(rest, ", ");
  if (parts.size() != 3) return false;
  std::vector<std::string> scope = absl::StrSplit(parts[0], '/');
  if (scope.size() != 5) return false;
  r->credential_scope = absl::StrJoin(scope.begin() + 1, scope.end(), "/");
  absl::string_view signed_list = parts[1];
  if (!absl::ConsumePrefix(&signed_list, "SignedHeaders=")) return false;
  absl::Time t;
  std::string err;
  if (!absl::ParseTime("%E4Y%m%dT%H%M%SZ", r->Header("X-Amz-Date"), &t, &err)) {
    return false;
  }
  SigV4Request again;
  again.method = r->method;
  again.path = r->path;
  for (absl::string_view name : absl::StrSplit(signed_list, ';')) {
    if (name == "x-amz-date") continue;  // The signer adds it from `t`.
    again.headers.emplace_back(std::string(name), r->Header(name));
  }
  again.payload = r->body;
  absl::StatusOr<SigV4Signature> sig =
      SignSigV4({scope[2], scope[3], t, kCredentials}, &again);
  return sig.ok() && sig->authorization == auth;
}

// A one-request-at-a-time HTTP/1.1 server on 127.0.0.1:<ephemeral>.
class LocalServer {
 public:
  using Handler = std::function<std::pair<int, std::string>(const Received&)>;

  explicit LocalServer(Handler handler) : handler_(std::move(handler)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    listen(fd_, 4);
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~LocalServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }

  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_); }
  std::vector<Received> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }

 private:
  void Serve() {
    for (;;) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string data;
      char buf[4096];
      size_t header_end = std::string::npos;
      size_t want = 0;
      for (;;) {
        ssize_t n = read(c, buf, sizeof(buf));
        if (n <= 0) break;
        data.append(buf, static_cast<size_t>(n));
        if (header_end == std::string::npos) {
          header_end = data.find("\r\n\r\n");
          if (header_end == std::string::npos) continue;
          std::string lower = absl::AsciiStrToLower(data.substr(0, header_end));
          size_t cl = lower.find("content-length:");
          size_t length = 0;
          if (cl != std::string::npos) {
            absl::SimpleAtoi(absl::StripAsciiWhitespace(lower.substr(
                                 cl + 15, lower.find("\r\n", cl) - cl - 15)),
                             &length);
          }
          want = header_end + 4 + length;
        }
        if (data.size() >= want) break;
      }
      Received r;
      if (header_end != std::string::npos) {
        std::vector<std::string> lines =
            absl::StrSplit(data.substr(0, header_end), "\r\n");
        std::vector<std::string> first = absl::StrSplit(lines[0], ' ');
        r.method = first.size() > 0 ? first[0] : "";
        r.path = first.size() > 1 ? first[1] : "";
        for (size_t i = 1; i < lines.size(); ++i) {
          size_t colon = lines[i].find(':');
          if (colon == std::string::npos) continue;
          r.headers.emplace_back(
              lines[i].substr(0, colon),
              std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1))));
        }
        r.body = data.substr(header_end + 4);
        for (absl::string_view pair : absl::StrSplit(r.body, '&')) {
          std::pair<std::string, std::string> kv =
              absl::StrSplit(pair, absl::MaxSplits('=', 1));
          r.form[PercentDecode(kv.first)] = PercentDecode(kv.second);
        }
        r.signature_valid = VerifySignature(&r);
      }
      std::pair<int, std::string> reply = handler_(r);
      {
        std::lock_guard<std::mutex> lock(mu_);
        received_.push_back(r);
      }
      std::string response = absl::StrCat(
          "HTTP/1.1 ", reply.first, " X\r\nContent-Type: text/xml\r\n"
          "Content-Length: ", reply.second.size(),
          "\r\nConnection: close\r\n\r\n", reply.second);
      (void)!write(c, response.data(), response.size());
      close(c);
    }
  }

  Handler handler_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Received> received_;
};

constexpr char kOkReply[] =
    "<ExecutePolicyResponse xmlns=\"http://autoscaling.amazonaws.com/doc/"
    "2011-01-01/\"><ResponseMetadata><RequestId>r</RequestId>"
    "</ResponseMetadata></ExecutePolicyResponse>";

std::string ErrorReply(absl::string_view code, absl::string_view message) {
  return absl::StrCat(
      "<ErrorResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/"
      "\"><Error><Type>Sender</Type><Code>", code, "</Code><Message>", message,
      "</Message></Error><RequestId>r</RequestId></ErrorResponse>");
}

TEST(ExecutePolicyBodyTest, EncodesMembersInTheApisOrder) {
  ExecutePolicyRequest r;
  r.region = "us-east-1";
  r.auto_scaling_group_name = "web asg/1";
  r.policy_name = "scale-out+";
  r.metric_value = 59;
  r.breach_threshold = 50.25;
  EXPECT_EQ(ExecutePolicyBody(r),
            "Action=ExecutePolicy&Version=2011-01-01&PolicyName=scale-out%2B&"
            "AutoScalingGroupName=web%20asg%2F1&MetricValue=59&"
            "BreachThreshold=50.25");
  r.metric_value.reset();
  r.breach_threshold.reset();
  r.honor_cooldown = true;
  EXPECT_EQ(ExecutePolicyBody(r),
            "Action=ExecutePolicy&Version=2011-01-01&PolicyName=scale-out%2B&"
            "AutoScalingGroupName=web%20asg%2F1&HonorCooldown=true");
  r.honor_cooldown.reset();
  r.metric_value = 0.1 + 0.2;  // Shortest round trip: 0.30000000000000004.
  EXPECT_THAT(ExecutePolicyBody(r),
              HasSubstr("&MetricValue=0.30000000000000004"));
}

// The independent check: the same ExecutePolicy signed by the AWS SDK for
// JavaScript v3 (tests/sigv4/sign_execute_policy.mjs, captured in
// testdata). Our body must equal the SDK's byte for byte, and our signer,
// given the SDK's headers, must produce the SDK's Authorization header.
TEST(ExecutePolicyBodyTest, AgreesWithAwsSdkForJavaScript) {
  std::ifstream in("tests/sigv4/testdata/autoscaling_execute_policy_js.json");
  ASSERT_TRUE(in) << "missing capture";
  nlohmann::json capture = nlohmann::json::parse(in);
  ExecutePolicyRequest r;
  r.region = capture["region"];
  r.auto_scaling_group_name = capture["input"]["AutoScalingGroupName"];
  r.policy_name = capture["input"]["PolicyName"];
  r.metric_value = capture["input"]["MetricValue"].get<double>();
  r.breach_threshold = capture["input"]["BreachThreshold"].get<double>();
  EXPECT_EQ(ExecutePolicyBody(r), capture["body"].get<std::string>());

  SigV4Request request;
  request.method = capture["method"];
  request.path = capture["path"];
  std::string sdk_authorization;
  for (auto it = capture["headers"].begin(); it != capture["headers"].end();
       ++it) {
    if (it.key() == "authorization") {
      sdk_authorization = it.value();
    } else {
      request.headers.emplace_back(it.key(), it.value().get<std::string>());
    }
  }
  request.payload = capture["body"];
  absl::Time t;
  std::string err;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full,
                              capture["time"].get<std::string>(), &t, &err));
  AwsCredentials creds{capture["access_key_id"], capture["secret_access_key"],
                       capture["session_token"]};
  absl::StatusOr<SigV4Signature> sig =
      SignSigV4({r.region, capture["service"], t, creds}, &request);
  ASSERT_THAT(sig.status(), IsOk());
  EXPECT_EQ(sig->authorization, sdk_authorization);
}

TEST(ExecutePolicyBodyTest, DefaultEndpointIsRegional) {
  EXPECT_EQ(ResolveAutoScalingEndpoint("eu-west-2", "http://127.0.0.1:9/"),
            "http://127.0.0.1:9");
  if (std::getenv("AWS_ENDPOINT_URL") == nullptr &&
      std::getenv("AWS_ENDPOINT_URL_AUTO_SCALING") == nullptr) {
    EXPECT_EQ(ResolveAutoScalingEndpoint("eu-west-2", ""),
              "https://autoscaling.eu-west-2.amazonaws.com");
    EXPECT_EQ(ResolveAutoScalingEndpoint("cn-north-1", ""),
              "https://autoscaling.cn-north-1.amazonaws.com.cn");
  }
}

TEST(AutoScalingClientTest, SendsASignedExecutePolicyThatTheServerVerifies) {
  LocalServer server([](const Received&) {
    return std::make_pair(200, std::string(kOkReply));
  });
  CurlHttpClient http(absl::Seconds(5));
  AutoScalingClient client(&http, {server.url(), kCredentials});
  ExecutePolicyRequest r;
  r.region = "us-east-1";
  r.auto_scaling_group_name = "web";
  r.policy_name = "scale-out";
  r.metric_value = 59;
  r.breach_threshold = 50;
  ASSERT_THAT(client.ExecutePolicy(r, Now()), IsOk());
  std::vector<Received> got = server.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].path, "/");
  EXPECT_TRUE(got[0].signature_valid) << got[0].Header("Authorization");
  EXPECT_EQ(got[0].credential_scope, "20240112/us-east-1/autoscaling/aws4_request");
  EXPECT_EQ(got[0].Header("X-Amz-Date"), "20240112T164202Z");
  EXPECT_EQ(got[0].Header("Content-Type"), "application/x-www-form-urlencoded");
  std::map<std::string, std::string> want = {
      {"Action", "ExecutePolicy"},   {"Version", "2011-01-01"},
      {"AutoScalingGroupName", "web"}, {"PolicyName", "scale-out"},
      {"MetricValue", "59"},         {"BreachThreshold", "50"}};
  EXPECT_EQ(got[0].form, want);
}

TEST(AutoScalingClientTest, ATamperedBodyFailsTheServersCheck) {
  // The verification is not vacuous: a body changed after signing fails.
  Received r;
  r.method = "POST";
  r.path = "/";
  SigV4Request signed_request{"POST", "/", "",
                              {{"Content-Type", "application/x-www-form-urlencoded"},
                               {"Host", "127.0.0.1:1"}},
                              "Action=ExecutePolicy&MetricValue=59"};
  ASSERT_THAT(SignSigV4({"us-east-1", "autoscaling", Now(), kCredentials},
                        &signed_request)
                  .status(),
              IsOk());
  r.headers = signed_request.headers;
  r.body = signed_request.payload;
  EXPECT_TRUE(VerifySignature(&r));
  r.body = "Action=ExecutePolicy&MetricValue=99";
  EXPECT_FALSE(VerifySignature(&r));
}

struct ErrorCase {
  int http_status;
  const char* code;
  absl::StatusCode expected;
};

class AutoScalingClientErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(AutoScalingClientErrorTest, ClassifiesFailures) {
  const ErrorCase& c = GetParam();
  LocalServer server([&](const Received&) {
    return std::make_pair(c.http_status, ErrorReply(c.code, "the message"));
  });
  CurlHttpClient http(absl::Seconds(5));
  AutoScalingClient client(&http, {server.url(), kCredentials});
  ExecutePolicyRequest r{"us-east-1", "web", "p", std::nullopt, 1, 2};
  EXPECT_THAT(client.ExecutePolicy(r, Now()),
              StatusIs(c.expected,
                       HasSubstr(absl::StrCat("HTTP ", c.http_status, " ",
                                              c.code, ": the message"))));
}

INSTANTIATE_TEST_SUITE_P(
    Http, AutoScalingClientErrorTest,
    ::testing::Values(
        ErrorCase{400, "ValidationError", absl::StatusCode::kInvalidArgument},
        ErrorCase{400, "ScalingActivityInProgress",
                  absl::StatusCode::kFailedPrecondition},
        ErrorCase{400, "Throttling", absl::StatusCode::kUnavailable},
        ErrorCase{403, "InvalidClientTokenId",
                  absl::StatusCode::kPermissionDenied},
        ErrorCase{500, "InternalFailure", absl::StatusCode::kUnavailable}));

TEST(AutoScalingClientTest, NoServerIsUnavailable) {
  std::string url;
  {
    LocalServer gone([](const Received&) { return std::make_pair(200, std::string()); });
    url = gone.url();
  }
  CurlHttpClient http(absl::Seconds(5));
  AutoScalingClient client(&http, {url, kCredentials});
  ExecutePolicyRequest r{"us-east-1", "web", "p", std::nullopt, 1, 2};
  EXPECT_THAT(client.ExecutePolicy(r, Now()),
              StatusIs(absl::StatusCode::kUnavailable));
}

// The sink's real-client path: policies of groups that are not simulated.
TEST(AutoScalingSinkClientTest, StepPolicyGetsAggregatedMetricValue) {
  LocalServer server([](const Received&) {
    return std::make_pair(200, std::string(kOkReply));
  });
  CurlHttpClient http(absl::Seconds(5));
  AutoScalingClient client(&http, {server.url(), kCredentials});
  ScalingPolicy step;
  step.auto_scaling_group_name = "web";
  step.policy_name = "out";
  step.policy_type = PolicyType::kStepScaling;
  step.step_adjustments = {{0, std::nullopt, 1}};
  step.metric_aggregation_type = MetricAggregationType::kMaximum;
  ScalingPolicy simple;
  simple.auto_scaling_group_name = "web";
  simple.policy_name = "add";
  simple.scaling_adjustment = 1;
  AutoScalingSink sink;
  sink.UseClient(&client, {step, simple});

  AlarmSpec spec;
  spec.alarm_name = "cpu-high";
  StateChange change;
  change.alarm = &spec;
  change.new_state = AlarmState::kAlarm;
  change.timestamp = Now();
  change.invoked_at = Now();
  change.metric_values = {72.5, 91.25};
  change.breach_threshold = 70;
  change.action = ScalingPolicyArnFor("eu-west-2", "123456789012", "u", "web",
                                      "out");
  ASSERT_THAT(sink.Execute(change), IsOk());
  change.action = ScalingPolicyArnFor("eu-west-2", "123456789012", "u", "web",
                                      "add");
  ASSERT_THAT(sink.Execute(change), IsOk());
  // Unknown policy: treated as a step policy with the Average.
  change.action = ScalingPolicyArnFor("eu-west-2", "123456789012", "u", "web",
                                      "other");
  ASSERT_THAT(sink.Execute(change), IsOk());

  std::vector<Received> got = server.received();
  ASSERT_EQ(got.size(), 3u);
  for (const Received& r : got) {
    EXPECT_TRUE(r.signature_valid);
    EXPECT_EQ(r.credential_scope, "20240112/eu-west-2/autoscaling/aws4_request");
  }
  EXPECT_EQ(got[0].form.at("MetricValue"), "91.25");
  EXPECT_EQ(got[0].form.at("BreachThreshold"), "70");
  EXPECT_EQ(got[0].form.count("HonorCooldown"), 0u);
  EXPECT_EQ(got[1].form.at("HonorCooldown"), "true");
  EXPECT_EQ(got[1].form.count("MetricValue"), 0u);
  EXPECT_EQ(got[2].form.at("PolicyName"), "other");
  EXPECT_EQ(got[2].form.at("MetricValue"), "81.875");
}

}  // namespace
}  // namespace cwalarm
