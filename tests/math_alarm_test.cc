// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Metric-math and anomaly-detection alarms through the public API (issue 6):
// the Metrics-form validation rules of spec 1.7 and 2, evaluation of the
// returned expression over the fetched evaluation range (spec 3.9), the
// anomaly band comparison (spec 1.6, 3.8), reasons and reason data (spec
// 4.5 #6, 4.6), DescribeAlarms / history JSON, the SNS Trigger (spec 6.2)
// and the JSON loader.

#include <cmath>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "actions/recording_sink.h"
#include "actions/sns_message.h"
#include "alarm/alarm_evaluator.h"
#include "alarm/alarm_history.h"
#include "alarm/alarm_json.h"
#include "alarm/alarm_spec.h"
#include "alarm/alarm_state.h"
#include "alarm/json_writer.h"
#include "alarm/threshold.h"
#include "config/config_loader.h"
#include "config/snapshot_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/datapoint.h"
#include "metrics/metric_id.h"
#include "metrics/metric_store.h"
#include "metrics/unit.h"
#include "nlohmann/json.hpp"
#include "tests/testing/status_matchers.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::IsOk;
using ::cwalarm_testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

absl::Time Utc(int day, int h, int mi, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(2024, 1, day, h, mi, s),
                         absl::UTCTimeZone());
}

MetricId Errors() { return {"Custom/Web", "Errors", {{"Service", "api"}}}; }
MetricId Requests() { return {"Custom/Web", "Requests", {{"Service", "api"}}}; }

MetricDataQuery Stat(std::string id, MetricId metric, std::string stat,
                     bool return_data = false, int period = 60) {
  MetricDataQuery q;
  q.id = std::move(id);
  q.metric_stat = MetricStat{std::move(metric), absl::Seconds(period),
                             std::move(stat), std::nullopt};
  q.return_data = return_data;
  return q;
}

MetricDataQuery Expr(std::string id, std::string expression,
                     bool return_data = true) {
  MetricDataQuery q;
  q.id = std::move(id);
  q.expression = std::move(expression);
  q.return_data = return_data;
  return q;
}

// The error-rate alarm of the issue: 100 * errors / requests > 5, 3 of 5.
AlarmSpec ErrorRateSpec() {
  AlarmSpec spec;
  spec.alarm_name = "error-rate";
  spec.metrics = {Stat("errors", Errors(), "Sum"),
                  Stat("requests", Requests(), "Sum"),
                  Expr("rate", "100 * errors / requests")};
  spec.evaluation_periods = 3;
  spec.datapoints_to_alarm = 3;
  spec.threshold = 5;
  spec.comparison_operator = ComparisonOperator::kGreaterThanThreshold;
  return spec;
}

MetricId Latency() { return {"Custom/Api", "Latency", {{"Endpoint", "/x"}}}; }

AlarmSpec AnomalySpec(ComparisonOperator op =
                          ComparisonOperator::kLessThanLowerOrGreaterThanUpperThreshold) {
  AlarmSpec spec;
  spec.alarm_name = "latency-anomaly";
  spec.metrics = {Stat("m1", Latency(), "Average", true, 300),
                  Expr("ad1", "ANOMALY_DETECTION_BAND(m1, 2)")};
  spec.threshold_metric_id = "ad1";
  spec.evaluation_periods = 2;
  spec.datapoints_to_alarm = 2;
  spec.comparison_operator = op;
  return spec;
}

// --- Validation (spec 1.7, 2) ----------------------------------------------

struct ValidationCase {
  const char* rule;
  void (*mutate)(AlarmSpec&);
  bool anomaly;
  const char* message;  // Empty: valid.
};

