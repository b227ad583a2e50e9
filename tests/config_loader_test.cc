// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "config/config_loader.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cwalarm {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

// 2024-03-16T12:00:00Z.
const absl::Time kNoon = absl::FromUnixSeconds(1710590400);

template <typename T>
void ExpectInvalid(const absl::StatusOr<T>& result, const std::string& part) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(part));
}

template <typename T>
std::vector<std::string> Lines(const absl::StatusOr<T>& result) {
  return absl::StrSplit(std::string(result.status().message()), '\n');
}

// A minimal valid put-metric-alarm document with one extra member.
std::string PutAlarmJson(const std::string& extra) {
  return R"({"AlarmName": "cpu", "Namespace": "AWS/EC2",
             "MetricName": "CPUUtilization", "Statistic": "Average",
             "Period": 60, "EvaluationPeriods": 3, "Threshold": 80,
             "ComparisonOperator": "GreaterThanThreshold")" +
         extra + "}";
}

// --- Alarms: JSON ------------------------------------------------------------

TEST(ConfigLoaderTest, LoadsPutMetricAlarmJson) {
  absl::StatusOr<std::vector<AlarmSpec>> alarms =
      LoadAlarmsFile("tests/testdata/alarms_put_metric_alarm.json");
  ASSERT_TRUE(alarms.ok()) << alarms.status();
  ASSERT_THAT(*alarms, SizeIs(1));
  const AlarmSpec& a = (*alarms)[0];
  EXPECT_EQ(a.alarm_name, "cpu-high");
  EXPECT_EQ(a.alarm_description, "CPU above 80% for 3 of 5 minutes");
  EXPECT_TRUE(a.actions_enabled);
  EXPECT_THAT(a.alarm_actions, SizeIs(1));
  EXPECT_EQ(a.metric.metric_namespace, "AWS/EC2");
  EXPECT_EQ(a.metric.metric_name, "CPUUtilization");
  ASSERT_THAT(a.metric.dimensions, SizeIs(1));
  EXPECT_EQ(a.metric.dimensions[0].name, "InstanceId");
  EXPECT_EQ(a.statistic, Statistic::kAverage);
  EXPECT_EQ(a.period, absl::Seconds(60));
  EXPECT_EQ(a.unit, Unit::kPercent);
  EXPECT_EQ(a.evaluation_periods, 5);
  EXPECT_EQ(a.datapoints_to_alarm, 3);
  EXPECT_EQ(a.threshold, 80.0);
  EXPECT_EQ(a.comparison_operator, ComparisonOperator::kGreaterThanThreshold);
  EXPECT_EQ(a.treat_missing_data, TreatMissingData::kBreaching);
  EXPECT_EQ(a.evaluation_range, 7);
  ASSERT_THAT(a.tags, SizeIs(1));
  EXPECT_EQ(a.tags[0].key, "team");
}

TEST(ConfigLoaderTest, LoadsDescribeAlarmsDocumentIgnoringReadOnlyKeys) {
  absl::StatusOr<std::vector<AlarmSpec>> alarms =
      LoadAlarmsFile("tests/testdata/alarms_describe.json");
  ASSERT_TRUE(alarms.ok()) << alarms.status();
  ASSERT_THAT(*alarms, SizeIs(2));
  EXPECT_EQ((*alarms)[0].alarm_name, "minimal");
  EXPECT_EQ((*alarms)[1].alarm_name, "latency-2-of-3");
  EXPECT_FALSE((*alarms)[1].actions_enabled);
  EXPECT_EQ((*alarms)[1].unit, Unit::kSeconds);
}

TEST(ConfigLoaderTest, DescribeAlarmsKeepsDatapointsToAlarmUnsetVersusSet) {
  absl::StatusOr<std::vector<AlarmSpec>> alarms =
      LoadAlarmsFile("tests/testdata/alarms_describe.json");
  ASSERT_TRUE(alarms.ok()) << alarms.status();
  // DescribeAlarms omits DatapointsToAlarm and TreatMissingData when unset
  // (spec 1.2); they must stay unset so a description round-trips.
  EXPECT_FALSE((*alarms)[0].datapoints_to_alarm.has_value());
  EXPECT_FALSE((*alarms)[0].treat_missing_data.has_value());
  EXPECT_FALSE((*alarms)[0].unit.has_value());
  EXPECT_FALSE((*alarms)[0].alarm_description.has_value());
  EXPECT_EQ((*alarms)[0].EffectiveDatapointsToAlarm(), 1);
  EXPECT_EQ((*alarms)[1].datapoints_to_alarm, 2);
  EXPECT_EQ((*alarms)[1].treat_missing_data, TreatMissingData::kNotBreaching);
}

