// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The SNS notification of spec 6.2/6.3, field by field, against the observed
// samples quoted in the spec.

#include "actions/sns_message.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "alarm/action_sink.h"
#include "alarm/alarm_spec.h"
#include "alarm/alarm_state.h"
#include "alarm/composite_alarm.h"
#include "alarm/threshold.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/statistic.h"
#include "nlohmann/json.hpp"

namespace cwalarm {
namespace {

using Json = nlohmann::ordered_json;

absl::Time Cw(const char* text) {
  absl::Time t;
  std::string err;
  EXPECT_TRUE(absl::ParseTime("%Y-%m-%dT%H:%M:%E3S%z", text, &t, &err)) << err;
  return t;
}

// The 2019 sample of spec 4.5 (awsdocs, "99.50160229693434 ... (50.0)"),
// with the 2024-2026 field set of spec 6.2.
AlarmSpec LambdaErrorsSpec() {
  AlarmSpec spec;
  spec.alarm_name = "lambda-errors";
  spec.alarm_actions = {"arn:aws:sns:us-east-1:123456789012:alerts"};
  spec.ok_actions = {"arn:aws:sns:us-east-1:123456789012:ok"};
  spec.metric = {"AWS/Lambda", "Errors", {{"FunctionName", "checkout"}}};
  spec.statistic = Statistic::kAverage;
  spec.period = absl::Seconds(60);
  spec.evaluation_periods = 1;
  spec.datapoints_to_alarm = 1;
  spec.threshold = 50;
  spec.comparison_operator = ComparisonOperator::kGreaterThanThreshold;
  spec.treat_missing_data = TreatMissingData::kNotBreaching;
  return spec;
}

StateChange LambdaErrorsChange(const AlarmSpec* spec) {
  StateChange c;
  c.alarm = spec;
  c.alarm_arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:lambda-errors";
  c.region = "us-east-1";
  c.account_id = "123456789012";
  c.alarm_configuration_updated = Cw("2019-10-02T16:50:12.130+0000");
  c.old_state = AlarmState::kOk;
  c.new_state = AlarmState::kAlarm;
  c.new_reason =
      "Threshold Crossed: 1 out of the last 1 datapoints [99.50160229693434 "
      "(02/10/19 16:59:00)] was greater than the threshold (50.0) (minimum 1 "
      "datapoint for OK -> ALARM transition).";
  c.timestamp = Cw("2019-10-02T17:04:40.985+0000");
  c.action = "arn:aws:sns:us-east-1:123456789012:alerts";
  return c;
}

struct FieldCase {
  const char* rule;
  const char* pointer;  // JSON pointer into the message.
  Json expected;
};

class SnsMessageFieldTest : public testing::TestWithParam<FieldCase> {};

TEST_P(SnsMessageFieldTest, MatchesObservedSample) {
  AlarmSpec spec = LambdaErrorsSpec();
  Json message = Json::parse(
      SnsMessageJson(NotificationFromStateChange(LambdaErrorsChange(&spec))));
  const FieldCase& c = GetParam();
  ASSERT_TRUE(message.contains(Json::json_pointer(c.pointer))) << c.rule;
  EXPECT_EQ(message[Json::json_pointer(c.pointer)], c.expected) << c.rule;
}

INSTANTIATE_TEST_SUITE_P(
    Spec62, SnsMessageFieldTest,
    testing::Values(
        FieldCase{"spec 6.2: AlarmName", "/AlarmName", "lambda-errors"},
        FieldCase{"spec 6.2: AlarmDescription null when unset",
                  "/AlarmDescription", nullptr},
        FieldCase{"spec 6.2: AWSAccountId 12-digit string", "/AWSAccountId",
                  "123456789012"},
        FieldCase{"spec 6.2: AlarmConfigurationUpdatedTimestamp CW-ts",
                  "/AlarmConfigurationUpdatedTimestamp",
                  "2019-10-02T16:50:12.130+0000"},
        FieldCase{"spec 6.2: NewStateValue", "/NewStateValue", "ALARM"},
        FieldCase{"spec 6.2/4.5: NewStateReason verbatim", "/NewStateReason",
                  "Threshold Crossed: 1 out of the last 1 datapoints "
                  "[99.50160229693434 (02/10/19 16:59:00)] was greater than "
                  "the threshold (50.0) (minimum 1 datapoint for OK -> ALARM "
                  "transition)."},
        FieldCase{"spec 6.2: StateChangeTime CW-ts", "/StateChangeTime",
                  "2019-10-02T17:04:40.985+0000"},
        FieldCase{"spec 6.3: Region long name", "/Region",
                  "US East (N. Virginia)"},
        FieldCase{"spec 6.2: AlarmArn", "/AlarmArn",
                  "arn:aws:cloudwatch:us-east-1:123456789012:alarm:"
                  "lambda-errors"},
        FieldCase{"spec 6.2: OldStateValue", "/OldStateValue", "OK"},
        FieldCase{"spec 6.2: OKActions array", "/OKActions",
                  Json::array({"arn:aws:sns:us-east-1:123456789012:ok"})},
        FieldCase{"spec 6.2: AlarmActions array", "/AlarmActions",
                  Json::array({"arn:aws:sns:us-east-1:123456789012:alerts"})},
        FieldCase{"spec 6.2: InsufficientDataActions empty array",
                  "/InsufficientDataActions", Json::array()},
        FieldCase{"spec 6.2: Trigger.MetricName", "/Trigger/MetricName",
                  "Errors"},
        FieldCase{"spec 6.2: Trigger.Namespace", "/Trigger/Namespace",
                  "AWS/Lambda"},
        FieldCase{"spec 6.2: Trigger.StatisticType", "/Trigger/StatisticType",
                  "Statistic"},
        FieldCase{"spec 6.2: Trigger.Statistic upper-case",
                  "/Trigger/Statistic", "AVERAGE"},
        FieldCase{"spec 6.2: Trigger.Unit null when unset", "/Trigger/Unit",
                  nullptr},
        FieldCase{
            "spec 6.2: Trigger.Dimensions {value,name}", "/Trigger/Dimensions",
            Json::parse(R"([{"value":"checkout","name":"FunctionName"}])")},
        FieldCase{"spec 6.2: Trigger.Period seconds", "/Trigger/Period", 60},
        FieldCase{"spec 6.2: Trigger.EvaluationPeriods",
                  "/Trigger/EvaluationPeriods", 1},
        FieldCase{"spec 6.2: Trigger.DatapointsToAlarm when configured",
                  "/Trigger/DatapointsToAlarm", 1},
        FieldCase{"spec 6.2: Trigger.ComparisonOperator",
                  "/Trigger/ComparisonOperator", "GreaterThanThreshold"},
        FieldCase{"spec 6.2: Trigger.TreatMissingData configured value",
                  "/Trigger/TreatMissingData", "notBreaching"},
        FieldCase{"spec 6.2: Trigger.EvaluateLowSampleCountPercentile empty",
                  "/Trigger/EvaluateLowSampleCountPercentile", ""},
        FieldCase{"spec 6.2: ActionExecutedAfterMuteWindow false (2026)",
                  "/ActionExecutedAfterMuteWindow", false}));

TEST(SnsMessageTest, TopLevelFieldsInCloudWatchOrder) {
  AlarmSpec spec = LambdaErrorsSpec();
  Json message = Json::parse(
      SnsMessageJson(NotificationFromStateChange(LambdaErrorsChange(&spec))));
  std::vector<std::string> keys;
  for (auto& [key, value] : message.items()) keys.push_back(key);
  // spec 6.2: the order AWS emits (observed 2024-2026).
  EXPECT_THAT(keys, testing::ElementsAre(
                        "AlarmName", "AlarmDescription", "AWSAccountId",
                        "AlarmConfigurationUpdatedTimestamp", "NewStateValue",
                        "NewStateReason", "StateChangeTime", "Region",
                        "AlarmArn", "OldStateValue", "OKActions",
                        "AlarmActions", "InsufficientDataActions", "Trigger",
                        "ActionExecutedAfterMuteWindow"));
  std::vector<std::string> trigger;
  for (auto& [key, value] : message["Trigger"].items()) trigger.push_back(key);
  EXPECT_THAT(trigger,
              testing::ElementsAre(
                  "MetricName", "Namespace", "StatisticType", "Statistic",
                  "Unit", "Dimensions", "Period", "EvaluationPeriods",
                  "DatapointsToAlarm", "ComparisonOperator", "Threshold",
                  "TreatMissingData", "EvaluateLowSampleCountPercentile"));
}

TEST(SnsMessageTest, ThresholdPrintedWithDecimalPointAsJavaDouble) {
  // spec 6.2: "Threshold (number with decimal point, e.g. 50.0)".
  AlarmSpec spec = LambdaErrorsSpec();
  std::string json =
      SnsMessageJson(NotificationFromStateChange(LambdaErrorsChange(&spec)));
  EXPECT_THAT(json, testing::HasSubstr(R"("Threshold":50.0,)"));
  EXPECT_THAT(
      json,
      testing::HasSubstr(
          R"("Dimensions":[{"value":"checkout","name":"FunctionName"}])"));
}

TEST(SnsMessageTest, DatapointsToAlarmOmittedWhenNotConfigured) {
  // spec 6.2: DatapointsToAlarm "only when configured"; TreatMissingData ""
  // when unset ([OPEN]; LocalStack's value).
  AlarmSpec spec = LambdaErrorsSpec();
  spec.datapoints_to_alarm.reset();
  spec.treat_missing_data.reset();
  Json m = Json::parse(
      SnsMessageJson(NotificationFromStateChange(LambdaErrorsChange(&spec))));
  EXPECT_FALSE(m["Trigger"].contains("DatapointsToAlarm"));
  EXPECT_EQ(m["Trigger"]["TreatMissingData"], "");
}

TEST(SnsMessageTest, StatisticsUpperCased) {
  // spec 6.2: AVERAGE, SUM, MINIMUM, MAXIMUM; SAMPLE_COUNT [INFERRED].
  struct Case {
    Statistic statistic;
    const char* expected;
  } cases[] = {{Statistic::kAverage, "AVERAGE"},
               {Statistic::kSum, "SUM"},
               {Statistic::kMinimum, "MINIMUM"},
               {Statistic::kMaximum, "MAXIMUM"},
               {Statistic::kSampleCount, "SAMPLE_COUNT"}};
  for (const Case& c : cases) {
    AlarmSpec spec = LambdaErrorsSpec();
    spec.statistic = c.statistic;
    Json m = Json::parse(
        SnsMessageJson(NotificationFromStateChange(LambdaErrorsChange(&spec))));
    EXPECT_EQ(m["Trigger"]["Statistic"], c.expected);
  }
}

TEST(SnsMessageTest, ExtendedStatisticVariant) {
  // spec 6.2: StatisticType "ExtendedStatistic", then ExtendedStatistic.
  AlarmSpec spec = LambdaErrorsSpec();
  spec.statistic.reset();
  spec.extended_statistic = "p99";
  std::string json =
      SnsMessageJson(NotificationFromStateChange(LambdaErrorsChange(&spec)));
  EXPECT_THAT(
      json,
      testing::HasSubstr(
          R"("StatisticType":"ExtendedStatistic","ExtendedStatistic":"p99","Unit":null)"));
}

TEST(SnsMessageTest, MetricMathVariantHasNoSingleMetricFields) {
  // spec 6.2: math Trigger = {Period, EvaluationPeriods, [DatapointsToAlarm],
  // ComparisonOperator, Threshold, TreatMissingData,
  // EvaluateLowSampleCountPercentile, Metrics:[...]}.
  AlarmNotification n;
  n.alarm_name = "math";
  n.account_id = "123456789012";
  n.region = "eu-west-1";
  n.alarm_arn = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:math";
  n.period = absl::Seconds(300);
  n.evaluation_periods = 5;
  n.comparison_operator = "LessThanThreshold";
  n.threshold = 65;
  n.treat_missing_data = "missing";
  SnsMetricQuery e;
  e.id = "e1";
  e.expression = "m1*100";
  e.label = "pct";
  SnsMetricQuery m1;
  m1.id = "m1";
  m1.metric = {"AWS/EC2", "CPUUtilization", {{"InstanceId", "i-1"}}};
  m1.period = absl::Seconds(300);
  m1.stat = "Average";
  m1.return_data = false;
  n.metrics = {e, m1};
  n.action_executed_after_mute_window.reset();
  std::string json = SnsMessageJson(n);
  EXPECT_THAT(json, testing::HasSubstr(R"j("Region":"EU (Ireland)")j"));
  EXPECT_THAT(
      json,
      testing::HasSubstr(
          R"("Trigger":{"Period":300,"EvaluationPeriods":5,"ComparisonOperator":"LessThanThreshold","Threshold":65.0,"TreatMissingData":"missing","EvaluateLowSampleCountPercentile":"","Metrics":[{"Expression":"m1*100","Id":"e1","Label":"pct","ReturnData":true},{"Id":"m1","MetricStat":{"Metric":{"Dimensions":[{"value":"i-1","name":"InstanceId"}],"MetricName":"CPUUtilization","Namespace":"AWS/EC2"},"Period":300,"Stat":"Average"},"ReturnData":false}]}})"));
}

TEST(SnsMessageTest, CompositeAlarmVariantWithTriggeringChildren) {
  // spec 6.2: composite = AlarmName, AlarmDescription, AWSAccountId,
  // NewStateValue, NewStateReason, StateChangeTime, Region, AlarmArn,
  // OldStateValue, the three action arrays, TriggeringChildren
  // [{"Arn","State":{"Value","Timestamp"}}]; no Trigger. The children come
  // from the reason data's triggeringAlarms (spec 4.6).
  CompositeAlarmSpec spec;
  spec.alarm_name = "service-down";
  spec.alarm_rule = "ALARM(cpu-high)";
  spec.alarm_actions = {"arn:aws:sns:eu-central-1:123456789012:pager"};
  StateChange c;
  c.composite = &spec;
  c.alarm_arn =
      "arn:aws:cloudwatch:eu-central-1:123456789012:alarm:service-down";
  c.region = "eu-central-1";
  c.account_id = "123456789012";
  c.old_state = AlarmState::kOk;
  c.new_state = AlarmState::kAlarm;
  c.new_reason =
      "arn:aws:cloudwatch:eu-central-1:123456789012:alarm:cpu-high "
      "transitioned to ALARM at Friday 22 July, 2022 15:57:45 UTC";
  c.new_reason_data =
      R"({"triggeringAlarms":[{"arn":"arn:aws:cloudwatch:eu-central-1:123456789012:alarm:cpu-high","state":{"value":"ALARM","timestamp":"2022-07-22T15:57:45.394+0000"}}]})";
  c.timestamp = Cw("2022-07-22T15:57:45.500+0000");
  c.action = "arn:aws:sns:eu-central-1:123456789012:pager";
  absl::StatusOr<SnsPublish> p = MakeSnsPublish(c);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->subject, "ALARM: \"service-down\" in EU (Frankfurt)");
  Json m = Json::parse(p->message);
  std::vector<std::string> keys;
  for (auto& [key, value] : m.items()) keys.push_back(key);
  EXPECT_THAT(
      keys, testing::ElementsAre(
                "AlarmName", "AlarmDescription", "AWSAccountId",
                "NewStateValue", "NewStateReason", "StateChangeTime", "Region",
                "AlarmArn", "OldStateValue", "OKActions", "AlarmActions",
                "InsufficientDataActions", "TriggeringChildren"));
  EXPECT_EQ(
      m["TriggeringChildren"],
      Json::parse(
          R"([{"Arn":"arn:aws:cloudwatch:eu-central-1:123456789012:alarm:cpu-high","State":{"Value":"ALARM","Timestamp":"2022-07-22T15:57:45.394+0000"}}])"));
  EXPECT_EQ(m["StateChangeTime"], "2022-07-22T15:57:45.500+0000");
}

TEST(MakeSnsPublishTest, ChangeWithoutAlarmIsInvalidArgument) {
  StateChange c;
  c.action = "arn:aws:sns:us-east-1:123456789012:t";
  absl::StatusOr<SnsPublish> p = MakeSnsPublish(c);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(),
              testing::HasSubstr("neither a metric nor a composite alarm"));
}

