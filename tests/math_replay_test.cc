// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The bundled metric-math and anomaly-detection examples through
// `cwalarm replay` (issue 6): byte-identical expected output, and the
// behaviour each example exists to show.

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/read_file.h"
#include "tests/testing/status_matchers.h"
#include "tools/replay.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::IsOk;

using ::cwalarm_testing::ReadFile;

ReplayOptions Options(const std::string& alarms, const std::string& metrics,
                      ReplayOptions::Format format) {
  ReplayOptions options;
  options.alarms_path = alarms;
  options.metrics_path = metrics;
  options.format = format;
  return options;
}

// The transition lines of a text replay ("<time>  <alarm>  A -> B  ...").
std::vector<std::string> Transitions(const std::string& text) {
  std::vector<std::string> out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StrContains(line, " -> ") && !absl::StrContains(line, "action ")) {
      out.emplace_back(line);
    }
  }
  return out;
}

// examples/error_rate_*: 100 * errors / requests > 5 for 3 of 5 minutes.
TEST(MathReplayTest, ErrorRateExampleMatchesExpectedOutput) {
  for (auto format : {ReplayOptions::Format::kJson, ReplayOptions::Format::kText}) {
    std::string out;
    ASSERT_THAT(RunReplay(Options("examples/error_rate_alarm.json",
                                  "examples/error_rate_metrics.csv", format),
                          &out),
                IsOk());
    EXPECT_EQ(out, ReadFile(format == ReplayOptions::Format::kJson
                                ? "examples/error_rate_replay.expected.json"
                                : "examples/error_rate_replay.expected.txt"));
  }
}

TEST(MathReplayTest, ErrorRateExampleAlarmsDuringTheOutageOnly) {
  std::string out;
  ASSERT_THAT(RunReplay(Options("examples/error_rate_alarm.json",
                                "examples/error_rate_metrics.csv",
                                ReplayOptions::Format::kText),
                        &out),
              IsOk());
  std::vector<std::string> t = Transitions(out);
  ASSERT_GE(t.size(), 3u);
  // The outage (8-12% errors) runs 12:15-12:21; 3 of 5 needs three bad
  // minutes, so ALARM at 12:18 and OK once three good minutes follow.
  EXPECT_THAT(t[1], ::testing::StartsWith("2024-03-16T12:18:00Z  web-error-rate  OK -> ALARM"));
  EXPECT_THAT(t[2], ::testing::StartsWith("2024-03-16T12:25:00Z  web-error-rate  ALARM -> OK"));
  // The minute without an Errors datapoint (12:08) is a 0% datapoint, not
  // a missing one (spec 3.9), and the minute without Requests (12:30) has
  // no datapoint: neither makes the alarm leave OK.
  for (size_t i = 3; i + 1 < t.size(); ++i) {
    EXPECT_THAT(t[i], ::testing::HasSubstr("INSUFFICIENT_DATA")) << t[i];
  }
}

// examples/anomaly_*: four days of latency with a daily peak at 14:00 UTC
// and one injected anomaly (03:00-03:25 on the fourth day). The replay
// starts on the third day, so the alarm is created with two days of history
// already stored (as when an alarm is added to an existing metric), which
// the model trains on (spec 3.8, docs/anomaly_detection.md).
ReplayOptions AnomalyOptions(ReplayOptions::Format format) {
  ReplayOptions options = Options("examples/anomaly_alarm.json",
                                  "examples/anomaly_metrics.csv", format);
  options.from = absl::FromCivil(absl::CivilSecond(2024, 3, 13, 0, 0, 0),
                                 absl::UTCTimeZone());
  return options;
}

TEST(MathReplayTest, AnomalyExampleMatchesExpectedOutput) {
  for (auto format : {ReplayOptions::Format::kJson, ReplayOptions::Format::kText}) {
    std::string out;
    ASSERT_THAT(RunReplay(AnomalyOptions(format), &out), IsOk());
    EXPECT_EQ(out, ReadFile(format == ReplayOptions::Format::kJson
                                ? "examples/anomaly_replay.expected.json"
                                : "examples/anomaly_replay.expected.txt"));
  }
}

TEST(MathReplayTest, AnomalyExampleFlagsTheAnomalyAndNoDailyPeak) {
  std::string out;
  ASSERT_THAT(RunReplay(AnomalyOptions(ReplayOptions::Format::kText), &out),
              IsOk());
  std::vector<std::string> alarms;
  for (const std::string& t : Transitions(out)) {
    if (absl::StrContains(t, "-> ALARM")) alarms.push_back(t);
  }
  // Exactly one ALARM, a few minutes into the anomaly; the two daily peaks
  // (13 and 14 March, 14:00) stay inside the band.
  ASSERT_EQ(alarms.size(), 1u) << out;
  EXPECT_THAT(alarms[0], ::testing::StartsWith(
                             "2024-03-14T03:06:00Z  orders-latency-anomaly  OK -> ALARM"));
  EXPECT_THAT(alarms[0], ::testing::HasSubstr("greater than the upper thresholds ["));
}

}  // namespace
}  // namespace cwalarm
