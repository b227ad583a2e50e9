// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// MetricStore's minute tail (MinuteCell, NewMinuteCell) against the walk it
// replaces (AggregateBucketsAt over one 60-second bucket): whenever the tail
// answers, the answer must be bit for bit the walk's, under random writes
// (in order, late, duplicates, several units, unaligned high-resolution
// cells), retention (DropBefore), running totals, and a snapshot restore.

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "metrics/metric_id.h"
#include "metrics/metric_store.h"
#include "metrics/statistic.h"
#include "metrics/unit.h"

namespace cwalarm {
namespace {

constexpr int64_t kStart = 1767225600;  // 2026-01-01T00:00:00Z, a minute.

bool SameSet(const StatisticSet& a, const StatisticSet& b) {
  // Bitwise: the tail must give exactly what the walk gives.
  return a.sample_count == b.sample_count && a.sum == b.sum &&
         a.minimum == b.minimum && a.maximum == b.maximum;
}

StatisticSet Walk(const MetricStore& store, MetricIndex m,
                  std::optional<Unit> unit, int64_t start) {
  StatisticSet out;
  store.AggregateBucketsAt(m, unit, start, 60, absl::MakeSpan(&out, 1));
  return out;
}

// Every minute of the last `minutes` before `now_minute`, for every metric
// and unit filter: where MinuteCell answers, it must equal the walk. Returns
// how many answers were checked.
int CheckAll(const MetricStore& store, int metrics, int64_t now_minute,
             int minutes) {
  int answered = 0;
  const std::optional<Unit> filters[] = {std::nullopt, Unit::kNone,
                                         Unit::kPercent};
  for (MetricIndex m = 0; m < static_cast<MetricIndex>(metrics); ++m) {
    for (const std::optional<Unit>& unit : filters) {
      for (int k = 0; k <= minutes; ++k) {
        const int64_t start = kStart + 60 * (now_minute - k);
        StatisticSet tail;
        if (!store.MinuteCell(m, unit, start, &tail)) continue;
        ++answered;
        const StatisticSet walk = Walk(store, m, unit, start);
        EXPECT_TRUE(SameSet(tail, walk))
            << "metric " << m << " minute " << (now_minute - k) << " unit "
            << (unit.has_value() ? static_cast<int>(*unit) : -1)
            << ": tail count " << tail.sample_count << " sum " << tail.sum
            << ", walk count " << walk.sample_count << " sum " << walk.sum;
      }
    }
  }
  return answered;
}

MetricId IdFor(int i) {
  return MetricId{"Test/Tail", "M", {{"Id", std::to_string(i)}}};
}

TEST(MetricStoreTailTest, MinuteCellEqualsTheWalkUnderRandomWrites) {
  constexpr int kMetrics = 12;
  int answered = 0;
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    MetricStore store;
    for (int i = 0; i < kMetrics; ++i) store.Intern(IdFor(i));
    for (int minute = 0; minute < 40; ++minute) {
      for (int i = 0; i < kMetrics; ++i) {
        const int kind = static_cast<int>(rng() % 20);
        // Metric 0 stays minute-aligned and of one unit; metric 1 gets an
        // unaligned cell once; metric 2 a second unit once.
        int64_t t = kStart + 60 * minute + static_cast<int64_t>(rng() % 60);
        Unit unit = Unit::kNone;
        if (i == 1 && minute == 20) t = kStart + 60 * minute + 30;  // Cell +30.
        if (i == 2 && minute == 25) unit = Unit::kPercent;
        if (kind == 0) continue;                        // A gap.
        if (kind == 1) t -= 60 * (1 + rng() % 5);       // Late data.
        // Standard-resolution publishers store at the minute (spec 1.5);
        // metric 1's odd cell stays where it is.
        if (!(i == 1 && minute == 20)) t -= t % 60;
        const double v = static_cast<double>(rng() % 1000) / 8.0;
        store.Add(static_cast<MetricIndex>(i), unit, absl::FromUnixSeconds(t),
                  StatisticSet::Of(v));
        if (kind == 2) {  // A duplicate in the same cell.
          store.Add(static_cast<MetricIndex>(i), unit,
                    absl::FromUnixSeconds(t), StatisticSet::Of(v + 0.5));
        }
      }
      if (minute == 10) store.EnableRunningTotals(3);
      if (minute % 13 == 12) {
        store.DropBefore(absl::FromUnixSeconds(kStart + 60 * (minute - 8)));
      }
      store.BeginReadEpoch();
      answered += CheckAll(store, kMetrics, minute + 1, 6);
    }
    // A restored store answers the same.
    absl::StatusOr<std::vector<MetricStore::MetricState>> state =
        store.ExportState();
    ASSERT_TRUE(state.ok());
    MetricStore restored;
    ASSERT_TRUE(restored.ImportState(*std::move(state)).ok());
    answered += CheckAll(restored, kMetrics, 40, 6);
  }
  // The tail must actually answer (otherwise this test checks nothing).
  EXPECT_GT(answered, 10000);
}

TEST(MetricStoreTailTest, TailStepsAsideWhereItCannotTell) {
  MetricStore store;
  const MetricIndex aligned = store.Intern(IdFor(0));
  const MetricIndex high_res = store.Intern(IdFor(1));
  const MetricIndex two_units = store.Intern(IdFor(2));
  const MetricIndex never = store.Intern(IdFor(3));
  for (int minute = 0; minute < 5; ++minute) {
    const absl::Time t = absl::FromUnixSeconds(kStart + 60 * minute);
    store.Add(aligned, Unit::kNone, t, StatisticSet::Of(minute));
    store.Add(high_res, Unit::kNone, t + absl::Seconds(10),
              StatisticSet::Of(minute));
    store.Add(two_units, minute == 2 ? Unit::kPercent : Unit::kNone, t,
              StatisticSet::Of(minute));
  }
  StatisticSet out;
  // The two newest minutes of an aligned metric are in the tail, older ones
  // are not (the caller walks).
  EXPECT_TRUE(store.MinuteCell(aligned, std::nullopt, kStart + 240, &out));
  EXPECT_EQ(out.sum, 4);
  EXPECT_TRUE(store.MinuteCell(aligned, std::nullopt, kStart + 180, &out));
  EXPECT_EQ(out.sum, 3);
  EXPECT_FALSE(store.MinuteCell(aligned, std::nullopt, kStart + 120, &out));
  // Minutes after the newest cell are empty; another unit is empty.
  EXPECT_TRUE(store.MinuteCell(aligned, std::nullopt, kStart + 300, &out));
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(store.MinuteCell(aligned, Unit::kPercent, kStart + 240, &out));
  EXPECT_TRUE(out.empty());
  // A 10-second cell, or a second unit, turns the tail off.
  EXPECT_FALSE(store.MinuteCell(high_res, std::nullopt, kStart + 240, &out));
  EXPECT_FALSE(store.MinuteCell(two_units, std::nullopt, kStart + 240, &out));
  // A metric never written has no data.
  EXPECT_TRUE(store.MinuteCell(never, std::nullopt, kStart + 240, &out));
  EXPECT_TRUE(out.empty());

  // NewMinuteCell refuses when a cell before the minute was written since
  // the reader's epoch (late data), and answers when only newer ones were.
  const uint32_t seen = store.BeginReadEpoch();
  store.Add(aligned, Unit::kNone, absl::FromUnixSeconds(kStart + 300),
            StatisticSet::Of(5));
  (void)store.BeginReadEpoch();
  EXPECT_TRUE(store.NewMinuteCell(aligned, std::nullopt, kStart + 240, seen,
                                  &out));
  EXPECT_EQ(out.sum, 4);
  const uint32_t seen2 = store.BeginReadEpoch();
  store.Add(aligned, Unit::kNone, absl::FromUnixSeconds(kStart + 60),
            StatisticSet::Of(7));
  (void)store.BeginReadEpoch();
  EXPECT_FALSE(store.NewMinuteCell(aligned, std::nullopt, kStart + 300, seen2,
                                   &out));
}

// PrefetchWindow (the evaluator's hint for long-period windows) only asks
// for cache lines: at every stage, for any window length, on a metric never
// written, one with cells, one with running totals and an index never
// interned, it changes no answer of the walk or of the running totals.
TEST(MetricStoreTailTest, PrefetchWindowIsOnlyAHint) {
  MetricStore store;
  const MetricIndex empty = store.Intern(IdFor(0));
  const MetricIndex walked = store.Intern(IdFor(1));
  const MetricIndex totals = store.Intern(IdFor(2));
  for (int minute = 0; minute < 90; ++minute) {
    const absl::Time t = absl::FromUnixSeconds(kStart + 60 * minute);
    store.Add(walked, Unit::kNone, t, StatisticSet::Of(minute));
    store.Add(totals, Unit::kNone, t, StatisticSet::Of(2 * minute));
  }
  store.EnableRunningTotals(totals);
  (void)store.BeginReadEpoch();
  const int64_t first = kStart + 30 * 60;
  auto read = [&](MetricIndex m) {
    StatisticSet walk;
    store.AggregateBucketsAt(m, std::nullopt, first, 3600,
                             absl::MakeSpan(&walk, 1));
    return walk;
  };
  const StatisticSet before_walked = read(walked);
  const StatisticSet before_totals = read(totals);
  StatisticSet sums_before;
  const bool had_sums = store.AggregateCountSumAt(
      totals, std::nullopt, first, 3600, absl::MakeSpan(&sums_before, 1));
  EXPECT_TRUE(had_sums);
  for (int stage = 0; stage < 3; ++stage) {
    for (int64_t cells : {int64_t{0}, int64_t{1}, int64_t{5}, int64_t{60},
                          int64_t{1000}}) {
      for (MetricIndex m : {empty, walked, totals, MetricIndex{12345}}) {
        store.PrefetchWindow(m, cells, stage);
      }
    }
  }
  EXPECT_TRUE(read(empty).empty());
  EXPECT_TRUE(SameSet(read(walked), before_walked));
  EXPECT_TRUE(SameSet(read(totals), before_totals));
  EXPECT_EQ(before_walked.sample_count, 60);
  StatisticSet sums_after;
  EXPECT_TRUE(store.AggregateCountSumAt(totals, std::nullopt, first, 3600,
                                        absl::MakeSpan(&sums_after, 1)));
  EXPECT_EQ(sums_after.sample_count, sums_before.sample_count);
  EXPECT_EQ(sums_after.sum, sums_before.sum);
}

}  // namespace
}  // namespace cwalarm
