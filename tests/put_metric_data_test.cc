// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// What PutMetricData accepts and what it refuses (spec 3.2.3, 3.2.4, 1.2):
// every rejection with its code and message, the boundaries that are still
// accepted, and a mixed request that stores exactly its good datums.

#include <cmath>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/datapoint.h"
#include "metrics/metric_id.h"
#include "metrics/metric_store.h"
#include "metrics/sample_distribution.h"
#include "metrics/statistic.h"
#include "metrics/unit.h"
#include "tests/testing/status_matchers.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::IsOk;
using ::cwalarm_testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kClock = absl::FromUnixSeconds(1710590400);  // 2024-03-16Z

MetricDatum Good(double value = 1) {
  MetricDatum d;
  d.metric = {"App", "Latency", {{"Service", "api"}}};
  d.timestamp = kClock - absl::Minutes(1);
  d.value = value;
  return d;
}

struct RejectCase {
  const char* rule;
  std::function<void(MetricDatum&)> mutate;
  absl::StatusCode code;
  const char* message;
};

class RejectTest : public ::testing::TestWithParam<RejectCase> {};

TEST_P(RejectTest, RefusesTheDatumWithCodeAndMessage) {
  const RejectCase& c = GetParam();
  MetricDatum d = Good();
  c.mutate(d);
  EXPECT_THAT(ValidateMetricDatum(d, "MetricData.member.1", kClock),
              StatusIs(c.code, HasSubstr(c.message)))
      << c.rule;
  MetricStore store;
  std::vector<MetricDatum> request = {d};
  PutMetricDataResult r = store.PutMetricData(request, kClock);
  EXPECT_EQ(r.accepted, 0) << c.rule;
  ASSERT_EQ(r.rejected.size(), 1u) << c.rule;
  EXPECT_EQ(r.rejected[0].index, 0u);
  EXPECT_THAT(r.rejected[0].status, StatusIs(c.code, HasSubstr(c.message)))
      << c.rule;
  EXPECT_FALSE(store.Find(d.metric).has_value()) << c.rule;
}

const double kTwoTo360 = std::ldexp(1.0, 360);

