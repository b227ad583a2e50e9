// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Standard statistics and statistic-set merging (spec 1.3).

#include "metrics/statistic.h"

#include "gtest/gtest.h"

namespace cwalarm {
namespace {

TEST(StatisticTest, ComputesTheFiveStatistics) {
  StatisticSet s = StatisticSet::Of(4.0);
  s.Merge(StatisticSet::Of(6.0));
  s.Merge(StatisticSet::Of(-1.0));
  EXPECT_EQ(*ComputeStatistic(Statistic::kSampleCount, s), 3.0);
  EXPECT_EQ(*ComputeStatistic(Statistic::kSum, s), 9.0);
  EXPECT_EQ(*ComputeStatistic(Statistic::kAverage, s), 3.0);
  EXPECT_EQ(*ComputeStatistic(Statistic::kMinimum, s), -1.0);
  EXPECT_EQ(*ComputeStatistic(Statistic::kMaximum, s), 6.0);
}

TEST(StatisticTest, EmptySetHasNoDatapointNeverZero) {
  StatisticSet empty;
  EXPECT_TRUE(empty.empty());
  for (Statistic st : {Statistic::kSampleCount, Statistic::kAverage,
                       Statistic::kSum, Statistic::kMinimum,
                       Statistic::kMaximum}) {
    EXPECT_FALSE(ComputeStatistic(st, empty).has_value())
        << StatisticName(st);
  }
}

TEST(StatisticTest, StatisticSetsMergeCountsSumsMinMax) {
  // spec 1.3: {SampleCount, Sum, Minimum, Maximum} published in one datum.
  StatisticSet a{10, 200, 5, 40};
  StatisticSet b{2, 10, 1, 9};
  a.Merge(b);
  EXPECT_EQ(a.sample_count, 12);
  EXPECT_EQ(a.sum, 210);
  EXPECT_EQ(a.minimum, 1);
  EXPECT_EQ(a.maximum, 40);
  EXPECT_EQ(*ComputeStatistic(Statistic::kAverage, a), 17.5);
  // Merging an empty set changes nothing.
  a.Merge(StatisticSet{});
  EXPECT_EQ(a.sample_count, 12);
  EXPECT_EQ(a.minimum, 1);
  EXPECT_EQ(a.maximum, 40);
}

TEST(StatisticTest, OfWithCountRepeatsTheValue) {
  StatisticSet s = StatisticSet::Of(2.5, 4);
  EXPECT_EQ(s.sample_count, 4);
  EXPECT_EQ(s.sum, 10);
  EXPECT_EQ(*ComputeStatistic(Statistic::kAverage, s), 2.5);
}

TEST(StatisticTest, NamesInBothSpellings) {
  EXPECT_EQ(StatisticName(Statistic::kSampleCount), "SampleCount");
  EXPECT_EQ(StatisticName(Statistic::kAverage), "Average");
  EXPECT_EQ(StatisticUpperName(Statistic::kSampleCount), "SAMPLE_COUNT");
  EXPECT_EQ(StatisticUpperName(Statistic::kMaximum), "MAXIMUM");
  for (Statistic st : {Statistic::kSampleCount, Statistic::kAverage,
                       Statistic::kSum, Statistic::kMinimum,
                       Statistic::kMaximum}) {
    EXPECT_EQ(*ParseStatistic(StatisticName(st)), st);
  }
}

}  // namespace
}  // namespace cwalarm
