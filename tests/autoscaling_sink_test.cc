// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// AutoScalingSink end to end: MetricStore -> AlarmEvaluator (re-invocation
// every minute, spec 4.2) -> AutoScalingSink -> ScalingGroup (spec 6.6);
// ARN parsing (spec 6.1), routing of other ARNs, failure texts in the
// alarm history, and SetAlarmState's reason data (spec 4.3).

#include "actions/autoscaling_sink.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "actions/recording_sink.h"
#include "actions/scaling_group.h"
#include "actions/scaling_policy.h"
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
using ::cwalarm_testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kSnsArn[] = "arn:aws:sns:us-east-1:123456789012:ops";
constexpr std::optional<double> kNull = std::nullopt;

absl::Time Utc(int h, int mi) {
  return absl::FromCivil(absl::CivilSecond(2024, 1, 12, h, mi, 0),
                         absl::UTCTimeZone());
}

std::string PolicyArn(const char* group, const char* policy) {
  return ScalingPolicyArnFor("us-east-1", "123456789012",
                             "11111111-2222-4333-8444-555555555555", group,
                             policy);
}

MetricId Cpu() {
  return {"AWS/EC2", "CPUUtilization", {{"AutoScalingGroupName", "web"}}};
}

// CPU > 60 over 1 x 1 minute: scale out with steps +1 [0,20), +2 [20,inf).
AlarmSpec HighCpu() {
  AlarmSpec spec;
  spec.alarm_name = "cpu-high";
  spec.metric = Cpu();
  spec.statistic = Statistic::kAverage;
  spec.period = absl::Minutes(1);
  spec.evaluation_periods = 1;
  spec.threshold = 60;
  spec.comparison_operator = ComparisonOperator::kGreaterThanThreshold;
  spec.alarm_actions = {kSnsArn, PolicyArn("web", "out")};
  return spec;
}

ScalingPolicy StepOut() {
  ScalingPolicy p;
  p.auto_scaling_group_name = "web";
  p.policy_name = "out";
  p.policy_type = PolicyType::kStepScaling;
  p.adjustment_type = AdjustmentType::kChangeInCapacity;
  p.step_adjustments = {{0, 20, 1}, {20, kNull, 2}};
  p.estimated_instance_warmup = absl::Minutes(3);
  return p;
}

TEST(ParseScalingPolicyArnTest, SplitsEc2AutoScalingPolicyArns) {
  absl::StatusOr<ScalingPolicyArn> a = ParseScalingPolicyArn(
      "arn:aws:autoscaling:eu-west-2:123456789012:scalingPolicy:"
      "c5a7d1e0-0000-4000-8000-000000000000:autoScalingGroupName/web-asg:"
      "policyName/ScaleOutLondon");
  ASSERT_THAT(a.status(), IsOk());
  EXPECT_EQ(a->partition, "aws");
  EXPECT_EQ(a->region, "eu-west-2");
  EXPECT_EQ(a->account_id, "123456789012");
  EXPECT_EQ(a->policy_id, "c5a7d1e0-0000-4000-8000-000000000000");
  EXPECT_EQ(a->auto_scaling_group_name, "web-asg");
  EXPECT_EQ(a->policy_name, "ScaleOutLondon");
  EXPECT_EQ(ScalingPolicyArnFor(a->region, a->account_id, a->policy_id,
                                a->auto_scaling_group_name, a->policy_name),
            "arn:aws:autoscaling:eu-west-2:123456789012:scalingPolicy:"
            "c5a7d1e0-0000-4000-8000-000000000000:autoScalingGroupName/"
            "web-asg:policyName/ScaleOutLondon");
}