TEST(MathAlarmSpecTest, ValidationRules) {
  const ValidationCase cases[] = {
      {"spec 1.7: a valid math alarm", [](AlarmSpec&) {}, false, ""},
      {"spec 3.8: a valid anomaly alarm", [](AlarmSpec&) {}, true, ""},
      {"spec 2: Statistic with Metrics",
       [](AlarmSpec& s) { s.statistic = Statistic::kSum; }, false,
       "Statistic should not be set if list of Metrics is set."},
      {"spec 2: Unit with Metrics", [](AlarmSpec& s) { s.unit = Unit::kCount; },
       false, "Unit should not be set if list of Metrics is set."},
      {"spec 2 [INFERRED]: MetricName with Metrics",
       [](AlarmSpec& s) { s.metric.metric_name = "X"; }, false,
       "MetricName should not be set if list of Metrics is set."},
      {"spec 2 [INFERRED]: Period with Metrics",
       [](AlarmSpec& s) { s.period = absl::Minutes(1); }, false,
       "Period should not be set if list of Metrics is set."},
      {"spec 2 [INFERRED]: ExtendedStatistic with Metrics",
       [](AlarmSpec& s) { s.extended_statistic = "p99"; }, false,
       "ExtendedStatistic should not be set if list of Metrics is set."},
      {"spec 2: Threshold and ThresholdMetricId",
       [](AlarmSpec& s) { s.threshold = 1; }, true,
       "Threshold and ThresholdMetricId cannot both be set"},
      {"spec 2: no entry returns data",
       [](AlarmSpec& s) { s.metrics[2].return_data = false; }, false,
       "Exactly one element of the metrics list should return data."},
      {"spec 2: two entries return data",
       [](AlarmSpec& s) { s.metrics[0].return_data = true; }, false,
       "Exactly one element of the metrics list should return data."},
      {"spec 1.7: ReturnData unset behaves as true",
       [](AlarmSpec& s) { s.metrics[0].return_data.reset(); }, false,
       "Exactly one element of the metrics list should return data."},
      {"spec 2: anomaly alarm where only one entry returns data",
       [](AlarmSpec& s) { s.metrics[0].return_data = false; }, true,
       "Exactly two elements of the metrics list should return data."},
      {"spec 2: ThresholdMetricId matching nothing",
       [](AlarmSpec& s) { s.threshold_metric_id = "ad2"; }, true,
       "Metrics list must contain exactly one metric matching the "
       "ThresholdMetricId parameter"},
      {"spec 3.8: ThresholdMetricId naming a non-band entry",
       [](AlarmSpec& s) { s.threshold_metric_id = "m1"; }, true,
       "must be an ANOMALY_DETECTION_BAND expression"},
      {"spec 2: bad Stat inside MetricStat",
       [](AlarmSpec& s) { s.metrics[0].metric_stat->stat = "Mean"; }, false,
       "Invalid metrics list"},
      {"spec 1.7: MetricStat and Expression both set",
       [](AlarmSpec& s) { s.metrics[0].expression = "1"; }, false,
       "exactly one of MetricStat and Expression"},
      {"spec 1.7: neither MetricStat nor Expression",
       [](AlarmSpec& s) { s.metrics[0].metric_stat.reset(); }, false,
       "exactly one of MetricStat and Expression"},
      {"spec 1.7: Id starts with a lower-case letter",
       [](AlarmSpec& s) { s.metrics[2].id = "Rate"; }, false, "Metrics"},
      {"spec 1.7: an expression naming an unknown Id",
       [](AlarmSpec& s) { s.metrics[2].expression = "100 * errorz / requests"; },
       false, "errorz"},
      {"spec 1.7: at most 20 entries",
       [](AlarmSpec& s) {
         for (int i = 0; i < 18; ++i) {
           s.metrics.push_back(Expr(absl::StrCat("e", i), "1", false));
         }
       },
       false, "Member must have length less than or equal to 20"},
      {"spec 1.7: at most 10 MetricStat entries",
       [](AlarmSpec& s) {
         for (int i = 0; i < 9; ++i) {
           s.metrics.push_back(Stat(absl::StrCat("s", i), Errors(), "Sum"));
         }
       },
       false, "at most 10 metrics with MetricStat"},
      {"spec 1.7: at most 10 expressions",
       [](AlarmSpec& s) {
         for (int i = 0; i < 10; ++i) {
           s.metrics.push_back(Expr(absl::StrCat("e", i), "1", false));
         }
       },
       false, "at most 10 expressions"},
      {"docs/choices.md: one Period for every MetricStat",
       [](AlarmSpec& s) { s.metrics[1].metric_stat->period = absl::Minutes(5); },
       false, "must use the same Period"},
      {"spec 1.5: MetricStat Period 45 s",
       [](AlarmSpec& s) { s.metrics[1].metric_stat->period = absl::Seconds(45); },
       false, "Period must be 10, 20, 30 or a multiple of 60"},
      {"spec 1.6: band operator on a threshold math alarm",
       [](AlarmSpec& s) {
         s.comparison_operator = ComparisonOperator::kLessThanLowerThreshold;
       },
       false, "band operators need an anomaly-detection alarm"},
      {"spec 1.6: static operator on an anomaly alarm",
       [](AlarmSpec& s) {
         s.comparison_operator = ComparisonOperator::kGreaterThanThreshold;
       },
       true, "needs a band operator"},
      {"spec 3.8: anomaly alarms need P >= 60",
       [](AlarmSpec& s) { s.metrics[0].metric_stat->period = absl::Seconds(30); },
       true, "at least 60 seconds"},
      {"spec 3.8: no Auto Scaling actions on anomaly alarms",
       [](AlarmSpec& s) {
         s.alarm_actions = {
             "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:"
             "1234:autoScalingGroupName/web:policyName/up"};
       },
       true, "Auto Scaling actions are not supported"},
      {"spec 1.7: a math alarm cannot perform EC2 actions",
       [](AlarmSpec& s) {
         s.alarm_actions = {"arn:aws:automate:us-east-1:ec2:stop"};
       },
       false, "Invalid use of EC2 action"},
      {"spec 3.8: a returned band needs ThresholdMetricId",
       [](AlarmSpec& s) {
         s.metrics = {Stat("m1", Latency(), "Average", false),
                      Expr("ad1", "ANOMALY_DETECTION_BAND(m1)")};
       },
       false, "needs ThresholdMetricId"},
      {"spec 1.5: P x N over one day",
       [](AlarmSpec& s) { s.evaluation_periods = 1441; s.datapoints_to_alarm = 1; },
       false, "must not exceed 86400 seconds"},
  };
  for (const ValidationCase& c : cases) {
    SCOPED_TRACE(c.rule);
    AlarmSpec spec = c.anomaly ? AnomalySpec() : ErrorRateSpec();
    c.mutate(spec);
    absl::Status s = spec.Validate();
    if (std::string(c.message).empty()) {
      EXPECT_THAT(s, IsOk());
    } else {
      EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                              HasSubstr(c.message)));
      EXPECT_THAT(std::string(s.message()),
                  HasSubstr(absl::StrCat("alarm \"", spec.alarm_name, "\"")));
    }
  }
}

// --- Evaluation (spec 3.9) ---------------------------------------------------

class MathAlarmTest : public ::testing::Test {
 protected:
  void Put(const MetricId& metric, absl::Time t, double value) {
    MetricDatum d;
    d.metric = metric;
    d.timestamp = t;
    d.unit = Unit::kCount;
    d.value = value;
    ASSERT_THAT(store_.Put(d, "test"), IsOk());
  }

  // The last StateUpdate item's new state reason and data.
  const AlarmHistoryItem* LastStateUpdate() const {
    const AlarmHistoryItem* last = nullptr;
    for (const AlarmHistoryItem& item : evaluator_.history()) {
      if (item.type == HistoryItemType::kStateUpdate) last = &item;
    }
    return last;
  }

  MetricStore store_;
  RecordingSink sink_;
  AlarmEvaluator evaluator_{&store_, &sink_};
};