TEST(ConfigLoaderTest, RejectsMalformedJsonWithPosition) {
  absl::StatusOr<std::vector<AlarmSpec>> alarms =
      ParseAlarmsJson("{\n  \"AlarmName\": \"x\",\n  oops\n}", "alarms.json");
  ExpectInvalid(alarms, "alarms.json: invalid JSON: ");
  ExpectInvalid(alarms, "line 3");
}

TEST(ConfigLoaderTest, RejectsUnknownKeyNamingItsPath) {
  ExpectInvalid(ParseAlarmsJson(PutAlarmJson(R"(, "Treshold": 1)"), "a.json"),
                "a.json: $.Treshold: unknown key");
}

TEST(ConfigLoaderTest, RejectsWrongTypeNamingPathAndValue) {
  std::string doc = R"({"MetricAlarms": [)" + PutAlarmJson("") + "," +
                    PutAlarmJson("") + "," +
                    R"({"AlarmName": "p", "Period": "60"}]})";
  ExpectInvalid(ParseAlarmsJson(doc, "alarms.json"),
                "alarms.json: $.MetricAlarms[2].Period: expected an integer, "
                "got \"60\"");
}

TEST(ConfigLoaderTest, RejectsBadEnumsWithCloudWatchMessages) {
  absl::StatusOr<std::vector<AlarmSpec>> alarms = ParseAlarmsJson(
      R"({"AlarmName": "a", "Statistic": "Mean", "TreatMissingData": "zero",
          "ComparisonOperator": "Above", "Unit": "percent"})",
      "a.json");
  ExpectInvalid(alarms, "a.json: $.Statistic: 1 validation error detected: "
                        "Value 'Mean' at 'statistic'");
  ExpectInvalid(alarms, "a.json: $.TreatMissingData: The value zero is not "
                        "supported for TreatMissingData parameter.");
  ExpectInvalid(alarms, "a.json: $.ComparisonOperator: ");
  ExpectInvalid(alarms, "a.json: $.Unit: ");
  EXPECT_THAT(Lines(alarms), SizeIs(4));
}

TEST(ConfigLoaderTest, ReportsValidationFailuresOfEveryAlarmWithItsPath) {
  std::string doc = R"({"MetricAlarms": [)" +
                    PutAlarmJson(R"(, "DatapointsToAlarm": 5)") + "," +
                    R"({"AlarmName": "slow", "Namespace": "N", "MetricName": "M",
                        "Statistic": "Sum", "Period": 45, "EvaluationPeriods": 1,
                        "Threshold": 1, "ComparisonOperator": "LessThanThreshold"}]})";
  absl::StatusOr<std::vector<AlarmSpec>> alarms = ParseAlarmsJson(doc, "a.json");
  ExpectInvalid(alarms, "a.json: $.MetricAlarms[0]: alarm \"cpu\": ");
  ExpectInvalid(alarms, "DatapointsToAlarm must be less than or equal to "
                        "EvaluationPeriods");
  ExpectInvalid(alarms, "a.json: $.MetricAlarms[1]: alarm \"slow\": ");
  EXPECT_THAT(Lines(alarms), SizeIs(2));
}

TEST(ConfigLoaderTest, RejectsDuplicateAlarmNames) {
  std::string doc = R"({"MetricAlarms": [)" + PutAlarmJson("") + "," +
                    PutAlarmJson("") + "]}";
  ExpectInvalid(ParseAlarmsJson(doc, "a.json"),
                "a.json: $.MetricAlarms[1].AlarmName: duplicate alarm name "
                "\"cpu\" (first at $.MetricAlarms[0])");
}

