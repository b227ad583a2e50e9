// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// MetricStore's batch ingest (AddScrape, AddColumn) and the allocation-free
// lookup of Put/PutMetricData: random batches must leave exactly the cells
// that Add one sample at a time leaves (spec 3.2.3 raw sample -> 10 s cell,
// spec 3.7 late data merged), and bad batches are refused whole, naming the
// sample (spec 3.2.3: values in [-2^360, 2^360], no NaN/Infinity).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
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
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr int64_t kT0 = 1767225600;  // 2026-01-01T00:00:00Z.

MetricId Host(int i) {
  return {"Test/App", "Latency", {{"Host", absl::StrCat("h-", i)}}};
}

// The standard cells of every metric, as comparable plain data.
struct Cell {
  int64_t start;
  double count, sum, min, max;
  bool operator==(const Cell& o) const {
    return start == o.start && count == o.count && sum == o.sum &&
           min == o.min && max == o.max;
  }
};
std::vector<std::vector<std::pair<Unit, std::vector<Cell>>>> Cells(
    const MetricStore& store) {
  absl::StatusOr<std::vector<MetricStore::MetricState>> state =
      store.ExportState();
  EXPECT_THAT(state.status(), IsOk());
  std::vector<std::vector<std::pair<Unit, std::vector<Cell>>>> out;
  if (!state.ok()) return out;
  for (const MetricStore::MetricState& m : *state) {
    out.emplace_back();
    for (const MetricStore::UnitCellsState& u : m.units) {
      std::vector<Cell> cells;
      for (size_t i = 0; i < u.starts.size(); ++i) {
        const StatisticSet& s = u.sets[i];
        cells.push_back({u.starts[i], s.sample_count, s.sum, s.minimum,
                         s.maximum});
      }
      out.back().emplace_back(u.unit, std::move(cells));
    }
  }
  return out;
}

// Two stores with the same metrics interned in the same order.
// The minute [start, start + 60) of `m` as AggregateBucketsAt gives it.
void AggregateMinute(const MetricStore& store, MetricIndex m,
                     std::optional<Unit> unit, int64_t start,
                     StatisticSet* out) {
  store.AggregateBucketsAt(m, unit, start, 60, absl::MakeSpan(out, 1));
}

void InternBoth(MetricStore& a, MetricStore& b, int metrics) {
  for (int i = 0; i < metrics; ++i) {
    ASSERT_EQ(a.Intern(Host(i)), static_cast<MetricIndex>(i));
    ASSERT_EQ(b.Intern(Host(i)), static_cast<MetricIndex>(i));
  }
}

// spec 3.2.3 (raw sample -> its 10 s cell) and 3.7 (late data merged):
// random scrapes, with timestamps mostly advancing but sometimes late or
// repeated, sometimes a second unit, give the cells of Add one at a time.
TEST(MetricStoreBatchTest, RandomScrapesEqualAddOneAtATime) {
  for (int seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    MetricStore batch, single;
    const int metrics = 1 + static_cast<int>(rng() % 40);
    InternBoth(batch, single, metrics);
    int64_t t = kT0 + static_cast<int64_t>(rng() % 100) - 50;
    for (int round = 0; round < 60; ++round) {
      switch (rng() % 6) {
        case 0: t -= static_cast<int64_t>(rng() % 300); break;  // Late.
        case 1: break;                                         // Same instant.
        default: t += static_cast<int64_t>(rng() % 25); break;
      }
      const Unit unit = rng() % 5 == 0 ? Unit::kCount : Unit::kMilliseconds;
      std::vector<MetricIndex> ids;
      std::vector<double> values;
      const size_t n = rng() % 50;
      for (size_t k = 0; k < n; ++k) {
        ids.push_back(static_cast<MetricIndex>(rng() % metrics));  // Repeats.
        values.push_back(std::ldexp(static_cast<double>(rng() % 2001) - 1000,
                                    static_cast<int>(rng() % 40) - 20));
      }
      ASSERT_THAT(batch.AddScrape(unit, t, ids, values), IsOk());
      for (size_t k = 0; k < n; ++k) {
        single.Add(ids[k], unit, absl::FromUnixSeconds(t),
                   StatisticSet::Of(values[k]));
      }
      if (round % 20 == 19) {  // Retention between rounds keeps both equal.
        batch.DropBefore(absl::FromUnixSeconds(t - 120));
        single.DropBefore(absl::FromUnixSeconds(t - 120));
      }
    }
    ASSERT_EQ(Cells(batch), Cells(single)) << "seed " << seed;
  }
}

