// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests of `cwalarm replay` through RunReplay: the bundled example (golden
// files), determinism, both missing-data tables of spec 3.5 cell by cell,
// invalid inputs and late data (spec 3.7).

#include "tools/replay.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "alarm/alarm_state.h"
#include "config/config_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/read_file.h"

namespace cwalarm {
namespace {

using ::testing::HasSubstr;

using ::cwalarm_testing::ReadFile;

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? std::string(dir) : ::testing::TempDir();
}

// Writes `content` to a fresh file named `name` in the test's temp dir and
// returns its path.
std::string WriteTemp(absl::string_view name, absl::string_view content) {
  std::string path = absl::StrCat(TempDir(), "/", name);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  return path;
}

ReplayOptions ExampleOptions(ReplayOptions::Format format) {
  ReplayOptions options;
  options.alarms_path = "examples/cpu_alarm.json";
  options.metrics_path = "examples/cpu_metrics.csv";
  options.format = format;
  return options;
}

// The final StateValue of alarm `name` in a JSON replay output.
std::string FinalState(const std::string& json_text, absl::string_view name) {
  nlohmann::json doc = nlohmann::json::parse(json_text);
  for (const nlohmann::json& alarm : doc.at("MetricAlarms")) {
    if (alarm.at("AlarmName") == std::string(name)) {
      return alarm.at("StateValue").get<std::string>();
    }
  }
  return "<no such alarm>";
}

// --- The bundled example ----------------------------------------------------

TEST(ReplayTest, ExampleReplaysToExpectedJson) {
  std::string out;
  ASSERT_TRUE(RunReplay(ExampleOptions(ReplayOptions::Format::kJson), &out).ok());
  EXPECT_EQ(out, ReadFile("examples/cpu_replay.expected.json"));
}

TEST(ReplayTest, ExampleReplaysToExpectedText) {
  std::string out;
  ASSERT_TRUE(RunReplay(ExampleOptions(ReplayOptions::Format::kText), &out).ok());
  EXPECT_EQ(out, ReadFile("examples/cpu_replay.expected.txt"));
}

TEST(ReplayTest, ExampleGoesThroughOkAlarmOk) {
  std::string out;
  ASSERT_TRUE(RunReplay(ExampleOptions(ReplayOptions::Format::kJson), &out).ok());
  nlohmann::json doc = nlohmann::json::parse(out);
  std::vector<std::string> summaries;
  for (const nlohmann::json& item : doc.at("AlarmHistoryItems")) {
    if (item.at("HistoryItemType") == "StateUpdate") {
      summaries.push_back(item.at("HistorySummary").get<std::string>());
    }
  }
  EXPECT_THAT(summaries,
              ::testing::ElementsAre(
                  "Alarm updated from INSUFFICIENT_DATA to OK",
                  "Alarm updated from OK to ALARM",
                  "Alarm updated from ALARM to OK",
                  // The data ends: once it has left the evaluation range,
                  // `missing` gives INSUFFICIENT_DATA.
                  "Alarm updated from OK to INSUFFICIENT_DATA"));
}

TEST(ReplayTest, SameInputsGiveByteIdenticalOutput) {
  for (ReplayOptions::Format format :
       {ReplayOptions::Format::kJson, ReplayOptions::Format::kText}) {
    std::string first, second;
    ASSERT_TRUE(RunReplay(ExampleOptions(format), &first).ok());
    ASSERT_TRUE(RunReplay(ExampleOptions(format), &second).ok());
    EXPECT_EQ(first, second);
  }
}

// --- Spec 3.5: both missing-data tables, every cell ---------------------------

// The evaluation instant of every table case; period 300 s, range 5, so the
// buckets (oldest first) start at E-25m, E-20m, E-15m, E-10m and E-5m.
constexpr char kTableEval[] = "2024-03-16T12:30:00Z";

struct TableCase {
  std::string name;     // Names the table, row, rule and treatment.
  int m;                // DatapointsToAlarm (N = 3).
  std::string row;      // Old -> new: X breaching, 0 good, - no sample.
  std::string tmd;      // TreatMissingData.
  std::string expected; // A state, or "keep" for "keep current".
};

std::string TableAlarmJson(const TableCase& c) {
  return absl::StrCat(R"({
  "AlarmName": "table",
  "MetricName": "Load",
  "Namespace": "Test/Tables",
  "Statistic": "Maximum",
  "Period": 300,
  "EvaluationPeriods": 3,
  "DatapointsToAlarm": )", c.m, R"(,
  "Threshold": 50,
  "ComparisonOperator": "GreaterThanThreshold",
  "TreatMissingData": ")", c.tmd, R"("
})");
}

