// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Scenario tests of issue 3 through the public API: ExtendedStatistic alarms
// in AlarmEvaluator (spec 1.4, 3.6, 4.6, 4.7), units and storage resolution
// (3.2.4, 1.5), and late data through `cwalarm replay` (3.7) with the bundled
// example examples/late_data_*.

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "actions/recording_sink.h"
#include "alarm/alarm_evaluator.h"
#include "alarm/alarm_history.h"
#include "alarm/alarm_spec.h"
#include "alarm/alarm_state.h"
#include "alarm/threshold.h"
#include "config/config_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/datapoint.h"
#include "metrics/metric_id.h"
#include "metrics/metric_store.h"
#include "metrics/statistic.h"
#include "metrics/unit.h"
#include "tests/testing/status_matchers.h"
#include "tools/replay.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::IsOk;
using ::cwalarm_testing::StatusIs;
using ::testing::HasSubstr;

absl::Time Utc(int h, int mi, int s) {
  return absl::FromCivil(absl::CivilSecond(2024, 1, 2, h, mi, s),
                         absl::UTCTimeZone());
}

MetricId Latency() { return {"Shop", "Latency", {{"Service", "api"}}}; }

// p90 of Latency > 100, 1 of 1 minute, range R = 1 so that each evaluation
// looks at exactly the last minute.
AlarmSpec P90AlarmSpec() {
  AlarmSpec spec;
  spec.alarm_name = "p90";
  spec.metric = Latency();
  spec.extended_statistic = "p90";
  spec.period = absl::Minutes(1);
  spec.evaluation_periods = 1;
  spec.evaluation_range = 1;
  spec.threshold = 100;
  spec.comparison_operator = ComparisonOperator::kGreaterThanThreshold;
  return spec;
}

class ExtendedAlarmTest : public ::testing::Test {
 protected:
  void PutValues(absl::Time t, std::vector<double> values,
                 Unit unit = Unit::kNone) {
    // At most 150 values per datum (PutMetricData's limit).
    for (size_t i = 0; i < values.size(); i += kMaxValuesPerDatum) {
      MetricDatum d;
      d.metric = Latency();
      d.timestamp = t;
      d.unit = unit;
      d.values.assign(values.begin() + i,
                      values.begin() + std::min(values.size(),
                                                i + kMaxValuesPerDatum));
      ASSERT_THAT(store_.Put(d, "test"), IsOk());
    }
  }
  // `n` samples at minute `mi`: 1..n-1 are 10, the top 10 % are `high`.
  void PutMinute(int mi, int n, double high) {
    std::vector<double> v;
    for (int i = 0; i < n; ++i) v.push_back(i < n - n / 10 ? 10 : high);
    PutValues(Utc(12, mi, 5), v);
  }
  AlarmState State(absl::string_view name = "p90") {
    return evaluator_.FindStatus(name)->state;
  }

  MetricStore store_;
  RecordingSink sink_;
  AlarmEvaluator evaluator_{&store_, &sink_};
};

TEST_F(ExtendedAlarmTest, PutMetricAlarmAcceptsEveryExtendedForm) {
  for (const char* s : {"p99.9", "tm90", "wm99", "tc90", "ts90", "IQM",
                        "TM(10%:90%)", "PR(:300)", "TC(80:500)", "WM(5%:)"}) {
    AlarmSpec spec = P90AlarmSpec();
    spec.alarm_name = s;
    spec.extended_statistic = s;
    EXPECT_THAT(evaluator_.PutMetricAlarm(spec, Utc(12, 0, 0)), IsOk()) << s;
  }
}

TEST_F(ExtendedAlarmTest, UnsupportedExtendedStatisticKeepsCloudWatchsMessage) {
  AlarmSpec spec = P90AlarmSpec();
  spec.extended_statistic = "TM(10%:x)";
  EXPECT_THAT(evaluator_.PutMetricAlarm(spec, Utc(12, 0, 0)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("The value TM(10%:x) for parameter "
                                 "ExtendedStatistic is not supported. "
                                 "(character 8 ('x'): expected a number or ')')")));
}