TEST_F(MathAlarmTest, ErrorRateAlarmFiresWithCloudWatchReason) {
  ASSERT_THAT(evaluator_.PutMetricAlarm(ErrorRateSpec(), Utc(2, 9, 59)), IsOk());
  // 10:00..10:04: 1000 requests, errors 10, 10, 60, 70, 80 (1%, 1%, 6%, 7%, 8%).
  const double errors[] = {10, 10, 60, 70, 80};
  for (int i = 0; i < 5; ++i) {
    Put(Requests(), Utc(2, 10, i, 30), 1000);
    Put(Errors(), Utc(2, 10, i, 30), errors[i]);
  }
  EvaluationReport r = evaluator_.Evaluate(Utc(2, 10, 5));
  EXPECT_EQ(r.transitions, 1);
  EXPECT_TRUE(r.evaluation_errors.empty());
  const AlarmStatus* status = evaluator_.FindStatus("error-rate");
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(status->state, AlarmState::kAlarm);
  EXPECT_EQ(status->reason,
            "Threshold Crossed: 3 out of the last 3 datapoints [8.0 (02/01/24 "
            "10:04:00), 7.0 (02/01/24 10:03:00), 6.0 (02/01/24 10:02:00)] were "
            "greater than the threshold (5.0) (minimum 3 datapoints for OK -> "
            "ALARM transition).");
  // spec 4.6: no "statistic" for math alarms; values without a sample count.
  nlohmann::json data = nlohmann::json::parse(status->reason_data);
  EXPECT_FALSE(data.contains("statistic"));
  EXPECT_EQ(data["period"], 60);
  EXPECT_EQ(data["threshold"], 5.0);
  EXPECT_EQ(data["recentDatapoints"], nlohmann::json::parse("[6.0,7.0,8.0]"));
  EXPECT_EQ(data["evaluatedDatapoints"][0],
            nlohmann::json::parse(
                R"({"timestamp":"2024-01-02T10:04:00.000+0000","value":8.0})"));
  ASSERT_EQ(sink_.actions().size(), 0u);  // No actions configured.
}

TEST_F(MathAlarmTest, MissingSideOfArithmeticIsZeroAndDivisionByZeroDrops) {
  // spec 3.9: "Arithmetic between series treats a missing value as 0; a
  // division by zero drops that datapoint."
  AlarmSpec spec = ErrorRateSpec();
  spec.evaluation_periods = 1;
  spec.datapoints_to_alarm.reset();
  spec.evaluation_range = 3;
  spec.threshold = -1;  // Every present datapoint breaches.
  ASSERT_THAT(evaluator_.PutMetricAlarm(spec, Utc(2, 9, 59)), IsOk());
  Put(Requests(), Utc(2, 10, 0, 30), 1000);  // 10:00: no Errors -> 0.
  Put(Errors(), Utc(2, 10, 1, 30), 5);       // 10:01: no Requests -> 5/0.
  evaluator_.Evaluate(Utc(2, 10, 2));
  const AlarmStatus* status = evaluator_.FindStatus("error-rate");
  ASSERT_EQ(status->state, AlarmState::kAlarm);
  nlohmann::json data = nlohmann::json::parse(status->reason_data);
  // Newest first: 10:01 dropped (no value), 10:00 = 100 * 0 / 1000 = 0.
  EXPECT_EQ(data["evaluatedDatapoints"],
            nlohmann::json::parse(
                R"([{"timestamp":"2024-01-02T10:01:00.000+0000"},
                    {"timestamp":"2024-01-02T10:00:00.000+0000","value":0.0}])"));
}

TEST_F(MathAlarmTest, RangeDependentFunctionsSeeTheFetchedRange) {
  // spec 3.9: AVG of a single series is computed over the fetched
  // evaluation range (R = 5 for N = 3), not over the N evaluated buckets.
  AlarmSpec spec;
  spec.alarm_name = "above-average";
  spec.metrics = {Stat("m1", Requests(), "Sum"),
                  Expr("e1", "m1 - AVG(m1)")};
  spec.evaluation_periods = 1;
  spec.threshold = 30;
  spec.comparison_operator = ComparisonOperator::kGreaterThanThreshold;
  ASSERT_THAT(evaluator_.PutMetricAlarm(spec, Utc(2, 9, 59)), IsOk());
  const double values[] = {10, 10, 10, 10, 50};
  for (int i = 0; i < 5; ++i) Put(Requests(), Utc(2, 10, i, 30), values[i]);
  evaluator_.Evaluate(Utc(2, 10, 5));
  // Over R = 3 buckets (N + 2): AVG = 23.3, 50 - 23.3 = 26.7, not > 30.
  // Over the 3 (= R for N = 1) buckets the alarm fetched: same. So widen:
  const AlarmStatus* status = evaluator_.FindStatus("above-average");
  EXPECT_EQ(status->state, AlarmState::kOk);
  AlarmSpec wide = spec;
  wide.alarm_name = "above-average-wide";
  wide.evaluation_range = 5;  // AVG over 5 buckets = 18, 50 - 18 = 32 > 30.
  ASSERT_THAT(evaluator_.PutMetricAlarm(wide, Utc(2, 10, 5)), IsOk());
  evaluator_.Evaluate(Utc(2, 10, 5, 30));
  EXPECT_EQ(evaluator_.FindStatus("above-average-wide")->state,
            AlarmState::kAlarm);
  EXPECT_THAT(evaluator_.FindStatus("above-average-wide")->reason,
              HasSubstr("[32.0 (02/01/24 10:04:00)]"));
}

TEST_F(MathAlarmTest, ExpressionErrorAtEvaluationKeepsTheStateAndIsReported) {
  // METRICS() returns two series: the returned entry must yield one.
  AlarmSpec spec;
  spec.alarm_name = "two-series";
  spec.metrics = {Stat("m1", Requests(), "Sum"), Stat("m2", Errors(), "Sum"),
                  Expr("e1", "METRICS()")};
  spec.evaluation_periods = 1;
  spec.threshold = 1;
  spec.comparison_operator = ComparisonOperator::kGreaterThanThreshold;
  absl::Status put = evaluator_.PutMetricAlarm(spec, Utc(2, 9, 59));
  if (!put.ok()) {
    // Refusing at creation is as good as reporting at evaluation.
    EXPECT_THAT(put, StatusIs(absl::StatusCode::kInvalidArgument,
                              HasSubstr("e1")));
    return;
  }
  Put(Requests(), Utc(2, 10, 0, 30), 5);
  EvaluationReport r = evaluator_.Evaluate(Utc(2, 10, 1));
  ASSERT_EQ(r.evaluation_errors.size(), 1u);
  EXPECT_THAT(r.evaluation_errors[0].message(),
              HasSubstr("alarm \"two-series\": evaluation at"));
  EXPECT_EQ(evaluator_.FindStatus("two-series")->state,
            AlarmState::kInsufficientData);
  EXPECT_EQ(r.transitions, 0);
}