std::string TableMetricsCsv(const TableCase& c) {
  std::string csv = "Timestamp,Namespace,MetricName,Dimensions,Unit,Value\n";
  absl::Time eval = *ParseTime(kTableEval);
  for (int i = 0; i < 5; ++i) {
    char cell = c.row[2 * i];  // Cells are separated by spaces.
    if (cell == '-') continue;
    // One sample a minute into bucket i.
    absl::Time t = eval - absl::Minutes(5 * (5 - i)) + absl::Minutes(1);
    absl::StrAppend(&csv, absl::ToUnixSeconds(t), ",Test/Tables,Load,,,",
                    cell == 'X' ? "90" : "10", "\n");
  }
  return csv;
}

class MissingDataTableTest : public ::testing::TestWithParam<TableCase> {};

TEST_P(MissingDataTableTest, FinalStateMatchesTheDocumentedCell) {
  const TableCase& c = GetParam();
  ReplayOptions base;
  base.alarms_path = WriteTemp(absl::StrCat(c.name, ".json"), TableAlarmJson(c));
  base.metrics_path = WriteTemp(absl::StrCat(c.name, ".csv"), TableMetricsCsv(c));
  base.evaluate_at = {*ParseTime(kTableEval)};
  base.evaluation_range = 5;

  // Every cell is run from each starting state: a determined cell must give
  // its state whatever the start; "keep current" must keep the start.
  const std::vector<std::optional<AlarmState>> starts = {
      std::nullopt, AlarmState::kOk, AlarmState::kAlarm,
      AlarmState::kInsufficientData};
  for (const std::optional<AlarmState>& start : starts) {
    ReplayOptions options = base;
    options.initial_state = start;
    std::string out;
    absl::Status s = RunReplay(options, &out);
    ASSERT_TRUE(s.ok()) << s;
    std::string expected = c.expected;
    if (expected == "keep") {
      expected = std::string(
          AlarmStateName(start.value_or(AlarmState::kInsufficientData)));
    }
    EXPECT_EQ(FinalState(out, "table"), expected)
        << c.name << " row \"" << c.row << "\" from "
        << (start ? AlarmStateName(*start) : "creation");
  }
}

