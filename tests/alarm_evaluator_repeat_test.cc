// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The spec 4.2 exception: Auto Scaling policy ARNs are invoked again once per
// minute while the alarm stays in the state whose list names them; other
// ARNs run once per transition. Pins StateChange::repeated, invoked_at,
// metric_values and breach_threshold, and the Action history items of
// re-invocations.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "alarm/action_sink.h"
#include "alarm/alarm_evaluator.h"
#include "alarm/alarm_history.h"
#include "alarm/alarm_spec.h"
#include "alarm/alarm_state.h"
#include "alarm/threshold.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/datapoint.h"
#include "metrics/metric_store.h"
#include "metrics/statistic.h"
#include "tests/testing/status_matchers.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::IsOk;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kSnsArn[] = "arn:aws:sns:us-east-1:123456789012:alarm-topic";
constexpr char kPolicyArn[] =
    "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:"
    "2a2a2a2a-0000-4000-8000-000000000000:autoScalingGroupName/web:"
    "policyName/scale-out";

absl::Time Utc(int h, int mi, int s) {
  return absl::FromCivil(absl::CivilSecond(2024, 1, 2, h, mi, s),
                         absl::UTCTimeZone());
}

MetricId Cpu() { return {"AWS/EC2", "CPUUtilization", {{"AutoScalingGroupName", "web"}}}; }

// Keeps copies of every call, including the Auto Scaling fields.
class CapturingSink : public ActionSink {
 public:
  struct Call {
    std::string action;
    bool repeated;
    absl::Time timestamp;
    absl::Time invoked_at;
    std::vector<double> metric_values;
    std::optional<double> breach_threshold;
    AlarmState new_state;
  };
  absl::Status Execute(const StateChange& change) override {
    calls.push_back({change.action, change.repeated, change.timestamp,
                     change.invoked_at, change.metric_values,
                     change.breach_threshold, change.new_state});
    return fail;
  }
  std::vector<Call> calls;
  absl::Status fail;
};

// CPU > 50 over 2 x 1 minute; ALARM runs an SNS topic and a scaling policy.
AlarmSpec ScaleOutSpec(bool high_resolution = false) {
  AlarmSpec spec;
  spec.alarm_name = "cpu-high";
  spec.metric = Cpu();
  spec.statistic = Statistic::kAverage;
  spec.period = high_resolution ? absl::Seconds(10) : absl::Minutes(1);
  spec.evaluation_periods = 2;
  spec.threshold = 50;
  spec.comparison_operator = ComparisonOperator::kGreaterThanThreshold;
  spec.alarm_actions = {kSnsArn, kPolicyArn};
  return spec;
}

class RepeatTest : public ::testing::Test {
 protected:
  void Put(absl::Time t, double value, int storage_resolution = 60) {
    MetricDatum d;
    d.metric = Cpu();
    d.storage_resolution = storage_resolution;
    d.timestamp = t;
    d.value = value;
    ASSERT_THAT(store_.Put(d, "test"), IsOk());
  }
  MetricStore store_;
  CapturingSink sink_;
  AlarmEvaluator evaluator_{&store_, &sink_};
};

TEST(IsAutoScalingPolicyArnTest, RecognisesPolicyArnsOnly) {
  EXPECT_TRUE(IsAutoScalingPolicyArn(kPolicyArn));
  EXPECT_TRUE(IsAutoScalingPolicyArn(
      "arn:aws-cn:autoscaling:cn-north-1:123456789012:scalingPolicy:u:"
      "resource/dynamodb/table/t:policyName/p"));
  EXPECT_FALSE(IsAutoScalingPolicyArn(kSnsArn));
  EXPECT_FALSE(IsAutoScalingPolicyArn("arn:aws:automate:us-east-1:ec2:stop"));
  EXPECT_FALSE(IsAutoScalingPolicyArn(
      "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:u:"
      "autoScalingGroupName/web"));
  EXPECT_FALSE(IsAutoScalingPolicyArn("autoscaling:scalingPolicy:"));
}

TEST_F(RepeatTest, ReinvokesOnlyTheScalingPolicyEveryMinuteWhileInAlarm) {
  ASSERT_THAT(evaluator_.PutMetricAlarm(ScaleOutSpec(), Utc(12, 0, 0)), IsOk());
  for (int m = 0; m < 6; ++m) Put(Utc(12, m, 5), 60 + m);
  // Back under the threshold from 12:06.
  for (int m = 6; m < 9; ++m) Put(Utc(12, m, 5), 10);
  for (int m = 1; m <= 9; ++m) evaluator_.Evaluate(Utc(12, m, 0));

  // 12:02 evaluates [12:00, 12:02): ALARM, both ARNs. 12:03 .. 12:06 keep
  // ALARM: the policy again each minute. 12:07 evaluates [12:05, 12:07)
  // (65 and 10): OK, whose list is empty.
  ASSERT_EQ(sink_.calls.size(), 2u + 4u);
  EXPECT_EQ(sink_.calls[0].action, kSnsArn);
  EXPECT_FALSE(sink_.calls[0].repeated);
  EXPECT_EQ(sink_.calls[1].action, kPolicyArn);
  EXPECT_FALSE(sink_.calls[1].repeated);
  EXPECT_EQ(sink_.calls[1].invoked_at, Utc(12, 2, 0));
  EXPECT_THAT(sink_.calls[1].metric_values, ElementsAre(61, 60));
  EXPECT_EQ(sink_.calls[1].breach_threshold, 50);
  for (int i = 2; i < 6; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(sink_.calls[i].action, kPolicyArn);
    EXPECT_TRUE(sink_.calls[i].repeated);
    EXPECT_EQ(sink_.calls[i].new_state, AlarmState::kAlarm);
    EXPECT_EQ(sink_.calls[i].timestamp, Utc(12, 2, 0));  // The transition.
    EXPECT_EQ(sink_.calls[i].invoked_at, Utc(12, i + 1, 0));
  }
  // Newest first: the evaluation at 12:06 saw 12:05 (65) and 12:04 (64).
  EXPECT_THAT(sink_.calls[5].metric_values, ElementsAre(65, 64));
}