TEST_F(MathAlarmTest, DescribeAndHistoryCarryTheMetricsList) {
  ASSERT_THAT(evaluator_.PutMetricAlarm(ErrorRateSpec(), Utc(2, 9, 59)), IsOk());
  std::vector<AlarmDescription> d = evaluator_.DescribeAlarms();
  ASSERT_EQ(d.size(), 1u);
  JsonWriter w;
  WriteMetricAlarm(*d[0].spec, *d[0].status, d[0].alarm_arn,
                   d[0].configuration_updated, &w);
  nlohmann::json j = nlohmann::json::parse(w.Release());
  EXPECT_FALSE(j.contains("MetricName"));
  EXPECT_FALSE(j.contains("Namespace"));
  EXPECT_FALSE(j.contains("Period"));
  EXPECT_EQ(j["Dimensions"], nlohmann::json::array());
  ASSERT_EQ(j["Metrics"].size(), 3u);
  EXPECT_EQ(j["Metrics"][0]["MetricStat"]["Metric"]["MetricName"], "Errors");
  EXPECT_EQ(j["Metrics"][0]["ReturnData"], false);
  EXPECT_EQ(j["Metrics"][2]["Expression"], "100 * errors / requests");
  // The ConfigurationUpdate history item (camelCase, spec 4.7).
  const AlarmHistoryItem& created = evaluator_.history().front();
  nlohmann::json h = nlohmann::json::parse(created.data);
  EXPECT_EQ(h["createdAlarm"]["metrics"][1]["metricStat"]["stat"], "Sum");
  EXPECT_FALSE(h["createdAlarm"].contains("metricName"));
}

TEST_F(MathAlarmTest, SnsTriggerIsTheMathForm) {
  ASSERT_THAT(evaluator_.PutMetricAlarm(ErrorRateSpec(), Utc(2, 9, 59)), IsOk());
  StateChange change;
  const std::optional<AlarmSpec> error_rate = evaluator_.FindAlarm("error-rate");
  ASSERT_TRUE(error_rate.has_value());
  change.alarm = &*error_rate;
  change.alarm_arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:error-rate";
  change.region = "us-east-1";
  change.account_id = "123456789012";
  change.old_state = AlarmState::kOk;
  change.new_state = AlarmState::kAlarm;
  change.timestamp = Utc(2, 10, 5);
  change.action = "arn:aws:sns:us-east-1:123456789012:pager";
  nlohmann::json m =
      nlohmann::json::parse(SnsMessageJson(NotificationFromStateChange(change)));
  const nlohmann::json& trigger = m["Trigger"];
  // spec 6.2: no MetricName/Namespace/Statistic/Unit/Dimensions; Metrics.
  for (const char* key : {"MetricName", "Namespace", "Statistic", "Unit",
                          "Dimensions", "ThresholdMetricId"}) {
    EXPECT_FALSE(trigger.contains(key)) << key;
  }
  EXPECT_EQ(trigger["Period"], 60);
  EXPECT_EQ(trigger["Threshold"], 5.0);
  ASSERT_EQ(trigger["Metrics"].size(), 3u);
  EXPECT_EQ(trigger["Metrics"][2]["Expression"], "100 * errors / requests");
  EXPECT_EQ(trigger["Metrics"][0]["MetricStat"]["Stat"], "Sum");

  // Anomaly form: ThresholdMetricId and no Threshold.
  ASSERT_THAT(evaluator_.PutMetricAlarm(AnomalySpec(), Utc(2, 9, 59)), IsOk());
  const std::optional<AlarmSpec> anomaly =
      evaluator_.FindAlarm("latency-anomaly");
  ASSERT_TRUE(anomaly.has_value());
  change.alarm = &*anomaly;
  nlohmann::json a =
      nlohmann::json::parse(SnsMessageJson(NotificationFromStateChange(change)));
  EXPECT_EQ(a["Trigger"]["ThresholdMetricId"], "ad1");
  EXPECT_FALSE(a["Trigger"].contains("Threshold"));
  EXPECT_EQ(a["Trigger"]["Period"], 300);
}

// --- Anomaly detection (spec 1.6, 3.8) ---------------------------------------

// A daily cycle: 100 at night, 200 at 14:00, with a small deterministic
// wobble; `spike_at` (if set) replaces the value with 500.
double Seasonal(absl::Time t) {
  const double hours =
      static_cast<double>(absl::ToUnixSeconds(t) % 86400) / 3600.0;
  const int64_t k = absl::ToUnixSeconds(t) / 300;
  const double wobble = ((k * 7919) % 11 - 5) * 0.4;  // -2 .. +2
  return 150 - 50 * std::cos((hours - 2) / 24 * 2 * M_PI) + wobble;
}

class AnomalyAlarmTest : public MathAlarmTest {
 protected:
  // Publishes one Latency value every 5 minutes from `from` to `to` and
  // evaluates every 5 minutes, recording every state reached.
  void Run(absl::Time from, absl::Time to,
           const std::function<double(absl::Time)>& value) {
    for (absl::Time t = from; t < to; t += absl::Minutes(5)) {
      MetricDatum d;
      d.metric = Latency();
      d.timestamp = t + absl::Seconds(30);
      d.unit = Unit::kMilliseconds;
      d.value = value(t);
      ASSERT_THAT(store_.Put(d, "test"), IsOk());
      evaluator_.Evaluate(t + absl::Minutes(5));
      const AlarmStatus* s = evaluator_.FindStatus("latency-anomaly");
      states_.push_back({t + absl::Minutes(5), s->state});
    }
  }
  // Publishes the seasonal series without evaluating.
  void PutHistory(absl::Time from, absl::Time to) {
    for (absl::Time t = from; t < to; t += absl::Minutes(5)) {
      MetricDatum d;
      d.metric = Latency();
      d.timestamp = t + absl::Seconds(30);
      d.value = Seasonal(t);
      ASSERT_THAT(store_.Put(d, "test"), IsOk());
    }
  }
  std::vector<std::pair<absl::Time, AlarmState>> states_;
};

