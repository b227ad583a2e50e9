// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests of `cwalarm lint` (tools/lint.h): each rule fires on the pitfall it
// names, with an explanation, and stays quiet on a sound alarm.

#include "tools/lint.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "config/config_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tools/series_notation.h"

namespace cwalarm {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// One alarm: a sound CPU alarm (Custom/App CPU on i-1, Average > 80 for 3
// minutes, with an alarm action) with the put-metric-alarm JSON `fields`
// replacing its keys.
AlarmSpec Alarm(const std::string& fields) {
  nlohmann::json alarm = nlohmann::json::parse(R"({
      "AlarmName": "a", "Namespace": "Custom/App", "MetricName": "CPU",
      "Dimensions": [{"Name": "InstanceId", "Value": "i-1"}],
      "Statistic": "Average", "Period": 60, "EvaluationPeriods": 3,
      "Threshold": 80, "ComparisonOperator": "GreaterThanThreshold",
      "AlarmActions": ["arn:aws:sns:us-east-1:123456789012:pager"]})");
  alarm.update(nlohmann::json::parse(absl::StrCat("{", fields, "}")));
  absl::StatusOr<std::vector<AlarmSpec>> a = ParseAlarmsJson(alarm.dump(), "t");
  EXPECT_TRUE(a.ok()) << a.status();
  return a.ok() ? a->front() : AlarmSpec{};
}

std::vector<TimedDatum> Series(const std::string& text,
                               absl::Duration step = absl::Seconds(60)) {
  absl::StatusOr<std::vector<TimedDatum>> d =
      ParseSeries(text, absl::FromUnixSeconds(1710590400), step, "s");
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? *d : std::vector<TimedDatum>{};
}

std::vector<std::string> Rules(const std::vector<LintFinding>& findings) {
  std::vector<std::string> rules;
  for (const LintFinding& f : findings) {
    if (f.severity == LintFinding::Severity::kWarning) rules.push_back(f.rule);
  }
  return rules;
}

constexpr char kCpu[] = "Custom/App CPU{InstanceId=i-1}";

TEST(LintTest, SoundAlarmHasNoWarnings) {
  std::vector<TimedDatum> data = Series(absl::StrCat(kCpu, " 10x30"));
  EXPECT_THAT(Rules(LintAlarms({Alarm("")}, &data)), IsEmpty());
  EXPECT_THAT(Rules(LintAlarms({Alarm("")}, nullptr)), IsEmpty());
}

TEST(LintTest, FlagsHighResolutionPeriodOnStandardMetric) {
  std::vector<TimedDatum> data = Series(absl::StrCat(kCpu, " 10x30"));
  std::vector<LintFinding> f = LintAlarms({Alarm(R"("Period": 10)")}, &data);
  EXPECT_THAT(Rules(f),
              ElementsAre("high-resolution-period-on-standard-metric"));
  EXPECT_THAT(f[0].explanation, HasSubstr("standard resolution"));
}

TEST(LintTest, FlagsUnitNeverPublishedAndMetricNeverPublished) {
  std::vector<TimedDatum> data = Series(absl::StrCat(kCpu, "[Percent] 10x30"));
  std::vector<LintFinding> f = LintAlarms({Alarm(R"("Unit": "Count")")}, &data);
  EXPECT_THAT(Rules(f), ElementsAre("unit-never-published"));
  EXPECT_THAT(f[0].explanation, HasSubstr("only published as Percent"));

  data = Series("Custom/App CPU{InstanceId=i-2} 10x30");
  EXPECT_THAT(Rules(LintAlarms({Alarm("")}, &data)),
              ElementsAre("metric-never-published"));
}

TEST(LintTest, FlagsPeriodShorterThanPublishingInterval) {
  std::vector<TimedDatum> data =
      Series(absl::StrCat(kCpu, " 10x30"), absl::Minutes(5));
  EXPECT_THAT(Rules(LintAlarms({Alarm("")}, &data)),
              ElementsAre("period-shorter-than-publishing-interval"));
}

TEST(LintTest, FlagsMissingDataTreatmentPitfalls) {
  EXPECT_THAT(Rules(LintAlarms({Alarm(R"("DatapointsToAlarm": 1,
                                          "TreatMissingData": "breaching")")},
                               nullptr)),
              ElementsAre("single-datapoint-with-breaching"));
  std::vector<TimedDatum> sparse =
      Series(absl::StrCat(kCpu, " 1 _x3 1 _x9 1 _x2 1 _ 1"));
  EXPECT_THAT(
      Rules(LintAlarms({Alarm(R"("TreatMissingData": "breaching")")}, &sparse)),
      ElementsAre("breaching-on-sparse-metric"));
  EXPECT_THAT(
      Rules(LintAlarms({Alarm(R"("ComparisonOperator": "LessThanThreshold",
                            "TreatMissingData": "notBreaching")")},
                       nullptr)),
      ElementsAre("not-breaching-hides-outages"));
}

TEST(LintTest, FlagsComparisonsTheStatisticDecides) {
  EXPECT_THAT(Rules(LintAlarms({Alarm(R"("Statistic": "SampleCount",
      "ComparisonOperator": "GreaterThanOrEqualToThreshold", "Threshold": 0,
      "TreatMissingData": "breaching", "DatapointsToAlarm": 2)")},
                               nullptr)),
              ElementsAre("can-never-return-to-ok"));
  EXPECT_THAT(Rules(LintAlarms({Alarm(R"("Statistic": "SampleCount",
      "ComparisonOperator": "LessThanThreshold", "Threshold": 1)")},
                               nullptr)),
              ElementsAre("can-never-alarm"));
}

TEST(LintTest, FlagsSlidingBucketsOnSparseData) {
  // Samples every 3 minutes, Sum over 10 minutes: 3 or 4 per bucket.
  std::vector<TimedDatum> data =
      Series(absl::StrCat(kCpu, " 5x40"), absl::Minutes(3));
  EXPECT_THAT(
      Rules(LintAlarms({Alarm(R"("Statistic": "Sum", "Period": 600)")}, &data)),
      ElementsAre("sliding-buckets-on-sparse-data"));
}

TEST(LintTest, FlagsEc2ActionsWithBreachingAndNotesInertSettings) {
  std::vector<LintFinding> f = LintAlarms(
      {Alarm(R"("AlarmActions": ["arn:aws:automate:us-east-1:ec2:stop"],
                "TreatMissingData": "breaching", "DatapointsToAlarm": 2)")},
      nullptr);
  EXPECT_THAT(Rules(f), ElementsAre("ec2-action-with-breaching"));

  f = LintAlarms({Alarm(R"("ActionsEnabled": false)")}, nullptr);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].rule, "actions-disabled");
  EXPECT_EQ(f[0].severity, LintFinding::Severity::kNote);
}

}  // namespace
}  // namespace cwalarm