// spec 3.2.3 and 3.7 through AddScrape's software pipeline: batches longer
// than its depth (it stores sample k while prefetching k + 8 .. k + 24), of
// metrics in shuffled order with duplicates, minute-aligned and unaligned
// timestamps, late data, a second unit, raw samples on some metrics, and
// refused batches (an unknown metric) in between, give exactly what Add one
// at a time gives: the cells, the minute tail (MinuteCell, spec 1.5 data at
// minute granularity) and the change tracking (EarliestCellWrittenSince).
TEST(MetricStoreBatchTest, LongScrapesEqualAddOneAtATimeCellsTailAndChanges) {
  for (int seed = 1; seed <= 12; ++seed) {
    std::mt19937_64 rng(seed);
    MetricStore batch, single;
    const int metrics = 1 + static_cast<int>(rng() % 300);
    InternBoth(batch, single, metrics);
    for (int i = 0; i < metrics; i += 7) {
      batch.EnableSamples(static_cast<MetricIndex>(i));
      single.EnableSamples(static_cast<MetricIndex>(i));
    }
    int64_t t = kT0;
    uint32_t seen_batch = batch.BeginReadEpoch();
    uint32_t seen_single = single.BeginReadEpoch();
    for (int round = 0; round < 40; ++round) {
      switch (rng() % 8) {
        case 0: t -= 60 * static_cast<int64_t>(rng() % 5); break;  // Late.
        case 1: break;                                           // Repeat.
        case 2: t += static_cast<int64_t>(rng() % 59); break;  // Unaligned.
        default: t = (t / 60 + 1) * 60; break;                  // Next minute.
      }
      const Unit unit = rng() % 9 == 0 ? Unit::kCount : Unit::kMilliseconds;
      const size_t n = rng() % 400;
      std::vector<MetricIndex> ids;
      std::vector<double> values;
      for (size_t k = 0; k < n; ++k) {
        ids.push_back(static_cast<MetricIndex>(rng() % metrics));
        values.push_back(static_cast<double>(rng() % 2001) - 1000);
      }
      if (n > 0 && rng() % 10 == 0) {  // Refused whole: nothing stored.
        std::vector<MetricIndex> bad = ids;
        bad[rng() % n] = static_cast<MetricIndex>(metrics);
        ASSERT_THAT(batch.AddScrape(unit, t, bad, values),
                    StatusIs(absl::StatusCode::kInvalidArgument,
                             HasSubstr("is not an interned metric")));
      }
      ASSERT_THAT(batch.AddScrape(unit, t, ids, values), IsOk());
      for (size_t k = 0; k < n; ++k) {
        const MetricIndex m = ids[k];
        if (single.samples_enabled(m)) {
          MetricDatum d;
          d.metric = Host(static_cast<int>(m));
          d.timestamp = absl::FromUnixSeconds(t);
          d.unit = unit;
          d.value = values[k];
          d.storage_resolution = 1;  // Put keeps the 10 s cell, as Add.
          ASSERT_THAT(single.Put(d, "single"), IsOk());
        } else {
          single.Add(m, unit, absl::FromUnixSeconds(t),
                     StatisticSet::Of(values[k]));
        }
      }
      for (int i = 0; i < metrics; ++i) {
        const auto m = static_cast<MetricIndex>(i);
        ASSERT_EQ(batch.EarliestCellWrittenSince(m, seen_batch),
                  single.EarliestCellWrittenSince(m, seen_single))
            << "seed " << seed << " round " << round << " metric " << i;
        for (int64_t back = 0; back < 3; ++back) {
          const int64_t minute = (t / 60 - back) * 60;
          for (const std::optional<Unit> u :
               {std::optional<Unit>(), std::optional<Unit>(unit)}) {
            StatisticSet a, b;
            const bool known_a = batch.MinuteCell(m, u, minute, &a);
            const bool known_b = single.MinuteCell(m, u, minute, &b);
            ASSERT_EQ(known_a, known_b) << "seed " << seed << " metric " << i;
            if (!known_a) continue;
            EXPECT_EQ(a.sample_count, b.sample_count);
            EXPECT_EQ(a.sum, b.sum);
            EXPECT_EQ(a.minimum, b.minimum);
            EXPECT_EQ(a.maximum, b.maximum);
          }
        }
      }
      if (round % 5 == 4) {
        seen_batch = batch.BeginReadEpoch();
        seen_single = single.BeginReadEpoch();
      }
    }
    ASSERT_EQ(Cells(batch), Cells(single)) << "seed " << seed;
    for (int i = 0; i < metrics; i += 7) {
      std::vector<SampleDistribution> a(1), b(1);
      const auto m = static_cast<MetricIndex>(i);
      batch.AggregateSampleBuckets(m, std::nullopt,
                                   absl::FromUnixSeconds(kT0 - 3600),
                                   absl::Hours(3), absl::MakeSpan(a));
      single.AggregateSampleBuckets(m, std::nullopt,
                                    absl::FromUnixSeconds(kT0 - 3600),
                                    absl::Hours(3), absl::MakeSpan(b));
      EXPECT_EQ(a[0].total_weight(), b[0].total_weight()) << "seed " << seed;
      EXPECT_EQ(a[0].minimum(), b[0].minimum()) << "seed " << seed;
      EXPECT_EQ(a[0].maximum(), b[0].maximum()) << "seed " << seed;
    }
  }
}

// Every standard cell of every metric, byte for byte (bit patterns of the
// doubles, so -0.0 and 0.0 differ), as one string.
std::string CellBytes(const MetricStore& store) {
  absl::StatusOr<std::vector<MetricStore::MetricState>> state =
      store.ExportState();
  EXPECT_THAT(state.status(), IsOk());
  std::string out;
  if (!state.ok()) return out;
  for (const MetricStore::MetricState& m : *state) {
    out.append(absl::StrCat("|", m.units.size()));
    for (const MetricStore::UnitCellsState& u : m.units) {
      out.append(absl::StrCat(":", static_cast<int>(u.unit), ":",
                              u.starts.size(), ":"));
      out.append(reinterpret_cast<const char*>(u.starts.data()),
                 u.starts.size() * sizeof(int64_t));
      out.append(reinterpret_cast<const char*>(u.sets.data()),
                 u.sets.size() * sizeof(StatisticSet));
    }
  }
  return out;
}

bool SameBits(const StatisticSet& a, const StatisticSet& b) {
  return std::memcmp(&a, &b, sizeof(StatisticSet)) == 0;
}

