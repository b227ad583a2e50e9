// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Delivery fault tests with a scripted HTTP client and fake time: retries
// on 5xx, throttling and connection errors; no retry on other 4xx; bounds;
// per-alarm order; a crash loses nothing.

#include "actions/delivery.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "actions/outbox.h"
#include "actions/sns_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/sns_fakes.h"

namespace cwalarm {
namespace {

using cwalarm_testing::FakeDeliveryClock;
using cwalarm_testing::FakeHttpClient;
using cwalarm_testing::NewTestDir;

const absl::Time kStart = absl::FromUnixSeconds(1772970120);

SnsPublish Publish(const std::string& alarm, int second) {
  SnsPublish p;
  p.alarm_name = alarm;
  p.alarm_arn =
      absl::StrCat("arn:aws:cloudwatch:us-east-1:123456789012:alarm:", alarm);
  p.topic_arn = "arn:aws:sns:us-east-1:123456789012:t";
  p.region = "us-east-1";
  p.state_change_time = kStart + absl::Seconds(second);
  p.subject = absl::StrCat("ALARM: \"", alarm, "\" in US East (N. Virginia)");
  p.message =
      absl::StrCat("{\"AlarmName\":\"", alarm, "\",\"n\":", second, "}");
  p.idempotency_key = IdempotencyKey(p.alarm_arn, p.state_change_time);
  return p;
}

RetryPolicy Policy() {
  RetryPolicy p;
  p.max_attempts = 4;
  p.max_total_time = absl::Minutes(5);
  p.initial_backoff = absl::Seconds(1);
  p.max_backoff = absl::Seconds(8);
  p.jitter_seed = 7;
  return p;
}

class DeliveryTest : public testing::Test {
 protected:
  void SetUp() override {
    path_ = NewTestDir() + "/sns.outbox";
    Reopen();
  }
  void Reopen() {
    delivery_.reset();
    outbox_.reset();
    absl::StatusOr<std::unique_ptr<Outbox>> box = Outbox::Open(path_);
    ASSERT_TRUE(box.ok()) << box.status();
    outbox_ = std::move(*box);
    delivery_ = std::make_unique<Delivery>(
        outbox_.get(), &sns_, &clock_, Policy(),
        [this](const DeliveryAttempt& a) { attempts_.push_back(a); });
  }
  // Form-decoded Message parameter of request `i`.
  std::string SentBody(size_t i) { return http_.requests().at(i).body; }

