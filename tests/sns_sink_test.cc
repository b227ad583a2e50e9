// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// SnsSink end to end with an AlarmEvaluator, a scripted HTTP client and fake
// time: Execute accepts durably and returns; delivery happens separately
// and every attempt becomes an Action history item.

#include "actions/sns_sink.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "actions/outbox.h"
#include "actions/sns_client.h"
#include "alarm/alarm_history.h"
#include "alarm/alarm_spec.h"
#include "alarm/alarm_state.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/sns_fakes.h"

namespace cwalarm {
namespace {

using cwalarm_testing::FakeDeliveryClock;
using cwalarm_testing::FakeHttpClient;
using cwalarm_testing::NewTestDir;

const absl::Time kStart = absl::FromUnixSeconds(1772970120);
constexpr char kTopic[] = "arn:aws:sns:us-east-1:123456789012:alerts";

AlarmSpec CpuSpec() {
  AlarmSpec spec;
  spec.alarm_name = "cpu-high";
  spec.alarm_actions = {kTopic};
  spec.metric = {"AWS/EC2", "CPUUtilization", {{"InstanceId", "i-1"}}};
  spec.statistic = Statistic::kAverage;
  spec.period = absl::Seconds(60);
  spec.evaluation_periods = 1;
  spec.threshold = 50;
  return spec;
}

StateChange Change(const AlarmSpec* spec, AlarmState from, AlarmState to,
                   int minute) {
  StateChange c;
  c.alarm = spec;
  c.alarm_arn = AlarmArn("us-east-1", "123456789012", spec->alarm_name);
  c.region = "us-east-1";
  c.account_id = "123456789012";
  c.alarm_configuration_updated = kStart;
  c.old_state = from;
  c.new_state = to;
  c.new_reason = "reason";
  c.timestamp = kStart + absl::Minutes(minute);
  c.action = kTopic;
  return c;
}

class SnsSinkTest : public testing::Test {
 protected:
  void SetUp() override {
    path_ = NewTestDir() + "/sns.outbox";
    Open(10);
  }
  void Open(size_t max_pending) {
    sink_.reset();
    outbox_.reset();
    OutboxOptions o;
    o.max_pending = max_pending;
    outbox_ = std::move(*Outbox::Open(path_, o));
    sink_ = std::make_unique<SnsSink>(outbox_.get(), &sns_, &clock_);
  }

  std::string path_;
  FakeHttpClient http_;
  FakeDeliveryClock clock_{kStart};
  SnsClient sns_{&http_, {"http://127.0.0.1:1", {"AKID", "secret", ""}}};
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<SnsSink> sink_;
  AlarmSpec spec_ = CpuSpec();
};

TEST_F(SnsSinkTest, ExecuteAcceptsDurablyWithoutSending) {
  EXPECT_TRUE(
      sink_->Execute(Change(&spec_, AlarmState::kOk, AlarmState::kAlarm, 0))
          .ok());
  EXPECT_TRUE(http_.requests().empty());  // Never on the evaluation path.
  EXPECT_EQ(outbox_->pending_count(), 1u);
}

TEST_F(SnsSinkTest, EveryAttemptBecomesAnActionHistoryItem) {
  http_.Push(FakeHttpClient::Error(500, "InternalError"));
  ASSERT_TRUE(
      sink_->Execute(Change(&spec_, AlarmState::kOk, AlarmState::kAlarm, 0))
          .ok());
  ASSERT_TRUE(sink_->Drain(kStart + absl::Minutes(1)).ok());
  std::vector<AlarmHistoryItem> items = sink_->TakeDeliveryHistory();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].type, HistoryItemType::kAction);
  EXPECT_EQ(items[0].alarm_name, "cpu-high");
  EXPECT_THAT(items[0].summary, testing::HasSubstr("Failed"));
  EXPECT_THAT(items[0].summary, testing::HasSubstr(kTopic));
  // spec 4.7: "Successfully executed action {ARN}".
  EXPECT_EQ(items[1].summary,
            std::string("Successfully executed action ") + kTopic);
  EXPECT_EQ(items[1].timestamp, kStart);  // The transition's second.
  EXPECT_TRUE(sink_->TakeDeliveryHistory().empty());
}

TEST_F(SnsSinkTest, FullOutboxReturnsResourceExhausted) {
  Open(1);
  ASSERT_TRUE(
      sink_->Execute(Change(&spec_, AlarmState::kOk, AlarmState::kAlarm, 0))
          .ok());
  absl::Status s =
      sink_->Execute(Change(&spec_, AlarmState::kAlarm, AlarmState::kOk, 1));
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(s.message(), testing::HasSubstr("not accepted"));
}

TEST_F(SnsSinkTest, NonSnsActionIsInvalidArgument) {
  StateChange c = Change(&spec_, AlarmState::kOk, AlarmState::kAlarm, 0);
  c.action = "arn:aws:automate:us-east-1:ec2:stop";
  absl::Status s = sink_->Execute(c);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), testing::HasSubstr("not an SNS topic ARN"));
}

TEST_F(SnsSinkTest, DroppedSinkLosesNothingAndNewSinkDeliversInOrder) {
  ASSERT_TRUE(
      sink_->Execute(Change(&spec_, AlarmState::kOk, AlarmState::kAlarm, 0))
          .ok());
  ASSERT_TRUE(
      sink_->Execute(Change(&spec_, AlarmState::kAlarm, AlarmState::kOk, 1))
          .ok());
  Open(10);  // Crash before any delivery: drop sink and outbox, reopen.
  ASSERT_TRUE(sink_->Drain(kStart + absl::Minutes(1)).ok());
  ASSERT_EQ(http_.requests().size(), 2u);
  EXPECT_THAT(http_.requests()[0].body,
              testing::HasSubstr("NewStateValue%22%3A%22ALARM"));
  EXPECT_THAT(http_.requests()[1].body,
              testing::HasSubstr("NewStateValue%22%3A%22OK"));
}

TEST_F(SnsSinkTest, BackgroundWorkerDeliversAndStops) {
  // The worker with the fake clock: WaitUntil(InfiniteFuture) returns at
  // once, so the worker polls; Drain stops it and finishes on this thread.
  sink_->Start();
  ASSERT_TRUE(
      sink_->Execute(Change(&spec_, AlarmState::kOk, AlarmState::kAlarm, 0))
          .ok());
  ASSERT_TRUE(sink_->Drain(kStart + absl::Minutes(1)).ok());
  EXPECT_EQ(http_.requests().size(), 1u);
  EXPECT_EQ(outbox_->pending_count(), 0u);
}

}  // namespace
}  // namespace cwalarm