TEST_F(AnomalyAlarmTest, NoBandBeforeTheMinimumHistory) {
  // docs/anomaly_detection.md: no band until the model has its minimum
  // history, so the alarm sees no datapoint and stays INSUFFICIENT_DATA.
  ASSERT_THAT(evaluator_.PutMetricAlarm(AnomalySpec(), Utc(1, 0, 0)), IsOk());
  Run(Utc(1, 0, 0), Utc(1, 1, 0), [](absl::Time t) { return Seasonal(t); });
  for (const auto& [t, state] : states_) {
    EXPECT_EQ(state, AlarmState::kInsufficientData) << t;
  }
  EXPECT_EQ(evaluator_.FindStatus("latency-anomaly")->reason,
            "Unchecked: Initial alarm creation");
}

TEST_F(AnomalyAlarmTest, FlagsTheSpikeAndNotTheDailyPeak) {
  // A day of history exists when the alarm is created (the model trains on
  // it, as CloudWatch's does on up to two weeks, spec 3.8); then a quiet
  // day, a spike at 03:00-03:20 on day 3 (night: normally ~100), and the
  // day-3 peak at 14:00, which is normal.
  PutHistory(Utc(1, 0, 0), Utc(2, 0, 0));
  ASSERT_THAT(evaluator_.PutMetricAlarm(AnomalySpec(), Utc(2, 0, 0)), IsOk());
  const absl::Time spike = Utc(3, 3, 0);
  Run(Utc(2, 0, 0), Utc(3, 23, 0), [&](absl::Time t) {
    if (t >= spike && t < spike + absl::Minutes(20)) return 500.0;
    return Seasonal(t);
  });
  std::vector<absl::Time> alarm_at;
  for (const auto& [t, state] : states_) {
    if (state == AlarmState::kAlarm) alarm_at.push_back(t);
  }
  ASSERT_FALSE(alarm_at.empty()) << "the spike was not flagged";
  EXPECT_GE(alarm_at.front(), spike);
  EXPECT_LE(alarm_at.front(), spike + absl::Minutes(15));
  // Nothing else: the peaks of day 2 and 3 stay inside the band.
  EXPECT_LE(alarm_at.back(), spike + absl::Minutes(40));
  EXPECT_EQ(states_.back().second, AlarmState::kOk);
}

TEST_F(AnomalyAlarmTest, BandReasonAndReasonData) {
  PutHistory(Utc(1, 0, 0), Utc(2, 0, 0));
  ASSERT_THAT(evaluator_.PutMetricAlarm(AnomalySpec(), Utc(2, 0, 0)), IsOk());
  const absl::Time spike = Utc(3, 3, 0);
  Run(Utc(2, 0, 0), spike + absl::Minutes(15), [&](absl::Time t) {
    return t >= spike ? 500.0 : Seasonal(t);
  });
  const AlarmStatus* s = evaluator_.FindStatus("latency-anomaly");
  ASSERT_EQ(s->state, AlarmState::kAlarm);
  // spec 4.5 #6.
  EXPECT_THAT(s->reason,
              ::testing::MatchesRegex(
                  "Thresholds Crossed: 2 out of the last 2 datapoints \\[500.0 "
                  "\\(03/01/24 03:05:00\\), 500.0 \\(03/01/24 03:00:00\\)\\] "
                  "were less than the lower thresholds \\[[-0-9.E]+, "
                  "[-0-9.E]+\\] or greater than the upper thresholds "
                  "\\[[-0-9.E]+, [-0-9.E]+\\] \\(minimum 2 datapoints for OK "
                  "-> ALARM transition\\)\\."));
  // spec 4.6: the band replaces `threshold`; no statistic.
  nlohmann::json data = nlohmann::json::parse(s->reason_data);
  EXPECT_FALSE(data.contains("threshold"));
  EXPECT_FALSE(data.contains("statistic"));
  ASSERT_EQ(data["recentLowerThresholds"].size(), 2u);
  ASSERT_EQ(data["recentUpperThresholds"].size(), 2u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_LT(data["recentLowerThresholds"][i].get<double>(),
              data["recentUpperThresholds"][i].get<double>());
    EXPECT_LT(data["recentUpperThresholds"][i].get<double>(), 500.0);
  }
}

TEST_F(AnomalyAlarmTest, OneSidedOperators) {
  // spec 1.6: LessThanLowerThreshold ignores a spike; GreaterThanUpper
  // ignores a dip.
  struct Case {
    const char* rule;
    ComparisonOperator op;
    double anomaly;
    bool fires;
  };
  const Case cases[] = {
      {"spec 1.6 LessThanLowerThreshold, spike",
       ComparisonOperator::kLessThanLowerThreshold, 500, false},
      {"spec 1.6 LessThanLowerThreshold, dip",
       ComparisonOperator::kLessThanLowerThreshold, 0, true},
      {"spec 1.6 GreaterThanUpperThreshold, spike",
       ComparisonOperator::kGreaterThanUpperThreshold, 500, true},
      {"spec 1.6 GreaterThanUpperThreshold, dip",
       ComparisonOperator::kGreaterThanUpperThreshold, 0, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.rule);
    MetricStore store;
    RecordingSink sink;
    AlarmEvaluator evaluator(&store, &sink);
    // A day of history, then the alarm, then the anomaly at 15:00 on day 2.
    const absl::Time created = Utc(2, 0, 0);
    const absl::Time anomaly = Utc(2, 15, 0);
    bool fired = false;
    for (absl::Time t = Utc(1, 0, 0); t < anomaly + absl::Minutes(30);
         t += absl::Minutes(5)) {
      if (t == created) {
        ASSERT_THAT(evaluator.PutMetricAlarm(AnomalySpec(c.op), created), IsOk());
      }
      MetricDatum d;
      d.metric = Latency();
      d.timestamp = t + absl::Seconds(30);
      d.value = t >= anomaly ? c.anomaly : Seasonal(t);
      ASSERT_THAT(store.Put(d, "test"), IsOk());
      if (t < created) continue;
      evaluator.Evaluate(t + absl::Minutes(5));
      fired |= evaluator.FindStatus("latency-anomaly")->state == AlarmState::kAlarm;
    }
    EXPECT_EQ(fired, c.fires);
    if (c.fires) {
      const std::string& reason = evaluator.FindStatus("latency-anomaly")->reason;
      EXPECT_THAT(reason, HasSubstr(c.op == ComparisonOperator::kLessThanLowerThreshold
                                        ? "were less than the lower thresholds ["
                                        : "were greater than the upper thresholds ["));
      EXPECT_THAT(reason, Not(HasSubstr(" or ")));
    }
  }
}

