// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// SampleDistribution: exact below the bound, the sketch's 1 % guarantee on
// adversarial distributions, bounded memory, merging and availability.

#include "metrics/sample_distribution.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "metrics/extended_statistic.h"

namespace cwalarm {
namespace {

constexpr size_t kMemoryBound = 2 * kMaxExactDistinctValues * sizeof(WeightedValue);

double ExactNearestRank(const std::vector<double>& sorted, double q) {
  if (q <= 0) return sorted.front();
  size_t k = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size()) - 1e-9));
  return sorted[std::max<size_t>(k, 1) - 1];
}

struct AdversarialCase {
  const char* rule;
  std::function<double(std::mt19937_64&)> draw;
};

class SketchGuaranteeTest : public ::testing::TestWithParam<AdversarialCase> {};

// Every percentile of the sketch is within 1 % of the exact nearest-rank
// percentile, trimmed means are within 1 %, memory stays bounded, and p0 and
// p100 are exact.
TEST_P(SketchGuaranteeTest, PercentilesWithinOnePercent) {
  const AdversarialCase& c = GetParam();
  std::mt19937_64 rng(7);
  SampleDistribution d;
  std::vector<double> all;
  for (int i = 0; i < 200000; ++i) {
    double v = c.draw(rng);
    d.Add(v);
    all.push_back(v);
  }
  std::sort(all.begin(), all.end());
  EXPECT_LE(d.MemoryBytes(), kMemoryBound) << c.rule;
  const double tolerance = kSketchRelativeAccuracy * (1 + 1e-9);
  for (double x : {0.0, 0.1, 1.0, 5.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0,
                   99.0, 99.9, 99.99, 100.0}) {
    ExtendedStatistic p;
    p.percentile = x;
    double want = ExactNearestRank(all, x / 100);
    double got = *ComputeExtendedStatistic(p, d);
    EXPECT_LE(std::fabs(got - want), tolerance * want) << c.rule << " p" << x;
    if (x == 0 || x == 100) {
      EXPECT_EQ(got, want) << c.rule << " p" << x;
    }
  }
  for (const char* name : {"tm90", "IQM", "TM(1%:99%)", "wm99", "ts50"}) {
    ExtendedStatistic s = *ParseExtendedStatistic(name);
    SampleDistribution exact;  // The same samples, exactly (no sketch).
    std::vector<WeightedValue> sorted;
    for (double v : all) {
      if (sorted.empty() || sorted.back().value != v) {
        sorted.push_back({v, 1});
      } else {
        sorted.back().weight += 1;
      }
    }
    double want = *ComputeExtendedStatistic(s, absl::MakeConstSpan(sorted));
    double got = *ComputeExtendedStatistic(s, d);
    EXPECT_LE(std::fabs(got - want), tolerance * std::fabs(want) + 1e-300)
        << c.rule << " " << name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Adversarial, SketchGuaranteeTest,
    ::testing::Values(
        AdversarialCase{"heavy tail: Pareto alpha 1.1",
                        [](std::mt19937_64& r) {
                          double u = std::uniform_real_distribution<double>(0, 1)(r);
                          return std::pow(1 - u, -1 / 1.1);
                        }},
        AdversarialCase{"all equal", [](std::mt19937_64&) { return 42.4242; }},
        AdversarialCase{"bimodal 1e-3 and 1e6 with jitter",
                        [](std::mt19937_64& r) {
                          double j = std::uniform_real_distribution<double>(1, 1.5)(r);
                          return (r() % 2 ? 1e-3 : 1e6) * j;
                        }},
        AdversarialCase{"log-uniform 1e-9..1e9",
                        [](std::mt19937_64& r) {
                          return std::pow(10.0, std::uniform_real_distribution<double>(-9, 9)(r));
                        }},
        AdversarialCase{"zeros mixed with 1e-9..1e9",
                        [](std::mt19937_64& r) {
                          if (r() % 4 == 0) return 0.0;
                          return std::pow(10.0, std::uniform_real_distribution<double>(-9, 9)(r));
                        }},
        AdversarialCase{"distinct integers 0..200k (uniform)",
                        [](std::mt19937_64& r) { return static_cast<double>(r() % 200000); }}));

TEST(SampleDistributionTest, StaysExactWithAtMostTheBoundOfDistinctValues) {
  SampleDistribution d;
  for (int round = 0; round < 50; ++round) {
    for (size_t i = 0; i < kMaxExactDistinctValues; ++i) d.Add(static_cast<double>(i));
  }
  EXPECT_TRUE(d.exact());
  EXPECT_EQ(d.total_weight(), 50.0 * kMaxExactDistinctValues);
  std::vector<WeightedValue> sorted;
  d.SortedInto(&sorted);
  ASSERT_EQ(sorted.size(), kMaxExactDistinctValues);
  EXPECT_EQ(sorted[7].value, 7);
  EXPECT_EQ(sorted[7].weight, 50);
  EXPECT_LE(d.MemoryBytes(), kMemoryBound);
}

TEST(SampleDistributionTest, SwitchesToTheSketchBeyondTheBound) {
  SampleDistribution d;
  for (size_t i = 0; i < 2 * kMaxExactDistinctValues; ++i) d.Add(static_cast<double>(i) + 1);
  EXPECT_FALSE(d.exact());
  EXPECT_EQ(d.total_weight(), 2.0 * kMaxExactDistinctValues);
}

TEST(SampleDistributionTest, MergingSketchesEqualsSketchOfTheUnion) {
  std::mt19937_64 rng(3);
  SampleDistribution a, b, all;
  for (int i = 0; i < 5000; ++i) {
    double v = std::pow(10.0, std::uniform_real_distribution<double>(-3, 6)(rng));
    (i % 2 ? a : b).Add(v);
    all.Add(v);
  }
  a.Merge(b);
  std::vector<WeightedValue> merged, direct;
  a.SortedInto(&merged);
  all.SortedInto(&direct);
  ASSERT_EQ(merged.size(), direct.size());
  for (size_t i = 0; i < merged.size(); ++i) {
    EXPECT_NEAR(merged[i].value, direct[i].value, 1e-12 * direct[i].value);
    EXPECT_EQ(merged[i].weight, direct[i].weight);
  }
}

TEST(SampleDistributionTest, ExactMergeStaysExact) {
  SampleDistribution a, b;
  a.Add(1);
  a.Add(3, 2);
  b.Add(2, 0.5);
  a.Merge(b);
  std::vector<WeightedValue> sorted;
  a.SortedInto(&sorted);
  ASSERT_EQ(sorted.size(), 3u);
  EXPECT_EQ(sorted[1].value, 2);
  EXPECT_EQ(sorted[1].weight, 0.5);
  EXPECT_TRUE(a.exact());
  EXPECT_EQ(a.total_weight(), 3.5);
}

TEST(SampleDistributionTest, HugeSpanCollapsesLowBucketsAndKeepsMemoryBounded) {
  SampleDistribution d;
  std::vector<double> all;
  for (int e = -300; e <= 300; ++e) {
    for (int k = 0; k < 5; ++k) {
      double v = std::pow(10.0, e) * (1 + k * 0.1);
      d.Add(v);
      all.push_back(v);
    }
  }
  std::sort(all.begin(), all.end());
  EXPECT_FALSE(d.exact());
  EXPECT_LE(d.MemoryBytes(), kMemoryBound);
  // The top 35 decades (about 5.8 % of the samples) keep the 1 % guarantee;
  // values below them were collapsed upwards.
  for (double x : {95.0, 99.0, 99.9, 100.0}) {
    ExtendedStatistic p;
    p.percentile = x;
    double want = ExactNearestRank(all, x / 100);
    EXPECT_LE(std::fabs(*ComputeExtendedStatistic(p, d) - want),
              kSketchRelativeAccuracy * (1 + 1e-9) * want)
        << "p" << x;
  }
  ExtendedStatistic p50;
  p50.percentile = 50;
  EXPECT_GE(*ComputeExtendedStatistic(p50, d), ExactNearestRank(all, 0.5));
}

TEST(SampleDistributionTest, NegativeSampleMakesItUnavailableAndFreesMemory) {
  SampleDistribution d;
  for (int i = 0; i < 100; ++i) d.Add(i);
  d.Add(-0.5);
  EXPECT_EQ(d.unavailability(), Unavailability::kNegativeSample);
  EXPECT_EQ(d.MemoryBytes(), 0u);
  d.Add(5);
  EXPECT_FALSE(d.available());
  EXPECT_EQ(d.total_weight(), 102);
  std::vector<WeightedValue> sorted;
  d.SortedInto(&sorted);
  EXPECT_TRUE(sorted.empty());
}

TEST(SampleDistributionTest, NegativeZeroIsZero) {
  SampleDistribution d;
  d.Add(-0.0);
  EXPECT_TRUE(d.available());
  std::vector<WeightedValue> sorted;
  d.SortedInto(&sorted);
  ASSERT_EQ(sorted.size(), 1u);
  EXPECT_FALSE(std::signbit(sorted[0].value));
}

TEST(SampleDistributionTest, NonPositiveWeightsAddNothing) {
  SampleDistribution d;
  d.Add(5, 0);
  d.Add(5, -1);
  EXPECT_TRUE(d.empty());
}

TEST(SampleDistributionTest, ClearMakesItAvailableAndExactAgain) {
  SampleDistribution d;
  d.Add(-1);
  d.Clear();
  EXPECT_TRUE(d.available());
  EXPECT_TRUE(d.empty());
  EXPECT_TRUE(d.exact());
}

}  // namespace
}  // namespace cwalarm
