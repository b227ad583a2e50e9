// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// MetricStore: 10 s cells, half-open bucket aggregation (spec 3.2.1, 3.2.3),
// units (3.2.4), late data (3.7), statistic sets (1.3), retention.

#include "metrics/metric_store.h"

#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/datapoint.h"
#include "metrics/sample_distribution.h"
#include "metrics/statistic.h"
#include "metrics/unit.h"
#include "tests/testing/status_matchers.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::IsOk;
using ::cwalarm_testing::StatusIs;
using ::testing::HasSubstr;

absl::Time Utc(int h, int mi, int s) {
  return absl::FromCivil(absl::CivilSecond(2024, 1, 2, h, mi, s),
                         absl::UTCTimeZone());
}

MetricId Cpu() { return {"AWS/EC2", "CPUUtilization", {{"InstanceId", "i-1"}}}; }

class MetricStoreTest : public ::testing::Test {
 protected:
  void Put(absl::Time t, double v, Unit unit = Unit::kNone) {
    MetricDatum d;
    d.metric = Cpu();
    d.timestamp = t;
    d.unit = unit;
    d.value = v;
    ASSERT_THAT(store_.Put(d, "test"), IsOk());
  }
  StatisticSet Agg(absl::Time start, absl::Time end,
                   std::optional<Unit> unit = std::nullopt) {
    std::optional<MetricIndex> m = store_.Find(Cpu());
    EXPECT_TRUE(m.has_value());
    return m.has_value() ? store_.Aggregate(*m, unit, start, end)
                         : StatisticSet{};
  }
  MetricStore store_;
};

TEST_F(MetricStoreTest, BucketIsHalfOpenSampleAtEndExcluded) {
  Put(Utc(12, 0, 0), 1);    // At start: included.
  Put(Utc(12, 4, 59), 2);   // Inside.
  Put(Utc(12, 5, 0), 100);  // At end: belongs to the next bucket.
  StatisticSet s = Agg(Utc(12, 0, 0), Utc(12, 5, 0));
  EXPECT_EQ(s.sample_count, 2);
  EXPECT_EQ(s.sum, 3);
  EXPECT_EQ(s.maximum, 2);
  StatisticSet next = Agg(Utc(12, 5, 0), Utc(12, 10, 0));
  EXPECT_EQ(next.sample_count, 1);
  EXPECT_EQ(next.sum, 100);
}

TEST_F(MetricStoreTest, EmptyBucketIsNoDatapoint) {
  Put(Utc(12, 0, 0), 1);
  StatisticSet s = Agg(Utc(12, 1, 0), Utc(12, 2, 0));
  EXPECT_TRUE(s.empty());
  EXPECT_FALSE(ComputeStatistic(Statistic::kSum, s).has_value());
}

TEST_F(MetricStoreTest, SlidingBucketsRegroupTheSameSamples) {
  // spec 3.2.1: buckets need not be aligned to multiples of the period.
  Put(Utc(12, 1, 30), 10);
  Put(Utc(12, 5, 30), 20);
  EXPECT_EQ(Agg(Utc(12, 0, 0), Utc(12, 5, 0)).sum, 10);
  EXPECT_EQ(Agg(Utc(12, 1, 0), Utc(12, 6, 0)).sum, 30);
  EXPECT_EQ(Agg(Utc(12, 2, 0), Utc(12, 7, 0)).sum, 20);
}

TEST_F(MetricStoreTest, UnitFilterVersusMergeAll) {
  Put(Utc(12, 0, 10), 1, Unit::kPercent);
  Put(Utc(12, 0, 20), 5, Unit::kCount);
  Put(Utc(12, 0, 30), 9);  // No unit = None.
  StatisticSet all = Agg(Utc(12, 0, 0), Utc(12, 1, 0));
  EXPECT_EQ(all.sample_count, 3);
  EXPECT_EQ(all.sum, 15);
  StatisticSet percent = Agg(Utc(12, 0, 0), Utc(12, 1, 0), Unit::kPercent);
  EXPECT_EQ(percent.sample_count, 1);
  EXPECT_EQ(percent.sum, 1);
  StatisticSet none = Agg(Utc(12, 0, 0), Utc(12, 1, 0), Unit::kNone);
  EXPECT_EQ(none.sum, 9);
  EXPECT_TRUE(Agg(Utc(12, 0, 0), Utc(12, 1, 0), Unit::kBytes).empty());
}

TEST_F(MetricStoreTest, LateDataMergesIntoItsCell) {
  Put(Utc(12, 3, 0), 4);
  Put(Utc(12, 0, 5), 2);  // Late, out of order.
  Put(Utc(12, 0, 7), 6);  // Same cell as the previous one.
  StatisticSet first = Agg(Utc(12, 0, 0), Utc(12, 1, 0));
  EXPECT_EQ(first.sample_count, 2);
  EXPECT_EQ(first.sum, 8);
  EXPECT_EQ(first.minimum, 2);
  EXPECT_EQ(first.maximum, 6);
  EXPECT_EQ(Agg(Utc(12, 0, 0), Utc(12, 5, 0)).sample_count, 3);
}

TEST_F(MetricStoreTest, StatisticSetsAndValuesCountsMerge) {
  MetricDatum set;
  set.metric = Cpu();
  set.timestamp = Utc(12, 0, 0);
  set.statistic_values = StatisticSet{10, 200, 5, 40};
  ASSERT_THAT(store_.Put(set, "set"), IsOk());
  MetricDatum values;
  values.metric = Cpu();
  values.timestamp = Utc(12, 0, 30);
  values.values = {1, 50};
  values.counts = {2, 1};
  ASSERT_THAT(store_.Put(values, "values"), IsOk());
  StatisticSet s = Agg(Utc(12, 0, 0), Utc(12, 1, 0));
  EXPECT_EQ(s.sample_count, 13);
  EXPECT_EQ(s.sum, 252);
  EXPECT_EQ(s.minimum, 1);
  EXPECT_EQ(s.maximum, 50);
}

TEST_F(MetricStoreTest, PutRejectsInvalidDatumAndStoresNothing) {
  MetricDatum d;
  d.metric = Cpu();
  d.timestamp = Utc(12, 0, 0);
  d.value = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THAT(store_.Put(d, "MetricData[0]"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("The value NaN")));
  std::optional<MetricIndex> m = store_.Find(Cpu());
  if (m.has_value()) {
    EXPECT_TRUE(store_.Aggregate(*m, std::nullopt, Utc(11, 0, 0), Utc(13, 0, 0))
                    .empty());
  }
}