// --- JSON loader ---------------------------------------------------------------

TEST(MathAlarmConfigTest, LoadsTheMetricsForm) {
  absl::StatusOr<std::vector<AlarmSpec>> alarms = ParseAlarmsJson(R"j({
      "AlarmName": "a", "EvaluationPeriods": 2, "Threshold": 5,
      "ComparisonOperator": "GreaterThanThreshold",
      "Metrics": [
        {"Id": "e", "ReturnData": false, "MetricStat": {"Metric": {"Namespace": "N",
          "MetricName": "Errors", "Dimensions": [{"Name": "S", "Value": "x"}]},
          "Period": 300, "Stat": "p99", "Unit": "Count"}},
        {"Id": "r", "Expression": "e * 2", "Label": "Doubled"}]})j",
                                                            "a.json");
  ASSERT_THAT(alarms, IsOk());
  const AlarmSpec& spec = alarms->front();
  ASSERT_EQ(spec.metrics.size(), 2u);
  EXPECT_EQ(spec.metrics[0].metric_stat->metric.metric_name, "Errors");
  EXPECT_EQ(spec.metrics[0].metric_stat->metric.dimensions[0].value, "x");
  EXPECT_EQ(spec.metrics[0].metric_stat->period, absl::Minutes(5));
  EXPECT_EQ(spec.metrics[0].metric_stat->stat, "p99");
  EXPECT_EQ(spec.metrics[0].metric_stat->unit, Unit::kCount);
  EXPECT_EQ(spec.metrics[0].return_data, false);
  EXPECT_EQ(spec.metrics[1].expression, "e * 2");
  EXPECT_EQ(spec.metrics[1].label, "Doubled");
  EXPECT_FALSE(spec.metrics[1].return_data.has_value());
  EXPECT_EQ(spec.EffectivePeriod(), absl::Minutes(5));
}

TEST(MathAlarmConfigTest, ErrorsNameTheJsonPath) {
  struct Case {
    const char* json;
    const char* message;
  };
  const Case cases[] = {
      {R"({"AlarmName":"a","EvaluationPeriods":1,"Threshold":1,
            "ComparisonOperator":"GreaterThanThreshold",
            "Metrics":[{"Id":"m","MetricStat":{"Colour":1}}]})",
       "a.json: $.Metrics[0].MetricStat.Colour: unknown key"},
      {R"({"AlarmName":"a","EvaluationPeriods":1,"Threshold":1,
            "ComparisonOperator":"GreaterThanThreshold",
            "Metrics":{"Id":"m"}})",
       "a.json: $.Metrics: expected an array of MetricDataQuery objects"},
      {R"({"AlarmName":"a","EvaluationPeriods":1,"Threshold":1,
            "ComparisonOperator":"GreaterThanThreshold",
            "Metrics":[{"Id":"m","Expression":"1 +"}]})",
       "Metrics[0].Expression"},
      {R"({"AlarmName":"a","EvaluationPeriods":1,"Threshold":1,
            "ComparisonOperator":"GreaterThanThreshold",
            "Metrics":[{"Id":"m","ReturnData":"yes","Expression":"1"}]})",
       "$.Metrics[0].ReturnData: expected true or false"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.json);
    EXPECT_THAT(ParseAlarmsJson(c.json, "a.json"),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)));
  }
}

}  // namespace
}  // namespace cwalarm

// --- Anomaly detectors (PutAnomalyDetector, spec 3.8) --------------------------