TEST(ConfigLoaderTest, RejectsMissingComparisonOperator) {
  ExpectInvalid(ParseAlarmsJson(R"({"AlarmName": "a", "Namespace": "N",
      "MetricName": "M", "Statistic": "Sum", "Period": 60,
      "EvaluationPeriods": 1, "Threshold": 1})",
                                "a.json"),
                "a.json: $: alarm \"a\": ComparisonOperator must not be null");
}

TEST(ConfigLoaderTest, RejectsNonEmptyCompositeAlarms) {
  ExpectInvalid(ParseAlarmsJson(R"({"MetricAlarms": [],
                                    "CompositeAlarms": [{"AlarmName": "c"}]})",
                                "a.json"),
                "a.json: $.CompositeAlarms: composite alarms are not supported");
}

TEST(ConfigLoaderTest, NeverCrashesOnOddJson) {
  for (const char* text :
       {"", "null", "[]", "42", "\"x\"", "{\"MetricAlarms\": 3}",
        "{\"MetricAlarms\": [1, null, []]}", "{\"Period\": 1e999}",
        "{\"Period\": 99999999999999999999}", "{\"Dimensions\": [{}]}",
        "{\"Tags\": \"x\"}", "\xff\xfe"}) {
    absl::StatusOr<std::vector<AlarmSpec>> alarms = ParseAlarmsJson(text, "f");
    EXPECT_FALSE(alarms.ok()) << text;
  }
}

// --- Alarms: text proto --------------------------------------------------------

TEST(ConfigLoaderTest, LoadsTextProto) {
  absl::StatusOr<std::vector<AlarmSpec>> alarms =
      LoadAlarmsFile("tests/testdata/alarms.textproto");
  ASSERT_TRUE(alarms.ok()) << alarms.status();
  ASSERT_THAT(*alarms, SizeIs(2));
  const AlarmSpec& cpu = (*alarms)[0];
  EXPECT_EQ(cpu.alarm_name, "cpu-high");
  EXPECT_EQ(cpu.statistic, Statistic::kAverage);
  EXPECT_EQ(cpu.period, absl::Seconds(60));
  EXPECT_EQ(cpu.unit, Unit::kPercent);
  EXPECT_EQ(cpu.datapoints_to_alarm, 3);
  EXPECT_EQ(cpu.treat_missing_data, TreatMissingData::kBreaching);
  EXPECT_TRUE(cpu.actions_enabled);
  const AlarmSpec& queue = (*alarms)[1];
  EXPECT_FALSE(queue.actions_enabled);
  EXPECT_EQ(queue.period, absl::Seconds(10));
  EXPECT_EQ(queue.threshold, 0.0);
  EXPECT_FALSE(queue.datapoints_to_alarm.has_value());
  EXPECT_FALSE(queue.treat_missing_data.has_value());
  EXPECT_FALSE(queue.unit.has_value());
  EXPECT_EQ(queue.evaluation_range, 6);
}

TEST(ConfigLoaderTest, TextProtoSyntaxErrorReportsLineAndColumn) {
  absl::StatusOr<std::vector<AlarmSpec>> alarms = ParseAlarmsTextProto(
      "alarms {\n  alarm_name: \"a\"\n  period: 60\n}\n", "alarms.textproto");
  ExpectInvalid(alarms, "alarms.textproto:3:");
}

TEST(ConfigLoaderTest, TextProtoUnknownFieldReportsLineAndColumn) {
  absl::StatusOr<std::vector<AlarmSpec>> alarms =
      ParseAlarmsTextProto("alarms {\n  treshold: 1\n}\n", "a.txtpb");
  ExpectInvalid(alarms, "a.txtpb:2:");
  ExpectInvalid(alarms, "no field named \"treshold\"");
}

TEST(ConfigLoaderTest, TextProtoValidationErrorPointsAtAlarmOrField) {
  absl::StatusOr<std::vector<AlarmSpec>> alarms = ParseAlarmsTextProto(
      R"(alarms {
  alarm_name: "a"
  metric { namespace: "N" metric_name: "M" }
  statistic: SUM
  period { seconds: 60 }
  evaluation_periods: 1
  threshold: 1
}
alarms {
  alarm_name: "b"
  metric { namespace: "N" metric_name: "M" }
  statistic: SUM
  period { seconds: 60 }
  unit: "percent"
  evaluation_periods: 1
  threshold: 1
  comparison_operator: GREATER_THAN_THRESHOLD
})",
      "alarms.textproto");
  ExpectInvalid(alarms, "alarms.textproto:1:1: alarms[0]: alarm \"a\": "
                        "comparison_operator is required");
  ExpectInvalid(alarms, "alarms.textproto:14:3: alarms[1].unit: ");
  EXPECT_THAT(Lines(alarms), SizeIs(2));
}