std::vector<TableCase> TableCases() {
  struct Row {
    const char* name;
    int m;
    const char* row;
    // missing, ignore, breaching, notBreaching
    const char* cells[4];
  };
  const Row rows[] = {
      // Table A: M = N = 3.
      {"TableA_Row1_RealDataOnly", 3, "0 - X - X",
       {"OK", "OK", "OK", "OK"}},
      {"TableA_Row2_OneGoodPointBlocksFill", 3, "0 - - - -",
       {"OK", "OK", "OK", "OK"}},
      {"TableA_Row3_NoData", 3, "- - - - -",
       {"INSUFFICIENT_DATA", "keep", "ALARM", "OK"}},
      {"TableA_Row4_NewestThreeRealBreach", 3, "0 X X - X",
       {"ALARM", "ALARM", "ALARM", "ALARM"}},
      {"TableA_Row5_PrematureAlarm", 3, "- - X - -",
       {"ALARM", "keep", "ALARM", "OK"}},
      // Table B: M = 2, N = 3.
      {"TableB_Row1_TwoOfThreeRealBreach", 2, "0 - X - X",
       {"ALARM", "ALARM", "ALARM", "ALARM"}},
      {"TableB_Row2_OldestIgnoredWhenNewestComplete", 2, "0 0 X 0 X",
       {"ALARM", "ALARM", "ALARM", "ALARM"}},
      {"TableB_Row3_FillSuppliesBreach", 2, "0 - X - -",
       {"OK", "OK", "ALARM", "OK"}},
      {"TableB_Row4_FillSuppliesBreaches", 2, "- - - - 0",
       {"OK", "OK", "ALARM", "OK"}},
      {"TableB_Row5_PrematureAlarm", 2, "- - - X -",
       {"ALARM", "keep", "ALARM", "OK"}},
  };
  const char* treatments[4] = {"missing", "ignore", "breaching",
                               "notBreaching"};
  std::vector<TableCase> cases;
  for (const Row& r : rows) {
    for (int k = 0; k < 4; ++k) {
      cases.push_back(TableCase{absl::StrCat(r.name, "_", treatments[k]), r.m,
                                r.row, treatments[k], r.cells[k]});
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(
    Spec35, MissingDataTableTest, ::testing::ValuesIn(TableCases()),
    [](const ::testing::TestParamInfo<TableCase>& info) {
      return info.param.name;
    });

TEST(ReplayTest, TablesHaveTwentyCellsEach) {
  EXPECT_EQ(TableCases().size(), 40u);
}

// --- Invalid input ------------------------------------------------------------

constexpr char kGoodAlarm[] = R"({
  "AlarmName": "a",
  "MetricName": "Load",
  "Namespace": "Test/Late",
  "Statistic": "Maximum",
  "Period": 60,
  "EvaluationPeriods": 1,
  "Threshold": 50,
  "ComparisonOperator": "GreaterThanThreshold"
})";

TEST(ReplayTest, BadAlarmJsonNamesTheFileAndGivesNoOutput) {
  ReplayOptions options;
  options.alarms_path = WriteTemp("bad_alarm.json", R"({
  "AlarmName": "a",
  "MetricName": "Load",
  "Namespace": "Test/Late",
  "Statistic": "Maximum",
  "Period": 45,
  "EvaluationPeriods": 1,
  "Threshold": 50,
  "ComparisonOperator": "GreaterThanThreshold"
})");
  options.metrics_path = WriteTemp(
      "bad_alarm_metrics.csv",
      "Timestamp,Namespace,MetricName,Dimensions,Unit,Value\n"
      "2024-03-16T12:00:00Z,Test/Late,Load,,,1\n");
  std::string out = "stale";
  absl::Status s = RunReplay(options, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("bad_alarm.json"));
  EXPECT_THAT(s.message(), HasSubstr("Period"));
  EXPECT_EQ(out, "");
}

TEST(ReplayTest, MalformedAlarmJsonNamesTheFile) {
  ReplayOptions options;
  options.alarms_path = WriteTemp("malformed_alarm.json", "{\"AlarmName\": ");
  options.metrics_path = WriteTemp(
      "malformed_alarm_metrics.csv",
      "Timestamp,Namespace,MetricName,Dimensions,Unit,Value\n");
  std::string out;
  absl::Status s = RunReplay(options, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("malformed_alarm.json"));
  EXPECT_EQ(out, "");
}

TEST(ReplayTest, NanRowNamesFileAndLineAndGivesNoOutput) {
  ReplayOptions options;
  options.alarms_path = WriteTemp("nan_alarm.json", kGoodAlarm);
  options.metrics_path = WriteTemp(
      "nan_metrics.csv",
      "Timestamp,Namespace,MetricName,Dimensions,Unit,Value\n"
      "2024-03-16T12:00:00Z,Test/Late,Load,,,1\n"
      "2024-03-16T12:01:00Z,Test/Late,Load,,,NaN\n");
  std::string out;
  absl::Status s = RunReplay(options, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("nan_metrics.csv:3"));
  EXPECT_THAT(s.message(), HasSubstr("NaN"));
  EXPECT_EQ(out, "");
}