TEST_F(MetricStoreTest, DropBeforeRemovesCellsEndingAtOrBeforeHorizon) {
  // Add, not Put: Put stores standard-resolution data at its minute.
  MetricIndex m = store_.Intern(Cpu());
  // Cell [12:00:00, 12:00:10) ends at the horizon.
  store_.Add(m, Unit::kNone, Utc(12, 0, 0), StatisticSet::Of(1));
  // Cell [12:00:10, 12:00:20) survives.
  store_.Add(m, Unit::kNone, Utc(12, 0, 10), StatisticSet::Of(2));
  store_.Add(m, Unit::kNone, Utc(12, 1, 0), StatisticSet::Of(3));
  store_.DropBefore(Utc(12, 0, 10));
  StatisticSet s = Agg(Utc(11, 0, 0), Utc(13, 0, 0));
  EXPECT_EQ(s.sample_count, 2);
  EXPECT_EQ(s.sum, 5);
}

// DropBefore against its definition: after each call, every metric's
// exported cells (and raw samples) are exactly those it had that end after
// the horizon. Random metrics with few or many cells, two units, raw
// samples, running totals; horizons before every cell, between cells,
// on a cell's end, and after every cell; a metric with no cells.
TEST(MetricStoreDropBeforeTest, KeepsExactlyTheCellsEndingAfterTheHorizon) {
  constexpr int64_t kT = 1767225600;
  for (uint32_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    std::mt19937 rng(seed);
    MetricStore store;
    std::vector<MetricIndex> metrics;
    for (int i = 0; i < 12; ++i) {
      metrics.push_back(store.Intern({"NS", absl::StrCat("M", i), {}}));
      if (i % 4 == 1) store.EnableSamples(metrics.back());
      if (i % 4 == 2) store.EnableRunningTotals(metrics.back());
    }
    // Metric 0 stays empty. Others get 0-40 cells, some 10-second, some
    // minute-aligned, some in a second unit.
    for (size_t i = 1; i < metrics.size(); ++i) {
      const int cells = static_cast<int>(rng() % 41);
      const int64_t step = (i % 3 == 0) ? 10 : 60;
      for (int c = 0; c < cells; ++c) {
        const Unit unit = (i % 5 == 0 && rng() % 2 == 0) ? Unit::kPercent
                                                         : Unit::kNone;
        store.Add(metrics[i], unit, absl::FromUnixSeconds(kT + c * step),
                  StatisticSet::Of(static_cast<double>(rng() % 100)));
      }
    }
    int64_t horizon = kT - 100;
    while (horizon < kT + 41 * 60 + 100) {
      auto before = store.ExportState();
      ASSERT_TRUE(before.ok());
      store.DropBefore(absl::FromUnixSeconds(horizon));
      (void)store.BeginReadEpoch();  // Brings running totals up to date.
      auto after = store.ExportState();
      ASSERT_TRUE(after.ok());
      ASSERT_EQ(before->size(), after->size());
      for (size_t i = 0; i < before->size(); ++i) {
        SCOPED_TRACE(absl::StrCat("metric ", i, " horizon ", horizon - kT));
        const MetricStore::MetricState& b = (*before)[i];
        const MetricStore::MetricState& a = (*after)[i];
        ASSERT_EQ(b.units.size(), a.units.size());
        for (size_t u = 0; u < b.units.size(); ++u) {
          std::vector<int64_t> starts;
          std::vector<double> sums;
          for (size_t k = 0; k < b.units[u].starts.size(); ++k) {
            if (b.units[u].starts[k] + 10 <= horizon) continue;
            starts.push_back(b.units[u].starts[k]);
            sums.push_back(b.units[u].sets[k].sum);
          }
          EXPECT_EQ(a.units[u].starts, starts);
          std::vector<double> kept_sums;
          for (const StatisticSet& set : a.units[u].sets) {
            kept_sums.push_back(set.sum);
          }
          EXPECT_EQ(kept_sums, sums);
        }
        ASSERT_EQ(b.sample_units.size(), a.sample_units.size());
        for (size_t u = 0; u < b.sample_units.size(); ++u) {
          std::vector<int64_t> starts;
          for (int64_t s : b.sample_units[u].starts) {
            if (s + 10 > horizon) starts.push_back(s);
          }
          EXPECT_EQ(a.sample_units[u].starts, starts);
          EXPECT_EQ(a.sample_units[u].cells.size(), starts.size());
        }
      }
      // The minute tail and the running totals still answer what a walk
      // over the cells gives.
      for (MetricIndex m : metrics) {
        const int64_t first = kT + 60 * static_cast<int64_t>(rng() % 42);
        StatisticSet walk[3];
        store.AggregateBucketsAt(m, std::nullopt, first, 60, walk);
        StatisticSet totals[3];
        if (store.AggregateCountSumAt(m, std::nullopt, first, 60, totals)) {
          for (int k = 0; k < 3; ++k) {
            EXPECT_EQ(totals[k].sample_count, walk[k].sample_count);
            EXPECT_EQ(totals[k].sum, walk[k].sum);
          }
        }
        StatisticSet minute;
        if (store.MinuteCell(m, std::nullopt, first, &minute)) {
          EXPECT_EQ(minute.sample_count, walk[0].sample_count);
          EXPECT_EQ(minute.sum, walk[0].sum);
          EXPECT_EQ(minute.maximum, walk[0].maximum);
        }
      }
      // Steps of 1 s to 9 min: on cell ends, a second before and after
      // them, and between them.
      horizon += 1 + static_cast<int64_t>(rng() % 540);
    }
  }
}

TEST_F(MetricStoreTest, InternIgnoresDimensionOrder) {
  MetricIndex a = store_.Intern({"NS", "M", {{"a", "1"}, {"b", "2"}}});
  MetricIndex b = store_.Intern({"NS", "M", {{"b", "2"}, {"a", "1"}}});
  EXPECT_EQ(a, b);
  EXPECT_EQ(store_.metric_count(), 1u);
  EXPECT_FALSE(store_.Find({"NS", "Other", {}}).has_value());
}

