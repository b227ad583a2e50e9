// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// One case per row of docs/errors.md that no other test pins down: each case
// provokes the refusal through the public API and checks its status code and
// a message fragment. The case name is the row's id in docs/errors.md.

#include <cstdlib>
#include <functional>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "actions/recording_sink.h"
#include "actions/sigv4.h"
#include "actions/sns_message.h"
#include "alarm/alarm_evaluator.h"
#include "alarm/alarm_spec.h"
#include "alarm/alarm_state.h"
#include "alarm/threshold.h"
#include "config/config_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/datapoint.h"
#include "metrics/extended_statistic.h"
#include "metrics/metric_id.h"
#include "metrics/metric_store.h"
#include "metrics/statistic.h"
#include "metrics/unit.h"
#include "tests/testing/status_matchers.h"
#include "tools/replay.h"
#include "tools/series_notation.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1710590400);  // 2024-03-16T12:00Z

AlarmSpec CpuAlarmSpec() {
  AlarmSpec spec;
  spec.alarm_name = "cpu-high";
  spec.metric = {"AWS/EC2", "CPUUtilization", {{"InstanceId", "i-1"}}};
  spec.statistic = Statistic::kAverage;
  spec.period = absl::Seconds(60);
  spec.evaluation_periods = 3;
  spec.threshold = 80;
  spec.comparison_operator = ComparisonOperator::kGreaterThanThreshold;
  return spec;
}

MetricDatum CpuDatum() {
  MetricDatum d;
  d.metric = {"AWS/EC2", "CPUUtilization", {{"InstanceId", "i-1"}}};
  d.timestamp = kT0;
  d.value = 50;
  return d;
}

absl::Status SpecWith(const std::function<void(AlarmSpec&)>& edit) {
  AlarmSpec spec = CpuAlarmSpec();
  edit(spec);
  return spec.Validate();
}

absl::Status DatumWith(const std::function<void(MetricDatum&)>& edit) {
  MetricDatum d = CpuDatum();
  edit(d);
  return ValidateMetricDatum(d, "MetricData[0]");
}

// An evaluator holding CpuAlarmSpec, for SetAlarmState / DeleteAlarm rows.
absl::Status OnEvaluator(
    const std::function<absl::Status(AlarmEvaluator&)>& call,
    EvaluatorOptions options = {}) {
  MetricStore store;
  RecordingSink sink;
  AlarmEvaluator evaluator(&store, &sink, options);
  absl::Status put = evaluator.PutMetricAlarm(CpuAlarmSpec(), kT0);
  if (!put.ok()) return put;
  return call(evaluator);
}

absl::Status ReplayWith(const std::function<void(ReplayOptions&)>& edit,
                        std::vector<TimedDatum> data = {}) {
  ReplayOptions options;
  edit(options);
  return ReplaySchedule(options, {CpuAlarmSpec()}, data).status();
}

const char kJsonAlarmHead[] =
    R"({"AlarmName":"a","Namespace":"AWS/EC2","MetricName":"CPUUtilization",)"
    R"("Statistic":"Average","Period":60,"EvaluationPeriods":1,)"
    R"("Threshold":1,"ComparisonOperator":"GreaterThanThreshold")";

absl::Status AlarmJsonWith(absl::string_view extra) {
  return ParseAlarmsJson(absl::StrCat(kJsonAlarmHead, extra, "}"), "a.json")
      .status();
}

struct Row {
  std::string id;  // The row's id in docs/errors.md.
  std::function<absl::Status()> provoke;
  absl::StatusCode code;
  std::string fragment;
};

// Keeps failure messages readable: the row id, not the object's bytes.
void PrintTo(const Row& row, std::ostream* os) { *os << row.id; }

class ErrorsCatalogueTest : public ::testing::TestWithParam<Row> {};

TEST_P(ErrorsCatalogueTest, RefusesWithDocumentedCodeAndMessage) {
  const Row& row = GetParam();
  EXPECT_THAT(row.provoke(), StatusIs(row.code, HasSubstr(row.fragment)))
      << row.id;
}

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