TEST(ReplayTest, FromAfterToIsInvalid) {
  ReplayOptions options;
  options.alarms_path = WriteTemp("range_alarm.json", kGoodAlarm);
  options.metrics_path = WriteTemp(
      "range_metrics.csv",
      "Timestamp,Namespace,MetricName,Dimensions,Unit,Value\n"
      "2024-03-16T12:00:00Z,Test/Late,Load,,,1\n");
  options.from = *ParseTime("2024-03-16T13:00:00Z");
  options.to = *ParseTime("2024-03-16T12:00:00Z");
  std::string out;
  absl::Status s = RunReplay(options, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("--from"));
  EXPECT_EQ(out, "");
}

// --- Flag parsing -------------------------------------------------------------

TEST(ReplayTest, ParsesTimesFormatsAndInitialState) {
  EXPECT_EQ(*ParseTime("2024-03-16T12:15:00Z"), absl::FromUnixSeconds(1710591300));
  EXPECT_EQ(*ParseTime("1710591300"), absl::FromUnixSeconds(1710591300));
  EXPECT_FALSE(ParseTime("yesterday").ok());
  EXPECT_EQ(ParseTimeList("1710591300,1710591360")->size(), 2u);
  EXPECT_FALSE(ParseTimeList("1710591300,,1").ok());
  EXPECT_EQ(*ParseFormat("text"), ReplayOptions::Format::kText);
  EXPECT_FALSE(ParseFormat("xml").ok());
  ReplayOptions options;
  ASSERT_TRUE(ParseInitialState("ALARM:paged: by hand", &options).ok());
  EXPECT_EQ(options.initial_state, AlarmState::kAlarm);
  EXPECT_EQ(options.initial_reason, "paged: by hand");
  EXPECT_FALSE(ParseInitialState("FIRING", &options).ok());
}

// --- Late data (spec 3.7) -----------------------------------------------------

// A 1-of-1 alarm with a breaching sample in the bucket [12:00, 12:01),
// received at `received_at`, evaluated at `evaluate_at`.
std::string LateDataState(absl::string_view name, absl::string_view received_at,
                          std::vector<absl::Time> evaluate_at) {
  ReplayOptions options;
  options.alarms_path = WriteTemp(absl::StrCat(name, ".json"), kGoodAlarm);
  options.metrics_path = WriteTemp(
      absl::StrCat(name, ".csv"),
      absl::StrCat("Timestamp,Namespace,MetricName,Dimensions,Unit,Value,"
                   "ReceivedAt\n"
                   "2024-03-16T12:00:10Z,Test/Late,Load,,,90,",
                   received_at, "\n"));
  options.evaluate_at = std::move(evaluate_at);
  std::string out;
  absl::Status s = RunReplay(options, &out);
  EXPECT_TRUE(s.ok()) << s;
  return s.ok() ? FinalState(out, "a") : "";
}

TEST(ReplayTest, LateSampleIsNotSeenByAnEarlierEvaluation) {
  absl::Time at = *ParseTime("2024-03-16T12:01:00Z");
  EXPECT_EQ(LateDataState("late", "2024-03-16T12:01:30Z", {at}),
            "INSUFFICIENT_DATA");
  EXPECT_EQ(LateDataState("on_time", "2024-03-16T12:00:50Z", {at}), "ALARM");
}

// Rule (replay.h RunReplay, spec 3.7): a datum received exactly at an
// evaluation instant is stored before that evaluation.
TEST(ReplayTest, SampleReceivedAtTheInstantIsSeenByThatEvaluation) {
  absl::Time at = *ParseTime("2024-03-16T12:01:00Z");
  EXPECT_EQ(LateDataState("at_instant", "2024-03-16T12:01:00Z", {at}), "ALARM");
}

TEST(ReplayTest, LateSampleIsSeenByTheNextEvaluation) {
  absl::Time at = *ParseTime("2024-03-16T12:01:00Z");
  EXPECT_EQ(LateDataState("late_then_next", "2024-03-16T12:01:30Z",
                          {at, at + absl::Minutes(1)}),
            "ALARM");
}