TEST(ConfigLoaderTest, TextProtoRejectsDuplicateNames) {
  std::string alarm = R"(alarms {
  alarm_name: "a"
  metric { namespace: "N" metric_name: "M" }
  statistic: SUM
  period { seconds: 60 }
  evaluation_periods: 1
  threshold: 1
  comparison_operator: GREATER_THAN_THRESHOLD
}
)";
  ExpectInvalid(ParseAlarmsTextProto(alarm + alarm, "f.textproto"),
                "f.textproto:11:3: alarms[1].alarm_name: duplicate alarm name");
}

TEST(ConfigLoaderTest, MissingAlarmsFileIsNotFound) {
  absl::StatusOr<std::vector<AlarmSpec>> alarms =
      LoadAlarmsFile("tests/testdata/no_such_file.json");
  ASSERT_FALSE(alarms.ok());
  EXPECT_EQ(alarms.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(alarms.status().message()),
              HasSubstr("tests/testdata/no_such_file.json"));
}

// --- Timestamps -------------------------------------------------------------------

TEST(ConfigLoaderTest, ParsesIsoTimestampsWithZuluAndOffsets) {
  EXPECT_EQ(*ParseTimestamp("2024-03-16T12:00:00Z"), kNoon);
  EXPECT_EQ(*ParseTimestamp("2024-03-16T14:00:00.250+02:00"),
            kNoon + absl::Milliseconds(250));
  EXPECT_EQ(*ParseTimestamp("2024-03-16T07:30:00-04:30"), kNoon);
}

TEST(ConfigLoaderTest, ParsesIntegerAndFractionalUnixSeconds) {
  EXPECT_EQ(*ParseTimestamp("1710590400"), kNoon);
  EXPECT_EQ(*ParseTimestamp("1710590400.25"), kNoon + absl::Milliseconds(250));
  EXPECT_EQ(*ParseTimestamp("1710590400.000000001"), kNoon + absl::Nanoseconds(1));
}

TEST(ConfigLoaderTest, RejectsTimestampsWithoutZoneOrGarbage) {
  for (const char* text : {"2024-03-16T12:00:00", "", "noon", "1.", "12e3",
                           "99999999999999999999"}) {
    absl::StatusOr<absl::Time> t = ParseTimestamp(text);
    ExpectInvalid(t, "invalid timestamp");
  }
}

// --- Metrics: CSV ---------------------------------------------------------------

TEST(ConfigLoaderTest, LoadsMetricsCsvWithQuotedDimensionsAndMixedTimestamps) {
  absl::StatusOr<std::vector<TimedDatum>> data =
      LoadMetricsFile("tests/testdata/metrics.csv");
  ASSERT_TRUE(data.ok()) << data.status();
  ASSERT_THAT(*data, SizeIs(4));
  EXPECT_EQ((*data)[0].datum.timestamp, kNoon);
  EXPECT_EQ((*data)[0].datum.unit, Unit::kPercent);
  EXPECT_EQ((*data)[0].datum.value, 42.5);
  EXPECT_EQ((*data)[0].received_at, kNoon);
  EXPECT_EQ((*data)[0].place, "tests/testdata/metrics.csv:2");
  EXPECT_EQ((*data)[1].datum.timestamp, kNoon + absl::Minutes(1));
  EXPECT_EQ((*data)[2].datum.timestamp,
            kNoon + absl::Minutes(2) + absl::Milliseconds(500));
  const MetricDatum& requests = (*data)[3].datum;
  EXPECT_EQ(requests.unit, Unit::kNone);
  ASSERT_THAT(requests.metric.dimensions, SizeIs(2));
  EXPECT_EQ(requests.metric.dimensions[0].name, "Route");
  EXPECT_EQ(requests.metric.dimensions[0].value, "/a,b");
  EXPECT_EQ(requests.metric.dimensions[1].value, "GET");
}

