// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests of the C++ test API (tests/testing/alarm_test_api.h): matchers accept
// what happened, and their failures print a readable diff.

#include "tests/testing/alarm_test_api.h"

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "alarm/alarm_spec.h"
#include "alarm/alarm_state.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cwalarm_testing {
namespace {

using ::cwalarm::AlarmState;
using ::cwalarm::ReplayRun;
using ::testing::HasSubstr;

constexpr char kCpu[] = "AWS/EC2 CPUUtilization{InstanceId=i-1}";

ReplayRun SpikeRun() {
  cwalarm::AlarmSpec spec = MetricAlarm("cpu-high", kCpu);
  spec.threshold = 80;
  spec.evaluation_periods = 2;
  spec.alarm_actions = {"arn:aws:sns:us-east-1:123456789012:pager"};
  absl::StatusOr<ReplayRun> run =
      Replay({spec}, {absl::StrCat(kCpu, " 10x3 90x3 10x6")});
  EXPECT_TRUE(run.ok()) << run.status();
  return std::move(*run);
}

// The explanation a matcher gives for `run`, and whether it matched.
std::string Explain(const ::testing::Matcher<const ReplayRun&>& m,
                    const ReplayRun& run, bool* matched) {
  ::testing::StringMatchResultListener listener;
  *matched = m.MatchAndExplain(run, &listener);
  return listener.str();
}

TEST(AlarmTestApiTest, MatchersAcceptWhatHappened) {
  ReplayRun run = SpikeRun();
  EXPECT_THAT(run,
              TransitionsAre("cpu-high", {"12:01 OK", "12:05 ALARM", "12:07 OK",
                                          "12:16 INSUFFICIENT_DATA"}));
  EXPECT_THAT(run, HasTransition("cpu-high", "2024-03-16T12:05:00Z ALARM"));
  EXPECT_THAT(run, HasTransition("cpu-high", "12:07:00 OK"));
  EXPECT_THAT(run, ActionsFired("cpu-high", AlarmState::kAlarm, 1));
  EXPECT_THAT(run, ActionsFired("cpu-high", AlarmState::kOk, 0));
  EXPECT_THAT(run, EndsIn("cpu-high", AlarmState::kInsufficientData));
}

TEST(AlarmTestApiTest, TransitionsAreFailurePrintsALineDiff) {
  ReplayRun run = SpikeRun();
  bool matched = true;
  std::string explanation = Explain(
      TransitionsAre("cpu-high", {"12:01 OK", "12:06 ALARM", "12:07 OK"}), run,
      &matched);
  EXPECT_FALSE(matched);
  EXPECT_EQ(explanation,
            "transitions of alarm \"cpu-high\" differ (- expected, + actual):\n"
            "      12:01 OK\n"
            "    - 12:06 ALARM\n"
            "    + 12:05 ALARM\n"
            "      12:07 OK\n"
            "    + 12:16 INSUFFICIENT_DATA");
}

TEST(AlarmTestApiTest, ActionsFiredFailureListsTheCalls) {
  ReplayRun run = SpikeRun();
  bool matched = true;
  std::string explanation =
      Explain(ActionsFired("cpu-high", AlarmState::kAlarm, 2), run, &matched);
  EXPECT_FALSE(matched);
  EXPECT_EQ(explanation,
            "alarm \"cpu-high\" made 1 ALARM action call; all its action "
            "calls:\n"
            "      2024-03-16T12:05:00Z ALARM "
            "arn:aws:sns:us-east-1:123456789012:pager");
}

TEST(AlarmTestApiTest, ExplainsUnknownAlarmsAndBadExpectations) {
  ReplayRun run = SpikeRun();
  bool matched = true;
  EXPECT_EQ(Explain(EndsIn("cpu-low", AlarmState::kOk), run, &matched),
            "the replay has no alarm \"cpu-low\"");
  EXPECT_FALSE(matched);
  EXPECT_THAT(Explain(HasTransition("cpu-high", "12:05 FIRING"), run, &matched),
              HasSubstr("expectation \"12:05 FIRING\""));
  EXPECT_FALSE(matched);
  EXPECT_THAT(Explain(HasTransition("cpu-high", "noon ALARM"), run, &matched),
              HasSubstr("TIME must be HH:MM"));
  EXPECT_FALSE(matched);
  EXPECT_EQ(Explain(EndsIn("cpu-high", AlarmState::kOk), run, &matched),
            "alarm \"cpu-high\" ends in INSUFFICIENT_DATA");
}

TEST(AlarmTestApiTest, ReplayReportsSeriesErrors) {
  absl::StatusOr<ReplayRun> run =
      Replay({MetricAlarm("a", kCpu)}, {absl::StrCat(kCpu, " 1 2 x")});
  ASSERT_FALSE(run.ok());
  EXPECT_THAT(run.status().message(), HasSubstr("--series[1]: column 44"));
}

}  // namespace
}  // namespace cwalarm_testing