TEST_F(MetricStoreTest, AggregateBucketsMatchesAggregate) {
  MetricIndex m = store_.Intern(Cpu());
  store_.Add(m, Unit::kNone, Utc(12, 0, 15), StatisticSet::Of(1));
  store_.Add(m, Unit::kNone, Utc(12, 2, 0), StatisticSet::Of(2));
  store_.Add(m, Unit::kNone, Utc(12, 2, 59), StatisticSet::Of(4));
  store_.Add(m, Unit::kNone, Utc(12, 4, 0), StatisticSet::Of(8));
  std::vector<StatisticSet> out(4, StatisticSet::Of(99));  // Reset first.
  store_.AggregateBuckets(m, std::nullopt, Utc(12, 0, 0), absl::Minutes(1),
                          absl::MakeSpan(out));
  EXPECT_EQ(out[0].sum, 1);
  EXPECT_TRUE(out[1].empty());
  EXPECT_EQ(out[2].sum, 6);
  EXPECT_EQ(out[2].sample_count, 2);
  EXPECT_TRUE(out[3].empty());  // 12:04 is the end of the last bucket.
  for (int k = 0; k < 4; ++k) {
    StatisticSet direct =
        store_.Aggregate(m, std::nullopt, Utc(12, k, 0), Utc(12, k + 1, 0));
    EXPECT_EQ(direct.sample_count, out[k].sample_count) << k;
    EXPECT_EQ(direct.sum, out[k].sum) << k;
  }
}

// AggregateCountSumAt against the walk over the cells (AggregateBucketsAt):
// same SampleCount and Sum, bit for bit, whenever it answers.
::testing::AssertionResult SameCountSum(MetricStore& store, MetricIndex m,
                                        std::optional<Unit> unit,
                                        int64_t first_s, int64_t period_s,
                                        size_t buckets, bool* answered) {
  std::vector<StatisticSet> fast(buckets), walk(buckets);
  *answered = store.AggregateCountSumAt(m, unit, first_s, period_s,
                                        absl::MakeSpan(fast));
  store.AggregateBucketsAt(m, unit, first_s, period_s, absl::MakeSpan(walk));
  if (!*answered) return ::testing::AssertionSuccess();
  for (size_t k = 0; k < buckets; ++k) {
    if (std::memcmp(&fast[k].sample_count, &walk[k].sample_count,
                    sizeof(double)) != 0 ||
        std::memcmp(&fast[k].sum, &walk[k].sum, sizeof(double)) != 0) {
      return ::testing::AssertionFailure()
             << "bucket " << k << ": running totals " << fast[k].sample_count
             << "/" << fast[k].sum << ", walk " << walk[k].sample_count << "/"
             << walk[k].sum;
    }
  }
  return ::testing::AssertionSuccess();
}

struct CountSumCase {
  const char* name;   // The spec rule checked.
  // Samples (seconds after 12:00, value, unit) stored before the read.
  std::vector<std::tuple<int, double, Unit>> samples;
  bool late_after_read;  // One more late sample after a BeginReadEpoch.
  int64_t drop_before;   // Seconds after 12:00 for DropBefore, or -1.
  std::optional<Unit> unit;
  int64_t period_s;
  bool answers;          // Whether the running totals may be used.
};

TEST(MetricStoreCountSumTest, RunningTotalsEqualTheWalkOrDecline) {
  const int64_t noon = absl::ToUnixSeconds(Utc(12, 0, 0));
  const std::vector<CountSumCase> cases = {
      {"spec 3.2.1 sliding P300 buckets of integer samples",
       {{5, 50, Unit::kNone}, {65, 70, Unit::kNone}, {125, -3, Unit::kNone},
        {305, 8, Unit::kNone}, {605, 9, Unit::kNone}},
       false, -1, std::nullopt, 300, true},
      {"spec 3.2.1 P3600 buckets, one sample a minute",
       {{5, 1, Unit::kNone}, {3605, 2, Unit::kNone}, {7205, 4, Unit::kNone}},
       false, -1, std::nullopt, 3600, true},
      {"spec 3.7 late data lands in an old cell before the read",
       {{605, 9, Unit::kNone}, {5, 1, Unit::kNone}, {7, 2, Unit::kNone}},
       false, -1, std::nullopt, 300, true},
      {"spec 3.7 late data after the read: totals stale until the next epoch",
       {{5, 1, Unit::kNone}, {605, 9, Unit::kNone}},
       true, -1, std::nullopt, 300, false},
      {"spec 3.2.4 no Unit: every unit merged",
       {{5, 1, Unit::kPercent}, {15, 5, Unit::kCount}, {25, 9, Unit::kNone}},
       false, -1, std::nullopt, 300, true},
      {"spec 3.2.4 one Unit only",
       {{5, 1, Unit::kPercent}, {15, 5, Unit::kCount}, {25, 9, Unit::kNone}},
       false, -1, Unit::kCount, 300, true},
      {"spec 1.3 non-integer Sum: rounding order matters, so the walk",
       {{5, 0.1, Unit::kNone}, {65, 0.2, Unit::kNone}, {125, 0.3, Unit::kNone}},
       false, -1, std::nullopt, 300, false},
      {"spec 1.3 integers beyond 2^39 may round: the walk",
       {{5, 1e15, Unit::kNone}, {65, 1, Unit::kNone}},
       false, -1, std::nullopt, 300, false},
      {"retention: DropBefore keeps the differences",
       {{5, 1, Unit::kNone}, {305, 2, Unit::kNone}, {605, 4, Unit::kNone},
        {905, 8, Unit::kNone}},
       false, 600, std::nullopt, 300, true},
  };
  for (const CountSumCase& c : cases) {
    SCOPED_TRACE(c.name);
    MetricStore store;
    const MetricIndex m = store.Intern(Cpu());
    for (const auto& [at, value, unit] : c.samples) {
      store.Add(m, unit, absl::FromUnixSeconds(noon + at),
                StatisticSet::Of(value));
    }
    // Totals are kept only once a reader asks (a long-period alarm); asked
    // after the data, they cover the cells already there.
    store.EnableRunningTotals(m);
    if (c.drop_before >= 0) {
      store.DropBefore(absl::FromUnixSeconds(noon + c.drop_before));
    }
    store.BeginReadEpoch();
    if (c.late_after_read) {
      store.Add(m, Unit::kNone, absl::FromUnixSeconds(noon + 65),
                StatisticSet::Of(3));
    }
    bool answered = false;
    for (int64_t slide = 0; slide < 600; slide += 60) {
      EXPECT_TRUE(SameCountSum(store, m, c.unit, noon - 600 + slide,
                               c.period_s, 4, &answered))
          << "slide " << slide;
      EXPECT_EQ(answered, c.answers) << "slide " << slide;
    }
    if (c.late_after_read) {
      store.BeginReadEpoch();  // Brings the totals up to date.
      EXPECT_TRUE(
          SameCountSum(store, m, c.unit, noon - 300, c.period_s, 4, &answered));
      EXPECT_TRUE(answered);
    }
  }
}

