// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Composite alarms through config/ (ParseAlarmConfigJson) and `cwalarm
// replay` (issue 6): the PutCompositeAlarm and describe-alarms shapes, the
// bundled example with suppression (examples/composite_*), and errors.

#include <fstream>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "alarm/alarm_state.h"
#include "alarm/composite_alarm.h"
#include "config/config_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/read_file.h"
#include "tests/testing/status_matchers.h"
#include "tools/replay.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::IsOk;
using ::cwalarm_testing::StatusIs;
using ::testing::HasSubstr;

using ::cwalarm_testing::ReadFile;

constexpr char kPutComposite[] = R"j({
  "AlarmName": "svc",
  "AlarmRule": "ALARM(cpu) AND NOT ALARM(\"deploy\")",
  "ActionsEnabled": true,
  "AlarmActions": ["arn:aws:sns:us-east-1:123456789012:pager"],
  "ActionsSuppressor": "deploy",
  "ActionsSuppressorWaitPeriod": 60,
  "ActionsSuppressorExtensionPeriod": 90,
  "Tags": [{"Key": "team", "Value": "web"}]
})j";

TEST(AlarmConfigJsonTest, ReadsOnePutCompositeAlarmDocument) {
  absl::StatusOr<AlarmConfig> config =
      ParseAlarmConfigJson(kPutComposite, "c.json");
  ASSERT_THAT(config, IsOk());
  EXPECT_TRUE(config->metric_alarms.empty());
  ASSERT_EQ(config->composite_alarms.size(), 1u);
  const CompositeAlarmSpec& spec = config->composite_alarms[0];
  EXPECT_EQ(spec.alarm_rule, "ALARM(cpu) AND NOT ALARM(\"deploy\")");
  EXPECT_EQ(spec.actions_suppressor, "deploy");
  EXPECT_EQ(spec.actions_suppressor_wait_period, absl::Seconds(60));
  EXPECT_EQ(spec.actions_suppressor_extension_period, absl::Seconds(90));
  EXPECT_EQ(spec.tags.size(), 1u);
}

TEST(AlarmConfigJsonTest, ReadsDescribeAlarmsWithCompositeAlarms) {
  const std::string doc = absl::StrCat(
      R"j({"MetricAlarms": [{"AlarmName": "cpu", "MetricName": "CPUUtilization",
          "Namespace": "AWS/EC2", "Statistic": "Average", "Period": 60,
          "EvaluationPeriods": 1, "Threshold": 80,
          "ComparisonOperator": "GreaterThanThreshold",
          "StateValue": "OK"}],
          "CompositeAlarms": [)j",
      kPutComposite,
      R"j(, {"AlarmName": "ro", "AlarmRule": "TRUE", "StateValue": "ALARM",
           "ActionsSuppressedBy": "Alarm",
           "ActionsSuppressedReason": "Actions suppressed by Alarm"}]})j");
  absl::StatusOr<AlarmConfig> config = ParseAlarmConfigJson(doc, "d.json");
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->metric_alarms.size(), 1u);
  EXPECT_EQ(config->composite_alarms.size(), 2u);
  // The old API keeps refusing composites rather than dropping them.
  EXPECT_THAT(ParseAlarmsJson(doc, "d.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("composite alarms are not supported")));
}

TEST(AlarmConfigJsonTest, ReportsEveryProblemWithItsPath) {
  absl::StatusOr<AlarmConfig> config = ParseAlarmConfigJson(
      R"j([{"AlarmName": "a", "AlarmRule": "ALARM(x) AND"},
          {"AlarmName": "b", "AlarmRule": "TRUE", "ActionsSuppressorWaitPeriod": "60"},
          {"AlarmName": "a", "AlarmRule": "TRUE", "Colour": "red"}])j",
      "bad.json");
  EXPECT_THAT(config,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("bad.json: $[0]: alarm \"a\": AlarmRule "
                                 "(ALARM(x) AND): AlarmRule position 13: "
                                 "expected")));
  EXPECT_THAT(config,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("bad.json: $[1].ActionsSuppressorWaitPeriod: "
                                 "expected an integer")));
  EXPECT_THAT(config,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("bad.json: $[2].Colour: unknown key (not a "
                                 "PutCompositeAlarm field)")));
}

// Keys of one JSON object are visited in sorted order (nlohmann::json), so
// CompositeAlarms comes before MetricAlarms.
TEST(AlarmConfigJsonTest, RefusesANameUsedByBothKinds) {
  absl::StatusOr<AlarmConfig> config = ParseAlarmConfigJson(
      R"j({"MetricAlarms": [{"AlarmName": "x", "MetricName": "M", "Namespace": "N",
          "Statistic": "Sum", "Period": 60, "EvaluationPeriods": 1,
          "Threshold": 1, "ComparisonOperator": "GreaterThanThreshold"}],
          "CompositeAlarms": [{"AlarmName": "x", "AlarmRule": "TRUE"}]})j",
      "dup.json");
  EXPECT_THAT(config,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("$.MetricAlarms[0].AlarmName: duplicate "
                                 "alarm name \"x\" (first at "
                                 "$.CompositeAlarms[0])")));
}