  std::string path_;
  FakeHttpClient http_;
  FakeDeliveryClock clock_{kStart};
  SnsClient sns_{&http_, {"http://127.0.0.1:1", {"AKIDEXAMPLE", "secret", ""}}};
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<Delivery> delivery_;
  std::vector<DeliveryAttempt> attempts_;
};

TEST_F(DeliveryTest, ServerErrorThenSuccessIsRetriedAfterBackoff) {
  http_.Push(FakeHttpClient::Error(500, "InternalError"));
  ASSERT_TRUE(outbox_->Append(Publish("a", 0)).ok());

  absl::Time next = delivery_->RunOnce();
  ASSERT_EQ(attempts_.size(), 1u);
  EXPECT_EQ(attempts_[0].status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(attempts_[0].status.message(),
              testing::HasSubstr("attempt 1: retrying at"));
  EXPECT_THAT(attempts_[0].status.message(),
              testing::HasSubstr("HTTP 500 InternalError"));
  EXPECT_FALSE(attempts_[0].final);
  // Equal jitter: the first backoff lies in [0.5 s, 1 s].
  EXPECT_GE(next - kStart, absl::Milliseconds(500));
  EXPECT_LE(next - kStart, absl::Seconds(1));

  // Not due yet: nothing is sent.
  EXPECT_EQ(delivery_->RunOnce(), next);
  EXPECT_EQ(http_.requests().size(), 1u);

  clock_.WaitUntil(next);
  EXPECT_EQ(delivery_->RunOnce(), absl::InfiniteFuture());
  ASSERT_EQ(attempts_.size(), 2u);
  EXPECT_TRUE(attempts_[1].status.ok());
  EXPECT_TRUE(attempts_[1].final);
  EXPECT_EQ(attempts_[1].message_id, "msg-2");
  EXPECT_EQ(outbox_->pending_count(), 0u);
  // Both attempts sent the same bytes.
  EXPECT_EQ(SentBody(0), SentBody(1));
}

TEST_F(DeliveryTest, ThrottlingThenSuccessIsRetried) {
  http_.Push(FakeHttpClient::Error(400, "Throttling"));
  http_.Push(FakeHttpClient::Error(429, "TooManyRequestsException"));
  ASSERT_TRUE(outbox_->Append(Publish("a", 0)).ok());
  ASSERT_TRUE(delivery_->RunUntilIdle(kStart + absl::Minutes(1)).ok());
  ASSERT_EQ(attempts_.size(), 3u);
  EXPECT_THAT(attempts_[0].status.message(),
              testing::HasSubstr("HTTP 400 Throttling"));
  EXPECT_THAT(attempts_[1].status.message(), testing::HasSubstr("HTTP 429"));
  EXPECT_TRUE(attempts_[2].status.ok());
}

TEST_F(DeliveryTest, ConnectionErrorIsRetried) {
  http_.Push(absl::UnavailableError("Couldn't connect to server"));
  ASSERT_TRUE(outbox_->Append(Publish("a", 0)).ok());
  ASSERT_TRUE(delivery_->RunUntilIdle(kStart + absl::Minutes(1)).ok());
  ASSERT_EQ(attempts_.size(), 2u);
  EXPECT_THAT(attempts_[0].status.message(),
              testing::HasSubstr("Couldn't connect"));
}

TEST_F(DeliveryTest, ClientErrorIsNotRetried) {
  http_.Push(FakeHttpClient::Error(400, "InvalidParameter"));
  ASSERT_TRUE(outbox_->Append(Publish("a", 0)).ok());
  EXPECT_EQ(delivery_->RunOnce(), absl::InfiniteFuture());
  ASSERT_EQ(attempts_.size(), 1u);
  EXPECT_TRUE(attempts_[0].final);
  EXPECT_EQ(attempts_[0].status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(attempts_[0].status.message(),
              testing::HasSubstr("attempt 1: not retried: "));
  EXPECT_EQ(http_.requests().size(), 1u);
  EXPECT_EQ(outbox_->pending_count(), 0u);  // Abandoned, recorded as done.
}

TEST_F(DeliveryTest, GivesUpAfterMaxAttempts) {
  for (int i = 0; i < 10; ++i)
    http_.Push(FakeHttpClient::Error(503, "Unavailable"));
  ASSERT_TRUE(outbox_->Append(Publish("a", 0)).ok());
  ASSERT_TRUE(delivery_->RunUntilIdle(kStart + absl::Hours(1)).ok());
  ASSERT_EQ(attempts_.size(), 4u);  // max_attempts.
  EXPECT_TRUE(attempts_[3].final);
  EXPECT_THAT(attempts_[3].status.message(),
              testing::HasSubstr("gave up (max_attempts 4 reached)"));
}

// docs/errors.md DeliveryDeadline: the deadline of RunUntilIdle passes on
// the injected clock (no sleeping) while SNS keeps failing with a retryable
// error: kDeadlineExceeded names the outbox and the count still pending,
// and the records stay pending for a later run.
TEST_F(DeliveryTest, DeadlineWithWorkPendingIsDeadlineExceeded) {
  for (int i = 0; i < 20; ++i) {
    http_.Push(FakeHttpClient::Error(503, "Unavailable"));
  }
  ASSERT_TRUE(outbox_->Append(Publish("a", 0)).ok());
  ASSERT_TRUE(outbox_->Append(Publish("b", 1)).ok());
  const absl::Time deadline = kStart + absl::Seconds(3);
  absl::Status s = delivery_->RunUntilIdle(deadline);
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  EXPECT_EQ(s.message(),
            absl::StrCat("outbox ", path_,
                         ": 2 notifications still pending at the deadline"));
  EXPECT_EQ(clock_.Now(), deadline);  // It waited on the clock, up to it.
  EXPECT_EQ(outbox_->pending_count(), 2u);
  EXPECT_FALSE(attempts_.empty());
  for (const DeliveryAttempt& a : attempts_) EXPECT_FALSE(a.final);
}

TEST_F(DeliveryTest, BackoffGrowsExponentiallyWithinJitterBounds) {
  // attempt k waits in [d/2, d] with d = min(8 s, 1 s * 2^(k-1)).
  const double caps[] = {1, 2, 4, 8, 8, 8};
  for (int k = 1; k <= 6; ++k) {
    absl::Duration b = delivery_->Backoff(k);
    EXPECT_GE(b, absl::Seconds(caps[k - 1] / 2)) << k;
    EXPECT_LE(b, absl::Seconds(caps[k - 1])) << k;
  }
}

TEST_F(DeliveryTest, PerAlarmOrderIsKeptWhileOtherAlarmsProceed) {
  http_.Push(FakeHttpClient::Error(500, "InternalError"));  // a#0 fails.
  ASSERT_TRUE(outbox_->Append(Publish("a", 0)).ok());
  ASSERT_TRUE(outbox_->Append(Publish("a", 60)).ok());
  ASSERT_TRUE(outbox_->Append(Publish("b", 30)).ok());
  delivery_->RunOnce();
  // a#0 failed and blocks a#60; b proceeds.
  ASSERT_EQ(http_.requests().size(), 2u);
  EXPECT_THAT(SentBody(1), testing::HasSubstr("%22b%22"));
  ASSERT_TRUE(delivery_->RunUntilIdle(kStart + absl::Minutes(1)).ok());
  ASSERT_EQ(http_.requests().size(), 4u);
  EXPECT_THAT(SentBody(2), testing::HasSubstr("%22n%22%3A0%7D"));
  EXPECT_THAT(SentBody(3), testing::HasSubstr("%22n%22%3A60%7D"));
}

TEST_F(DeliveryTest, CrashLosesNothingAndRedeliversWithSameKey) {
  http_.Push(absl::UnavailableError("connection refused"));  // Endpoint down.
  ASSERT_TRUE(outbox_->Append(Publish("a", 0)).ok());
  ASSERT_TRUE(outbox_->Append(Publish("a", 60)).ok());
  delivery_->RunOnce();
  ASSERT_EQ(attempts_.size(), 1u);
  const std::string key = attempts_[0].publish.idempotency_key;

  Reopen();  // Crash: drop everything in memory, reopen the file.
  ASSERT_EQ(outbox_->pending_count(), 2u);
  ASSERT_TRUE(delivery_->RunUntilIdle(kStart + absl::Minutes(1)).ok());
  ASSERT_EQ(attempts_.size(), 3u);
  EXPECT_EQ(attempts_[1].publish.idempotency_key, key);
  EXPECT_EQ(attempts_[1].attempt, 1);  // Fresh retry budget.
  EXPECT_TRUE(attempts_[1].status.ok());
  EXPECT_EQ(SentBody(0), SentBody(1));  // Same Message, same bytes.
  EXPECT_THAT(SentBody(2), testing::HasSubstr("%22n%22%3A60%7D"));
  Reopen();
  EXPECT_EQ(outbox_->pending_count(), 0u);
}

TEST_F(DeliveryTest, RequestsAreSignedForTheTopicRegion) {
  ASSERT_TRUE(outbox_->Append(Publish("a", 0)).ok());
  delivery_->RunOnce();
  ASSERT_EQ(http_.requests().size(), 1u);
  const HttpRequest r = http_.requests()[0];
  EXPECT_EQ(r.url, "http://127.0.0.1:1/");
  std::string auth;
  for (const auto& [k, v] : r.headers) {
    if (k == "Authorization") auth = v;
  }
  EXPECT_THAT(auth,
              testing::StartsWith(
                  "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260308/"
                  "us-east-1/sns/aws4_request, SignedHeaders=content-type;"
                  "host;x-amz-date, Signature="));
}

}  // namespace
}  // namespace cwalarm