// Random histories (integer and fractional samples, several units, late
// data, retention) with reads between them: whenever the running totals
// answer they equal the walk bit for bit, and on integer-only data they
// always answer after BeginReadEpoch.
TEST(MetricStoreCountSumTest, RandomHistoriesMatchTheWalk) {
  const int64_t noon = absl::ToUnixSeconds(Utc(12, 0, 0));
  const Unit units[] = {Unit::kNone, Unit::kCount, Unit::kPercent};
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937 rng(seed);
    const bool integers_only = seed % 2 == 0;
    MetricStore store;
    const MetricIndex m = store.Intern(Cpu());
    store.EnableRunningTotals(m);
    int64_t newest = 0;
    int answered_reads = 0;
    for (int step = 0; step < 200; ++step) {
      const int what = static_cast<int>(rng() % 10);
      if (what < 7) {
        // Mostly the newest minutes, sometimes late (spec 3.7).
        const int64_t at = what == 0 ? newest - static_cast<int64_t>(rng() % 3600)
                                     : newest + static_cast<int64_t>(rng() % 30);
        newest = std::max(newest, at);
        const double value =
            integers_only ? static_cast<double>(static_cast<int>(rng() % 2001) - 1000)
                          : static_cast<double>(rng() % 1000) / 7.0 - 50.0;
        store.Add(m, units[rng() % 3], absl::FromUnixSeconds(noon + at),
                  StatisticSet::Of(value, 1 + rng() % 3));
      } else if (what == 7 && step % 50 == 49) {
        store.DropBefore(absl::FromUnixSeconds(noon + newest - 7200));
      } else {
        store.BeginReadEpoch();
        const int64_t period = (what == 8) ? 300 : 3600;
        const int64_t anchor = (noon + newest) / 60 * 60;
        const std::optional<Unit> unit =
            rng() % 2 == 0 ? std::nullopt : std::optional<Unit>(units[rng() % 3]);
        const size_t buckets = 1 + rng() % 5;
        bool answered = false;
        EXPECT_TRUE(SameCountSum(store, m, unit,
                                 anchor - period * static_cast<int64_t>(buckets),
                                 period, buckets, &answered))
            << "step " << step;
        if (integers_only) {
          EXPECT_TRUE(answered) << "step " << step;
        }
        answered_reads += answered;
      }
    }
    if (integers_only) {
      EXPECT_GT(answered_reads, 0);
    }
  }
}

// AggregateWindowAt is AggregateBucketsAt for one bucket, bit for bit (the
// sliding evaluator relies on it for spec 1.3's bucket aggregation): windows
// of 5 and 60 minutes over 10-second cells of two units with non-integer
// values, ending after the newest cell, at it, and well before it (so the
// step back from the end runs out and gallops).
TEST_F(MetricStoreTest, AggregateWindowAtMatchesAggregateBucketsAtBitForBit) {
  MetricIndex m = store_.Intern(Cpu());
  const absl::Time start = Utc(10, 0, 0);
  for (int i = 0; i < 6 * 90; ++i) {  // 90 minutes of 10-second cells.
    const absl::Time t = start + absl::Seconds(10 * i);
    if (i % 7 == 3) continue;  // A few gaps.
    store_.Add(m, Unit::kPercent, t, StatisticSet::Of(0.1 * i + 0.37));
    if (i % 3 == 0) {
      store_.Add(m, Unit::kCount, t, StatisticSet::Of(1.0 / (i + 1)));
    }
  }
  const int64_t base = absl::ToUnixSeconds(start);
  const std::optional<Unit> units[] = {std::nullopt, Unit::kPercent,
                                       Unit::kCount, Unit::kBytes};
  for (int64_t period : {int64_t{60}, int64_t{300}, int64_t{3600}}) {
    for (int64_t end_minute = 0; end_minute <= 100; end_minute += 3) {
      const int64_t first = base + 60 * end_minute - period;
      for (const std::optional<Unit>& unit : units) {
        StatisticSet want[1];
        store_.AggregateBucketsAt(m, unit, first, period,
                                  absl::Span<StatisticSet>(want, 1));
        StatisticSet got = StatisticSet::Of(12345);  // Overwritten.
        store_.AggregateWindowAt(m, unit, first, period, &got);
        SCOPED_TRACE("period " + std::to_string(period) + " end minute " +
                     std::to_string(end_minute));
        EXPECT_EQ(got.sample_count, want[0].sample_count);
        EXPECT_EQ(std::memcmp(&got.sum, &want[0].sum, sizeof(double)), 0);
        EXPECT_EQ(std::memcmp(&got.minimum, &want[0].minimum, sizeof(double)),
                  0);
        EXPECT_EQ(std::memcmp(&got.maximum, &want[0].maximum, sizeof(double)),
                  0);
      }
    }
  }
  // An index never interned: an empty set.
  StatisticSet got = StatisticSet::Of(1);
  store_.AggregateWindowAt(m + 1, std::nullopt, base, 300, &got);
  EXPECT_TRUE(got.empty());
}

// One step of the running-window tests' random histories of metric `m`
// at `minute` (counted from `noon`): mostly one minute-aligned cell (a gap
// 1 time in 20), 10-second cells from step `ten_seconds_from`, late data up
// to 70 minutes back (spec 3.7), with `next_minute_early` the next minute's
// data before its evaluation; integer values, 1 in 50 past 2^39 and, with
// `fractions`, 1 in 3 non-integer (the integer totals must decline, then
// recover once those cells leave); with `second_unit`, a second unit from
// step 200 on; retention every few steps, sometimes inside the window;
// BeginReadEpoch 9 times in 10. Returns the anchor of the evaluation one
// minute later: usually the next minute, sometimes a jump, or back.
struct RandomHistory {
  bool fractions = false;
  bool second_unit = false;
  bool next_minute_early = false;
  int ten_seconds_from = 0;
  int drop_every = 5;