TEST_F(ExtendedAlarmTest, P90AlarmFiresAndReportsTheStatistic) {
  ASSERT_THAT(evaluator_.PutMetricAlarm(P90AlarmSpec(), Utc(12, 0, 0)), IsOk());
  PutMinute(0, 100, 10);  // p90 = 10.
  evaluator_.Evaluate(Utc(12, 1, 0));
  EXPECT_EQ(State(), AlarmState::kOk);
  PutMinute(1, 100, 500);  // The top 10 %: p90 is still 10.
  evaluator_.Evaluate(Utc(12, 2, 0));
  EXPECT_EQ(State(), AlarmState::kOk);
  PutMinute(2, 100, 500);
  PutValues(Utc(12, 2, 30), {500});  // Now 11 of 101 are 500: p90 = 500.
  evaluator_.Evaluate(Utc(12, 3, 0));
  EXPECT_EQ(State(), AlarmState::kAlarm);
  const AlarmStatus* status = evaluator_.FindStatus("p90");
  EXPECT_THAT(status->reason, HasSubstr("[500.0 (02/01/24 12:02:00)]"));
  EXPECT_THAT(status->reason_data, HasSubstr("\"statistic\":\"p90\""));
  EXPECT_THAT(status->reason_data, HasSubstr("\"sampleCount\":101"));
  std::vector<AlarmHistoryItem> history = evaluator_.TakeHistory();
  ASSERT_FALSE(history.empty());
  EXPECT_THAT(history.front().data, HasSubstr("\"extendedStatistic\":\"p90\""));
  EXPECT_EQ(history.back().summary, "Alarm updated from OK to ALARM");
}

struct LowSampleCase {
  const char* rule;
  std::optional<std::string> option;
  int samples;
  AlarmState expected;
};

class LowSampleAlarmTest : public ExtendedAlarmTest,
                           public ::testing::WithParamInterface<LowSampleCase> {};

TEST_P(LowSampleAlarmTest, AppliesEvaluateLowSampleCountPercentile) {
  const LowSampleCase& c = GetParam();
  AlarmSpec spec = P90AlarmSpec();
  spec.evaluate_low_sample_count_percentile = c.option;
  ASSERT_THAT(evaluator_.PutMetricAlarm(spec, Utc(12, 0, 0)), IsOk());
  PutMinute(0, c.samples, 10);              // All 10.
  PutValues(Utc(12, 0, 50), {1000, 1000});  // p90 = 1000 of 12, 10 of 100.
  evaluator_.Evaluate(Utc(12, 1, 0));
  EXPECT_EQ(State(), c.expected) << c.rule;
}

INSTANTIATE_TEST_SUITE_P(
    Spec36, LowSampleAlarmTest,
    ::testing::Values(
        LowSampleCase{"3.6 default is evaluate: 12 samples decide", std::nullopt,
                      10, AlarmState::kAlarm},
        LowSampleCase{"3.6 evaluate: 12 samples decide", "evaluate", 10,
                      AlarmState::kAlarm},
        LowSampleCase{"3.6 ignore: 12 < 100 samples for p90, state kept",
                      "ignore", 10, AlarmState::kInsufficientData},
        LowSampleCase{"3.6 ignore: 100 samples (98 + 2) are enough", "ignore",
                      98, AlarmState::kOk}));

TEST_F(ExtendedAlarmTest, IgnoreDropsOnlyTheLowBucketWhenEnoughRemain) {
  // 2 of 3, R = 3: the low bucket is removed, the other two decide.
  AlarmSpec spec = P90AlarmSpec();
  spec.evaluation_periods = 2;
  spec.evaluation_range = 3;
  spec.evaluate_low_sample_count_percentile = "ignore";
  ASSERT_THAT(evaluator_.PutMetricAlarm(spec, Utc(12, 0, 0)), IsOk());
  PutMinute(0, 200, 10);
  PutValues(Utc(12, 1, 5), {1000});  // Low (1 < 100) and breaching.
  PutMinute(2, 200, 10);
  evaluator_.Evaluate(Utc(12, 3, 0));
  EXPECT_EQ(State(), AlarmState::kOk);
}

TEST_F(ExtendedAlarmTest, NegativeSampleMakesTheBucketMissing) {
  ASSERT_THAT(evaluator_.PutMetricAlarm(P90AlarmSpec(), Utc(12, 0, 0)), IsOk());
  PutMinute(0, 100, 10);
  evaluator_.Evaluate(Utc(12, 1, 0));
  ASSERT_EQ(State(), AlarmState::kOk);
  PutMinute(1, 100, 500);
  PutValues(Utc(12, 1, 30), {-1, 900, 900});
  evaluator_.Evaluate(Utc(12, 2, 0));
  EXPECT_EQ(State(), AlarmState::kInsufficientData);
  EXPECT_THAT(evaluator_.FindStatus("p90")->reason,
              HasSubstr("Insufficient Data"));
}