std::vector<Row> Rows() {
  std::vector<Row> rows = {
      // --- AlarmSpec::Validate (alarm/alarm_spec.cc) -------------------------
      {"SpecNameControlCharacter",
       [] { return SpecWith([](AlarmSpec& s) { s.alarm_name = "a\tb"; }); },
       kInvalid, "must not contain ASCII control characters"},
      {"SpecNamespaceNull",
       [] {
         return SpecWith([](AlarmSpec& s) { s.metric.metric_namespace.clear(); });
       },
       kInvalid, "Namespace must not be null"},
      {"SpecStatisticAndExtended",
       [] {
         return SpecWith([](AlarmSpec& s) { s.extended_statistic = "p90"; });
       },
       kInvalid, "exactly one of Statistic and ExtendedStatistic may be set"},
      {"SpecPeriodNull",
       [] {
         return SpecWith([](AlarmSpec& s) { s.period = absl::ZeroDuration(); });
       },
       kInvalid, "Period must not be null"},
      {"SpecDatapointsToAlarmBelowOne",
       [] { return SpecWith([](AlarmSpec& s) { s.datapoints_to_alarm = 0; }); },
       kInvalid, "'datapointsToAlarm' failed to satisfy constraint"},
      {"SpecThresholdNull",
       [] { return SpecWith([](AlarmSpec& s) { s.threshold.reset(); }); },
       kInvalid, "Threshold must not be null for a static-threshold alarm"},
      {"SpecEvaluationRangeBelowN",
       [] { return SpecWith([](AlarmSpec& s) { s.evaluation_range = 2; }); },
       kInvalid, "the evaluation range must cover at least EvaluationPeriods"},
      {"SpecTooManyTags",
       [] {
         return SpecWith([](AlarmSpec& s) { s.tags.resize(51, Tag{"k", "v"}); });
       },
       kInvalid, "Value at 'tags' failed to satisfy constraint"},
      // --- Metric ids (metrics/metric_id.cc) ---------------------------------
      {"MetricIdNamespaceCharacters",
       [] {
         return SpecWith([](AlarmSpec& s) { s.metric.metric_namespace = "a$b"; });
       },
       kInvalid, "must contain only 0-9A-Za-z"},
      {"MetricIdDimensionValueLength",
       [] {
         return SpecWith(
             [](AlarmSpec& s) { s.metric.dimensions[0].value.clear(); });
       },
       kInvalid, "Dimensions[0].Value \"\" must have length between 1 and 1024"},
      {"MetricIdDimensionNotAscii",
       [] {
         return SpecWith(
             [](AlarmSpec& s) { s.metric.dimensions[0].name = "In\x01stance"; });
       },
       kInvalid, "must be ASCII without control characters"},
      // --- Datums (metrics/datapoint.cc) -------------------------------------
      {"DatumValueNaN",
       [] {
         return DatumWith([](MetricDatum& d) {
           d.value = std::numeric_limits<double>::quiet_NaN();
         });
       },
       kInvalid, "The value NaN for parameter"},
      // --- Enumerations (metrics/, alarm/) -----------------------------------
      {"ParseStatisticUnknown",
       [] { return ParseStatistic("Median").status(); }, kInvalid,
       "Value 'Median' at 'statistic' failed to satisfy constraint"},
      {"ParseUnitUnknown", [] { return ParseUnit("Furlongs").status(); },
       kInvalid, "Unit \"Furlongs\" is not a CloudWatch unit"},
      {"ParseAlarmStateUnknown",
       [] { return ParseAlarmState("FIRING").status(); }, kInvalid,
       "Value 'FIRING' at 'stateValue' failed to satisfy constraint"},
      // --- Extended statistics (metrics/extended_statistic.cc) ---------------
      {"ExtendedStatisticNumberOutOfRange",
       [] { return ParseExtendedStatistic("TM(1e400:)").status(); }, kInvalid,
       "ExtendedStatistic \"TM(1e400:)\""},
      // --- AlarmEvaluator (alarm/alarm_evaluator.cc) -------------------------
      {"EvaluatorRangeOverrideBelowN",
       [] {
         EvaluatorOptions options;
         options.evaluation_range = 2;
         return OnEvaluator([](AlarmEvaluator&) { return absl::OkStatus(); },
                            options);
       },
       kInvalid, "evaluation range (2) must be at least EvaluationPeriods (3)"},
      {"EvaluatorRangeOverTooLarge",
       [] {
         EvaluatorOptions options;
         options.evaluation_range = 70000;
         return OnEvaluator([](AlarmEvaluator&) { return absl::OkStatus(); },
                            options);
       },
       kInvalid, "evaluation range must not exceed 65535 buckets"},
      {"DeleteAlarmUnknown",
       [] {
         return OnEvaluator(
             [](AlarmEvaluator& e) { return e.DeleteAlarm("nope", kT0); });
       },
       absl::StatusCode::kNotFound, "DeleteAlarms: no such alarm"},
      {"SetAlarmStateUnknown",
       [] {
         return OnEvaluator([](AlarmEvaluator& e) {
           return e.SetAlarmState("nope", AlarmState::kAlarm, "r", "", kT0);
         });
       },
       absl::StatusCode::kNotFound, "SetAlarmState: no such alarm"},
      {"SetAlarmStateReasonTooLong",
       [] {
         return OnEvaluator([](AlarmEvaluator& e) {
           return e.SetAlarmState("cpu-high", AlarmState::kAlarm,
                                  std::string(1024, 'r'), "", kT0);
         });
       },
       kInvalid, "Value at 'stateReason' failed to satisfy constraint"},
      {"SetAlarmStateReasonDataTooLong",
       [] {
         return OnEvaluator([](AlarmEvaluator& e) {
           std::string data = absl::StrCat("\"", std::string(4000, 'x'), "\"");
           return e.SetAlarmState("cpu-high", AlarmState::kAlarm, "r", data,
                                  kT0);
         });
       },
       kInvalid, "Value at 'stateReasonData' failed to satisfy constraint"},
      // --- Loaders (config/config_loader.cc) ---------------------------------
      {"AlarmJsonExpectedString",
       [] { return AlarmJsonWith(R"(,"AlarmDescription":5)"); }, kInvalid,
       "expected a string, got 5"},
      {"AlarmJsonExpectedBool",
       [] { return AlarmJsonWith(R"(,"ActionsEnabled":"yes")"); }, kInvalid,
       "expected true or false"},
      {"AlarmJsonExpectedStringArray",
       [] { return AlarmJsonWith(R"(,"AlarmActions":"arn")"); }, kInvalid,
       "expected an array of strings"},
      {"AlarmJsonExpectedObject",
       [] { return ParseAlarmsJson("[1]", "a.json").status(); }, kInvalid,
       "expected a JSON object"},
      {"AlarmJsonEvaluationWindow",
       [] { return AlarmJsonWith(R"(,"EvaluationWindow":{})"); }, kInvalid,
       "only metric alarms with a sliding window are supported"},
      {"AlarmTextProtoSyntax",
       [] {
         return ParseAlarmsTextProto("alarms { alarm_name: }", "a.textproto")
             .status();
       },
       kInvalid, "a.textproto:1:"},
      {"AlarmTextProtoPeriodNanos",
       [] {
         return ParseAlarmsTextProto(
                    "alarms { alarm_name: \"a\" period { seconds: 60 nanos: 5 } }",
                    "a.textproto")
             .status();
       },
       kInvalid, "must be a whole number of seconds"},
      {"MetricsCsvColumnTwice",
       [] {
         return ParseMetricsCsv(
                    "Timestamp,Namespace,MetricName,Dimensions,Unit,Value,Value\n",
                    "m.csv")
             .status();
       },
       kInvalid, "column \"Value\" appears twice"},
      {"MetricsCsvEmptyValue",
       [] {
         return ParseMetricsCsv(
                    "Timestamp,Namespace,MetricName,Dimensions,Unit,Value\n"
                    "2024-03-16T12:00:00Z,AWS/EC2,CPUUtilization,,,\n",
                    "m.csv")
             .status();
       },
       kInvalid, "Value: empty; a number is required"},
      {"MetricsJsonExpectedNumberArray",
       [] {
         return ParseMetricsJson(
                    R"({"Namespace":"AWS/EC2","MetricData":[{"MetricName":"C",)"
                    R"("Timestamp":"2024-03-16T12:00:00Z","Values":"1"}]})",
                    "m.json")
             .status();
       },
       kInvalid, "expected an array of numbers"},
      // --- cwalarm replay (tools/replay.cc) ----------------------------------
      {"ReplayNoInstants", [] { return ReplayWith([](ReplayOptions&) {}); },
       kInvalid, "no evaluation instants"},
      {"ReplayFromAfterTo",
       [] {
         return ReplayWith([](ReplayOptions& o) {
           o.from = kT0 + absl::Hours(1);
           o.to = kT0;
         });
       },
       kInvalid, "must not be after --to"},
      {"ReplayNoInstantBetween",
       [] {
         return ReplayWith([](ReplayOptions& o) {
           o.from = kT0 + absl::Seconds(1);
           o.to = kT0 + absl::Seconds(2);
         });
       },
       kInvalid, "no evaluation instant between --from"},
      {"ReplayEvaluateAtEmptyItem", [] { return ParseTimeList("1,,2").status(); },
       kInvalid, "empty instant in list"},
      {"ReplayEvaluateAtBadItem",
       [] { return ParseTimeList("1,yesterday").status(); }, kInvalid,
       "--evaluate-at: "},
      {"ReplayFormatUnknown", [] { return ParseFormat("yaml").status(); },
       kInvalid, "--format \"yaml\": must be json or text"},
      {"ReplayInitialStateUnknown",
       [] {
         ReplayOptions o;
         return ParseInitialState("FIRING", &o);
       },
       kInvalid, "--initial-state \"FIRING\""},
      {"ReplayInitialStateEmptyReason",
       [] {
         ReplayOptions o;
         return ParseInitialState("ALARM:", &o);
       },
       kInvalid, "REASON after ':' must not be empty"},
      {"ReplaySeriesStepNotPositive",
       [] {
         ReplayOptions o;
         o.series = {"AWS/EC2 CPUUtilization 1"};
         o.series_step = absl::ZeroDuration();
         return LoadReplayData(o).status();
       },
       kInvalid, "--series-step must be positive"},
      // --- Series notation (tools/series_notation.cc) ------------------------
      {"SeriesDimensionExpected",
       [] {
         return ParseSeries("AWS/EC2 CPU{=i-1} 1", kT0, absl::Minutes(1), "s")
             .status();
       },
       kInvalid, "expected a dimension as Name=Value"},
      {"SeriesDimensionEquals",
       [] {
         return ParseSeries("AWS/EC2 CPU{InstanceId} 1", kT0, absl::Minutes(1),
                            "s")
             .status();
       },
       kInvalid, "expected '=' after dimension \"InstanceId\""},
      {"SeriesUnitBracket",
       [] {
         return ParseSeries("AWS/EC2 CPU[Percent 1", kT0, absl::Minutes(1), "s")
             .status();
       },
       kInvalid, "expected ']' after the unit"},
      {"SeriesSpaceAfterMetric",
       [] {
         return ParseSeries("AWS/EC2 CPU[Percent]1", kT0, absl::Minutes(1), "s")
             .status();
       },
       kInvalid, "expected a space after the metric"},
      {"SeriesValueExpected",
       [] {
         return ParseSeries("AWS/EC2 CPU ?", kT0, absl::Minutes(1), "s")
             .status();
       },
       kInvalid, "expected a value: a number"},
      {"SeriesTooLong",
       [] {
         return ParseSeries("AWS/EC2 CPU 1x10000001", kT0, absl::Minutes(1),
                            "s")
             .status();
       },
       kInvalid, "the series is longer than 10000000 periods"},
      // --- SNS (actions/) ----------------------------------------------------
      {"SnsTopicArnEmptyPart",
       [] { return ParseSnsTopicArn("arn:aws:sns::123456789012:t").status(); },
       kInvalid, "SNS topic ARN has an empty part 3"},
      {"SnsMessageTooLarge",
       [] {
         AlarmNotification n;
         n.alarm_name = std::string(300000, 'a');
         n.region = "us-east-1";
         return MakeSnsPublish(n, "arn:aws:sns:us-east-1:123456789012:t")
             .status();
       },
       kInvalid, "SNS accepts at most 262144"},
      {"SigV4EmptyRegion",
       [] {
         SigV4Request request;
         request.headers.push_back({"Host", "sns.us-east-1.amazonaws.com"});
         SigV4Params params;
         params.service = "sns";
         params.credentials.access_key_id = "AKID";
         params.credentials.secret_access_key = "secret";
         return SignSigV4(params, &request).status();
       },
       kInvalid, "SigV4: region and service must not be empty"},
      {"SigV4EmptyKeys",
       [] {
         SigV4Request request;
         request.headers.push_back({"Host", "sns.us-east-1.amazonaws.com"});
         SigV4Params params;
         params.region = "us-east-1";
         params.service = "sns";
         return SignSigV4(params, &request).status();
       },
       kInvalid, "access key id and secret access key must not be empty"},
      {"CredentialsNoAccessKey",
       [] {
         ::unsetenv("AWS_ACCESS_KEY_ID");
         return AwsCredentialsFromEnvironment().status();
       },
       absl::StatusCode::kFailedPrecondition, "AWS_ACCESS_KEY_ID is not set"},
      {"CredentialsNoSecretKey",
       [] {
         ::setenv("AWS_ACCESS_KEY_ID", "AKID", 1);
         ::unsetenv("AWS_SECRET_ACCESS_KEY");
         absl::Status s = AwsCredentialsFromEnvironment().status();
         ::unsetenv("AWS_ACCESS_KEY_ID");
         return s;
       },
       absl::StatusCode::kFailedPrecondition,
       "AWS_SECRET_ACCESS_KEY is not set"},
  };
  return rows;
}

INSTANTIATE_TEST_SUITE_P(Catalogue, ErrorsCatalogueTest,
                         ::testing::ValuesIn(Rows()),
                         [](const ::testing::TestParamInfo<Row>& info) {
                           return info.param.id;
                         });

}  // namespace
}  // namespace cwalarm