  int64_t Step(std::mt19937& rng, int step, int64_t noon, int64_t minute,
               MetricStore& store, MetricIndex m) const {
    const int what = static_cast<int>(rng() % 20);
    auto value = [&]() {
      if (rng() % 50 == 0) return 1e12;  // An integer past 2^39.
      if (fractions && rng() % 3 == 0) {
        return static_cast<double>(rng() % 1000) / 7.0;
      }
      return static_cast<double>(static_cast<int>(rng() % 201) - 100);
    };
    const Unit unit = second_unit && step > 200 && rng() % 3 == 0
                          ? Unit::kCount
                          : Unit::kNone;
    if (what != 0) {  // what == 0: a gap.
      const int64_t offset =
          step >= ten_seconds_from && what == 1 ? 10 * (rng() % 6) : 0;
      store.Add(m, unit, absl::FromUnixSeconds(noon + 60 * minute + offset),
                StatisticSet::Of(value(), 1 + rng() % 3));
    }
    if (what == 2 || (what == 3 && !next_minute_early)) {
      const int64_t back = 60 * static_cast<int64_t>(rng() % 70);
      store.Add(m, unit, absl::FromUnixSeconds(noon + 60 * minute - back),
                StatisticSet::Of(value()));
    }
    if (what == 3 && next_minute_early) {
      store.Add(m, unit, absl::FromUnixSeconds(noon + 60 * (minute + 1)),
                StatisticSet::Of(value()));
    }
    if (what == 4 && step % drop_every == 0) {
      store.DropBefore(absl::FromUnixSeconds(
          noon + 60 * (minute - static_cast<int64_t>(rng() % 90))));
    }
    if (rng() % 10 != 0) store.BeginReadEpoch();
    const int move = static_cast<int>(rng() % 40);
    return noon + 60 * (minute + 1) +
           (move == 0 ? -60 * static_cast<int64_t>(rng() % 5)
                      : move == 1 ? 60 * static_cast<int64_t>(rng() % 80) : 0);
  }
};

// AggregateRunningWindowAt is AggregateBucketsAt for its window, bit for bit
// (spec 1.3's bucket statistics; the sliding evaluator's newest window,
// spec 3.2.1), whatever happened since the record's previous window:
// random histories of minute-aligned and 10-second cells with gaps, late
// and duplicate data (spec 3.7), non-integer and huge values (the integer
// totals must decline, then recover once those cells leave), a second unit
// appearing, DropBefore inside and before the window, reads with and
// without BeginReadEpoch, windows that move by one minute (the common
// case), several, none, backwards or past the previous window's end.
TEST(MetricStoreRunningWindowTest, RandomHistoriesMatchAggregateBucketsAt) {
  const int64_t noon = absl::ToUnixSeconds(Utc(12, 0, 0));
  struct Query {
    std::optional<Unit> unit;
    int64_t period;
    bool extremes;
    MetricStore::RunningWindow w;
    uint32_t read_epoch;  // The store's read epoch when w was aggregated.
  };
  int fast_reads = 0;
  for (uint32_t seed = 1; seed <= 60; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937 rng(seed);
    const bool fractions = seed % 3 == 0;
    const bool second_unit = seed % 4 == 1;
    MetricStore store;
    const MetricIndex m = store.Intern(Cpu());
    std::vector<Query> queries;
    for (const std::optional<Unit>& unit :
         {std::optional<Unit>(), std::optional<Unit>(Unit::kNone),
          std::optional<Unit>(Unit::kCount)}) {
      for (int64_t period : {int64_t{120}, int64_t{300}, int64_t{3600}}) {
        for (bool extremes : {false, true}) {
          queries.push_back(Query{unit, period, extremes, {}, 0});
        }
      }
    }
    RandomHistory history;
    history.fractions = fractions;
    history.second_unit = second_unit;
    int64_t minute = 0;  // The newest minute written, from noon.
    for (int step = 0; step < 400; ++step) {
      const int64_t anchor = history.Step(rng, step, noon, minute, store, m);
      for (Query& q : queries) {
        const int64_t first = anchor - q.period;
        StatisticSet want[1];
        store.AggregateBucketsAt(m, q.unit, first, q.period,
                                 absl::Span<StatisticSet>(want, 1));
        StatisticSet got = StatisticSet::Of(12345);  // Overwritten.
        store.AggregateRunningWindowAt(m, q.unit, first, q.period, q.extremes,
                                       q.read_epoch, &q.w, &got);
        q.read_epoch = store.CurrentReadEpoch();
        SCOPED_TRACE(absl::StrCat("step ", step, " period ", q.period,
                                  " unit ", q.unit.has_value()
                                                ? static_cast<int>(*q.unit)
                                                : -1,
                                  " extremes ", q.extremes));
        ASSERT_EQ(std::memcmp(&got.sample_count, &want[0].sample_count,
                              sizeof(double)),
                  0)
            << got.sample_count << " vs " << want[0].sample_count;
        ASSERT_EQ(std::memcmp(&got.sum, &want[0].sum, sizeof(double)), 0)
            << got.sum << " vs " << want[0].sum;
        if (q.extremes) {
          ASSERT_EQ(
              std::memcmp(&got.minimum, &want[0].minimum, sizeof(double)), 0);
          ASSERT_EQ(
              std::memcmp(&got.maximum, &want[0].maximum, sizeof(double)), 0);
        }
        fast_reads += q.w.end10() != MetricStore::RunningWindow::kNoEnd;
      }
      if (rng() % 10 != 0) ++minute;
    }
  }
  // Most reads kept a record (the short step), not the walk of a metric
  // with two units.
  EXPECT_GT(fast_reads, 60 * 400 * 18 / 3);
}