// --- Streamed CSV replays (issue 7) -------------------------------------------

// The output of the in-memory path: the whole file loaded, sorted by arrival
// and replayed (LoadReplayData + ReplayData), as RunReplay did before it
// streamed CSV files.
std::string InMemoryReplay(const ReplayOptions& options) {
  absl::StatusOr<AlarmConfig> alarms = LoadAlarmConfigFile(options.alarms_path);
  EXPECT_TRUE(alarms.ok()) << alarms.status();
  absl::StatusOr<std::vector<TimedDatum>> data = LoadReplayData(options);
  EXPECT_TRUE(data.ok()) << data.status();
  if (!alarms.ok() || !data.ok()) return "";
  absl::StatusOr<ReplayRun> run = ReplayData(
      options, alarms->metric_alarms, *data, /*record_buckets=*/false,
      alarms->composite_alarms, alarms->anomaly_detectors);
  EXPECT_TRUE(run.ok()) << run.status();
  return run.ok() ? FormatReplay(*run, options.format) : "";
}

// Rule (replay.h RunReplay, issue 7): streaming a CSV file through the
// replay (two passes, rows never held) gives byte-identical output to
// loading it whole, for every bundled example, in both formats, with and
// without --from/--to; files whose rows are out of arrival order (late
// data) take the in-memory path and give the same output too.
TEST(ReplayTest, StreamedCsvReplayMatchesInMemoryReplay) {
  const std::vector<std::pair<std::string, std::string>> examples = {
      {"cpu_alarm.json", "cpu_metrics.csv"},
      {"composite_alarms.json", "composite_metrics.csv"},
      {"error_rate_alarm.json", "error_rate_metrics.csv"},
      {"anomaly_alarm.json", "anomaly_metrics.csv"},
      {"late_data_alarm.json", "late_data_metrics.csv"},
      {"late_data_alarm.json", "late_data_metrics_on_time.csv"},
  };
  for (const auto& [alarms, metrics] : examples) {
    for (ReplayOptions::Format format :
         {ReplayOptions::Format::kJson, ReplayOptions::Format::kText}) {
      for (bool bounded : {false, true}) {
        SCOPED_TRACE(absl::StrCat(metrics, " format ", static_cast<int>(format),
                                  bounded ? " bounded" : ""));
        ReplayOptions options;
        options.alarms_path = absl::StrCat("examples/", alarms);
        options.metrics_path = absl::StrCat("examples/", metrics);
        options.format = format;
        if (bounded) {
          // Data before `from` arrive before the first instant; data after
          // `to` are never seen.
          absl::StatusOr<std::vector<TimedDatum>> data = LoadReplayData(options);
          ASSERT_TRUE(data.ok()) << data.status();
          ASSERT_GE(data->size(), 4u);
          options.from = (*data)[data->size() / 4].datum.timestamp;
          options.to = (*data)[data->size() / 2].datum.timestamp;
        }
        std::string streamed;
        absl::Status s = RunReplay(options, &streamed);
        ASSERT_TRUE(s.ok()) << s;
        EXPECT_FALSE(streamed.empty());
        EXPECT_EQ(streamed, InMemoryReplay(options));
      }
    }
  }
}

// A long one-metric history in arrival order, alarm "Average > 80 for 3 of
// 3 minutes", with breaching runs; `bad_line`, when > 1, holds a value that
// is not a number.
std::string LongHistoryCsv(int rows, int bad_line) {
  std::string csv = "Timestamp,Namespace,MetricName,Dimensions,Unit,Value\n";
  for (int i = 0; i < rows; ++i) {
    const int line = i + 2;
    const int value = (i / 30) % 4 == 1 ? 90 : 50;
    absl::StrAppend(&csv, 1704067200 + 60 * i,
                    ",Bench/App,CPUUtilization,InstanceId=i-1,Percent,",
                    line == bad_line ? std::string("ninety")
                                     : absl::StrCat(value),
                    "\n");
  }
  return csv;
}