// spec 3.2.3 (raw sample -> its 10 s cell), 3.7 (late data merged) and 1.5
// (minute data) through AddScrape's prefetching pipeline, which runs for
// stores of 4096 metrics or more: long batches (past the pipeline's fill and
// drain) of metrics in runs, shuffled, or with duplicates, give bit for bit
// what Add one sample at a time gives (change tracking and raw samples
// too), and the cells and minute tail of the general write path (AddColumn,
// one sample a call, which takes no fast path). The edge cases: the minute
// after the newest cell, the newest cell again, late minutes, gaps of minutes,
// unaligned (10-second) cells, a second unit, retention that drops every cell
// of a metric (its next write starts from no cell), the fast path's minute
// range ends (INT32_MIN / 6 + 1 and INT32_MAX / 6 - 1 minutes), values at
// +-2^360, subnormal and signed zeros, and batches refused for NaN,
// +-Infinity or a value past 2^360 (the first bad value's position and value
// named, nothing stored).
TEST(MetricStoreBatchTest, PrefetchedScrapesEqualAddOneAtATimeBitForBit) {
  constexpr int kMetrics = 4160;  // Past AddScrape's prefetch threshold.
  const int64_t kLowMinute = INT32_MIN / 6 + 1;
  const int64_t kHighMinute = INT32_MAX / 6 - 1;
  const int64_t bases[] = {kT0, 60 * (kHighMinute - 12), 60 * (kLowMinute - 3)};
  const double kEdgeValues[] = {0x1p360,
                                -0x1p360,
                                0.0,
                                -0.0,
                                std::numeric_limits<double>::denorm_min(),
                                -std::numeric_limits<double>::min(),
                                1e-300,
                                -7.25};
  for (int seed = 1; seed <= 3; ++seed) {
    std::mt19937_64 rng(seed);
    MetricStore batch, single, general;
    InternBoth(batch, single, kMetrics);
    for (int i = 0; i < kMetrics; ++i) general.Intern(Host(i));
    for (MetricStore* s : {&batch, &single, &general}) {
      for (int i = 0; i < kMetrics; i += 97) {
        s->EnableSamples(static_cast<MetricIndex>(i));
      }
      for (int i = 5; i < kMetrics; i += 89) {
        s->EnableRunningTotals(static_cast<MetricIndex>(i));
      }
    }
    const int64_t base = bases[seed - 1];
    int64_t t = base;
    uint32_t seen_batch = batch.BeginReadEpoch();
    uint32_t seen_single = single.BeginReadEpoch();
    for (int round = 0; round < 20; ++round) {
      switch (rng() % 10) {
        case 0:  // Late minutes.
          t -= 60 * (1 + static_cast<int64_t>(rng() % 3));
          break;
        case 1:  // The same instant again.
          break;
        case 2:  // A gap of minutes.
          t += 60 * (2 + static_cast<int64_t>(rng() % 3));
          break;
        case 3:  // A later 10-second cell of the minute.
          t += 10 + static_cast<int64_t>(rng() % 50);
          break;
        default:  // The next minute, 0-9 s in (the first 10 s cell).
          t = (t / 60 + 1) * 60 + static_cast<int64_t>(rng() % 10);
          break;
      }
      const Unit unit = rng() % 12 == 0 ? Unit::kCount : Unit::kMilliseconds;
      const size_t n = rng() % 1500;
      std::vector<MetricIndex> ids(n);
      const uint64_t order = rng() % 3;
      const size_t first = rng() % kMetrics;
      for (size_t k = 0; k < n; ++k) {
        ids[k] = static_cast<MetricIndex>(
            order == 0 ? (first + k) % kMetrics  // A target's run.
                       : rng() % kMetrics);      // Shuffled, duplicates.
      }
      if (order == 2) std::shuffle(ids.begin(), ids.end(), rng);
      std::vector<double> values(n);
      for (size_t k = 0; k < n; ++k) {
        values[k] = rng() % 16 == 0
                        ? kEdgeValues[rng() % 8]
                        : std::ldexp(static_cast<double>(rng() % 2001) - 1000,
                                     static_cast<int>(rng() % 60) - 30);
      }
      if (n > 0 && rng() % 4 == 0) {  // Refused whole: nothing is stored.
        std::vector<double> bad = values;
        const size_t at = rng() % n;
        const double kBad[] = {std::numeric_limits<double>::quiet_NaN(),
                               std::numeric_limits<double>::infinity(),
                               -std::numeric_limits<double>::infinity(),
                               std::nextafter(0x1p360, 1e300)};
        const uint64_t which = rng() % 4;
        bad[at] = kBad[which];
        if (at + 1 < n) bad[n - 1] = kBad[(which + 1) % 4];  // Not named.
        const std::string shown[] = {"NaN", "Infinity", "-Infinity", "e+108"};
        ASSERT_THAT(
            batch.AddScrape(unit, t, ids, bad),
            StatusIs(absl::StatusCode::kInvalidArgument,
                     AllOf(HasSubstr(absl::StrCat("values[", at, "] (")),
                           HasSubstr(shown[which]),
                           HasSubstr(absl::StrCat("(index ", ids[at], ")")),
                           HasSubstr("nothing was stored"))))
            << "seed " << seed << " round " << round;
      }
      ASSERT_THAT(batch.AddScrape(unit, t, ids, values), IsOk());
      for (size_t k = 0; k < n; ++k) {
        const MetricIndex m = ids[k];
        const int64_t times[] = {t};
        const double one[] = {values[k]};
        ASSERT_THAT(general.AddColumn(m, unit, times, one), IsOk());
        if (single.samples_enabled(m)) {  // Add keeps no raw samples.
          ASSERT_THAT(single.AddScrape(unit, t, {m}, one), IsOk());
        } else {
          single.Add(m, unit, absl::FromUnixSeconds(t),
                     StatisticSet::Of(values[k]));
        }
      }
      // The batch's ends and some metrics anywhere.
      std::vector<MetricIndex> check;
      for (size_t k = 0; k < n && k < 8; ++k) {
        check.push_back(ids[k]);
        check.push_back(ids[n - 1 - k]);
      }
      for (int k = 0; k < 48; ++k) {
        check.push_back(static_cast<MetricIndex>(rng() % kMetrics));
      }
      for (const MetricIndex m : check) {
        ASSERT_EQ(batch.EarliestCellWrittenSince(m, seen_batch),
                  single.EarliestCellWrittenSince(m, seen_single))
            << "seed " << seed << " round " << round << " metric " << m;
        for (int64_t back = -1; back < 3; ++back) {
          int64_t minute = t / 60 - back;
          if (t % 60 < 0) --minute;
          for (const std::optional<Unit> u :
               {std::optional<Unit>(), std::optional<Unit>(Unit::kCount),
                std::optional<Unit>(Unit::kMilliseconds)}) {
            StatisticSet a, b;
            const bool known = batch.MinuteCell(m, u, minute * 60, &a);
            ASSERT_EQ(known, single.MinuteCell(m, u, minute * 60, &b))
                << "seed " << seed << " round " << round << " metric " << m;
            if (known) {
              ASSERT_TRUE(SameBits(a, b))
                  << "seed " << seed << " round " << round << " metric " << m;
            }
            StatisticSet c;
            ASSERT_EQ(known, general.MinuteCell(m, u, minute * 60, &c))
                << "seed " << seed << " round " << round << " metric " << m;
            if (known) {
              ASSERT_TRUE(SameBits(a, c))
                  << "seed " << seed << " round " << round << " metric " << m;
            }
          }
        }
      }
      if (round % 3 == 2) {
        seen_batch = batch.BeginReadEpoch();
        seen_single = single.BeginReadEpoch();
      }
      if (round % 6 == 5) {
        // Retention up to a minute or two before the newest data: metrics
        // not written since lose every cell.
        const absl::Time horizon = absl::FromUnixSeconds(
            (t / 60 - static_cast<int64_t>(rng() % 3)) * 60);
        batch.DropBefore(horizon);
        single.DropBefore(horizon);
        general.DropBefore(horizon);
      }
    }
    const std::string cells = CellBytes(batch);
    ASSERT_TRUE(cells == CellBytes(single)) << "seed " << seed;
    ASSERT_TRUE(cells == CellBytes(general)) << "seed " << seed;
    for (int i = 0; i < kMetrics; i += 97) {
      const auto m = static_cast<MetricIndex>(i);
      std::vector<SampleDistribution> a(1), b(1);
      const absl::Time from = absl::FromUnixSeconds(base - 86400);
      batch.AggregateSampleBuckets(m, std::nullopt, from, absl::Hours(72),
                                   absl::MakeSpan(a));
      single.AggregateSampleBuckets(m, std::nullopt, from, absl::Hours(72),
                                    absl::MakeSpan(b));
      EXPECT_EQ(a[0].total_weight(), b[0].total_weight()) << "seed " << seed;
      EXPECT_EQ(a[0].minimum(), b[0].minimum()) << "seed " << seed;
      EXPECT_EQ(a[0].maximum(), b[0].maximum()) << "seed " << seed;
    }
  }
}

// spec 3.2.3 and 3.7 for one metric's run of timestamps (AddColumn): in
// order, out of order, several samples per cell, negative Unix seconds.
TEST(MetricStoreBatchTest, RandomColumnsEqualAddOneAtATime) {
  for (int seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    MetricStore batch, single;
    const int metrics = 1 + static_cast<int>(rng() % 5);
    InternBoth(batch, single, metrics);
    int64_t t = seed % 4 == 0 ? -1000 : kT0;
    for (int round = 0; round < 40; ++round) {
      const auto m = static_cast<MetricIndex>(rng() % metrics);
      const Unit unit = rng() % 4 == 0 ? Unit::kBytes : Unit::kNone;
      std::vector<int64_t> times;
      std::vector<double> values;
      const size_t n = rng() % 64;
      for (size_t k = 0; k < n; ++k) {
        t += static_cast<int64_t>(rng() % 13) - (rng() % 8 == 0 ? 40 : 0);
        times.push_back(t);
        values.push_back(static_cast<double>(rng() % 1000) / 7.0 - 50);
      }
      ASSERT_THAT(batch.AddColumn(m, unit, times, values), IsOk());
      for (size_t k = 0; k < n; ++k) {
        single.Add(m, unit, absl::FromUnixSeconds(times[k]),
                   StatisticSet::Of(values[k]));
      }
    }
    ASSERT_EQ(Cells(batch), Cells(single)) << "seed " << seed;
  }
}