// A retention pass (DropBefore) before a running window moves its cells to
// lower indices but keeps them: the next window finds its first cell again
// and keeps the totals (no walk), and is still AggregateBucketsAt's, bit for
// bit; a drop into the window starts a new record. Edge cases: the drop
// ending right at the window's first cell, and a window whose first minute
// has no cell (the search lands on the next one).
TEST(MetricStoreRunningWindowTest, DropBeforeTheWindowKeepsItsTotals) {
  const int64_t noon = absl::ToUnixSeconds(Utc(12, 0, 0));
  for (const bool gap : {false, true}) {
    SCOPED_TRACE(gap ? "first minute empty" : "every minute");
    MetricStore store;
    const MetricIndex m = store.Intern(Cpu());
    for (int k = 0; k < 30; ++k) {
      if (gap && k == 20) continue;
      store.Add(m, Unit::kNone, absl::FromUnixSeconds(noon + 60 * k + 5),
                StatisticSet::Of(k));
    }
    constexpr int64_t kPeriod = 300;
    MetricStore::RunningWindow w;
    StatisticSet got;
    store.AggregateRunningWindowAt(m, std::nullopt, noon + 60 * 19, kPeriod,
                                   false, /*read_epoch=*/0, &w, &got);
    ASSERT_EQ(w.cells(), gap ? 4u : 5u);
    ASSERT_TRUE(w.exact());
    const uint32_t read_epoch = store.CurrentReadEpoch();
    // Up to the window's first cell (minute 19): 19 cells go.
    store.DropBefore(absl::FromUnixSeconds(noon + 60 * 19));
    store.BeginReadEpoch();
    const uint32_t count_before = w.count();
    store.AggregateRunningWindowAt(m, std::nullopt, noon + 60 * 20, kPeriod,
                                   false, read_epoch, &w, &got);
    EXPECT_EQ(w.cells(), gap ? 4u : 5u);
    EXPECT_EQ(w.count(), count_before);  // Minute 19 left, minute 24 entered.
    EXPECT_EQ(w.sum(), gap ? 20 + 21 + 22 + 23 + 24 - 20
                           : 20 + 21 + 22 + 23 + 24);
    const uint32_t read_epoch_2 = store.CurrentReadEpoch();
    StatisticSet want[1];
    store.AggregateBucketsAt(m, std::nullopt, noon + 60 * 20, kPeriod,
                             absl::Span<StatisticSet>(want, 1));
    EXPECT_EQ(std::memcmp(&got, &want[0], 2 * sizeof(double)), 0);
    // Into the window: its first cells are gone, the record starts over.
    store.DropBefore(absl::FromUnixSeconds(noon + 60 * 22));
    store.BeginReadEpoch();
    store.AggregateRunningWindowAt(m, std::nullopt, noon + 60 * 21, kPeriod,
                                   false, read_epoch_2, &w, &got);
    store.AggregateBucketsAt(m, std::nullopt, noon + 60 * 21, kPeriod,
                             absl::Span<StatisticSet>(want, 1));
    EXPECT_EQ(std::memcmp(&got, &want[0], 2 * sizeof(double)), 0);
    EXPECT_EQ(w.cells(), 4u);  // Minutes 22-25: 21 was dropped.
    EXPECT_EQ(w.sum(), 22 + 23 + 24 + 25);
  }
}

// A RunningWindow keeps its totals in 48 bits of Sum and 32 of SampleCount:
// windows of exact cells whose totals do not fit (a Sum past +-2^47 from
// 10-second cells at the CellPrefix limit 2^39, a SampleCount past 2^32)
// are walked instead, still AggregateBucketsAt's bit for bit, and keep
// their totals again once those cells leave. Edge cases: a Sum total of
// exactly -2^47 (fits) and 2^47 (does not), a SampleCount total of exactly
// 2^32 - 1 (fits) and 2^32 (does not), in the general path and in the
// one-minute step (which declines, touching nothing, where the totals
// would stop fitting).
TEST(MetricStoreRunningWindowTest, TotalsBeyondTheRecordWalkThenRecover) {
  const int64_t noon = absl::ToUnixSeconds(Utc(12, 0, 0));
  constexpr double kLimit = 549755813888.0;  // 2^39, the CellPrefix limit.
  constexpr int64_t kPeriod = 3600;           // Up to 360 ten-second cells.
  for (const double sign : {1.0, -1.0}) {
    SCOPED_TRACE(sign);
    MetricStore store;
    const MetricIndex m = store.Intern(Cpu());
    // Minute 0: four 10-second cells of sign x 2^39, minutes 1-59: six, so
    // that the window ending at minute 43 has 256 of them (+-2^47). Minute
    // 70: a SampleCount of 2^32 - 60, then one-minute cells of 1.
    StatisticSet huge_count = StatisticSet::Of(1);
    huge_count.sample_count = 4294967296.0 - 60;
    for (int minute = 0; minute < 260; ++minute) {
      if (minute < 60) {
        for (int k = 0; k < (minute == 0 ? 4 : 6); ++k) {
          store.Add(m, Unit::kNone,
                    absl::FromUnixSeconds(noon + 60 * minute + 10 * k),
                    StatisticSet::Of(sign * kLimit));
        }
      } else {
        store.Add(m, Unit::kNone, absl::FromUnixSeconds(noon + 60 * minute),
                  minute == 70 ? huge_count : StatisticSet::Of(1));
      }
    }
    store.BeginReadEpoch();
    MetricStore::RunningWindow w;
    uint32_t read_epoch = 0;
    for (int end = 1; end <= 200; ++end) {
      SCOPED_TRACE(end);
      const int64_t first = noon + 60 * end - kPeriod;
      StatisticSet want[1];
      store.AggregateBucketsAt(m, std::nullopt, first, kPeriod,
                               absl::Span<StatisticSet>(want, 1));
      StatisticSet got;
      store.AggregateRunningWindowAt(m, std::nullopt, first, kPeriod, false,
                                     read_epoch, &w, &got);
      read_epoch = store.CurrentReadEpoch();
      ASSERT_EQ(std::memcmp(&got, &want[0], 2 * sizeof(double)), 0)
          << got.sum << " vs " << want[0].sum;
      if (end <= 42) {
        ASSERT_TRUE(w.exact());
        ASSERT_EQ(static_cast<double>(w.sum()), want[0].sum);
      } else if (end == 43) {
        ASSERT_EQ(w.exact(), sign < 0);  // -2^47 fits, 2^47 does not.
        if (sign < 0) {
          ASSERT_EQ(w.sum(), -(int64_t{1} << 47));
        }
      } else if (end < 120) {
        // Too many 2^39 cells, then the SampleCount: 2^32 - 60 + 59 + 6.
        ASSERT_FALSE(w.exact());
      } else if (end <= 130) {
        ASSERT_TRUE(w.exact());
        ASSERT_EQ(w.count(), UINT32_MAX);  // 2^32 - 60 + 59 ones.
        ASSERT_EQ(w.sum(), 60);
      } else {
        ASSERT_TRUE(w.exact());
        ASSERT_EQ(w.count(), 60u);
        ASSERT_EQ(w.sum(), 60);
      }
    }
  }

  // The one-minute step: P300 windows of five minute cells of SampleCount
  // c = (2^32 - 1) / 5, with c + 1 every seventh minute.
  MetricStore store;
  const MetricIndex m = store.Intern(Cpu());
  constexpr double kFifth = 858993459.0;  // 5 x kFifth = 2^32 - 1.
  auto add_minute = [&](int minute) {
    StatisticSet set = StatisticSet::Of(2);
    set.sample_count = minute % 7 == 3 ? kFifth + 1 : kFifth;
    store.Add(m, Unit::kNone, absl::FromUnixSeconds(noon + 60 * minute), set);
  };
  for (int minute = 0; minute < 4; ++minute) add_minute(minute);
  MetricStore::RunningWindow w;
  uint32_t read_epoch = 0;
  int taken = 0;
  for (int end = 5; end <= 80; ++end) {
    SCOPED_TRACE(end);
    add_minute(end - 1);  // The minute that enters, as data arrives.
    store.BeginReadEpoch();
    const int64_t first = noon + 60 * end - 300;
    StatisticSet want[1];
    store.AggregateBucketsAt(m, Unit::kNone, first, 300,
                             absl::Span<StatisticSet>(want, 1));
    // Windows [end - 5, end) holding no minute 3 mod 7 fit exactly.
    bool fits = true;
    for (int k = end - 5; k < end; ++k) fits = fits && k % 7 != 3;
    MetricStore::RunningWindow stepped = w;
    StatisticSet got = StatisticSet::Of(12345);
    const bool took = store.StepRunningWindowMinute(
        m, static_cast<uint8_t>(Unit::kNone),
        store.PrepareMinute(noon + 60 * end - 60), 300, read_epoch, &stepped,
        &got);
    StatisticSet general_set;
    store.AggregateRunningWindowAt(m, Unit::kNone, first, 300, false,
                                   read_epoch, &w, &general_set);
    read_epoch = store.CurrentReadEpoch();
    ASSERT_EQ(std::memcmp(&general_set, &want[0], 2 * sizeof(double)), 0);
    ASSERT_EQ(w.exact(), fits);
    if (fits) {
      ASSERT_EQ(w.count(), UINT32_MAX);
    }
    if (took) {
      ++taken;
      ASSERT_TRUE(fits);
      ASSERT_EQ(std::memcmp(&got, &general_set, sizeof(got)), 0);
      ASSERT_EQ(std::memcmp(&stepped, &w, sizeof(w)), 0);
    } else {
      const StatisticSet sentinel = StatisticSet::Of(12345);
      ASSERT_EQ(std::memcmp(&got, &sentinel, sizeof(got)), 0);
    }
  }
  // A step from each fitting window into the next one that fits (two such
  // windows in every seven).
  EXPECT_GE(taken, 10);
}