TEST_F(ExtendedAlarmTest, StatisticSetsCountOnlyInTheDegenerateShapes) {
  ASSERT_THAT(evaluator_.PutMetricAlarm(P90AlarmSpec(), Utc(12, 0, 0)), IsOk());
  MetricDatum d;
  d.metric = Latency();
  d.timestamp = Utc(12, 0, 5);
  d.statistic_values = StatisticSet{50, 50 * 200.0, 200, 200};  // Min = Max.
  ASSERT_THAT(store_.Put(d, "test"), IsOk());
  evaluator_.Evaluate(Utc(12, 1, 0));
  EXPECT_EQ(State(), AlarmState::kAlarm);
  d.timestamp = Utc(12, 1, 5);
  d.statistic_values = StatisticSet{50, 5000, 1, 199};  // Not degenerate.
  ASSERT_THAT(store_.Put(d, "test"), IsOk());
  evaluator_.Evaluate(Utc(12, 2, 0));
  EXPECT_EQ(State(), AlarmState::kInsufficientData);
}

TEST_F(ExtendedAlarmTest, UnitFilterAppliesToExtendedStatistics) {
  AlarmSpec spec = P90AlarmSpec();
  spec.unit = Unit::kMilliseconds;
  ASSERT_THAT(evaluator_.PutMetricAlarm(spec, Utc(12, 0, 0)), IsOk());
  PutValues(Utc(12, 0, 5), {1000, 1000}, Unit::kMicroseconds);
  PutValues(Utc(12, 0, 6), {5, 5}, Unit::kMilliseconds);
  evaluator_.Evaluate(Utc(12, 1, 0));
  EXPECT_EQ(State(), AlarmState::kOk);
}

TEST_F(ExtendedAlarmTest, DataStoredBeforeTheAlarmExistedIsNotSeen) {
  // Documented limit (metric_store.h): raw samples are kept from the moment
  // an ExtendedStatistic alarm watches the metric.
  PutValues(Utc(12, 0, 5), {1000});
  ASSERT_THAT(evaluator_.PutMetricAlarm(P90AlarmSpec(), Utc(12, 0, 30)), IsOk());
  PutValues(Utc(12, 0, 40), {5});
  evaluator_.Evaluate(Utc(12, 1, 0));
  EXPECT_EQ(State(), AlarmState::kOk);
}

// --- StorageResolution and high-resolution alarms (spec 1.5) ------------------

TEST_F(ExtendedAlarmTest, HighResolutionAlarmSeesStandardDataOnlyAtTheMinute) {
  AlarmSpec spec;
  spec.alarm_name = "hires";
  spec.metric = Latency();
  spec.statistic = Statistic::kMaximum;
  spec.period = absl::Seconds(10);
  spec.evaluation_periods = 1;
  spec.evaluation_range = 1;
  spec.threshold = 100;
  spec.comparison_operator = ComparisonOperator::kGreaterThanThreshold;
  ASSERT_THAT(evaluator_.PutMetricAlarm(spec, Utc(12, 0, 0)), IsOk());
  MetricDatum d;
  d.metric = Latency();
  d.timestamp = Utc(12, 0, 35);  // Standard resolution: kept at 12:00:00.
  d.value = 500;
  ASSERT_THAT(store_.Put(d, "test"), IsOk());
  evaluator_.Evaluate(Utc(12, 0, 10));  // Bucket [12:00:00, 12:00:10).
  EXPECT_EQ(State("hires"), AlarmState::kAlarm);
  evaluator_.Evaluate(Utc(12, 0, 20));  // [12:00:10, 12:00:20): nothing.
  EXPECT_EQ(State("hires"), AlarmState::kInsufficientData);
  evaluator_.Evaluate(Utc(12, 0, 40));  // [12:00:30, 12:00:40): nothing.
  EXPECT_EQ(State("hires"), AlarmState::kInsufficientData);

  d.timestamp = Utc(12, 1, 35);
  d.storage_resolution = 1;  // High resolution: kept in its 10 s cell.
  ASSERT_THAT(store_.Put(d, "test"), IsOk());
  evaluator_.Evaluate(Utc(12, 1, 10));
  EXPECT_EQ(State("hires"), AlarmState::kInsufficientData);
  evaluator_.Evaluate(Utc(12, 1, 40));  // [12:01:30, 12:01:40).
  EXPECT_EQ(State("hires"), AlarmState::kAlarm);
}