// spec 3.2.3 (raw sample -> its 10 s cell) and 3.7 (late data merged), for
// Add's fast path (a minute-aligned metric of one unit getting a sample
// for its newest cell or the minute after it): random writes shaped to take
// it often (the next minute at offsets 0-9 s, the same cell again) and to
// leave it (late data, an unaligned cell, a second unit, a gap of minutes,
// running totals, retention, minutes at the edges of the fast path's range
// near years 1289 and 2650) give exactly what the general path gives
// (AddColumn, one sample per call, goes through AddToCell): the cells, the
// minute tail (MinuteCell) and the change tracking (EarliestCellWrittenSince).
TEST(MetricStoreBatchTest, AddFastPathMatchesGeneralPath) {
  // The fast path's edge minutes: INT32_MIN / 6 + 1 and INT32_MAX / 6 - 1.
  const int64_t kLowMinute = INT32_MIN / 6 + 1;
  const int64_t kHighMinute = INT32_MAX / 6 - 1;
  const int64_t bases[] = {kT0, -3000, 60 * (kLowMinute - 3),
                           60 * (kHighMinute - 20)};
  for (int seed = 1; seed <= 40; ++seed) {
    std::mt19937_64 rng(seed);
    MetricStore fast, general;
    const int metrics = 1 + static_cast<int>(rng() % 12);
    InternBoth(fast, general, metrics);
    if (seed % 3 == 0) {
      fast.EnableRunningTotals(0);
      general.EnableRunningTotals(0);
    }
    const int64_t base = bases[seed % 4];
    std::vector<int64_t> minute(static_cast<size_t>(metrics), 0);
    uint32_t seen_fast = fast.BeginReadEpoch();
    uint32_t seen_general = general.BeginReadEpoch();
    bool restored_any = false;
    for (int round = 0; round < 400; ++round) {
      const bool restored = restored_any;
      const auto m = static_cast<MetricIndex>(rng() % metrics);
      int64_t& mm = minute[m];
      int64_t t;
      switch (rng() % 12) {
        case 0:  // Late: a few minutes back, aligned or not.
          t = base + 60 * (mm - static_cast<int64_t>(rng() % 4)) +
              static_cast<int64_t>(rng() % 3) * 10 * (rng() % 2);
          break;
        case 1:  // An unaligned cell (high resolution): the mirror goes off.
          if (rng() % 4 == 0) {
            t = base + 60 * mm + 10 + static_cast<int64_t>(rng() % 50);
            break;
          }
          [[fallthrough]];
        case 2:  // A gap of minutes.
          mm += 2 + static_cast<int64_t>(rng() % 3);
          t = base + 60 * mm + static_cast<int64_t>(rng() % 10);
          break;
        case 3:
        case 4:  // The same cell again (duplicates).
          t = base + 60 * mm + static_cast<int64_t>(rng() % 10);
          break;
        default:  // The next minute, 0-9 s in.
          ++mm;
          t = base + 60 * mm + static_cast<int64_t>(rng() % 10);
          break;
      }
      const Unit unit = rng() % 40 == 0 ? Unit::kCount : Unit::kPercent;
      const double v = std::ldexp(static_cast<double>(rng() % 2001) - 1000,
                                  static_cast<int>(rng() % 20) - 10);
      fast.Add(m, unit, absl::FromUnixSeconds(t), StatisticSet::Of(v));
      const int64_t times[] = {t};
      const double values[] = {v};
      ASSERT_THAT(general.AddColumn(m, unit, times, values), IsOk());
      for (int i = 0; i < metrics; ++i) {
        const auto k = static_cast<MetricIndex>(i);
        ASSERT_EQ(fast.EarliestCellWrittenSince(k, seen_fast),
                  general.EarliestCellWrittenSince(k, seen_general))
            << "seed " << seed << " round " << round << " metric " << i;
        for (int64_t back = -1; back < 3; ++back) {
          const int64_t start = base + 60 * (minute[k] - back);
          for (const std::optional<Unit> u :
               {std::optional<Unit>(), std::optional<Unit>(Unit::kPercent),
                std::optional<Unit>(Unit::kCount)}) {
            StatisticSet a, b;
            const bool known_a = fast.MinuteCell(k, u, start, &a);
            const bool known_b = general.MinuteCell(k, u, start, &b);
            // A restored store derives its tail from the cells it has: it
            // may know minutes that the live one stopped mirroring (an
            // unaligned cell since dropped), never the other way round.
            if (restored) {
              ASSERT_TRUE(known_a || !known_b)
                  << "seed " << seed << " round " << round << " metric " << i;
            } else {
              ASSERT_EQ(known_a, known_b)
                  << "seed " << seed << " round " << round << " metric " << i;
            }
            if (!known_a) continue;
            if (!known_b) {
              AggregateMinute(general, k, u, start, &b);
            }
            ASSERT_TRUE(a.sample_count == b.sample_count && a.sum == b.sum &&
                        a.minimum == b.minimum && a.maximum == b.maximum)
                << "seed " << seed << " round " << round << " metric " << i;
          }
        }
      }
      if (rng() % 3 == 0) {
        seen_fast = fast.BeginReadEpoch();
        seen_general = general.BeginReadEpoch();
        StatisticSet a[4], b[4];
        const int64_t first = base + 60 * (minute[0] - 3);
        ASSERT_EQ(fast.AggregateCountSumAt(0, std::nullopt, first, 60, a),
                  general.AggregateCountSumAt(0, std::nullopt, first, 60, b));
      }
      if (round % 50 == 49) {  // Retention keeps both equal.
        const absl::Time horizon =
            absl::FromUnixSeconds(base + 60 * (mm - 5));
        fast.DropBefore(horizon);
        general.DropBefore(horizon);
      }
      if (round % 97 == 96) {
        // A snapshot restore (ImportState) rebuilds the tail the fast path
        // trusts; writes after it still match the general path. Running
        // totals are an alarm's, not the snapshot's: enabled again.
        absl::StatusOr<std::vector<MetricStore::MetricState>> state =
            fast.ExportState();
        ASSERT_THAT(state.status(), IsOk());
        MetricStore restored;
        ASSERT_THAT(restored.ImportState(*std::move(state)), IsOk());
        if (seed % 3 == 0) restored.EnableRunningTotals(0);
        fast = std::move(restored);
        restored_any = true;
        seen_fast = fast.BeginReadEpoch();
        seen_general = general.BeginReadEpoch();
      }
    }
    ASSERT_EQ(Cells(fast), Cells(general)) << "seed " << seed;
  }
}