struct SubjectCase {
  const char* rule;
  AlarmState state;
  const char* alarm_name;
  const char* region;
  const char* expected;
};

class SnsSubjectTest : public testing::TestWithParam<SubjectCase> {};

TEST_P(SnsSubjectTest, MatchesObservedSubject) {
  const SubjectCase& c = GetParam();
  EXPECT_EQ(SnsSubject(c.state, c.alarm_name, RegionLongName(c.region)),
            c.expected)
      << c.rule;
}

INSTANTIATE_TEST_SUITE_P(
    Spec63, SnsSubjectTest,
    testing::Values(
        SubjectCase{"spec 6.3: observed US East (Ohio)", AlarmState::kAlarm,
                    "ELB Target Response Time > 0.4s", "us-east-2",
                    "ALARM: \"ELB Target Response Time > 0.4s\" in US East "
                    "(Ohio)"},
        SubjectCase{"spec 6.3: observed Asia Pacific (Sydney)",
                    AlarmState::kInsufficientData, "test-lambda-parity",
                    "ap-southeast-2",
                    "INSUFFICIENT_DATA: \"test-lambda-parity\" in Asia "
                    "Pacific (Sydney)"},
        SubjectCase{"spec 6.3: observed US East (N. Virginia)",
                    AlarmState::kAlarm, "stepspotter-5xx", "us-east-1",
                    "ALARM: \"stepspotter-5xx\" in US East (N. Virginia)"},
        SubjectCase{"spec 6.3: EU (Ireland), not Europe (Ireland)",
                    AlarmState::kOk, "a", "eu-west-1",
                    "OK: \"a\" in EU (Ireland)"},
        SubjectCase{"spec 6.3: EU (Frankfurt)", AlarmState::kOk, "a",
                    "eu-central-1", "OK: \"a\" in EU (Frankfurt)"},
        SubjectCase{"[OPEN] unknown region printed as its code",
                    AlarmState::kOk, "a", "xx-test-9",
                    "OK: \"a\" in xx-test-9"}));