INSTANTIATE_TEST_SUITE_P(
    Ingestion, RejectTest,
    ::testing::Values(
        RejectCase{"3.2.3 NaN (moto's text)",
                   [](MetricDatum& d) { d.value = std::nan(""); },
                   absl::StatusCode::kInvalidArgument,
                   "The value NaN for parameter MetricData.member.Value is invalid."},
        RejectCase{"3.2.3 +Infinity",
                   [](MetricDatum& d) { d.value = INFINITY; },
                   absl::StatusCode::kInvalidArgument,
                   "The value Infinity for parameter MetricData.member.Value is invalid."},
        RejectCase{"3.2.3 -Infinity in Values",
                   [](MetricDatum& d) {
                     d.value.reset();
                     d.values = {1, -INFINITY};
                   },
                   absl::StatusCode::kInvalidArgument,
                   "The value -Infinity for parameter MetricData.member.Values.2 is invalid."},
        RejectCase{"3.2.3 above 2^360",
                   [](MetricDatum& d) { d.value = kTwoTo360 * 2; },
                   absl::StatusCode::kInvalidArgument,
                   "values must lie in [-2^360, 2^360]"},
        RejectCase{"3.2.3 below -2^360 in StatisticValues",
                   [](MetricDatum& d) {
                     d.value.reset();
                     d.statistic_values = StatisticSet{1, -kTwoTo360 * 2,
                                                       -kTwoTo360 * 2, -kTwoTo360 * 2};
                   },
                   absl::StatusCode::kInvalidArgument,
                   "StatisticValues.Sum is invalid: values must lie in [-2^360, 2^360]"},
        RejectCase{"issue: Values and Counts of different lengths",
                   [](MetricDatum& d) {
                     d.value.reset();
                     d.values = {1, 2, 3};
                     d.counts = {1, 1};
                   },
                   absl::StatusCode::kInvalidArgument,
                   "Values has 3 entries but Counts has 2; the two arrays must have the same length"},
        RejectCase{"issue: more than 150 values",
                   [](MetricDatum& d) {
                     d.value.reset();
                     d.values.assign(151, 1.0);
                   },
                   absl::StatusCode::kInvalidArgument,
                   "Values has 151 entries; a datum holds at most 150 values"},
        RejectCase{"issue: negative count",
                   [](MetricDatum& d) {
                     d.value.reset();
                     d.values = {1};
                     d.counts = {-1};
                   },
                   absl::StatusCode::kInvalidArgument,
                   "Counts[0] (-1) must be a finite, non-negative number"},
        RejectCase{"1.2 bad dimension (empty name)",
                   [](MetricDatum& d) { d.metric.dimensions = {{"", "x"}}; },
                   absl::StatusCode::kInvalidArgument,
                   "Dimensions[0].Name \"\" must have length between 1 and 255"},
        RejectCase{"1.2 dimension name twice",
                   [](MetricDatum& d) {
                     d.metric.dimensions = {{"A", "x"}, {"A", "y"}};
                   },
                   absl::StatusCode::kInvalidArgument, "appears more than once"},
        RejectCase{"1.2 more than 30 dimensions",
                   [](MetricDatum& d) {
                     d.metric.dimensions.clear();
                     for (int i = 0; i < 31; ++i) {
                       d.metric.dimensions.push_back({"D" + std::to_string(i), "v"});
                     }
                   },
                   absl::StatusCode::kInvalidArgument,
                   "Dimensions has 31 entries; a metric has at most 30 dimensions"},
        RejectCase{"3.2.3 more than two weeks in the past",
                   [](MetricDatum& d) {
                     d.timestamp = kClock - absl::Hours(24 * 14) - absl::Seconds(1);
                   },
                   absl::StatusCode::kOutOfRange,
                   "Timestamp 2024-03-02T11:59:59Z is more than two weeks before the "
                   "time the datum was received (2024-03-16T12:00:00Z)"},
        RejectCase{"3.2.3 more than two hours in the future",
                   [](MetricDatum& d) {
                     d.timestamp = kClock + absl::Hours(2) + absl::Seconds(1);
                   },
                   absl::StatusCode::kOutOfRange,
                   "is more than two hours after the time the datum was received"},
        RejectCase{"1.2 unit outside the enum",
                   [](MetricDatum& d) { d.unit = static_cast<Unit>(200); },
                   absl::StatusCode::kInvalidArgument,
                   "Unit (200) is not a CloudWatch unit"},
        RejectCase{"1.3 statistic set with Minimum > Maximum",
                   [](MetricDatum& d) {
                     d.value.reset();
                     d.statistic_values = StatisticSet{2, 10, 6, 4};
                   },
                   absl::StatusCode::kInvalidArgument,
                   "StatisticValues.Minimum (6) must not exceed StatisticValues.Maximum (4)"},
        RejectCase{"1.3 statistic set with SampleCount 0",
                   [](MetricDatum& d) {
                     d.value.reset();
                     d.statistic_values = StatisticSet{0, 0, 1, 1};
                   },
                   absl::StatusCode::kInvalidArgument,
                   "StatisticValues.SampleCount (0) must be greater than 0"},
        RejectCase{"1.3 statistic set with negative SampleCount",
                   [](MetricDatum& d) {
                     d.value.reset();
                     d.statistic_values = StatisticSet{-2, 2, 1, 1};
                   },
                   absl::StatusCode::kInvalidArgument,
                   "StatisticValues.SampleCount (-2) must be greater than 0"},
        RejectCase{"1.5 StorageResolution 1 or 60",
                   [](MetricDatum& d) { d.storage_resolution = 5; },
                   absl::StatusCode::kInvalidArgument,
                   "StorageResolution (5) must be 1 or 60"},
        RejectCase{"1.3 exactly one value form",
                   [](MetricDatum& d) { d.values = {1}; },
                   absl::StatusCode::kInvalidArgument,
                   "sets 2 of Value, Values and StatisticValues; exactly one is required"}));

// The text form of an unknown unit is refused where the text is read.
TEST(PutMetricDataTest, UnknownUnitNameIsRefused) {
  EXPECT_THAT(ParseUnit("Bananas").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("Unit \"Bananas\" is not a CloudWatch unit")));
}

struct AcceptCase {
  const char* rule;
  std::function<void(MetricDatum&)> mutate;
};

class AcceptTest : public ::testing::TestWithParam<AcceptCase> {};

TEST_P(AcceptTest, AcceptsTheBoundary) {
  const AcceptCase& c = GetParam();
  MetricDatum d = Good();
  c.mutate(d);
  EXPECT_THAT(ValidateMetricDatum(d, "MetricData.member.1", kClock), IsOk())
      << c.rule;
}