// spec 1.5 (one-minute data) and 3.7 (late data merged): the minute fast
// paths (Add's inline append of the minute after the newest cell, and
// AddScrape's per-batch minute) against the general write path (AddColumn,
// one sample a call through AddToCell). Histories of mostly next-minute
// samples, so that the cell vectors fill up again and again, give bit for
// bit the same cells, the same minute tail (MinuteCell), the same change
// tracking (EarliestCellWrittenSince) and the same read epochs. The edge
// cases: fractions of a second (Add's timestamps), the vectors at capacity (every power of two of cells, and again
// after retention), a gap of one minute, a gap of several, a late sample,
// the newest minute again, its last second of the first cell (9 s) and its
// second cell (10 s, which ends the mirror), a second unit, and DropBefore
// of nothing, of everything, of everything but the newest cell and of
// exactly the newest cell too (all gone).
TEST(MetricStoreBatchTest, MinuteAppendsMatchTheGeneralPath) {
  constexpr int kMetrics = 6;
  for (int seed = 1; seed <= 4; ++seed) {
    std::mt19937_64 rng(seed);
    MetricStore add, scrape, general;
    for (int i = 0; i < kMetrics; ++i) {
      ASSERT_EQ(add.Intern(Host(i)), static_cast<MetricIndex>(i));
      ASSERT_EQ(scrape.Intern(Host(i)), static_cast<MetricIndex>(i));
      ASSERT_EQ(general.Intern(Host(i)), static_cast<MetricIndex>(i));
    }
    std::vector<int64_t> minute(kMetrics, 0);  // Newest minute, from kT0.
    uint32_t seen = general.BeginReadEpoch();
    ASSERT_EQ(add.BeginReadEpoch(), seen);
    ASSERT_EQ(scrape.BeginReadEpoch(), seen);
    for (int round = 0; round < 700; ++round) {
      const auto m = static_cast<MetricIndex>(rng() % kMetrics);
      int64_t& mm = minute[m];
      int64_t second = static_cast<int64_t>(rng() % 10);  // First cell.
      Unit unit = Unit::kPercent;
      const uint64_t pick = rng() % 40;
      if (pick == 0) {
        mm += 2;  // A gap of one minute.
      } else if (pick == 1) {
        mm += 2 + static_cast<int64_t>(rng() % 5);  // A gap of minutes.
      } else if (pick == 2) {
        mm -= 1 + static_cast<int64_t>(rng() % 3);  // Late (mm goes back).
      } else if (pick == 3) {
        // The newest minute again, at the last second of its first cell.
        second = 9;
      } else if (pick == 4 && seed % 2 == 0) {
        second = 10;  // The minute's second cell: the mirror goes off.
      } else if (pick == 5 && seed % 2 == 0) {
        unit = Unit::kCount;  // A second unit: the mirror goes off.
      } else {
        ++mm;  // The next minute.
      }
      const int64_t t = kT0 + 60 * mm + second;
      const double v = std::ldexp(static_cast<double>(rng() % 2001) - 1000,
                                  static_cast<int>(rng() % 8) - 4);
      // Add gets the time with a fraction of a second, which its inline
      // append compares as absl::Time: the cell is the floor's.
      add.Add(m, unit,
              absl::FromUnixSeconds(t) +
                  absl::Milliseconds(static_cast<int64_t>(rng() % 1000)),
              StatisticSet::Of(v));
      const MetricIndex ids[] = {m};
      const double values[] = {v};
      const int64_t times[] = {t};
      ASSERT_THAT(scrape.AddScrape(unit, t, ids, values), IsOk());
      ASSERT_THAT(general.AddColumn(m, unit, times, values), IsOk());
      if (pick == 2) mm += 1 + static_cast<int64_t>(rng() % 3);  // Back.
      for (int i = 0; i < kMetrics; ++i) {
        const auto k = static_cast<MetricIndex>(i);
        const int64_t changed = general.EarliestCellWrittenSince(k, seen);
        ASSERT_EQ(add.EarliestCellWrittenSince(k, seen), changed)
            << "seed " << seed << " round " << round << " metric " << i;
        ASSERT_EQ(scrape.EarliestCellWrittenSince(k, seen), changed)
            << "seed " << seed << " round " << round << " metric " << i;
      }
      for (int64_t back = -1; back < 3; ++back) {
        const int64_t start = kT0 + 60 * (mm - back);
        StatisticSet a, b, c;
        const bool known = general.MinuteCell(m, unit, start, &c);
        ASSERT_EQ(add.MinuteCell(m, unit, start, &a), known)
            << "seed " << seed << " round " << round;
        ASSERT_EQ(scrape.MinuteCell(m, unit, start, &b), known)
            << "seed " << seed << " round " << round;
        if (known) {
          ASSERT_TRUE(SameBits(a, c) && SameBits(b, c))
              << "seed " << seed << " round " << round;
        }
      }
      if (rng() % 4 == 0) {
        seen = general.BeginReadEpoch();
        ASSERT_EQ(add.BeginReadEpoch(), seen) << "round " << round;
        ASSERT_EQ(scrape.BeginReadEpoch(), seen) << "round " << round;
      }
      if (round % 60 == 59) {
        // Retention: nothing, everything, all but the newest cell of the
        // newest metric (its cell ends 10 s after its start), or exactly up
        // to the end of that newest cell (all of it), in turn.
        const int64_t newest =
            kT0 + 60 * *std::max_element(minute.begin(), minute.end());
        const int64_t horizons[] = {kT0 - 3600, newest + 3600, newest,
                                    newest + kStorageCellSeconds};
        const absl::Time h =
            absl::FromUnixSeconds(horizons[(round / 60) % 4]);
        add.DropBefore(h);
        scrape.DropBefore(h);
        general.DropBefore(h);
      }
      if (round % 50 == 49) {
        const std::string cells = CellBytes(general);
        ASSERT_EQ(CellBytes(add), cells) << "seed " << seed << " round " << round;
        ASSERT_EQ(CellBytes(scrape), cells)
            << "seed " << seed << " round " << round;
      }
    }
    const std::string cells = CellBytes(general);
    EXPECT_EQ(CellBytes(add), cells) << "seed " << seed;
    EXPECT_EQ(CellBytes(scrape), cells) << "seed " << seed;
  }
}

