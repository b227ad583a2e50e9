// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// A test API for users' own GoogleTest suites: build an alarm and a metric
// history in a few lines, replay them exactly as `cwalarm replay` does, and
// assert on the transitions and actions with matchers whose failures print a
// readable diff. Bazel: `//tests/testing:alarm_test_api` (testonly); CMake:
// `cwalarm::alarm_test_api` (built with CWALARM_BUILD_TESTS).
//
//   using namespace cwalarm_testing;
//   cwalarm::AlarmSpec cpu =
//       MetricAlarm("cpu-high", "AWS/EC2 CPUUtilization{InstanceId=i-1}");
//   cpu.threshold = 80;
//   cpu.evaluation_periods = 3;
//   cpu.alarm_actions = {"arn:aws:sns:us-east-1:123456789012:pager"};
//   absl::StatusOr<cwalarm::ReplayRun> run = Replay(
//       {cpu}, {"AWS/EC2 CPUUtilization{InstanceId=i-1} 10x2 90x5 10x5"});
//   ASSERT_TRUE(run.ok()) << run.status();
//   EXPECT_THAT(*run, TransitionsAre("cpu-high",
//                                    {"12:01 OK", "12:04 ALARM", "12:09 OK"}));
//   EXPECT_THAT(*run, ActionsFired("cpu-high", cwalarm::AlarmState::kAlarm,
//   1));
//
// A failing TransitionsAre prints both timelines line by line:
//
//   transitions of alarm "cpu-high" differ (- expected, + actual):
//       12:01 OK
//     - 12:05 ALARM
//     + 12:04 ALARM
//       12:09 OK
//
// Histories use the series notation of tools/series_notation.h; the first
// value is at 2024-03-16T12:00:00Z unless ReplayOptions::series_start says
// otherwise, so that "12:05" in an expectation reads naturally.
//
// Thread-safety: functions are pure; matchers are immutable.

#ifndef CWALARM_TESTS_TESTING_ALARM_TEST_API_H_
#define CWALARM_TESTS_TESTING_ALARM_TEST_API_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "alarm/alarm_spec.h"
#include "alarm/alarm_state.h"
#include "gmock/gmock.h"
#include "tools/replay.h"

namespace cwalarm {

// Lets GoogleTest print a ReplayRun in failure messages: every alarm's
// transitions and actions, one per line.
void PrintTo(const ReplayRun& run, std::ostream* os);

}  // namespace cwalarm

namespace cwalarm_testing {

// An alarm on the metric named by a series-notation header (`Namespace
// MetricName{Dim=Value,...}`; a `[Unit]` suffix is not accepted here). The
// rest is set to the commonest alarm: Average over 60 s, one evaluation
// period, GreaterThanThreshold, threshold 0, missing data `missing`, no
// actions; set the fields you need. Fails the calling test (ADD_FAILURE) and
// returns the spec with an empty metric when `metric` does not parse.
cwalarm::AlarmSpec MetricAlarm(absl::string_view name,
                               absl::string_view metric);

// Parses put-metric-alarm JSON (or a describe-alarms document), as
// `cwalarm replay --alarms` does. Errors as config/config_loader.h
// ParseAlarmsJson.
absl::StatusOr<std::vector<cwalarm::AlarmSpec>> AlarmsFromJson(
    absl::string_view json);

// Replays `series` (series notation, one per item) through `alarms` on
// CloudWatch's schedule (tools/replay.h ReplayData, with bucket values
// recorded). `options` may set series_start, series_step, from, to,
// evaluate_at, initial_state and evaluation_range; its series and file
// fields are ignored. Returns the series parser's and the replay's errors.
absl::StatusOr<cwalarm::ReplayRun> Replay(
    std::vector<cwalarm::AlarmSpec> alarms, std::vector<std::string> series,
    cwalarm::ReplayOptions options = {});

// --- Matchers on a ReplayRun ---------------------------------------------
//
// Transitions are written "TIME STATE": STATE is OK, ALARM or
// INSUFFICIENT_DATA; TIME is `HH:MM`, `HH:MM:SS` (UTC, any day) or a full
// instant (`2024-03-16T12:05:00Z`). An unknown alarm never matches.

// The alarm's transitions are exactly `expected`, in order. On failure,
// prints a line diff of expected and actual.
::testing::Matcher<const cwalarm::ReplayRun&> TransitionsAre(
    absl::string_view alarm, std::vector<std::string> expected);

// The alarm made the transition `expected` ("12:05 ALARM") among others.
::testing::Matcher<const cwalarm::ReplayRun&> HasTransition(
    absl::string_view alarm, std::string expected);

// The number of action calls the alarm made on entering `state` (its
// AlarmActions for kAlarm, OKActions for kOk, ...; one per ARN and
// transition) is `count`. On failure, lists the calls made.
::testing::Matcher<const cwalarm::ReplayRun&> ActionsFired(
    absl::string_view alarm, cwalarm::AlarmState state, int count);

// The alarm's state at the end of the replay is `state`.
::testing::Matcher<const cwalarm::ReplayRun&> EndsIn(absl::string_view alarm,
                                                     cwalarm::AlarmState state);

}  // namespace cwalarm_testing

#endif  // CWALARM_TESTS_TESTING_ALARM_TEST_API_H_