TEST(ConfigLoaderTest, CsvColumnsMatchByNameWithReceivedAtAndEscapedQuotes) {
  absl::StatusOr<std::vector<TimedDatum>> data = ParseMetricsCsv(
      "Value,MetricName,Namespace,Timestamp,ReceivedAt,Dimensions\r\n"
      "1,M,N,1710590400,1710590700,\"Q=say \"\"hi\"\"\"\r\n"
      "\r\n"
      "2,M,N,1710590460,,\r\n",
      "m.csv");
  ASSERT_TRUE(data.ok()) << data.status();
  ASSERT_THAT(*data, SizeIs(2));
  EXPECT_EQ((*data)[0].received_at, kNoon + absl::Minutes(5));
  EXPECT_EQ((*data)[0].datum.metric.dimensions[0].value, "say \"hi\"");
  EXPECT_EQ((*data)[1].received_at, kNoon + absl::Minutes(1));
  EXPECT_EQ((*data)[1].place, "m.csv:4");
  EXPECT_TRUE((*data)[1].datum.metric.dimensions.empty());
}

TEST(ConfigLoaderTest, CsvReportsEveryBadRowWithItsLine) {
  absl::StatusOr<std::vector<TimedDatum>> data = ParseMetricsCsv(
      "Timestamp,Namespace,MetricName,Dimensions,Unit,Value\n"
      "2024-03-16T12:00:00Z,N,M,,,1\n"        // 2: good
      "2024-03-16T12:00:00,N,M,,,1\n"         // 3: no zone
      "2024-03-16T12:01:00Z,N,M,,,abc\n"      // 4: not a number
      "2024-03-16T12:02:00Z,N,M,,Percents,1\n"  // 5: bad unit
      "2024-03-16T12:03:00Z,N,M,,,1,extra\n"  // 6: field count
      "2024-03-16T12:04:00Z,N,M,NoEquals,,1\n"  // 7: bad dimension
      "2024-03-16T12:05:00Z,N,M,,,nan\n"      // 8: NaN (CloudWatch rule)
      "2024-03-16T12:06:00Z,N,M,,,2\n",       // 9: good
      "metrics.csv");
  ExpectInvalid(data, "metrics.csv:3: Timestamp: invalid timestamp");
  ExpectInvalid(data, "metrics.csv:4: Value: \"abc\" is not a number");
  ExpectInvalid(data, "metrics.csv:5: Unit: ");
  ExpectInvalid(data, "metrics.csv:6: expected 6 fields, got 7");
  ExpectInvalid(data, "metrics.csv:7: Dimensions: \"NoEquals\" is not Name=Value");
  ExpectInvalid(data, "metrics.csv:8: The value NaN");
  EXPECT_THAT(Lines(data), SizeIs(6));
}

TEST(ConfigLoaderTest, CsvReportsBadHeader) {
  absl::StatusOr<std::vector<TimedDatum>> data =
      ParseMetricsCsv("Time,Namespace,MetricName,Value\n1,N,M,1\n", "m.csv");
  ExpectInvalid(data, "m.csv:1: unknown column \"Time\"");
  ExpectInvalid(data, "m.csv:1: missing column \"Timestamp\"");
}

TEST(ConfigLoaderTest, CsvReportsUnterminatedQuote) {
  ExpectInvalid(ParseMetricsCsv("Timestamp,Namespace,MetricName,Value\n"
                                "1710590400,N,\"M,1\n",
                                "m.csv"),
                "m.csv:2: unterminated quoted field");
}

TEST(ConfigLoaderTest, EmptyCsvIsAnError) {
  ExpectInvalid(ParseMetricsCsv("", "m.csv"), "m.csv: empty file");
}

// --- Metrics: CSV read as a stream (MetricsCsvFileReader, issue 7) ---------

std::string TempPath(absl::string_view name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : ::testing::TempDir().c_str(), "/",
                      name);
}

std::string WriteTempFile(absl::string_view name, absl::string_view content) {
  std::string path = TempPath(name);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  return path;
}

// Everything a datum carries, as one comparable line.
std::string Describe(const TimedDatum& d) {
  return absl::StrCat(absl::FormatTime(d.datum.timestamp), " ",
                      absl::FormatTime(d.received_at), " ",
                      d.datum.metric.Key(), " ", static_cast<int>(d.datum.unit),
                      " ", d.datum.value.value_or(-1), " ",
                      d.datum.storage_resolution, " ", d.place);
}