// Growth moves the records (64-byte lines in a vector that grows by a
// quarter past 1024 metrics) and Reserve resizes the id table: neither may
// lose a metric's identity, cells, raw samples or running totals, which live
// partly in side tables keyed by index.
TEST(MetricStoreGrowthTest, ReserveAndGrowthKeepIndicesCellsSamplesAndTotals) {
  // Reserve(40000): records of more than 2 MiB, on huge pages
  // (internal::HugePageAllocator).
  for (const size_t reserve : {size_t{0}, size_t{3000}, size_t{40000}}) {
    SCOPED_TRACE(absl::StrCat("Reserve ", reserve));
    MetricStore store;
    if (reserve != 0) store.Reserve(reserve);
    auto id = [](int i) {
      return MetricId{"NS", "M", {{"Id", absl::StrCat("m-", i)}}};
    };
    constexpr int64_t kT = 1704153600;  // 2024-01-02T00:00:00Z.
    const MetricIndex sampled = store.Intern(id(0));
    const MetricIndex totals = store.Intern(id(1));
    store.EnableSamples(sampled);
    store.EnableRunningTotals(totals);
    for (int k = 0; k < 3; ++k) {
      ASSERT_THAT(store.AddColumn(sampled, Unit::kCount, {kT + 60 * k},
                                  {1.5 * k}),
                  IsOk());
      ASSERT_THAT(store.AddColumn(totals, Unit::kCount, {kT + 60 * k},
                                  {double(k + 1)}),
                  IsOk());
    }
    // A second unit moves the totals metric's cells out of its record.
    ASSERT_THAT(store.AddColumn(totals, Unit::kPercent, {kT}, {7}), IsOk());
    for (int i = 2; i < 3000; ++i) {
      const MetricIndex m = store.Intern(id(i));
      ASSERT_EQ(m, static_cast<MetricIndex>(i));
      if (i % 7 == 0) {
        ASSERT_THAT(store.AddScrape(Unit::kNone, kT, {m}, {double(i)}),
                    IsOk());
      }
    }
    ASSERT_EQ(store.metric_count(), 3000u);
    for (int i = 0; i < 3000; i += 13) {
      ASSERT_EQ(store.Find(id(i)), static_cast<MetricIndex>(i));
      EXPECT_EQ(store.metric(static_cast<MetricIndex>(i)).Key(), id(i).Key());
    }
    for (int i = 7; i < 3000; i += 7) {
      const StatisticSet s =
          store.Aggregate(static_cast<MetricIndex>(i), std::nullopt,
                          absl::FromUnixSeconds(kT),
                          absl::FromUnixSeconds(kT + 60));
      EXPECT_EQ(s.sample_count, 1);
      EXPECT_EQ(s.sum, i);
    }
    EXPECT_TRUE(store.samples_enabled(sampled));
    EXPECT_FALSE(store.samples_enabled(totals));
    std::vector<SampleDistribution> d(3);
    store.AggregateSampleBuckets(sampled, Unit::kCount,
                                 absl::FromUnixSeconds(kT), absl::Seconds(60),
                                 absl::MakeSpan(d));
    for (int k = 0; k < 3; ++k) EXPECT_EQ(d[k].total_weight(), 1) << k;
    store.BeginReadEpoch();
    StatisticSet sets[3];
    ASSERT_TRUE(store.AggregateCountSumAt(totals, Unit::kCount, kT, 60,
                                          absl::MakeSpan(sets)));
    for (int k = 0; k < 3; ++k) EXPECT_EQ(sets[k].sum, k + 1) << k;
    ASSERT_TRUE(store.AggregateCountSumAt(totals, std::nullopt, kT, 60,
                                          absl::MakeSpan(sets)));
    EXPECT_EQ(sets[0].sum, 8);
    EXPECT_EQ(sets[0].sample_count, 2);
    // Retention drops the totals' and the samples' oldest cells alike.
    store.DropBefore(absl::FromUnixSeconds(kT + 60));
    store.BeginReadEpoch();
    ASSERT_TRUE(store.AggregateCountSumAt(totals, std::nullopt, kT, 60,
                                          absl::MakeSpan(sets)));
    EXPECT_EQ(sets[0].sample_count, 0);
    EXPECT_EQ(sets[1].sum, 2);
    store.AggregateSampleBuckets(sampled, std::nullopt,
                                 absl::FromUnixSeconds(kT), absl::Seconds(60),
                                 absl::MakeSpan(d));
    EXPECT_EQ(d[0].total_weight(), 0);
    EXPECT_EQ(d[2].total_weight(), 1);
  }
}