namespace cwalarm {
namespace {

AnomalyDetectorSpec LatencyDetector() {
  AnomalyDetectorSpec d;
  d.metric = Latency();
  d.stat = "Average";
  return d;
}

TEST(AnomalyDetectorSpecTest, ValidationRules) {
  struct Case {
    const char* rule;
    void (*mutate)(AnomalyDetectorSpec&);
    const char* message;  // Empty: valid.
  };
  const Case cases[] = {
      {"a detector with one excluded range",
       [](AnomalyDetectorSpec& d) {
         d.excluded_time_ranges.push_back({Utc(1, 0, 0), Utc(1, 1, 0)});
       },
       ""},
      {"Stat must be a statistic",
       [](AnomalyDetectorSpec& d) { d.stat = "Mean"; },
       "Stat (Mean): must be a statistic or an extended statistic"},
      {"an extended statistic is a Stat", [](AnomalyDetectorSpec& d) { d.stat = "p99"; },
       ""},
      {"EndTime after StartTime",
       [](AnomalyDetectorSpec& d) {
         d.excluded_time_ranges.push_back({Utc(1, 1, 0), Utc(1, 1, 0)});
       },
       "ExcludedTimeRanges[0]"},
      {"at most 100 excluded ranges",
       [](AnomalyDetectorSpec& d) {
         for (int i = 0; i < 101; ++i) {
           d.excluded_time_ranges.push_back(
               {Utc(1, 0, 0) + absl::Minutes(i), Utc(1, 0, 0) + absl::Minutes(i + 1)});
         }
       },
       "at most 100 ranges"},
      {"Namespace and MetricName required",
       [](AnomalyDetectorSpec& d) { d.metric.metric_name.clear(); },
       "Namespace and MetricName must not be null"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.rule);
    AnomalyDetectorSpec d = LatencyDetector();
    c.mutate(d);
    if (std::string(c.message).empty()) {
      EXPECT_THAT(d.Validate(), IsOk());
    } else {
      EXPECT_THAT(d.Validate(), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr(c.message)));
    }
  }
}

// Three days: normal on day 1, a six-hour outage (latency 5) on day 2 from
// 08:00, normal day 3 with a spike at 10:00 (normally ~165: 260 is far above
// the band learnt from clean data). The alarm is created on day 3.
double WithOutage(absl::Time t) {
  if (t >= Utc(2, 8, 0) && t < Utc(2, 14, 0)) return 5;
  if (t >= Utc(3, 10, 0) && t < Utc(3, 10, 20)) return 260;
  return Seasonal(t);
}

// Runs the scenario; `skip_outage` publishes nothing during the outage.
std::string SpikeReason(bool detector, bool skip_outage) {
  MetricStore store;
  RecordingSink sink;
  AlarmEvaluator evaluator(&store, &sink);
  if (detector) {
    AnomalyDetectorSpec d = LatencyDetector();
    d.excluded_time_ranges.push_back({Utc(2, 8, 0), Utc(2, 14, 0)});
    EXPECT_THAT(evaluator.PutAnomalyDetector(d), IsOk());
  }
  std::string reason;
  for (absl::Time t = Utc(1, 0, 0); t < Utc(3, 11, 0); t += absl::Minutes(5)) {
    if (t == Utc(3, 0, 0)) {
      EXPECT_THAT(evaluator.PutMetricAlarm(AnomalySpec(), t), IsOk());
    }
    const bool outage = t >= Utc(2, 8, 0) && t < Utc(2, 14, 0);
    if (!(skip_outage && outage)) {
      MetricDatum datum;
      datum.metric = Latency();
      datum.timestamp = t + absl::Seconds(30);
      datum.value = WithOutage(t);
      EXPECT_THAT(store.Put(datum, "test"), IsOk());
    }
    if (t < Utc(3, 0, 0)) continue;
    evaluator.Evaluate(t + absl::Minutes(5));
    const AlarmStatus* s = evaluator.FindStatus("latency-anomaly");
    if (s->state == AlarmState::kAlarm && reason.empty()) reason = s->reason;
  }
  return reason;
}

TEST(AnomalyDetectorTest, ExcludedTimeRangesAreLeftOutOfTraining) {
  // An excluded outage trains exactly like an outage that was never
  // published: same band, same reason (thresholds included).
  const std::string excluded = SpikeReason(/*detector=*/true, /*skip_outage=*/false);
  const std::string absent = SpikeReason(/*detector=*/false, /*skip_outage=*/true);
  ASSERT_FALSE(excluded.empty()) << "the spike was not flagged";
  EXPECT_EQ(excluded, absent);
  // Trained on the outage, the band differs (it learnt the outage's values).
  EXPECT_NE(SpikeReason(/*detector=*/false, /*skip_outage=*/false), excluded);
}

TEST(AnomalyDetectorTest, DescribeReturnsTheDetectorsByKey) {
  MetricStore store;
  RecordingSink sink;
  AlarmEvaluator evaluator(&store, &sink);
  AnomalyDetectorSpec p99 = LatencyDetector();
  p99.stat = "p99";
  ASSERT_THAT(evaluator.PutAnomalyDetector(p99), IsOk());
  ASSERT_THAT(evaluator.PutAnomalyDetector(LatencyDetector()), IsOk());
  AnomalyDetectorSpec again = LatencyDetector();
  again.excluded_time_ranges.push_back({Utc(1, 0, 0), Utc(1, 2, 0)});
  ASSERT_THAT(evaluator.PutAnomalyDetector(again), IsOk());  // Replaces.
  std::vector<AnomalyDetectorSpec> all = evaluator.DescribeAnomalyDetectors();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].stat, "Average");
  EXPECT_EQ(all[0].excluded_time_ranges.size(), 1u);
  EXPECT_EQ(all[1].stat, "p99");
  AnomalyDetectorSpec bad = LatencyDetector();
  bad.stat = "Mean";
  EXPECT_THAT(evaluator.PutAnomalyDetector(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("Mean")));
}

TEST(AnomalyDetectorTest, ConfigLoaderAcceptsPutAndDescribeShapes) {
  absl::StatusOr<AlarmConfig> config = ParseAlarmConfigJson(R"j([
      {"SingleMetricAnomalyDetector": {"Namespace": "Custom/Api",
         "MetricName": "Latency", "Dimensions": [{"Name": "Endpoint", "Value": "/x"}],
         "Stat": "Average"},
       "Configuration": {"ExcludedTimeRanges": [
         {"StartTime": "2024-01-02T08:00:00Z", "EndTime": "2024-01-02T14:00:00Z"}],
         "MetricTimezone": "UTC"}},
      {"Namespace": "Custom/Api", "MetricName": "Errors", "Stat": "Sum"}])j",
                                                        "d.json");
  ASSERT_THAT(config, IsOk());
  ASSERT_EQ(config->anomaly_detectors.size(), 2u);
  const AnomalyDetectorSpec& d = config->anomaly_detectors[0];
  EXPECT_EQ(d.metric.metric_name, "Latency");
  EXPECT_EQ(d.metric.dimensions[0].value, "/x");
  ASSERT_EQ(d.excluded_time_ranges.size(), 1u);
  EXPECT_EQ(d.excluded_time_ranges[0].start, Utc(2, 8, 0));
  EXPECT_EQ(d.metric_timezone, "UTC");
  EXPECT_EQ(config->anomaly_detectors[1].stat, "Sum");

  absl::StatusOr<AlarmConfig> describe = ParseAlarmConfigJson(
      R"j({"MetricAlarms": [], "AnomalyDetectors": [{"SingleMetricAnomalyDetector":
          {"Namespace": "N", "MetricName": "M", "Stat": "p90"}, "StateValue": "TRAINED"}]})j",
      "d.json");
  ASSERT_THAT(describe, IsOk());
  EXPECT_EQ(describe->anomaly_detectors.at(0).stat, "p90");

  struct Case {
    const char* json;
    const char* message;
  };
  const Case bad[] = {
      {R"([{"Stat": "Average", "Namespace": "N", "MetricName": "M", "Colour": 1}])",
       "d.json: $[0].Colour: unknown key (not a PutAnomalyDetector field)"},
      {R"([{"Stat": "Average", "Namespace": "N", "MetricName": "M",
            "Configuration": {"ExcludedTimeRanges": [{"StartTime": "2024-01-02T08:00:00Z"}]}}])",
       "$[0].Configuration.ExcludedTimeRanges[0]: StartTime and EndTime are required"},
      {R"([{"Stat": "Average", "Namespace": "N", "MetricName": "M",
            "Configuration": {"ExcludedTimeRanges": [{"StartTime": "2024-01-02T08:00:00Z",
              "EndTime": "2024-01-01T08:00:00Z"}]}}])",
       "EndTime must be after StartTime"},
      {R"([{"SingleMetricAnomalyDetector": {"Namespace": "N", "MetricName": "M",
            "Stat": "Avg"}}])",
       "Stat (Avg)"},
  };
  for (const Case& c : bad) {
    SCOPED_TRACE(c.json);
    EXPECT_THAT(ParseAlarmConfigJson(c.json, "d.json"),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)));
  }
}

}  // namespace
}  // namespace cwalarm

