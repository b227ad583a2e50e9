// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// PutMetricData datum validation (spec 3.2.3) and its statistic set (1.3).

#include "metrics/datapoint.h"

#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::IsOk;
using ::cwalarm_testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

MetricDatum ValueDatum(double v) {
  MetricDatum d;
  d.metric = {"AWS/EC2", "CPUUtilization", {{"InstanceId", "i-1"}}};
  d.timestamp = absl::FromUnixSeconds(1700000000);
  d.value = v;
  return d;
}

TEST(ValidateMetricDatumTest, AcceptsEachValueForm) {
  EXPECT_THAT(ValidateMetricDatum(ValueDatum(42), "d"), IsOk());
  MetricDatum values = ValueDatum(0);
  values.value.reset();
  values.values = {1, 2, 3};
  values.counts = {1, 2, 0};
  EXPECT_THAT(ValidateMetricDatum(values, "d"), IsOk());
  values.values.assign(150, 1.0);
  values.counts.clear();
  EXPECT_THAT(ValidateMetricDatum(values, "d"), IsOk());
  MetricDatum set = ValueDatum(0);
  set.value.reset();
  set.statistic_values = StatisticSet{3, 30, 5, 15};
  set.storage_resolution = 1;
  EXPECT_THAT(ValidateMetricDatum(set, "d"), IsOk());
}

struct BadDatum {
  std::string rule;
  std::function<void(MetricDatum&)> change;
  std::string part;
};

void PrintTo(const BadDatum& c, std::ostream* os) { *os << c.rule; }

class ValidateMetricDatumRejectTest
    : public ::testing::TestWithParam<BadDatum> {};

TEST_P(ValidateMetricDatumRejectTest, Rejects) {
  MetricDatum d = ValueDatum(1);
  GetParam().change(d);
  EXPECT_THAT(ValidateMetricDatum(d, "MetricData[3]"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(StartsWith("MetricData[3]"),
                             HasSubstr(GetParam().part))))
      << GetParam().rule;
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

INSTANTIATE_TEST_SUITE_P(
    Spec323, ValidateMetricDatumRejectTest,
    ::testing::Values(
        BadDatum{"spec 3.2.3: NaN value, CloudWatch text",
                 [](MetricDatum& d) { d.value = kNaN; },
                 "The value NaN for parameter MetricData.member."},
        BadDatum{"spec 3.2.3: NaN value ends like CloudWatch's text",
                 [](MetricDatum& d) { d.value = kNaN; }, "Value is invalid."},
        BadDatum{"spec 3.2.3: infinite value",
                 [](MetricDatum& d) { d.value = kInf; },
                 "The value Infinity for parameter"},
        BadDatum{"spec 3.2.3: value beyond 2^360",
                 [](MetricDatum& d) { d.value = std::ldexp(1.0, 361); },
                 "[-2^360, 2^360]"},
        BadDatum{"NaN inside Values",
                 [](MetricDatum& d) {
                   d.value.reset();
                   d.values = {1, kNaN};
                 },
                 "The value NaN for parameter MetricData.member.Values.2"},
        BadDatum{"more than 150 Values",
                 [](MetricDatum& d) {
                   d.value.reset();
                   d.values.assign(151, 1.0);
                 },
                 "151"},
        BadDatum{"Values and Counts of different length",
                 [](MetricDatum& d) {
                   d.value.reset();
                   d.values = {1, 2};
                   d.counts = {1};
                 },
                 "same length"},
        BadDatum{"negative count",
                 [](MetricDatum& d) {
                   d.value.reset();
                   d.values = {1};
                   d.counts = {-1};
                 },
                 "Counts[0]"},
        BadDatum{"statistic set with Minimum > Maximum",
                 [](MetricDatum& d) {
                   d.value.reset();
                   d.statistic_values = StatisticSet{2, 10, 9, 1};
                 },
                 "must not exceed StatisticValues.Maximum"},
        BadDatum{"statistic set with SampleCount 0",
                 [](MetricDatum& d) {
                   d.value.reset();
                   d.statistic_values = StatisticSet{0, 0, 0, 0};
                 },
                 "StatisticValues.SampleCount (0) must be greater than 0"},
        BadDatum{"statistic set with negative SampleCount",
                 [](MetricDatum& d) {
                   d.value.reset();
                   d.statistic_values = StatisticSet{-1, 0, 0, 0};
                 },
                 "must be greater than 0"},
        BadDatum{"StorageResolution 5",
                 [](MetricDatum& d) { d.storage_resolution = 5; },
                 "StorageResolution (5) must be 1 or 60"},
        BadDatum{"two value forms",
                 [](MetricDatum& d) { d.values = {1}; }, "exactly one"},
        BadDatum{"no value form",
                 [](MetricDatum& d) { d.value.reset(); }, "exactly one"},
        BadDatum{"invalid metric id",
                 [](MetricDatum& d) { d.metric.metric_name.clear(); },
                 "MetricName"}));

TEST(MetricDatumTest, ToStatisticSetCountsEachValueCountsTimes) {
  MetricDatum d = ValueDatum(0);
  d.value.reset();
  d.values = {10, 20};
  d.counts = {3, 1};
  StatisticSet s = d.ToStatisticSet();
  EXPECT_EQ(s.sample_count, 4);
  EXPECT_EQ(s.sum, 50);
  EXPECT_EQ(s.minimum, 10);
  EXPECT_EQ(s.maximum, 20);
}

TEST(MetricDatumTest, ToStatisticSetOfSingleValueAndSet) {
  StatisticSet one = ValueDatum(7.5).ToStatisticSet();
  EXPECT_EQ(one.sample_count, 1);
  EXPECT_EQ(one.sum, 7.5);
  EXPECT_EQ(one.minimum, 7.5);
  EXPECT_EQ(one.maximum, 7.5);
  MetricDatum d = ValueDatum(0);
  d.value.reset();
  d.statistic_values = StatisticSet{3, 30, 5, 15};
  StatisticSet s = d.ToStatisticSet();
  EXPECT_EQ(s.sample_count, 3);
  EXPECT_EQ(s.sum, 30);
  EXPECT_EQ(s.minimum, 5);
  EXPECT_EQ(s.maximum, 15);
}

TEST(MetricDatumTest, ValuesWithoutCountsCountOnceEach) {
  MetricDatum d = ValueDatum(0);
  d.value.reset();
  d.values = {1, 2, 3};
  StatisticSet s = d.ToStatisticSet();
  EXPECT_EQ(s.sample_count, 3);
  EXPECT_EQ(s.sum, 6);
}

}  // namespace
}  // namespace cwalarm