TEST(ParseScalingPolicyArnTest, RejectsOtherShapes) {
  EXPECT_THAT(ParseScalingPolicyArn(kSnsArn).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not an Auto Scaling policy ARN")));
  EXPECT_THAT(
      ParseScalingPolicyArn("arn:aws:autoscaling:us-east-1:123456789012:"
                            "scalingPolicy:u:resource/dynamodb/table/t:"
                            "policyName/p:createdBy/u")
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("Application Auto Scaling policies are not simulated")));
  EXPECT_THAT(ParseScalingPolicyArn("arn:aws:autoscaling:us-east-1:1:"
                                    "scalingPolicy:u:autoScalingGroupName/g")
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("malformed EC2 Auto Scaling policy ARN")));
}

class AutoScalingSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ScalingGroupConfig c;
    c.name = "web";
    c.min_size = 1;
    c.max_size = 10;
    c.desired_capacity = 2;
    c.instance_launch_time = absl::Minutes(1);
    absl::StatusOr<ScalingGroup> g = ScalingGroup::Create(c, Utc(16, 0));
    ASSERT_THAT(g.status(), IsOk());
    group_.emplace(*std::move(g));
    ASSERT_THAT(group_->AddPolicy(StepOut()), IsOk());
    sink_.AddGroup(&*group_);
  }
  void Put(absl::Time t, double value) {
    MetricDatum d;
    d.metric = Cpu();
    d.timestamp = t;
    d.value = value;
    ASSERT_THAT(store_.Put(d, "test"), IsOk());
  }
  std::vector<AlarmHistoryItem> Actions() {
    std::vector<AlarmHistoryItem> out;
    for (const AlarmHistoryItem& i : evaluator_.history()) {
      if (i.type == HistoryItemType::kAction) out.push_back(i);
    }
    return out;
  }

  std::optional<ScalingGroup> group_;
  RecordingSink others_;
  AutoScalingSink sink_{&others_};
  MetricStore store_;
  AlarmEvaluator evaluator_{&store_, &sink_};
};

TEST_F(AutoScalingSinkTest, ScalesOutOnTheTransitionAndEveryMinuteAfterWarmUp) {
  ASSERT_THAT(evaluator_.PutMetricAlarm(HighCpu(), Utc(16, 0)), IsOk());
  // 16:00-16:09 at 70 (step +1), 16:10-16:11 at 85 (step +2), then 30.
  for (int m = 0; m < 10; ++m) Put(Utc(16, m) + absl::Seconds(5), 70);
  for (int m = 10; m < 12; ++m) Put(Utc(16, m) + absl::Seconds(5), 85);
  for (int m = 12; m < 20; ++m) Put(Utc(16, m) + absl::Seconds(5), 30);
  for (int m = 1; m <= 20; ++m) evaluator_.Evaluate(Utc(16, m));

  // ALARM at 16:01 (one SNS call, via the fallback, once); the policy runs
  // at 16:01 and every minute until 16:12 (OK at 16:13). Warm-up 3 min:
  // +1 at 16:01, 16:04, 16:07, 16:10; at 16:11 the +2 step on 6 - 1
  // warming = 5 gives 7 (one more); at 16:12 +2 on 7 - 2 warming = 7: no
  // change.
  ASSERT_EQ(others_.actions().size(), 1u);
  EXPECT_EQ(others_.actions()[0].action, kSnsArn);
  std::vector<absl::Time> starts;
  std::vector<int> to;
  for (const ScalingActivity& a : group_->activities()) {
    starts.push_back(a.start_time);
    to.push_back(a.to_capacity);
  }
  EXPECT_THAT(starts, ElementsAre(Utc(16, 1), Utc(16, 4), Utc(16, 7),
                                  Utc(16, 10), Utc(16, 11)));
  EXPECT_THAT(to, ElementsAre(3, 4, 5, 6, 7));
  EXPECT_EQ(group_->activities()[0].cause,
            "At 2024-01-12T16:01:00Z a monitor alarm cpu-high in state ALARM "
            "triggered policy out changing the desired capacity from 2 to 3.");
  EXPECT_EQ(group_->executions().size(), 12u);  // 16:01 .. 16:12.
  // One Action item per call: the transition's two, then 11 re-invocations.
  EXPECT_EQ(Actions().size(), 2u + 11u);
}

