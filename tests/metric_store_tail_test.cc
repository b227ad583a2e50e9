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

// DropBefore re-reads the tail only when fewer than two cells stay (the
// tail mirrors the two newest; a drop from the front leaves them alone
// otherwise): after drops leaving 3, 2, 1 and 0 cells, every minute the
// tail answers for must still equal the walk, and the minutes it mirrors
// must be answered.
TEST(MetricStoreTailTest, DropBeforeKeepsTheTailExactForAnyCellsLeft) {
  for (int left = 3; left >= 0; --left) {
    MetricStore store;
    store.Intern(IdFor(0));
    for (int minute = 0; minute < 6; ++minute) {
      store.Add(0, Unit::kNone, absl::FromUnixSeconds(kStart + 60 * minute),
                StatisticSet::Of(minute + 0.25));
    }
    // Cells end at start + 10: a horizon of start + 10 drops that cell.
    store.DropBefore(absl::FromUnixSeconds(kStart + 60 * (5 - left) + 10));
    EXPECT_GT(CheckAll(store, 1, 7, 8), 0) << "left " << left;
    for (int minute = 0; minute < 6; ++minute) {
      StatisticSet tail;
      const bool answered =
          store.MinuteCell(0, std::nullopt, kStart + 60 * minute, &tail);
      if (minute >= 4 && minute > 5 - left) {
        // One of the two newest cells that remain: mirrored.
        EXPECT_TRUE(answered) << "left " << left << " minute " << minute;
      }
      if (minute <= 5 - left && answered) {
        EXPECT_EQ(tail.sample_count, 0) << "left " << left << " minute "
                                        << minute << " was dropped";
      }
    }
  }
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

// The tail's two copies are the newest cell and the minute before it (by
// minute parity): after a gap, the minute before the newest cell is known
// empty and older minutes are left to the walk; NewMinuteCell's check of
// late data is exact for the earliest cell written (kept in 10-second
// units), and EarliestCellWrittenSince reports it exactly.
TEST(MetricStoreTailTest, CopiesAreTheNewestMinuteAndTheOneBeforeIt) {
  MetricStore store;
  const MetricIndex m = store.Intern(IdFor(0));
  const auto add = [&](int64_t seconds, double value) {
    store.Add(m, Unit::kNone, absl::FromUnixSeconds(seconds),
              StatisticSet::Of(value));
  };
  StatisticSet out;
  add(kStart, 1);
  add(kStart + 60, 2);
  EXPECT_TRUE(store.MinuteCell(m, std::nullopt, kStart, &out));
  EXPECT_EQ(out.sum, 1);
  // A gap: minute 4 follows minute 1; minute 3 is empty, 2 and 1 unknown.
  add(kStart + 240, 4);
  EXPECT_TRUE(store.MinuteCell(m, std::nullopt, kStart + 240, &out));
  EXPECT_EQ(out.sum, 4);
  EXPECT_TRUE(store.MinuteCell(m, std::nullopt, kStart + 180, &out));
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(store.MinuteCell(m, std::nullopt, kStart + 120, &out));
  EXPECT_FALSE(store.MinuteCell(m, std::nullopt, kStart + 60, &out));
  // Same parity as minute 4's copy slot two minutes on: minute 6 replaces
  // it and minute 5 (no cell) reads empty, not minute 3's stale copy.
  add(kStart + 360, 6);
  EXPECT_TRUE(store.MinuteCell(m, std::nullopt, kStart + 300, &out));
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(store.MinuteCell(m, std::nullopt, kStart + 240, &out));
  // Late data into minute 5 refreshes the copies from the cells.
  add(kStart + 300 + 5, 5);
  EXPECT_TRUE(store.MinuteCell(m, std::nullopt, kStart + 300, &out));
  EXPECT_EQ(out.sum, 5);
  EXPECT_TRUE(store.MinuteCell(m, std::nullopt, kStart + 360, &out));
  EXPECT_EQ(out.sum, 6);

  // Late-data check, at the 10-second cell of the earliest write.
  const uint32_t seen = store.BeginReadEpoch();
  add(kStart + 420 + 10, 7);  // Cell kStart + 430.
  store.BeginReadEpoch();
  EXPECT_EQ(store.EarliestCellWrittenSince(m, seen), kStart + 430);
  // (The 10-second cell also turned the tail off; the walk answers.)
  EXPECT_FALSE(store.NewMinuteCell(m, std::nullopt, kStart + 420, seen, &out));
  EXPECT_FALSE(store.MinuteCell(m, std::nullopt, kStart + 360, &out));
}

// A cell whose minute number does not fit 32 bits turns the tail off (the
// walk answers), and a write before -2^31 x 10 seconds is reported as an
// unknown change (a lower bound the tail cannot hold).
// NewMinuteCell answers exactly when MinuteCell does and no cell before the
// minute was written since the reader's epoch (EarliestCellWrittenSince: no
// change, or an earliest cell at or after the minute's start), and then
// gives MinuteCell's set. Random writes (in order, late by up to 5 minutes,
// gaps) to metrics near 2026 and near 2900 (minutes within int32, 10-second
// cells past it: a write there is never known to be after the minute),
// read with the current epoch, the one before (one epoch of writes since:
// the earliest cell decides) and older ones (several: refused).
TEST(MetricStoreTailTest, NewMinuteCellIsMinuteCellWithTheEpochRule) {
  constexpr int kMetrics = 6;
  // Both multiples of 60; the second's start / 10 is past INT32_MAX.
  const int64_t bases[] = {kStart, int64_t{30000000000}};
  int answered = 0;
  int refused = 0;
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    std::mt19937 rng(seed);
    MetricStore store;
    for (int i = 0; i < kMetrics; ++i) store.Intern(IdFor(i));
    std::vector<uint32_t> epochs = {0};
    for (int minute = 0; minute < 30; ++minute) {
      for (int i = 0; i < kMetrics; ++i) {
        const int64_t base = bases[i % 2];
        const int kind = static_cast<int>(rng() % 8);
        if (kind == 0) continue;  // A gap.
        int64_t t = base + 60 * minute;
        if (kind == 1) t -= 60 * (1 + rng() % 5);  // Late data.
        if (kind == 2) t += 60;                    // The next minute's.
        store.Add(static_cast<MetricIndex>(i), Unit::kNone,
                  absl::FromUnixSeconds(t),
                  StatisticSet::Of(static_cast<double>(rng() % 100)));
      }
      epochs.push_back(store.BeginReadEpoch());
      for (int i = 0; i < kMetrics; ++i) {
        const MetricIndex m = static_cast<MetricIndex>(i);
        for (int k = 0; k < 3; ++k) {
          const int64_t start = bases[i % 2] + 60 * (minute - k);
          StatisticSet expected;
          const bool tail = store.MinuteCell(m, std::nullopt, start, &expected);
          for (size_t back = 1; back <= 3 && back <= epochs.size(); ++back) {
            // The epoch read `back - 1` rounds ago: writes since then are
            // in its successor's epochs.
            const uint32_t seen = epochs[epochs.size() - back];
            const int64_t c = store.EarliestCellWrittenSince(m, seen);
            const bool unchanged =
                c == MetricStore::kNoChange ||
                (c != MetricStore::kUnknownChange && c >= start);
            StatisticSet out;
            const bool answer =
                store.NewMinuteCell(m, std::nullopt, start, seen, &out);
            ASSERT_EQ(answer, tail && unchanged)
                << "seed " << seed << " metric " << i << " minute "
                << (minute - k) << " back " << back;
            if (answer) {
              ++answered;
              EXPECT_TRUE(SameSet(out, expected));
            } else if (tail) {
              ++refused;
            }
          }
        }
      }
    }
  }
  // Both outcomes happen (otherwise this test checks little).
  EXPECT_GT(answered, 500);
  EXPECT_GT(refused, 100);
}