// Retention (DropBefore drops every cell that ends at or before the
// horizon) against a filter of the exported cells: DropBefore guesses how
// many cells to drop from the minutes between the oldest cell and the
// horizon, steps back over a few missing minutes and otherwise searches, so
// the histories mix runs of whole minutes, missing minutes (one, a few,
// many), 10-second cells and a second unit, and the horizons fall before
// every cell, inside the runs, on cell starts and ends, and after every
// cell.
TEST(MetricStoreBatchTest, DropBeforeKeepsExactlyTheCellsEndingAfterIt) {
  for (int seed = 1; seed <= 3; ++seed) {
    std::mt19937_64 rng(seed);
    MetricStore store;
    constexpr int kMetrics = 8;
    for (int i = 0; i < kMetrics; ++i) {
      ASSERT_EQ(store.Intern(Host(i)), static_cast<MetricIndex>(i));
    }
    int64_t newest = kT0;
    for (int round = 0; round < 40; ++round) {
      for (int i = 0; i < kMetrics; ++i) {
        const auto m = static_cast<MetricIndex>(i);
        int64_t t = newest - 600;
        const int cells = static_cast<int>(rng() % 30);
        for (int c = 0; c < cells; ++c) {
          const uint64_t step = rng() % 16;
          if (step == 0) {
            t += 60 * (2 + static_cast<int64_t>(rng() % 4));  // Gap.
          } else if (step == 1 && i % 2 == 0) {
            t += 10;  // A 10-second cell.
          } else if (step == 2) {
            t += 60 * 20;  // A long gap.
          } else {
            t = (t / 60 + 1) * 60;  // The next minute.
          }
          const Unit unit =
              (i == 3 && rng() % 5 == 0) ? Unit::kCount : Unit::kPercent;
          store.Add(m, unit, absl::FromUnixSeconds(t), StatisticSet::Of(1));
        }
        newest = std::max(newest, t);
      }
      const auto before = Cells(store);
      int64_t horizon;
      switch (rng() % 4) {
        case 0: horizon = kT0 - 7200; break;  // Before every cell.
        case 1: horizon = newest + 3600; break;  // After every cell.
        case 2: horizon = newest - 60 * static_cast<int64_t>(rng() % 40); break;
        default:
          horizon = newest - 60 * static_cast<int64_t>(rng() % 40) + 10;
          break;
      }
      horizon += static_cast<int64_t>(rng() % 3) - 1;  // Around the ends.
      store.DropBefore(absl::FromUnixSeconds(horizon));
      auto want = before;
      for (auto& metric : want) {
        for (auto& unit_cells : metric) {
          std::vector<Cell>& c = unit_cells.second;
          c.erase(std::remove_if(c.begin(), c.end(),
                                 [&](const Cell& cell) {
                                   return cell.start + kStorageCellSeconds <=
                                          horizon;
                                 }),
                  c.end());
        }
      }
      ASSERT_EQ(Cells(store), want)
          << "seed " << seed << " round " << round << " horizon " << horizon;
    }
  }
}

// The general write path (AddToCell, one sample per call) as a reference:
// AddColumn never takes the newest-minute fast path that Add, Put,
// PutMetricData and AddScrape share. Random PutMetricData requests (known
// and unknown metrics, a bad datum mid-request, a second unit, high
// resolution, late data, a metric with raw samples) and scrapes, with
// retention in between, give exactly the cells, raw samples, minute tail and
// change tracking of feeding the same samples through AddColumn, and
// PutMetricData rejects exactly the datums ValidateMetricDatum rejects, with
// their position and message.
TEST(MetricStoreBatchTest, FastPathsMatchTheGeneralPath) {
  for (int seed = 1; seed <= 16; ++seed) {
    std::mt19937_64 rng(seed);
    MetricStore fast, general;
    InternBoth(fast, general, 15);  // Metrics 15-29 arrive with data.
    fast.EnableSamples(3);
    general.EnableSamples(3);
    uint32_t seen_fast = fast.BeginReadEpoch();
    uint32_t seen_general = general.BeginReadEpoch();
    const int64_t base = kT0 - kT0 % 60;
    for (int round = 0; round < 60; ++round) {
      const int64_t now = base + 60 * round;
      const Unit unit = rng() % 30 == 0 ? Unit::kCount : Unit::kPercent;
      if (rng() % 3 != 0) {
        std::vector<MetricDatum> request(1 + rng() % 300);
        for (MetricDatum& d : request) {
          d.metric = Host(static_cast<int>(rng() % 30));
          int64_t t = now + static_cast<int64_t>(rng() % 60);
          if (rng() % 8 == 0) t -= 60 * static_cast<int64_t>(rng() % 4);
          d.timestamp = absl::FromUnixSeconds(t);
          d.unit = rng() % 40 == 0 ? Unit::kCount : unit;
          d.value = std::ldexp(static_cast<double>(rng() % 2001) - 1000,
                               static_cast<int>(rng() % 20) - 10);
          if (rng() % 25 == 0) d.storage_resolution = 1;
          switch (rng() % 50) {
            case 0: d.value = std::nan(""); break;
            case 1: d.timestamp = absl::FromUnixSeconds(now + 3 * 3600); break;
            case 2: d.metric.metric_namespace = ":bad"; break;
            default: break;
          }
        }
        const absl::Time clock = absl::FromUnixSeconds(now + 30);
        const PutMetricDataResult r = fast.PutMetricData(request, clock);
        std::vector<PutMetricDataResult::Rejection> rejected;
        int accepted = 0;
        for (size_t i = 0; i < request.size(); ++i) {
          const MetricDatum& d = request[i];
          absl::Status status = ValidateMetricDatum(
              d, absl::StrCat("MetricData.member.", i + 1), clock);
          if (!status.ok()) {
            rejected.push_back({i, std::move(status)});
            continue;
          }
          ++accepted;
          const MetricIndex m = general.Intern(d.metric);
          const int64_t seconds = absl::ToUnixSeconds(d.timestamp);
          const int64_t g = d.storage_resolution == 1 ? 10 : 60;
          const int64_t times[] = {seconds - ((seconds % g) + g) % g};
          const double values[] = {*d.value};
          ASSERT_THAT(general.AddColumn(m, d.unit, times, values), IsOk());
        }
        ASSERT_EQ(r.accepted, accepted) << "seed " << seed << " round " << round;
        ASSERT_EQ(r.rejected.size(), rejected.size());
        for (size_t k = 0; k < rejected.size(); ++k) {
          ASSERT_EQ(r.rejected[k].index, rejected[k].index);
          ASSERT_EQ(r.rejected[k].status, rejected[k].status);
        }
      } else {
        const int64_t t = now + static_cast<int64_t>(rng() % 20);
        const auto count = static_cast<MetricIndex>(fast.metric_count());
        std::vector<MetricIndex> ids;
        std::vector<double> values;
        for (size_t k = rng() % 80; k > 0; --k) {
          ids.push_back(static_cast<MetricIndex>(rng() % count));
          values.push_back(static_cast<double>(rng() % 1000) / 8);
        }
        ASSERT_THAT(fast.AddScrape(unit, t, ids, values), IsOk());
        for (size_t k = 0; k < ids.size(); ++k) {
          const int64_t times[] = {t};
          ASSERT_THAT(general.AddColumn(ids[k], unit, times, {values[k]}),
                      IsOk());
        }
      }
      ASSERT_EQ(fast.metric_count(), general.metric_count());
      ASSERT_EQ(Cells(fast), Cells(general))
          << "seed " << seed << " round " << round;
      for (MetricIndex k = 0; k < fast.metric_count(); ++k) {
        ASSERT_EQ(fast.EarliestCellWrittenSince(k, seen_fast),
                  general.EarliestCellWrittenSince(k, seen_general))
            << "seed " << seed << " round " << round << " metric " << k;
        for (int64_t back = -1; back < 3; ++back) {
          StatisticSet a, b;
          const int64_t start = now - 60 * back;
          const bool known_a = fast.MinuteCell(k, std::nullopt, start, &a);
          ASSERT_EQ(known_a, general.MinuteCell(k, std::nullopt, start, &b));
          if (!known_a) continue;
          ASSERT_TRUE(a.sample_count == b.sample_count && a.sum == b.sum &&
                      a.minimum == b.minimum && a.maximum == b.maximum)
              << "seed " << seed << " round " << round << " metric " << k;
        }
      }
      if (rng() % 4 == 0) {
        seen_fast = fast.BeginReadEpoch();
        seen_general = general.BeginReadEpoch();
      }
      if (round % 10 == 9) {
        fast.DropBefore(absl::FromUnixSeconds(now - 300));
        general.DropBefore(absl::FromUnixSeconds(now - 300));
      }
    }
    std::vector<SampleDistribution> a(8), b(8);
    fast.AggregateSampleBuckets(3, std::nullopt,
                                absl::FromUnixSeconds(base + 60 * 52),
                                absl::Seconds(60), absl::MakeSpan(a));
    general.AggregateSampleBuckets(3, std::nullopt,
                                   absl::FromUnixSeconds(base + 60 * 52),
                                   absl::Seconds(60), absl::MakeSpan(b));
    double weight = 0;
    for (size_t k = 0; k < a.size(); ++k) {
      EXPECT_EQ(a[k].total_weight(), b[k].total_weight()) << k;
      EXPECT_EQ(a[k].minimum(), b[k].minimum()) << k;
      EXPECT_EQ(a[k].maximum(), b[k].maximum()) << k;
      weight += a[k].total_weight();
    }
    EXPECT_GT(weight, 0) << "seed " << seed;  // Raw samples were kept.
  }
}