TEST(SnsSubjectTest, LongNameIsCutToFewerThan100Characters) {
  // spec 6.3: SNS needs < 100 characters; [OPEN] how AWS shortens. Ours
  // keeps the state and region and ends the cut name in "...".
  std::string name(200, 'x');
  std::string subject =
      SnsSubject(AlarmState::kAlarm, name, "US East (N. Virginia)");
  EXPECT_EQ(subject.size(), 99u);
  EXPECT_THAT(subject, testing::StartsWith("ALARM: \"xxx"));
  EXPECT_THAT(subject, testing::EndsWith("xxx...\" in US East (N. Virginia)"));
}

TEST(SnsSubjectTest, CutRespectsUtf8CharacterBoundaries) {
  std::string name;
  for (int i = 0; i < 120; ++i) name += "\xC3\xA9";  // U+00E9, 2 bytes.
  std::string subject = SnsSubject(AlarmState::kOk, name, "EU (Ireland)");
  int chars = 0;
  for (unsigned char c : subject) chars += (c & 0xC0) != 0x80;
  EXPECT_EQ(chars, 99);
  EXPECT_THAT(subject, testing::EndsWith("\xC3\xA9...\" in EU (Ireland)"));
}

TEST(SnsSubjectTest, ControlCharactersBecomeSpaces) {
  // spec 6.3: no line breaks or control characters in a subject.
  EXPECT_EQ(SnsSubject(AlarmState::kOk, "a\nb\tc", "EU (Ireland)"),
            "OK: \"a b c\" in EU (Ireland)");
}