constexpr char kLongHistoryAlarm[] = R"({
  "AlarmName": "cpu-high", "ActionsEnabled": true,
  "AlarmActions": ["arn:aws:sns:us-east-1:123456789012:ops"],
  "MetricName": "CPUUtilization", "Namespace": "Bench/App",
  "Statistic": "Average", "Dimensions": [{"Name": "InstanceId", "Value": "i-1"}],
  "Period": 60, "EvaluationPeriods": 3, "DatapointsToAlarm": 3,
  "Threshold": 80.0, "ComparisonOperator": "GreaterThanThreshold"})";

// Rule (replay.h, issue 7): a streamed replay long enough for the store to
// drop cells behind the retention horizon many times gives the in-memory
// output, transitions included.
TEST(ReplayTest, LongStreamedReplayMatchesInMemoryReplay) {
  ReplayOptions options;
  options.alarms_path = WriteTemp("long.json", kLongHistoryAlarm);
  options.metrics_path = WriteTemp("long.csv", LongHistoryCsv(5000, 0));
  std::string streamed;
  absl::Status s = RunReplay(options, &streamed);
  ASSERT_TRUE(s.ok()) << s;
  // INSUFFICIENT_DATA -> OK, then OK -> ALARM -> OK for each of the 42
  // breaching runs of 30 minutes (rows 30-59, 150-179, ..., 4950-4979), and
  // OK -> INSUFFICIENT_DATA once the last sample has left the range.
  size_t state_updates = 0;
  for (size_t at = streamed.find("\"StateUpdate\""); at != std::string::npos;
       at = streamed.find("\"StateUpdate\"", at + 1)) {
    ++state_updates;
  }
  EXPECT_EQ(state_updates, 1u + 2u * 42u + 1u);
  EXPECT_THAT(streamed, HasSubstr("\"HistoryItemType\": \"Action\""));
  EXPECT_EQ(streamed, InMemoryReplay(options));
}

// Rule (config_loader.h "nothing is silently skipped"; replay.h Errors): a
// bad row at the end of a long streamed file is reported with its file and
// line, and the replay prints nothing.
TEST(ReplayTest, StreamedReplayReportsABadRowNearTheEndWithFileAndLine) {
  ReplayOptions options;
  options.alarms_path = WriteTemp("long_bad.json", kLongHistoryAlarm);
  options.metrics_path = WriteTemp("long_bad.csv", LongHistoryCsv(5000, 4990));
  std::string out;
  absl::Status s = RunReplay(options, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("long_bad.csv:4990: Value: \"ninety\" is not a number"));
  EXPECT_TRUE(out.empty());
}

// Rule (replay.h Memory): only a regular file is read twice; a FIFO named
// *.csv (read once, empty on a second read) is loaded whole and replays as
// the same rows in a regular file do, never as an empty history.
TEST(ReplayTest, CsvFifoIsReadOnceAndReplaysLikeARegularFile) {
  const std::string csv = LongHistoryCsv(600, 0);
  ReplayOptions options;
  options.alarms_path = WriteTemp("fifo.json", kLongHistoryAlarm);
  options.metrics_path = WriteTemp("regular.csv", csv);
  std::string from_file;
  ASSERT_TRUE(RunReplay(options, &from_file).ok());

  const std::string fifo = absl::StrCat(TempDir(), "/fifo.csv");
  ::unlink(fifo.c_str());
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // The writer blocks in open() until the replay opens the FIFO to read.
  std::thread writer([&] {
    std::ofstream out(fifo, std::ios::binary);
    out << csv;
  });
  options.metrics_path = fifo;
  std::string from_fifo;
  absl::Status s = RunReplay(options, &from_fifo);
  writer.join();
  ASSERT_TRUE(s.ok()) << s;
  // The alarm name and the data are the same; only the file name differs,
  // and it is not in the output.
  EXPECT_EQ(from_fifo, from_file);
}

}  // namespace
}  // namespace cwalarm