struct BadBatch {
  std::string rule;  // The spec rule or API contract checked.
  std::vector<MetricIndex> metrics;
  std::vector<int64_t> times;  // One entry: a scrape; several: a column.
  std::vector<double> values;
  Unit unit = Unit::kNone;
  std::vector<std::string> message_parts;
};

class MetricStoreBadBatchTest : public ::testing::TestWithParam<BadBatch> {};

// A refused batch stores nothing, and the message names the API, the
// sample's index, its value and the rule.
TEST_P(MetricStoreBadBatchTest, RefusesWholeBatchNamingTheSample) {
  const BadBatch& b = GetParam();
  MetricStore store;
  for (int i = 0; i < 3; ++i) store.Intern(Host(i));
  ASSERT_THAT(store.AddScrape(Unit::kNone, kT0, {0, 1, 2}, {1, 2, 3}), IsOk());
  const auto before = Cells(store);
  absl::Status status =
      b.times.size() == 1
          ? store.AddScrape(b.unit, b.times[0], b.metrics, b.values)
          : store.AddColumn(b.metrics[0], b.unit, b.times, b.values);
  std::vector<::testing::Matcher<const std::string&>> parts;
  for (const std::string& p : b.message_parts) parts.push_back(HasSubstr(p));
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                               AllOf(HasSubstr("nothing was stored"),
                                     ::testing::AllOfArray(parts))))
      << b.rule;
  EXPECT_EQ(Cells(store), before) << b.rule;
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

INSTANTIATE_TEST_SUITE_P(
    Rules, MetricStoreBadBatchTest,
    ::testing::Values(
        BadBatch{"spec 3.2.3: NaN is rejected at ingestion (scrape)",
                 {0, 1, 2}, {kT0}, {1, kNaN, 3}, Unit::kNone,
                 {"MetricStore::AddScrape: values[1] (NaN)",
                  "\"Latency\" (index 1)",
                  "finite number within [-2^360, 2^360]"}},
        BadBatch{"spec 3.2.3: -Infinity is rejected at ingestion (scrape)",
                 {2, 1, 0}, {kT0}, {1, 2, -kInf}, Unit::kNone,
                 {"values[2] (-Infinity)", "(index 0)"}},
        BadBatch{"spec 3.2.3: values must lie in [-2^360, 2^360] (column)",
                 {1}, {kT0, kT0 + 1, kT0 + 2}, {0, std::ldexp(1.0, 361), 0},
                 Unit::kNone,
                 {"MetricStore::AddColumn: values[1] (", "e+108",
                  "within [-2^360, 2^360]"}},
        BadBatch{"spec 3.2.3: Infinity is rejected at ingestion (column)",
                 {0}, {kT0, kT0}, {kInf, 1}, Unit::kNone,
                 {"values[0] (Infinity)"}},
        BadBatch{"API: a scrape names only interned metrics",
                 {0, 7, 1}, {kT0}, {1, 2, 3}, Unit::kNone,
                 {"AddScrape: metrics[1] (7) is not an interned metric",
                  "the store has 3"}},
        BadBatch{"API: a column names an interned metric",
                 {3}, {kT0, kT0 + 60}, {1, 2}, Unit::kNone,
                 {"AddColumn: index (3) is not an interned metric"}},
        BadBatch{"API: timestamps in the years 0001-9999 (column)",
                 {0}, {kT0, int64_t{1} << 62}, {1, 2}, Unit::kNone,
                 {"unix_seconds[1] (4611686018427387904)", "years 0001-9999"}},
        BadBatch{"API: timestamps in the years 0001-9999 (scrape)",
                 {0, 1}, {std::numeric_limits<int64_t>::min()}, {1, 2},
                 Unit::kNone, {"AddScrape: unix_seconds (", "years 0001-9999"}},
        BadBatch{"API: metrics and values of equal length",
                 {0, 1}, {kT0}, {1, 2, 3}, Unit::kNone,
                 {"metrics has 2 entries but values has 3"}},
        BadBatch{"API: unix_seconds and values of equal length",
                 {0}, {kT0, kT0 + 1, kT0 + 2}, {1, 2}, Unit::kNone,
                 {"unix_seconds has 3 entries but values has 2"}},
        BadBatch{"spec 3.2.4: the unit is one of CloudWatch's",
                 {0}, {kT0}, {1}, static_cast<Unit>(kUnitCount),
                 {"unit (27) is not a CloudWatch unit"}}));