// StepRunningWindowMinute, the inline one-minute step, is
// AggregateRunningWindowAt's answer whenever it takes the step: the same
// set (AggregateBucketsAt's, bit for bit) and the same record afterwards,
// and it touches nothing when it declines. Random histories of mostly
// one-minute data with gaps, data for the minute after the window already
// in (the tail's copy of the minute before its newest cell), late data
// before and inside the window (spec 3.7), non-integer and huge values
// (declined while such a cell is in the window), a second unit (the tail
// goes off), a few seeds with 10-second cells (declined for good),
// DropBefore inside and before the window (indices shift), reads with and
// without BeginReadEpoch, and windows that move by one minute, by several,
// none or back (declined: the window must end at the query's minute).
TEST(MetricStoreRunningWindowTest, MinuteStepMatchesAggregateRunningWindowAt) {
  const int64_t noon = absl::ToUnixSeconds(Utc(12, 0, 0));
  struct Query {
    std::optional<Unit> unit;
    int64_t period;
    MetricStore::RunningWindow w;
    uint32_t read_epoch;  // The store's read epoch when w was aggregated.
  };
  int steps_taken = 0;
  int declined = 0;
  for (uint32_t seed = 1; seed <= 60; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937 rng(seed + 1000);
    const bool fractions = seed % 3 == 0;
    const bool second_unit = seed % 4 == 1;
    const bool ten_seconds = seed % 10 == 7;
    MetricStore store;
    const MetricIndex m = store.Intern(Cpu());
    std::vector<Query> queries;
    for (const std::optional<Unit>& unit :
         {std::optional<Unit>(), std::optional<Unit>(Unit::kNone),
          std::optional<Unit>(Unit::kCount)}) {
      for (int64_t period : {int64_t{120}, int64_t{300}, int64_t{3600}}) {
        queries.push_back(Query{unit, period, {}, 0});
      }
    }
    RandomHistory history;
    history.fractions = fractions;
    history.second_unit = second_unit;
    history.next_minute_early = true;
    // 10-second cells decline the step for good: only late in a few seeds.
    history.ten_seconds_from =
        ten_seconds ? 100 : std::numeric_limits<int>::max();
    history.drop_every = 3;
    int64_t minute = 0;  // The newest minute written, from noon.
    for (int step = 0; step < 400; ++step) {
      const int64_t anchor = history.Step(rng, step, noon, minute, store, m);
      const MetricStore::MinuteQuery minute_query =
          store.PrepareMinute(anchor - 60);
      for (Query& q : queries) {
        SCOPED_TRACE(absl::StrCat("step ", step, " period ", q.period,
                                  " unit ", q.unit.has_value()
                                                ? static_cast<int>(*q.unit)
                                                : -1));
        const int64_t first = anchor - q.period;
        StatisticSet want[1];
        store.AggregateBucketsAt(m, q.unit, first, q.period,
                                 absl::Span<StatisticSet>(want, 1));
        MetricStore::RunningWindow stepped = q.w;
        StatisticSet got = StatisticSet::Of(12345);
        const uint8_t unit_byte = q.unit.has_value()
                                      ? static_cast<uint8_t>(*q.unit)
                                      : MetricStore::MinuteQuery::kAnyUnit;
        const bool took = store.StepRunningWindowMinute(
            m, unit_byte, minute_query, q.period, q.read_epoch, &stepped,
            &got);
        MetricStore::RunningWindow general = q.w;
        StatisticSet general_set;
        store.AggregateRunningWindowAt(m, q.unit, first, q.period,
                                       /*extremes=*/false, q.read_epoch,
                                       &general, &general_set);
        q.read_epoch = store.CurrentReadEpoch();
        if (!took) {
          ++declined;
          ASSERT_EQ(std::memcmp(&stepped, &q.w, sizeof(stepped)), 0);
          const StatisticSet sentinel = StatisticSet::Of(12345);
          ASSERT_EQ(std::memcmp(&got, &sentinel, sizeof(got)), 0);
          q.w = general;
          continue;
        }
        ++steps_taken;
        ASSERT_EQ(std::memcmp(&got.sample_count, &want[0].sample_count,
                              sizeof(double)),
                  0)
            << got.sample_count << " vs " << want[0].sample_count;
        ASSERT_EQ(std::memcmp(&got.sum, &want[0].sum, sizeof(double)), 0)
            << got.sum << " vs " << want[0].sum;
        ASSERT_EQ(std::memcmp(&got, &general_set, sizeof(got)), 0);
        ASSERT_EQ(std::memcmp(&stepped, &general, sizeof(stepped)), 0)
            << "cells " << stepped.cells() << " vs " << general.cells()
            << ", count " << stepped.count() << " vs " << general.count();
        q.w = stepped;
      }
      if (rng() % 10 != 0) ++minute;
    }
  }
  // Both sides ran often: the step is the common case, and the cases it
  // declines came up.
  EXPECT_GT(steps_taken, 60 * 400 * 9 / 6);
  EXPECT_GT(declined, 60 * 400 * 9 / 10);
}

}  // namespace
}  // namespace cwalarm