// Reads `path` to its end with the streaming reader, `chunk` bytes at a time.
struct Streamed {
  absl::Status open;
  std::vector<std::string> data;
  absl::Status status;
};
Streamed ReadStreamed(const std::string& path, size_t chunk) {
  Streamed s;
  absl::StatusOr<std::unique_ptr<MetricsCsvFileReader>> reader =
      MetricsCsvFileReader::Open(path, chunk);
  s.open = reader.status();
  if (!reader.ok()) return s;
  while (const TimedDatum* d = (*reader)->Next()) s.data.push_back(Describe(*d));
  s.status = (*reader)->status();
  return s;
}

// Rule (config_loader.h, MetricsCsvFileReader): read to its end, the reader
// returns exactly ParseMetricsCsv's data and error message, wherever the
// read chunks split a record (a CRLF, a `""` escape, a quoted line break,
// the byte order mark).
TEST(ConfigLoaderTest, CsvFileReaderMatchesParseMetricsCsvAtEveryChunkSplit) {
  const std::string header =
      "\xEF\xBB\xBF"
      "Timestamp,Namespace,MetricName,Dimensions,Unit,Value,ReceivedAt\r\n";
  const std::string good_text =
      header +
      "1710590400,N,M,\"Route=/a,b;Q=say \"\"hi\"\"\",Percent,42.5,\r\n"
      "\r\n"
      "2024-03-16T12:01:00Z,N,M,InstanceId=i-1,,1,1710590700\n"
      "1710590760,N,\"M\",,,5,\n"
      "1710590880,N,M,,,7,";  // No final newline.
  const std::string text =
      header +
      "1710590400,N,M,\"Route=/a,b;Q=say \"\"hi\"\"\",Percent,42.5,\r\n"
      "\r\n"
      "2024-03-16T12:01:00Z,N,M,InstanceId=i-1,,1,1710590700\n"
      "1710590520,N,M,\"Note=two\nlines\",,2,\n"  // Control character.
      "1710590580,N,M,,Percents,3,\n"              // Bad unit.
      "1710590640,N,M,,,abc,\n"                    // Not a number.
      "1710590700,N,M,NoEquals,,4,\n"              // Bad dimension.
      "1710590760,N,\"M\",,,5,\n"
      "1710590820,N,\"M\"x,,,6,\n"                 // Text after a quote.
      "1710590880,N,M,,,7,";                       // No final newline.
  const std::string path = WriteTempFile("stream_split.csv", text);
  absl::StatusOr<std::vector<TimedDatum>> whole = ParseMetricsCsv(text, path);
  ASSERT_FALSE(whole.ok());
  // The quoted line break counts: the next row is line 7.
  EXPECT_THAT(std::string(whole.status().message()),
              HasSubstr("stream_split.csv:7: Unit: "));
  EXPECT_THAT(std::string(whole.status().message()),
              HasSubstr("stream_split.csv:11: unexpected text after a closing "
                        "quote"));
  const std::string good_path = WriteTempFile("stream_split_good.csv", good_text);
  absl::StatusOr<std::vector<TimedDatum>> good =
      ParseMetricsCsv(good_text, good_path);
  ASSERT_TRUE(good.ok()) << good.status();
  std::vector<std::string> expected;
  for (const TimedDatum& d : *good) expected.push_back(Describe(d));
  ASSERT_THAT(expected, SizeIs(4));

  for (size_t chunk : {size_t{1}, size_t{2}, size_t{3}, size_t{5}, size_t{7},
                       size_t{64}, size_t{1} << 20}) {
    SCOPED_TRACE(absl::StrCat("chunk ", chunk));
    Streamed bad = ReadStreamed(path, chunk);
    ASSERT_TRUE(bad.open.ok()) << bad.open;
    EXPECT_EQ(bad.status, whole.status());
    Streamed ok = ReadStreamed(good_path, chunk);
    ASSERT_TRUE(ok.open.ok()) << ok.open;
    EXPECT_TRUE(ok.status.ok()) << ok.status;
    EXPECT_EQ(ok.data, expected);
  }
}