INSTANTIATE_TEST_SUITE_P(
    Ingestion, AcceptTest,
    ::testing::Values(
        AcceptCase{"3.2.3 exactly 2^360", [](MetricDatum& d) { d.value = kTwoTo360; }},
        AcceptCase{"3.2.3 exactly -2^360", [](MetricDatum& d) { d.value = -kTwoTo360; }},
        AcceptCase{"issue: exactly 150 values",
                   [](MetricDatum& d) {
                     d.value.reset();
                     d.values.assign(150, 1.0);
                     d.counts.assign(150, 2.0);
                   }},
        AcceptCase{"3.2.3 exactly two weeks old",
                   [](MetricDatum& d) { d.timestamp = kClock - absl::Hours(24 * 14); }},
        AcceptCase{"3.2.3 exactly two hours ahead",
                   [](MetricDatum& d) { d.timestamp = kClock + absl::Hours(2); }},
        AcceptCase{"1.2 exactly 30 dimensions",
                   [](MetricDatum& d) {
                     d.metric.dimensions.clear();
                     for (int i = 0; i < 30; ++i) {
                       d.metric.dimensions.push_back({"D" + std::to_string(i), "v"});
                     }
                   }},
        AcceptCase{"1.3 statistic set with Minimum = Maximum",
                   [](MetricDatum& d) {
                     d.value.reset();
                     d.statistic_values = StatisticSet{3, 12, 4, 4};
                   }},
        AcceptCase{"1.3 fractional SampleCount",
                   [](MetricDatum& d) {
                     d.value.reset();
                     d.statistic_values = StatisticSet{0.5, 1, 2, 2};
                   }}));

TEST(PutMetricDataTest, MixedRequestStoresExactlyTheGoodDatums) {
  std::vector<MetricDatum> request;
  request.push_back(Good(1));
  request.push_back(Good(std::nan("")));
  request.push_back(Good(10));
  MetricDatum old = Good(1000);
  old.timestamp = kClock - absl::Hours(24 * 15);
  request.push_back(old);
  request.push_back(Good(100));
  MetricDatum bad_set = Good();
  bad_set.value.reset();
  bad_set.statistic_values = StatisticSet{1, 5, 6, 4};
  request.push_back(bad_set);

  MetricStore store;
  PutMetricDataResult r = store.PutMetricData(request, kClock);

  EXPECT_EQ(r.accepted, 3);
  ASSERT_EQ(r.rejected.size(), 3u);
  EXPECT_EQ(r.rejected[0].index, 1u);
  EXPECT_THAT(r.rejected[0].status,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("MetricData.member.2: The value NaN")));
  EXPECT_EQ(r.rejected[1].index, 3u);
  EXPECT_THAT(r.rejected[1].status,
              StatusIs(absl::StatusCode::kOutOfRange,
                       HasSubstr("MetricData.member.4: Timestamp")));
  EXPECT_EQ(r.rejected[2].index, 5u);
  EXPECT_THAT(r.rejected[2].status,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("MetricData.member.6: StatisticValues.Minimum")));
  std::optional<MetricIndex> m = store.Find(Good().metric);
  ASSERT_TRUE(m.has_value());
  StatisticSet all = store.Aggregate(*m, std::nullopt, kClock - absl::Hours(24 * 20),
                                     kClock + absl::Hours(3));
  EXPECT_EQ(all.sample_count, 3);
  EXPECT_EQ(all.sum, 111);
  EXPECT_EQ(all.minimum, 1);
  EXPECT_EQ(all.maximum, 100);
}

TEST(PutMetricDataTest, RawSamplesAreKeptOnlyForEnabledMetrics) {
  MetricStore store;
  MetricIndex watched = store.Intern(Good().metric);
  MetricDatum before = Good(5);
  ASSERT_THAT(store.Put(before, "before"), IsOk());
  store.EnableSamples(watched);
  MetricDatum after = Good(7);
  after.value.reset();
  after.values = {7, 9};
  after.counts = {2, 1};
  ASSERT_THAT(store.Put(after, "after"), IsOk());
  MetricDatum other = Good(3);
  other.metric.metric_name = "Other";
  ASSERT_THAT(store.Put(other, "other"), IsOk());

  std::vector<SampleDistribution> buckets(1);
  const absl::Time start = kClock - absl::Minutes(1);  // A whole minute.
  store.AggregateSampleBuckets(watched, std::nullopt, start, absl::Minutes(1),
                               absl::MakeSpan(buckets));
  // Only the samples put after EnableSamples: 7, 7, 9.
  EXPECT_EQ(buckets[0].total_weight(), 3);
  EXPECT_FALSE(store.samples_enabled(*store.Find(other.metric)));
  // The standard statistics still see everything.
  EXPECT_EQ(store.Aggregate(watched, std::nullopt, start, start + absl::Minutes(1))
                .sample_count,
            4);
}

}  // namespace
}  // namespace cwalarm
