// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// CompositeAlarmSpec validation (spec 5.1, 6.1) and the pure suppression
// transitions (spec 5.4) and JSON of composite_alarm.h.

#include "alarm/composite_alarm.h"

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "alarm/alarm_state.h"
#include "alarm/alarm_state_machine.h"
#include "alarm/json_writer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::IsOk;
using ::cwalarm_testing::StatusIs;
using ::testing::HasSubstr;

CompositeAlarmSpec ValidSpec() {
  CompositeAlarmSpec spec;
  spec.alarm_name = "svc";
  spec.alarm_rule = "ALARM(cpu) AND NOT ALARM(deploying)";
  spec.alarm_actions = {"arn:aws:sns:us-east-1:123456789012:pager"};
  spec.actions_suppressor = "maintenance";
  spec.actions_suppressor_wait_period = absl::Seconds(60);
  spec.actions_suppressor_extension_period = absl::Seconds(60);
  return spec;
}

TEST(CompositeAlarmSpecTest, AcceptsAValidSpec) {
  EXPECT_THAT(ValidSpec().Validate(), IsOk());
}

struct InvalidCase {
  const char* what;
  void (*mutate)(CompositeAlarmSpec*);
  const char* message;
};

class CompositeAlarmSpecInvalidTest
    : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(CompositeAlarmSpecInvalidTest, NamesAlarmFieldValueAndRule) {
  CompositeAlarmSpec spec = ValidSpec();
  GetParam().mutate(&spec);
  EXPECT_THAT(spec.Validate(), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr(GetParam().message)))
      << GetParam().what;
}

INSTANTIATE_TEST_SUITE_P(
    Spec51, CompositeAlarmSpecInvalidTest,
    ::testing::Values(
        InvalidCase{"AlarmName 1-255",
                    [](CompositeAlarmSpec* s) { s->alarm_name = ""; },
                    "AlarmName (0 characters): AlarmName must be 1 to 255"},
        InvalidCase{
            "AlarmRule grammar",
            [](CompositeAlarmSpec* s) { s->alarm_rule = "ALARM(cpu) AND"; },
            "alarm \"svc\": AlarmRule (ALARM(cpu) AND): AlarmRule position "
            "15: expected \"(\", TRUE, FALSE"},
        InvalidCase{"AlarmRule required",
                    [](CompositeAlarmSpec* s) { s->alarm_rule = ""; },
                    "AlarmRule must not be empty"},
        InvalidCase{"at most 5 actions per state",
                    [](CompositeAlarmSpec* s) {
                      s->ok_actions.assign(6, "arn:aws:sns:us-east-1:1:t");
                    },
                    "OKActions (6 actions): at most 5"},
        InvalidCase{"composites cannot run EC2 actions (spec 5.3, 6.1)",
                    [](CompositeAlarmSpec* s) {
                      s->alarm_actions = {
                          "arn:aws:automate:us-east-1:ec2:stop"};
                    },
                    "cannot perform EC2 or Auto Scaling actions"},
        InvalidCase{"composites cannot run Auto Scaling actions",
                    [](CompositeAlarmSpec* s) {
                      s->alarm_actions = {
                          "arn:aws:autoscaling:us-east-1:1:scalingPolicy:u:"
                          "autoScalingGroupName/g:policyName/p"};
                    },
                    "cannot perform EC2 or Auto Scaling actions"},
        InvalidCase{"SSM only in AlarmActions",
                    [](CompositeAlarmSpec* s) {
                      s->ok_actions = {"arn:aws:ssm:us-east-1:1:opsitem:3"};
                    },
                    "only valid in AlarmActions"},
        InvalidCase{"wait period required with a suppressor",
                    [](CompositeAlarmSpec* s) {
                      s->actions_suppressor_wait_period.reset();
                    },
                    "ActionsSuppressorWaitPeriod (null): required when "
                    "ActionsSuppressor is set"},
        InvalidCase{"extension period >= 0",
                    [](CompositeAlarmSpec* s) {
                      s->actions_suppressor_extension_period =
                          absl::Seconds(-1);
                    },
                    "ActionsSuppressorExtensionPeriod (-1s): must be a whole "
                    "number of seconds"},
        InvalidCase{
            "periods only with a suppressor",
            [](CompositeAlarmSpec* s) { s->actions_suppressor.reset(); },
            "ActionsSuppressorWaitPeriod (1m): only allowed together "
            "with ActionsSuppressor"},
        InvalidCase{"suppressor 1-1600 characters",
                    [](CompositeAlarmSpec* s) {
                      s->actions_suppressor = std::string(1601, 'x');
                    },
                    "ActionsSuppressor (1601 characters)"},
        InvalidCase{
            "an alarm cannot suppress itself",
            [](CompositeAlarmSpec* s) { s->actions_suppressor = "svc"; },
            "ActionsSuppressor (svc): an alarm cannot suppress its own"}));