// Rule: the reader reports what ParseMetricsCsv / LoadMetricsFile report for
// a missing file, an empty file, a bad header and a quote left open at the
// end of the file; nothing is silently dropped.
TEST(ConfigLoaderTest, CsvFileReaderReportsOpenHeaderAndTrailingErrors) {
  absl::StatusOr<std::unique_ptr<MetricsCsvFileReader>> missing =
      MetricsCsvFileReader::Open(TempPath("no_such_metrics.csv"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);

  const std::string empty = WriteTempFile("stream_empty.csv", "");
  EXPECT_EQ(MetricsCsvFileReader::Open(empty, 2).status(),
            ParseMetricsCsv("", empty).status());

  const std::string header_text = "Time,Namespace,MetricName,Value\n1,N,M,1\n";
  const std::string header = WriteTempFile("stream_header.csv", header_text);
  EXPECT_EQ(MetricsCsvFileReader::Open(header, 3).status(),
            ParseMetricsCsv(header_text, header).status());

  const std::string open_text =
      "Timestamp,Namespace,MetricName,Value\n1710590400,N,M,1\n"
      "1710590460,N,\"M,1\n";
  const std::string open_quote = WriteTempFile("stream_quote.csv", open_text);
  for (size_t chunk : {size_t{1}, size_t{4}, size_t{1} << 20}) {
    Streamed s = ReadStreamed(open_quote, chunk);
    ASSERT_TRUE(s.open.ok()) << s.open;
    EXPECT_THAT(s.data, SizeIs(1));
    EXPECT_EQ(s.status, ParseMetricsCsv(open_text, open_quote).status());
    EXPECT_THAT(std::string(s.status.message()),
                HasSubstr("stream_quote.csv:3: unterminated quoted field"));
  }
}

// Rule (config_loader.h, MetricsCsvFileReader): on any text, including
// malformed quoting, stray CRs and blank lines, the reader's data and errors
// are ParseMetricsCsv's, whatever the chunk size. A fixed-seed generator of
// rows from CSV's special characters (deterministic: no clock, no
// std::random_device).
TEST(ConfigLoaderTest, CsvFileReaderMatchesParseMetricsCsvOnGeneratedText) {
  const std::vector<std::string> pieces = {
      ",", "\"", "\"\"", "\n", "\r\n", "\r", " ", "1710590400", "N", "M",
      "A=b", ";", "=", "42", "x", "Percent", "\xEF\xBB\xBF"};
  uint64_t state = 7;
  auto next = [&state](uint64_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % n;
  };
  for (int round = 0; round < 200; ++round) {
    std::string text =
        "Timestamp,Namespace,MetricName,Dimensions,Unit,Value\n";
    const int rows = 1 + static_cast<int>(next(6));
    for (int r = 0; r < rows; ++r) {
      // Mostly well-formed rows with one or two random pieces spliced in.
      std::vector<std::string> fields = {"1710590400", "N", "M", "A=b",
                                         "Percent", "42"};
      const int edits = static_cast<int>(next(3));
      for (int e = 0; e < edits; ++e) {
        fields[next(fields.size())] += pieces[next(pieces.size())];
      }
      absl::StrAppend(&text, absl::StrJoin(fields, ","),
                      next(4) == 0 ? "\r\n" : "\n");
    }
    if (next(3) == 0) text.pop_back();  // Sometimes no final newline.
    const std::string path = WriteTempFile("generated.csv", text);
    absl::StatusOr<std::vector<TimedDatum>> whole = ParseMetricsCsv(text, path);
    std::vector<std::string> expected;
    if (whole.ok()) {
      for (const TimedDatum& d : *whole) expected.push_back(Describe(d));
    }
    for (size_t chunk : {size_t{1}, size_t{3}, size_t{16}, size_t{1} << 20}) {
      SCOPED_TRACE(absl::StrCat("round ", round, " chunk ", chunk, ": ", text));
      Streamed s = ReadStreamed(path, chunk);
      ASSERT_TRUE(s.open.ok()) << s.open;
      EXPECT_EQ(s.status, whole.status());
      if (whole.ok()) {
        EXPECT_EQ(s.data, expected);
      }
    }
  }
}

// --- Metrics: JSON ----------------------------------------------------------------

TEST(ConfigLoaderTest, LoadsPutMetricDataJsonInAllValueForms) {
  absl::StatusOr<std::vector<TimedDatum>> data =
      LoadMetricsFile("tests/testdata/metrics.json");
  ASSERT_TRUE(data.ok()) << data.status();
  ASSERT_THAT(*data, SizeIs(3));
  EXPECT_EQ((*data)[0].datum.metric.metric_namespace, "AWS/EC2");
  EXPECT_EQ((*data)[0].datum.value, 42.5);
  EXPECT_EQ((*data)[0].place, "tests/testdata/metrics.json: $.MetricData[0]");
  EXPECT_EQ((*data)[1].datum.timestamp, kNoon + absl::Minutes(1));
  EXPECT_THAT((*data)[1].datum.values, SizeIs(2));
  EXPECT_THAT((*data)[1].datum.counts, SizeIs(2));
  EXPECT_EQ((*data)[1].datum.storage_resolution, 1);
  ASSERT_TRUE((*data)[2].datum.statistic_values.has_value());
  EXPECT_EQ((*data)[2].datum.statistic_values->sum, 150);
  EXPECT_EQ((*data)[2].datum.timestamp,
            kNoon - absl::Hours(2) + absl::Minutes(2) + absl::Milliseconds(250));
  EXPECT_EQ((*data)[2].received_at, kNoon - absl::Hours(2) + absl::Minutes(5));
}

TEST(ConfigLoaderTest, AcceptsArrayOfPutMetricDataDocuments) {
  absl::StatusOr<std::vector<TimedDatum>> data = ParseMetricsJson(
      R"([{"Namespace": "A", "MetricData": [{"MetricName": "m",
            "Timestamp": 1710590400.5, "Value": 1}]},
          {"Namespace": "B", "MetricData": [{"MetricName": "n",
            "Timestamp": "2024-03-16T12:00:00Z", "Value": 2}]}])",
      "m.json");
  ASSERT_TRUE(data.ok()) << data.status();
  ASSERT_THAT(*data, SizeIs(2));
  EXPECT_EQ((*data)[0].datum.timestamp, kNoon + absl::Milliseconds(500));
  EXPECT_EQ((*data)[1].datum.metric.metric_namespace, "B");
  EXPECT_EQ((*data)[1].place, "m.json: $[1].MetricData[0]");
}