TEST(StorageResolutionTest, StandardDataAggregatesAtTheMinuteForEveryPeriod) {
  MetricStore store;
  MetricDatum d;
  d.metric = Latency();
  d.timestamp = Utc(12, 0, 35);
  d.value = 7;
  ASSERT_THAT(store.Put(d, "test"), IsOk());
  MetricIndex m = *store.Find(Latency());
  // Minute buckets are unchanged by the alignment.
  EXPECT_EQ(store.Aggregate(m, std::nullopt, Utc(12, 0, 0), Utc(12, 1, 0)).sum, 7);
  // 10-second buckets see it only at the minute.
  std::vector<StatisticSet> tens(6);
  store.AggregateBuckets(m, std::nullopt, Utc(12, 0, 0), absl::Seconds(10),
                         absl::MakeSpan(tens));
  EXPECT_EQ(tens[0].sample_count, 1);
  for (int i = 1; i < 6; ++i) EXPECT_EQ(tens[i].sample_count, 0) << i;
}

// --- Late data (spec 3.7) -------------------------------------------------------

std::vector<std::string> Transitions(absl::string_view metrics_path) {
  ReplayOptions options;
  options.alarms_path = "examples/late_data_alarm.json";
  options.metrics_path = std::string(metrics_path);
  options.format = ReplayOptions::Format::kText;
  std::string out;
  absl::Status s = RunReplay(options, &out);
  EXPECT_THAT(s, IsOk());
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    if (absl::StrContains(line, " -> ")) lines.push_back(std::string(line));
  }
  return lines;
}

TEST(LateDataExampleTest, AlarmFiresOnlyBecauseTheLowSampleArrivedLate) {
  std::vector<std::string> late = Transitions("examples/late_data_metrics.csv");
  ASSERT_EQ(late.size(), 4u);
  EXPECT_THAT(late[0], HasSubstr("INSUFFICIENT_DATA -> OK"));
  // At 12:04 only the 95 ms sample of 12:03 had arrived.
  EXPECT_THAT(late[1], HasSubstr("2024-03-16T12:04:00Z"));
  EXPECT_THAT(late[1], HasSubstr("OK -> ALARM"));
  EXPECT_THAT(late[1], HasSubstr("[95.0 (16/03/24 12:03:00)]"));
  EXPECT_THAT(late[2], HasSubstr("ALARM -> OK"));

  // The same samples, all on time: the 12:03 minute averages 50 ms.
  std::vector<std::string> on_time =
      Transitions("examples/late_data_metrics_on_time.csv");
  for (const std::string& line : on_time) {
    EXPECT_THAT(line, ::testing::Not(HasSubstr("ALARM"))) << line;
  }
}

TEST(LateDataExampleTest, ExtendedStatisticAlarmFlowsThroughReplay) {
  ReplayOptions options;
  options.alarms_path = "tests/testdata/p90_latency_alarm.json";
  options.metrics_path = "examples/late_data_metrics.csv";
  std::string out;
  ASSERT_THAT(RunReplay(options, &out), IsOk());
  EXPECT_THAT(out, HasSubstr("\\\"extendedStatistic\\\":\\\"p90\\\""));
  EXPECT_THAT(out, HasSubstr("\\\"statistic\\\":\\\"p90\\\""));
  EXPECT_THAT(out, HasSubstr("Alarm updated from OK to ALARM"));
  EXPECT_THAT(out, HasSubstr("\"ExtendedStatistic\": \"p90\""));
}

TEST(LateDataExampleTest, LoaderRefusesDataOutsideTheWindowOfItsArrival) {
  absl::StatusOr<std::vector<TimedDatum>> data = ParseMetricsCsv(
      "Timestamp,Namespace,MetricName,Value,ReceivedAt\n"
      "2024-03-16T12:00:00Z,Shop,Latency,1,2024-03-16T12:00:05Z\n"
      "2024-03-01T12:00:00Z,Shop,Latency,1,2024-03-16T12:00:05Z\n"
      "2024-03-16T14:00:06Z,Shop,Latency,1,2024-03-16T12:00:05Z\n",
      "late.csv");
  EXPECT_THAT(data.status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("late.csv:3: Timestamp 2024-03-01T12:00:00Z is "
                                 "more than two weeks before the time the "
                                 "datum was received")));
  EXPECT_THAT(data.status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("late.csv:4: Timestamp 2024-03-16T14:00:06Z is "
                                 "more than two hours after")));
}

}  // namespace
}  // namespace cwalarm