// The bundled example: web-degraded = ALARM(cpu-high) OR ALARM(errors-high),
// suppressed by deploy-in-progress (W = 120 s, E = 180 s).
ReplayOptions ExampleOptions() {
  ReplayOptions options;
  options.alarms_path = "examples/composite_alarms.json";
  options.metrics_path = "examples/composite_metrics.csv";
  return options;
}

TEST(CompositeReplayTest, ExampleMatchesExpectedJson) {
  std::string out;
  ASSERT_THAT(RunReplay(ExampleOptions(), &out), IsOk());
  EXPECT_EQ(out, ReadFile("examples/composite_replay.expected.json"));
}

TEST(CompositeReplayTest, ExampleMatchesExpectedText) {
  ReplayOptions options = ExampleOptions();
  options.format = ReplayOptions::Format::kText;
  std::string out;
  ASSERT_THAT(RunReplay(options, &out), IsOk());
  EXPECT_EQ(out, ReadFile("examples/composite_replay.expected.txt"));
}

TEST(CompositeReplayTest, ExampleSuppressesThePagerDuringTheDeployment) {
  std::string out;
  ASSERT_THAT(RunReplay(ExampleOptions(), &out), IsOk());
  nlohmann::json doc = nlohmann::json::parse(out);
  std::vector<std::string> pager;  // "time state" of every pager item.
  for (const nlohmann::json& item : doc["AlarmHistoryItems"]) {
    if (item["AlarmName"] != "web-degraded" ||
        item["HistoryItemType"] != "Action") {
      continue;
    }
    EXPECT_EQ(item["AlarmType"], "CompositeAlarm");
    nlohmann::json data =
        nlohmann::json::parse(item["HistoryData"].get<std::string>());
    if (data["notificationResource"] !=
        "arn:aws:sns:us-east-1:123456789012:ops-pager") {
      continue;
    }
    std::string state = data["actionState"];
    if (data.contains("actionsSuppressedBy")) {
      state += " by " + data["actionsSuppressedBy"].get<std::string>();
    }
    pager.push_back(item["Timestamp"].get<std::string>() + " " + state);
  }
  // 12:13 the CPU spike during the deployment: suppressed by Alarm, never
  // paged. 12:31 the error burst: wait period, then paged at 12:33.
  EXPECT_THAT(pager, ::testing::ElementsAre(
                         "2024-03-16T12:13:00.000Z Suppressed by Alarm",
                         "2024-03-16T12:31:00.000Z Suppressed by WaitPeriod",
                         "2024-03-16T12:33:00.000Z Succeeded"));
  ASSERT_EQ(doc["CompositeAlarms"].size(), 1u);
  EXPECT_EQ(doc["CompositeAlarms"][0]["StateValue"], "OK");
}

AlarmConfig NestedConfig(const char* inner_rule) {
  absl::StatusOr<AlarmConfig> config = ParseAlarmConfigJson(
      absl::StrCat(R"j([{"AlarmName": "cpu", "MetricName": "CPUUtilization",
          "Namespace": "AWS/EC2", "Statistic": "Average", "Period": 60,
          "EvaluationPeriods": 1, "Threshold": 80,
          "ComparisonOperator": "GreaterThanThreshold"},
         {"AlarmName": "outer", "AlarmRule": "ALARM(inner)"},
         {"AlarmName": "inner", "AlarmRule": ")j",
                   inner_rule, R"j("}])j"),
      "nested.json");
  EXPECT_THAT(config, IsOk());
  return config.ok() ? *config : AlarmConfig{};
}

TEST(CompositeReplayTest, CompositesMayReferenceCompositesDefinedLater) {
  AlarmConfig config = NestedConfig("OK(cpu)");
  ReplayOptions options;
  options.evaluate_at = {absl::FromUnixSeconds(1710590400),
                         absl::FromUnixSeconds(1710590460)};
  absl::StatusOr<ReplayRun> run = ReplayData(options, config.metric_alarms, {},
                                             false, config.composite_alarms);
  ASSERT_THAT(run, IsOk());
  ASSERT_EQ(run->composites->alarm_count(), 2u);
  // cpu has no data: INSUFFICIENT_DATA at creation, then (missing) still
  // INSUFFICIENT_DATA; OK(cpu) is false, so inner and outer are OK.
  EXPECT_EQ(run->composites->FindAlarm("inner")->status->state,
            AlarmState::kOk);
  EXPECT_EQ(run->composites->FindAlarm("outer")->status->state,
            AlarmState::kOk);
}

TEST(CompositeReplayTest, RefusesACycleBetweenComposites) {
  AlarmConfig config = NestedConfig("ALARM(outer)");
  ReplayOptions options;
  options.alarms_path = "nested.json";
  options.evaluate_at = {absl::FromUnixSeconds(1710590400)};
  EXPECT_THAT(ReplayData(options, config.metric_alarms, {}, false,
                         config.composite_alarms),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("composite alarms not created: outer, inner; "
                                 "their rules reference unknown alarms or each "
                                 "other in a cycle")));
}

}  // namespace
}  // namespace cwalarm