TEST(ConfigLoaderTest, MetricsJsonReportsEveryProblemWithItsPath) {
  absl::StatusOr<std::vector<TimedDatum>> data = ParseMetricsJson(
      R"([{"Namespace": "A", "MetricData": [
            {"MetricName": "m", "Timestamp": "yesterday", "Value": 1},
            {"MetricName": "m", "Timestamp": 1710590400, "Value": "1"},
            {"MetricName": "m", "Timestamp": 1710590400, "Value": 1, "Unit": "Secs"},
            {"MetricName": "m", "Timestamp": 1710590400},
            {"MetricName": "m", "Value": 1},
            {"MetricName": "m", "Timestamp": 1710590400, "Value": 1, "Colour": 1},
            {"MetricName": "m", "Timestamp": 1710590400, "Value": 1}]},
          {"MetricData": []}])",
      "m.json");
  ExpectInvalid(data, "m.json: $[0].MetricData[0].Timestamp: invalid timestamp");
  ExpectInvalid(data, "m.json: $[0].MetricData[1].Value: expected a number, got \"1\"");
  ExpectInvalid(data, "m.json: $[0].MetricData[2].Unit: ");
  ExpectInvalid(data, "m.json: $[0].MetricData[3]: metric \"m\" sets 0 of Value");
  ExpectInvalid(data, "m.json: $[0].MetricData[4]: Timestamp is required");
  ExpectInvalid(data, "m.json: $[0].MetricData[5].Colour: unknown key");
  ExpectInvalid(data, "m.json: $[1]: missing required key Namespace");
  EXPECT_THAT(Lines(data), SizeIs(7));
}

TEST(ConfigLoaderTest, MissingMetricsFileIsNotFound) {
  absl::StatusOr<std::vector<TimedDatum>> data =
      LoadMetricsFile("tests/testdata/no_such_file.csv");
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace cwalarm