TEST_F(AutoScalingSinkTest, NoMatchingStepIsAFailedActionWithCloudWatchsText) {
  AlarmSpec spec = HighCpu();
  spec.evaluation_periods = 2;
  ScalingPolicy narrow = StepOut();
  narrow.policy_name = "narrow";
  narrow.step_adjustments = {{0, 5, 1}, {5, 10, 2}, {10, kNull, 3}};
  ASSERT_THAT(group_->AddPolicy(narrow), IsOk());
  // LessThanThreshold alarm whose policy only has steps above: no step.
  spec.comparison_operator = ComparisonOperator::kLessThanThreshold;
  spec.alarm_actions = {PolicyArn("web", "narrow")};
  ASSERT_THAT(evaluator_.PutMetricAlarm(spec, Utc(16, 0)), IsOk());
  Put(Utc(16, 0) + absl::Seconds(5), 0.14282611394791225);
  Put(Utc(16, 1) + absl::Seconds(5), 0.14367561052112202);
  evaluator_.Evaluate(Utc(16, 2));
  std::vector<AlarmHistoryItem> items = Actions();
  ASSERT_EQ(items.size(), 1u);
  // The summary is cut at 255 characters (spec 4.7); HistoryData keeps the
  // whole error.
  EXPECT_THAT(items[0].summary,
              HasSubstr("Failed to execute action " + PolicyArn("web", "narrow") +
                        ". Received error: \"No step adjustment found"));
  EXPECT_THAT(items[0].data,
              HasSubstr("\"error\":\"No step adjustment found for metric "
                        "value [0.14367561052112202, 0.14282611394791225] and "
                        "breach threshold 60.0\""));
  EXPECT_EQ(evaluator_.FindStatus("cpu-high")->state, AlarmState::kAlarm);
}

TEST_F(AutoScalingSinkTest, UnknownGroupOrPolicyFails) {
  AlarmSpec spec = HighCpu();
  spec.alarm_actions = {PolicyArn("db", "out"), PolicyArn("web", "gone")};
  ASSERT_THAT(evaluator_.PutMetricAlarm(spec, Utc(16, 0)), IsOk());
  Put(Utc(16, 0) + absl::Seconds(5), 90);
  EvaluationReport r = evaluator_.Evaluate(Utc(16, 1));
  ASSERT_EQ(r.action_errors.size(), 2u);
  EXPECT_THAT(r.action_errors[0],
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("no Auto Scaling group \"db\" is simulated")));
  EXPECT_THAT(r.action_errors[1],
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("group \"web\": no policy \"gone\"")));
}

TEST_F(AutoScalingSinkTest, SetAlarmStateUsesTheReasonDataDatapoints) {
  AlarmSpec spec = HighCpu();
  spec.alarm_actions = {PolicyArn("web", "out")};
  ASSERT_THAT(evaluator_.PutMetricAlarm(spec, Utc(16, 0)), IsOk());
  ASSERT_THAT(
      evaluator_.SetAlarmState("cpu-high", AlarmState::kAlarm, "testing",
                               R"({"recentDatapoints":[95.0],"threshold":60})",
                               Utc(16, 0) + absl::Seconds(30)),
      IsOk());
  ASSERT_EQ(group_->activities().size(), 1u);
  EXPECT_EQ(group_->activities()[0].to_capacity, 4);  // d = 35: step +2.
}

TEST_F(AutoScalingSinkTest, OtherArnsAreIgnoredWithoutAFallback) {
  AutoScalingSink alone;
  StateChange change;
  change.action = kSnsArn;
  EXPECT_THAT(alone.Execute(change), IsOk());
}

}  // namespace
}  // namespace cwalarm