namespace cwalarm {
namespace {

TEST(MathAlarmConfigTest, TextProtoMetricsForm) {
  absl::StatusOr<std::vector<AlarmSpec>> alarms = ParseAlarmsTextProto(R"pb(
    alarms {
      alarm_name: "error-rate"
      metrics {
        id: "errors"
        metric_stat {
          metric { namespace: "Custom/Web" metric_name: "Errors" }
          period { seconds: 60 }
          stat: "Sum"
        }
        return_data: false
      }
      metrics {
        id: "requests"
        metric_stat {
          metric { namespace: "Custom/Web" metric_name: "Requests" }
          period { seconds: 60 }
          stat: "Sum"
          unit: "Count"
        }
        return_data: false
      }
      metrics { id: "rate" expression: "100 * errors / requests" label: "Rate" }
      evaluation_periods: 3
      threshold: 5
      comparison_operator: GREATER_THAN_THRESHOLD
    }
    alarms {
      alarm_name: "anomaly"
      metrics {
        id: "m1"
        metric_stat {
          metric { namespace: "Custom/Api" metric_name: "Latency" }
          period { seconds: 300 }
          stat: "p90"
        }
      }
      metrics { id: "ad1" expression: "ANOMALY_DETECTION_BAND(m1, 3)" }
      threshold_metric_id: "ad1"
      evaluation_periods: 2
      comparison_operator: GREATER_THAN_UPPER_THRESHOLD
    }
  )pb",
                                                                "a.textproto");
  ASSERT_THAT(alarms, IsOk());
  ASSERT_EQ(alarms->size(), 2u);
  const AlarmSpec& rate = (*alarms)[0];
  ASSERT_EQ(rate.metrics.size(), 3u);
  EXPECT_EQ(rate.metrics[1].metric_stat->unit, Unit::kCount);
  EXPECT_EQ(rate.metrics[2].expression, "100 * errors / requests");
  EXPECT_EQ(rate.metrics[2].label, "Rate");
  EXPECT_EQ(rate.EffectivePeriod(), absl::Minutes(1));
  const AlarmSpec& anomaly = (*alarms)[1];
  EXPECT_EQ(anomaly.threshold_metric_id, "ad1");
  EXPECT_FALSE(anomaly.threshold.has_value());
  EXPECT_EQ(anomaly.metrics[0].metric_stat->stat, "p90");

  EXPECT_THAT(ParseAlarmsTextProto(R"pb(
    alarms {
      alarm_name: "x"
      metrics { id: "m" expression: "1 +" period { seconds: 60 } }
      evaluation_periods: 1 threshold: 1
      comparison_operator: GREATER_THAN_THRESHOLD
    })pb",
                                   "b.textproto"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("Metrics[0].Expression")));
}

}  // namespace
}  // namespace cwalarm

namespace cwalarm {
namespace {

// Issue 8 for issue 6's state: a snapshot taken mid-replay of an anomaly
// alarm with a detector restores into an evaluator that continues with the
// same history (the model retrains from the restored store).
TEST(AnomalySnapshotTest, RestoredEvaluatorContinuesIdentically) {
  EvaluatorOptions options;
  options.anomaly_model.retrain_interval_seconds = 1800;  // Saved too.
  MetricStore store;
  RecordingSink sink;
  AlarmEvaluator evaluator(&store, &sink, options);
  AnomalyDetectorSpec d = LatencyDetector();
  d.excluded_time_ranges.push_back({Utc(2, 8, 0), Utc(2, 14, 0)});
  d.metric_timezone = "UTC";
  ASSERT_THAT(evaluator.PutAnomalyDetector(d), IsOk());
  std::unique_ptr<MetricStore> restored_store;
  std::unique_ptr<AlarmEvaluator> restored;
  RecordingSink restored_sink;
  std::vector<AlarmHistoryItem> a, b;
  const absl::Time snapshot_at = Utc(3, 3, 2);
  for (absl::Time t = Utc(1, 0, 0); t < Utc(3, 11, 0); t += absl::Minutes(5)) {
    if (t == Utc(3, 0, 0)) {
      ASSERT_THAT(evaluator.PutMetricAlarm(AnomalySpec(), t), IsOk());
    }
    MetricDatum datum;
    datum.metric = Latency();
    datum.timestamp = t + absl::Seconds(30);
    datum.value = WithOutage(t);
    ASSERT_THAT(store.Put(datum, "test"), IsOk());
    if (restored_store != nullptr) {
      ASSERT_THAT(restored_store->Put(datum, "test"), IsOk());
    }
    if (t < Utc(3, 0, 0)) continue;
    evaluator.Evaluate(t + absl::Minutes(5));
    if (restored != nullptr) restored->Evaluate(t + absl::Minutes(5));
    if (restored == nullptr && t + absl::Minutes(5) >= snapshot_at) {
      absl::StatusOr<std::string> bytes = SerializeEvaluatorState(store, evaluator);
      ASSERT_THAT(bytes, IsOk());
      absl::StatusOr<RestoredEvaluator> r =
          DeserializeEvaluatorState(*bytes, &restored_sink);
      ASSERT_THAT(r, IsOk());
      restored_store = std::move(r->store);
      restored = std::move(r->evaluator);
      EXPECT_EQ(restored->options().anomaly_model.retrain_interval_seconds, 1800);
      std::vector<AnomalyDetectorSpec> ds = restored->DescribeAnomalyDetectors();
      ASSERT_EQ(ds.size(), 1u);
      EXPECT_EQ(ds[0].excluded_time_ranges.size(), 1u);
      EXPECT_EQ(ds[0].metric_timezone, "UTC");
      evaluator.TakeHistory();
      restored->TakeHistory();
    }
  }
  ASSERT_NE(restored, nullptr);
  a = evaluator.TakeHistory();
  b = restored->TakeHistory();
  ASSERT_FALSE(a.empty());  // The spike at 10:00 on day 3.
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].summary, b[i].summary);
    EXPECT_EQ(a[i].data, b[i].data);
  }
}

}  // namespace
}  // namespace cwalarm
