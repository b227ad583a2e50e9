// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// How to test your own alarms with cwalarm's test API
// (tests/testing/alarm_test_api.h): build the alarm, write the metric history
// in series notation, replay it as CloudWatch would, and state what should
// happen. Copy this file into your suite and depend on
// `//tests/testing:alarm_test_api` (Bazel) or `cwalarm::alarm_test_api`
// (CMake).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "alarm/alarm_spec.h"
#include "alarm/alarm_state.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/alarm_test_api.h"

namespace {

using ::cwalarm::AlarmState;
using ::cwalarm_testing::ActionsFired;
using ::cwalarm_testing::EndsIn;
using ::cwalarm_testing::HasTransition;
using ::cwalarm_testing::MetricAlarm;
using ::cwalarm_testing::Replay;
using ::cwalarm_testing::TransitionsAre;

constexpr char kCpu[] = "AWS/EC2 CPUUtilization{InstanceId=i-1}";

// examples/cpu_alarm.json: above 80% for 3 of the last 5 minutes.
cwalarm::AlarmSpec CpuHigh() {
  cwalarm::AlarmSpec spec = MetricAlarm("cpu-high", kCpu);
  spec.threshold = 80;
  spec.evaluation_periods = 5;
  spec.datapoints_to_alarm = 3;
  spec.alarm_actions = {"arn:aws:sns:us-east-1:123456789012:ops-pager"};
  spec.ok_actions = {"arn:aws:sns:us-east-1:123456789012:ops-notifications"};
  return spec;
}

TEST(CpuAlarmExampleTest, PagesOnceForASustainedSpikeAndRecovers) {
  // Minutes 12:00-12:04 at 20%, then 90% for four minutes, then 20% again.
  absl::StatusOr<cwalarm::ReplayRun> run =
      Replay({CpuHigh()}, {absl::StrCat(kCpu, " 20x5 90x4 20x10")});
  ASSERT_TRUE(run.ok()) << run.status();

  // The third breaching minute is [12:07, 12:08), seen at 12:08; three
  // good minutes later (12:09-12:11) the alarm is OK again, at 12:12. When
  // the data ends (last minute 12:18) the alarm runs out of datapoints once
  // its whole evaluation range (7 minutes) is empty.
  EXPECT_THAT(*run,
              TransitionsAre("cpu-high", {"12:01 OK", "12:08 ALARM", "12:12 OK",
                                          "12:26 INSUFFICIENT_DATA"}));
  EXPECT_THAT(*run, ActionsFired("cpu-high", AlarmState::kAlarm, 1));
  EXPECT_THAT(*run, ActionsFired("cpu-high", AlarmState::kOk, 2));
}

TEST(CpuAlarmExampleTest, IgnoresTwoMinuteSpikes) {
  absl::StatusOr<cwalarm::ReplayRun> run =
      Replay({CpuHigh()}, {absl::StrCat(kCpu, " 20x5 95x2 20x5 95x2 20x5")});
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_THAT(*run, ::testing::Not(HasTransition("cpu-high", "12:07 ALARM")));
  EXPECT_THAT(*run, ActionsFired("cpu-high", AlarmState::kAlarm, 0));
}

TEST(CpuAlarmExampleTest, GoesToInsufficientDataWhenTheAgentStops) {
  // With TreatMissingData `missing` a silent instance is not an outage
  // alarm: the last datapoint (12:04) leaves the 7-minute evaluation range
  // at 12:12.
  absl::StatusOr<cwalarm::ReplayRun> run =
      Replay({CpuHigh()}, {absl::StrCat(kCpu, " 20x5 _x10")});
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_THAT(*run, HasTransition("cpu-high", "12:12 INSUFFICIENT_DATA"));
  EXPECT_THAT(*run, EndsIn("cpu-high", AlarmState::kInsufficientData));
}

}  // namespace