TEST(SnsTopicArnTest, ParsesRegionFromTopicArn) {
  // spec 6.1: arn:aws:sns:{region}:{account}:{topic}; partition may vary.
  absl::StatusOr<SnsTopicArn> arn =
      ParseSnsTopicArn("arn:aws-cn:sns:cn-north-1:123456789012:t");
  ASSERT_TRUE(arn.ok());
  EXPECT_EQ(arn->partition, "aws-cn");
  EXPECT_EQ(arn->region, "cn-north-1");
  EXPECT_EQ(arn->account_id, "123456789012");
  EXPECT_EQ(arn->topic, "t");
}

TEST(SnsTopicArnTest, RejectsNonSnsArn) {
  absl::StatusOr<SnsTopicArn> arn =
      ParseSnsTopicArn("arn:aws:lambda:us-east-1:123456789012:function:f");
  EXPECT_EQ(arn.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(arn.status().message(),
              testing::HasSubstr("not an SNS topic ARN"));
}

TEST(MakeSnsPublishTest, TopicRegionSubjectAndIdempotencyKey) {
  AlarmSpec spec = LambdaErrorsSpec();
  StateChange change = LambdaErrorsChange(&spec);
  change.action = "arn:aws:sns:eu-west-1:123456789012:alerts";
  absl::StatusOr<SnsPublish> p = MakeSnsPublish(change);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->topic_arn, "arn:aws:sns:eu-west-1:123456789012:alerts");
  EXPECT_EQ(p->region, "eu-west-1");  // Endpoint region: the topic's.
  // Subject names the alarm's region (spec 6.3).
  EXPECT_EQ(p->subject, "ALARM: \"lambda-errors\" in US East (N. Virginia)");
  EXPECT_EQ(p->idempotency_key,
            "arn:aws:cloudwatch:us-east-1:123456789012:alarm:lambda-errors@"
            "2019-10-02T17:04:40.985+0000");
}

}  // namespace
}  // namespace cwalarm