// Extended statistics (spec 1.4) need raw samples: a batch keeps them for
// metrics with EnableSamples, as Put does for the same values.
TEST(MetricStoreBatchTest, BatchKeepsRawSamplesLikePut) {
  MetricStore batch, put;
  InternBoth(batch, put, 2);
  batch.EnableSamples(1);
  put.EnableSamples(1);
  std::vector<double> values = {5, 1, 4, 2, 3};
  for (size_t k = 0; k < values.size(); ++k) {
    const int64_t t = kT0 + 3 * static_cast<int64_t>(k);
    ASSERT_THAT(
        batch.AddScrape(Unit::kSeconds, t, {0, 1}, {values[k], values[k]}),
        IsOk());
    MetricDatum d;
    d.metric = Host(1);
    d.timestamp = absl::FromUnixSeconds(t);
    d.unit = Unit::kSeconds;
    d.value = values[k];
    d.storage_resolution = 1;
    ASSERT_THAT(put.Put(d, "d"), IsOk());
  }
  ASSERT_THAT(batch.AddColumn(1, Unit::kSeconds, {kT0 + 11, kT0 + 2}, {9, 8}),
              IsOk());
  for (auto [t, v] : {std::pair<int64_t, double>{kT0 + 11, 9}, {kT0 + 2, 8}}) {
    MetricDatum d;
    d.metric = Host(1);
    d.timestamp = absl::FromUnixSeconds(t);
    d.unit = Unit::kSeconds;
    d.value = v;
    d.storage_resolution = 1;
    ASSERT_THAT(put.Put(d, "d"), IsOk());
  }
  std::vector<SampleDistribution> a(2), b(2);
  batch.AggregateSampleBuckets(1, Unit::kSeconds, absl::FromUnixSeconds(kT0),
                               absl::Seconds(10), absl::MakeSpan(a));
  put.AggregateSampleBuckets(1, Unit::kSeconds, absl::FromUnixSeconds(kT0),
                             absl::Seconds(10), absl::MakeSpan(b));
  for (int k = 0; k < 2; ++k) {
    std::vector<WeightedValue> x, y;
    a[k].SortedInto(&x);
    b[k].SortedInto(&y);
    ASSERT_EQ(x.size(), y.size()) << k;
    ASSERT_FALSE(x.empty()) << k;
    for (size_t i = 0; i < x.size(); ++i) {
      EXPECT_EQ(x[i].value, y[i].value);
      EXPECT_EQ(x[i].weight, y[i].weight);
    }
  }
  // Metric 0 keeps no raw samples: nothing there.
  batch.AggregateSampleBuckets(0, Unit::kSeconds, absl::FromUnixSeconds(kT0),
                               absl::Seconds(10), absl::MakeSpan(a));
  EXPECT_TRUE(a[0].empty());
}

// Put skips the metric-id rules for a metric whose id it validated before;
// the rules still apply to a new metric, and to an interned metric whose id
// no datum validated yet (Intern does not validate).
TEST(MetricStoreBatchTest, PutValidatesEachNewIdOnce) {
  MetricStore store;
  MetricDatum bad;
  bad.metric = {":bad", "Latency", {}};
  bad.timestamp = absl::FromUnixSeconds(kT0);
  bad.value = 1;
  // Interned without validation: the first Put still refuses it (spec 1.2).
  store.Intern(bad.metric);
  EXPECT_THAT(store.Put(bad, "d"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("must not start with ':'")));
  EXPECT_THAT(store.Put(bad, "d"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("must not start with ':'")));
  // A known-valid metric still gets every datum rule (spec 3.2.3), with the
  // same message as a first datum would.
  MetricDatum good = bad;
  good.metric = Host(1);
  ASSERT_THAT(store.Put(good, "d"), IsOk());
  good.value = kNaN;
  EXPECT_THAT(store.Put(good, "MetricData.member.2"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("MetricData.member.2: The value NaN for "
                                 "parameter MetricData.member.Value is "
                                 "invalid.")));
  // Dimension order does not matter for the lookup (spec 1.2).
  MetricDatum two = bad;
  two.value = 2;
  two.metric = {"Test/App", "Latency", {{"B", "2"}, {"A", "1"}}};
  ASSERT_THAT(store.Put(two, "d"), IsOk());
  two.metric.dimensions = {{"A", "1"}, {"B", "2"}};
  ASSERT_THAT(store.Put(two, "d"), IsOk());
  const std::optional<MetricIndex> idx = store.Find(two.metric);
  ASSERT_TRUE(idx.has_value());
  EXPECT_EQ(store.Aggregate(*idx, std::nullopt, absl::FromUnixSeconds(kT0),
                            absl::FromUnixSeconds(kT0 + 60))
                .sample_count,
            2);
}


// Rule (issue 7, the first unit's cells inside the metric record): cells
// survive everything that moves or reshapes the records, and later writes
// still equal Add one at a time: interning many more metrics after data
// (the records are reallocated), a second and third unit on a metric that
// already has cells (they leave the record for the heap), moving the whole
// store, and running totals (AggregateCountSumAt) across all of it.
TEST(MetricStoreBatchTest, CellsSurviveRecordMovesAndUnitChanges) {
  MetricStore batch, single;
  InternBoth(batch, single, 5);
  const std::vector<MetricIndex> ids = {0, 1, 2, 3, 4};
  auto scrape = [&](Unit unit, int64_t t, double v) {
    const std::vector<double> values(ids.size(), v);
    ASSERT_THAT(batch.AddScrape(unit, t, ids, values), IsOk());
    for (MetricIndex m : ids) {
      single.Add(m, unit, absl::FromUnixSeconds(t), StatisticSet::Of(v));
    }
  };
  batch.EnableRunningTotals(1);
  single.EnableRunningTotals(1);
  for (int64_t minute = 0; minute < 5; ++minute) {
    scrape(Unit::kCount, kT0 + 60 * minute, static_cast<double>(minute));
  }
  // Reallocates the records of metrics 0-4 (their cells are inline).
  for (int i = 5; i < 3000; ++i) {
    ASSERT_EQ(batch.Intern(Host(i)), static_cast<MetricIndex>(i));
    ASSERT_EQ(single.Intern(Host(i)), static_cast<MetricIndex>(i));
  }
  ASSERT_EQ(Cells(batch), Cells(single));
  scrape(Unit::kCount, kT0 + 300, 5);
  scrape(Unit::kSeconds, kT0 + 300, 6);  // Second unit: cells to the heap.
  scrape(Unit::kCount, kT0 + 360, 7);
  scrape(Unit::kBytes, kT0 + 360, 8);    // Third unit.
  MetricStore moved = std::move(batch);  // Moves the records' cells.
  const std::vector<double> values(ids.size(), 9);
  ASSERT_THAT(moved.AddScrape(Unit::kSeconds, kT0 + 420, ids, values), IsOk());
  for (MetricIndex m : ids) {
    single.Add(m, Unit::kSeconds, absl::FromUnixSeconds(kT0 + 420),
               StatisticSet::Of(9));
  }
  ASSERT_EQ(Cells(moved), Cells(single));
  moved.BeginReadEpoch();
  single.BeginReadEpoch();
  for (const std::optional<Unit> unit :
       {std::optional<Unit>(), std::optional<Unit>(Unit::kCount),
        std::optional<Unit>(Unit::kSeconds)}) {
    std::vector<StatisticSet> a(3), b(3);
    ASSERT_TRUE(moved.AggregateCountSumAt(1, unit, kT0, 180, absl::MakeSpan(a)));
    ASSERT_TRUE(
        single.AggregateCountSumAt(1, unit, kT0, 180, absl::MakeSpan(b)));
    for (size_t k = 0; k < a.size(); ++k) {
      EXPECT_EQ(a[k].sample_count, b[k].sample_count) << k;
      EXPECT_EQ(a[k].sum, b[k].sum) << k;
    }
  }
}

}  // namespace
}  // namespace cwalarm
