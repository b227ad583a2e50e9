// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Epoch alignment, valid alarm periods (spec 1.5) and the evaluation
// granularity (spec 3.1, 3.2.1).

#include "metrics/period.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace cwalarm {
namespace {

TEST(AlignDownTest, AlignsToMultiplesSinceTheEpoch) {
  EXPECT_EQ(AlignDown(absl::FromUnixSeconds(125), absl::Seconds(60)),
            absl::FromUnixSeconds(120));
  EXPECT_EQ(AlignDown(absl::FromUnixSeconds(120), absl::Seconds(60)),
            absl::FromUnixSeconds(120));
  EXPECT_EQ(AlignDown(absl::FromUnixSeconds(119) + absl::Milliseconds(999),
                      absl::Seconds(60)),
            absl::FromUnixSeconds(60));
  EXPECT_EQ(AlignDown(absl::FromUnixSeconds(1700000007), absl::Seconds(10)),
            absl::FromUnixSeconds(1700000000));
  EXPECT_EQ(AlignDown(absl::FromUnixSeconds(1000), absl::Seconds(300)),
            absl::FromUnixSeconds(900));
}

TEST(AlignDownTest, AlignsBeforeTheEpochDownwards) {
  EXPECT_EQ(AlignDown(absl::FromUnixSeconds(-1), absl::Seconds(60)),
            absl::FromUnixSeconds(-60));
}

TEST(IsValidAlarmPeriodTest, AcceptsTenTwentyThirtyAndMultiplesOfSixty) {
  for (int s : {10, 20, 30, 60, 120, 300, 3600, 86400}) {
    EXPECT_TRUE(IsValidAlarmPeriod(absl::Seconds(s))) << s;
  }
  for (int s : {0, 1, 5, 15, 45, 59, 61, 90, -60}) {
    EXPECT_FALSE(IsValidAlarmPeriod(absl::Seconds(s))) << s;
  }
  EXPECT_FALSE(IsValidAlarmPeriod(absl::Milliseconds(60500)));
}

TEST(IsHighResolutionPeriodTest, OnlyTenTwentyThirty) {
  EXPECT_TRUE(IsHighResolutionPeriod(absl::Seconds(10)));
  EXPECT_TRUE(IsHighResolutionPeriod(absl::Seconds(20)));
  EXPECT_TRUE(IsHighResolutionPeriod(absl::Seconds(30)));
  EXPECT_FALSE(IsHighResolutionPeriod(absl::Seconds(60)));
}

TEST(EvaluationGranularityTest, TenSecondsForHighResolutionElseAMinute) {
  EXPECT_EQ(EvaluationGranularity(absl::Seconds(10)), absl::Seconds(10));
  EXPECT_EQ(EvaluationGranularity(absl::Seconds(30)), absl::Seconds(10));
  EXPECT_EQ(EvaluationGranularity(absl::Seconds(60)), absl::Seconds(60));
  EXPECT_EQ(EvaluationGranularity(absl::Minutes(5)), absl::Seconds(60));
  EXPECT_EQ(EvaluationGranularity(absl::Hours(24)), absl::Seconds(60));
}

}  // namespace
}  // namespace cwalarm