TEST(SuppressionTest, TransitionsFollowTheTable) {
  const absl::Time t = absl::FromUnixSeconds(1000);
  const absl::Duration w = absl::Seconds(120), e = absl::Seconds(180);
  SuppressionStatus s;
  // Normal, S not in ALARM: WaitPeriod until t + W.
  EXPECT_FALSE(SuppressionOnTransition(&s, AlarmState::kOk, false, w, t));
  EXPECT_EQ(s.mode, ActionsSuppressedBy::kWaitPeriod);
  EXPECT_EQ(s.until, t + w);
  EXPECT_EQ(s.announced, AlarmState::kOk);
  EXPECT_FALSE(SuppressionExpire(&s, t + w - absl::Seconds(1)));
  // A period that ends at t has ended for events at t.
  EXPECT_TRUE(SuppressionExpire(&s, t + w));
  EXPECT_EQ(s.mode, ActionsSuppressedBy::kNone);
  // W = 0: actions run at once.
  EXPECT_TRUE(SuppressionOnTransition(&s, AlarmState::kOk, false,
                                      absl::ZeroDuration(), t));
  // Alarm -> ExtensionPeriod -> (S in ALARM again) -> Alarm.
  EXPECT_FALSE(SuppressionOnTransition(&s, AlarmState::kOk, true, w, t));
  EXPECT_EQ(s.mode, ActionsSuppressedBy::kAlarm);
  SuppressionOnSuppressorChange(&s, false, e, t + absl::Seconds(10));
  EXPECT_EQ(s.mode, ActionsSuppressedBy::kExtensionPeriod);
  EXPECT_EQ(s.until, t + absl::Seconds(190));
  SuppressionOnSuppressorChange(&s, true, e, t + absl::Seconds(20));
  EXPECT_EQ(s.mode, ActionsSuppressedBy::kAlarm);
  EXPECT_FALSE(
      SuppressionExpire(&s, absl::InfiniteFuture() - absl::Seconds(1)));
}

TEST(CompositeAlarmJsonTest, WritesDescribeAlarmsShape) {
  CompositeAlarmSpec spec = ValidSpec();
  AlarmStatus status = AlarmStatus::Created(absl::FromUnixSeconds(0));
  SuppressionStatus suppression;
  suppression.mode = ActionsSuppressedBy::kWaitPeriod;
  JsonWriter w;
  WriteCompositeAlarm(spec, status, suppression,
                      "arn:aws:cloudwatch:us-east-1:123456789012:alarm:svc",
                      absl::FromUnixSeconds(0), &w);
  EXPECT_THAT(
      w.str(),
      HasSubstr("\"AlarmRule\":\"ALARM(cpu) AND NOT ALARM(deploying)\""));
  EXPECT_THAT(w.str(), HasSubstr("\"StateValue\":\"INSUFFICIENT_DATA\""));
  EXPECT_THAT(w.str(), HasSubstr("\"ActionsSuppressedBy\":\"WaitPeriod\","
                                 "\"ActionsSuppressedReason\":\"Actions "
                                 "suppressed by WaitPeriod\""));
  EXPECT_THAT(w.str(), HasSubstr("\"ActionsSuppressor\":\"maintenance\","
                                 "\"ActionsSuppressorWaitPeriod\":60,"
                                 "\"ActionsSuppressorExtensionPeriod\":60}"));
}

}  // namespace
}  // namespace cwalarm