TEST_F(RepeatTest, ReinvocationsWriteActionHistoryItemsDatedWhenTheyRan) {
  ASSERT_THAT(evaluator_.PutMetricAlarm(ScaleOutSpec(), Utc(12, 0, 0)), IsOk());
  for (int m = 0; m < 4; ++m) Put(Utc(12, m, 5), 90);
  sink_.fail = absl::FailedPreconditionError(
      "No step adjustment found for metric value [90.0, 90.0] and breach "
      "threshold 50.0");
  evaluator_.Evaluate(Utc(12, 2, 0));
  evaluator_.TakeHistory();
  EvaluationReport report = evaluator_.Evaluate(Utc(12, 3, 0));
  EXPECT_EQ(report.transitions, 0);
  EXPECT_EQ(report.actions, 1);
  EXPECT_EQ(report.repeated_actions, 1);
  ASSERT_EQ(report.action_errors.size(), 1u);
  std::vector<AlarmHistoryItem> items = evaluator_.TakeHistory();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].type, HistoryItemType::kAction);
  EXPECT_EQ(items[0].timestamp, Utc(12, 3, 0));
  EXPECT_THAT(items[0].summary, HasSubstr("No step adjustment found"));
  // The failure keeps the state (spec 4.2, STYLE 4).
  EXPECT_EQ(evaluator_.FindStatus("cpu-high")->state, AlarmState::kAlarm);
}

TEST_F(RepeatTest, DoesNotReinvokeWhenActionsAreDisabled) {
  AlarmSpec spec = ScaleOutSpec();
  spec.actions_enabled = false;
  ASSERT_THAT(evaluator_.PutMetricAlarm(spec, Utc(12, 0, 0)), IsOk());
  for (int m = 0; m < 6; ++m) Put(Utc(12, m, 5), 90);
  for (int m = 1; m <= 6; ++m) evaluator_.Evaluate(Utc(12, m, 0));
  EXPECT_TRUE(sink_.calls.empty());
}

TEST_F(RepeatTest, DoesNotReinvokeOtherStatesLists) {
  // The policy is in OKActions; the alarm stays in ALARM: no re-invocation.
  AlarmSpec spec = ScaleOutSpec();
  spec.alarm_actions = {kSnsArn};
  spec.ok_actions = {kPolicyArn};
  ASSERT_THAT(evaluator_.PutMetricAlarm(spec, Utc(12, 0, 0)), IsOk());
  for (int m = 0; m < 6; ++m) Put(Utc(12, m, 5), 90);
  for (int m = 1; m <= 6; ++m) evaluator_.Evaluate(Utc(12, m, 0));
  // 12:01: INSUFFICIENT_DATA -> OK runs the policy once (a transition);
  // 12:02: OK -> ALARM runs the topic; 12:03 .. 12:06 run nothing.
  ASSERT_EQ(sink_.calls.size(), 2u);
  EXPECT_EQ(sink_.calls[0].action, kPolicyArn);
  EXPECT_EQ(sink_.calls[0].new_state, AlarmState::kOk);
  EXPECT_EQ(sink_.calls[1].action, kSnsArn);
  EXPECT_EQ(sink_.calls[1].new_state, AlarmState::kAlarm);
}

TEST_F(RepeatTest, HighResolutionAlarmIsReinvokedOncePerMinuteNotPerEvaluation) {
  ASSERT_THAT(evaluator_.PutMetricAlarm(ScaleOutSpec(true), Utc(12, 0, 0)),
              IsOk());
  for (int s = 0; s < 200; s += 10) Put(Utc(12, 0, 0) + absl::Seconds(s + 1), 90, 1);
  for (int s = 10; s <= 200; s += 10) {
    evaluator_.Evaluate(Utc(12, 0, 0) + absl::Seconds(s));
  }
  // ALARM at 12:00:20 (transition), then the minutes 12:01, 12:02, 12:03.
  std::vector<absl::Time> policy_calls;
  for (const auto& c : sink_.calls) {
    if (c.action == kPolicyArn) policy_calls.push_back(c.invoked_at);
  }
  EXPECT_THAT(policy_calls, ElementsAre(Utc(12, 0, 20), Utc(12, 1, 0),
                                        Utc(12, 2, 0), Utc(12, 3, 0)));
}

TEST_F(RepeatTest, SetAlarmStateCallsCarryNoMetricValues) {
  ASSERT_THAT(evaluator_.PutMetricAlarm(ScaleOutSpec(), Utc(12, 0, 0)), IsOk());
  ASSERT_THAT(evaluator_.SetAlarmState("cpu-high", AlarmState::kAlarm, "test",
                                       "{}", Utc(12, 0, 30)),
              IsOk());
  ASSERT_EQ(sink_.calls.size(), 2u);
  EXPECT_TRUE(sink_.calls[1].metric_values.empty());
  EXPECT_FALSE(sink_.calls[1].repeated);
}

}  // namespace
}  // namespace cwalarm