TEST(MetricStoreTailTest, FarTimestampsStepAside) {
  MetricStore store;
  const MetricIndex far = store.Intern(IdFor(0));
  const int64_t far_start = (int64_t{INT32_MAX} + 10) * 60;
  const uint32_t seen = store.BeginReadEpoch();
  store.Add(far, Unit::kNone, absl::FromUnixSeconds(far_start),
            StatisticSet::Of(1));
  StatisticSet out;
  EXPECT_FALSE(store.MinuteCell(far, std::nullopt, far_start, &out));
  store.BeginReadEpoch();
  EXPECT_LE(store.EarliestCellWrittenSince(far, seen), far_start);
  EXPECT_NE(store.EarliestCellWrittenSince(far, seen), MetricStore::kNoChange);

  const MetricIndex past = store.Intern(IdFor(1));
  const int64_t past_start = (int64_t{INT32_MIN} - 10) * 60;
  const uint32_t seen2 = store.BeginReadEpoch();
  store.Add(past, Unit::kNone, absl::FromUnixSeconds(past_start),
            StatisticSet::Of(1));
  store.BeginReadEpoch();
  EXPECT_EQ(store.EarliestCellWrittenSince(past, seen2),
            MetricStore::kUnknownChange);
  EXPECT_FALSE(store.MinuteCell(past, std::nullopt, past_start, &out));
}

}  // namespace
}  // namespace cwalarm
