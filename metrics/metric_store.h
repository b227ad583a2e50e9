// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// In-memory storage of published samples, by metric, unit and time.
//
// Samples are kept as statistic sets in 10-second cells
// (`kStorageCellSeconds`), `[cell, cell + 10 s)` aligned to the epoch. Every
// bucket an alarm can ask for (10/20/30 s or multiples of 60 s, anchored at a
// multiple of 10 s) is a whole number of cells, so aggregating cells gives the
// exact standard statistics of the bucket. Cells are sparse: a metric
// published once a minute has one cell per minute.
//
// Metrics are interned into dense `MetricIndex` values so that a million
// alarms refer to their metric with four bytes and the evaluator reads one
// contiguous cell array per metric and unit.
//
// Late and out-of-order samples are merged into their cell wherever it is;
// whether an evaluation sees a sample depends only on whether it was stored
// before the evaluation ran (spec 3.7): replay drivers store each sample at
// its arrival time.
//
//   MetricStore store;
//   absl::Status s = store.Put(datum);
//   MetricIndex m = store.Intern(datum.metric);
//   StatisticSet b = store.Aggregate(m, std::nullopt, start, start + period);
//
// Ingest has three speeds. `Put`/`PutMetricData` take datums that name their
// metric: the metric is looked up without allocating or building its key
// (a MetricIdTable of compact identities, hashed and compared from the id's
// strings in place) and its id is validated once, the
// first time a datum names it; PutMetricData looks its datums up in batches
// so that the cache misses of many lookups overlap. `Add` stores one
// statistic set of an interned metric. `AddScrape` (one value of each of many
// metrics at one timestamp) and `AddColumn` (one metric's run of timestamps)
// store raw values of interned metrics in bulk:
//
//   std::vector<MetricIndex> series = ...;  // Interned once per target.
//   absl::Status s = store.AddScrape(Unit::kNone, unix_seconds, series,
//                                    scraped_values);
//
// Thread-safety: not thread-safe; const methods may run concurrently with
// each other but not with a mutator. Not copyable. Movable.

#ifndef CWALARM_METRICS_METRIC_STORE_H_
#define CWALARM_METRICS_METRIC_STORE_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "metrics/datapoint.h"
#include "metrics/huge_page_allocator.h"
#include "metrics/metric_id.h"
#include "metrics/period.h"
#include "metrics/prefetch.h"
#include "metrics/sample_distribution.h"
#include "metrics/statistic.h"
#include "metrics/unit.h"

namespace cwalarm {

// Dense index of an interned metric; valid for the lifetime of the store.
using MetricIndex = uint32_t;

// What PutMetricData did with one request.
struct PutMetricDataResult {
  struct Rejection {
    size_t index;         // Position of the datum in the request, 0-based.
    absl::Status status;  // Why it was refused (never OK).
  };
  int accepted = 0;                // Datums stored.
  std::vector<Rejection> rejected;  // In request order.
};

class MetricStore {
 public:
  MetricStore() = default;
  MetricStore(const MetricStore&) = delete;
  MetricStore& operator=(const MetricStore&) = delete;
  MetricStore(MetricStore&&) = default;
  MetricStore& operator=(MetricStore&&) = default;

  // Returns the index of `id`, or nullopt when it was never interned.
  std::optional<MetricIndex> Find(const MetricId& id) const;

  // Number of interned metrics; indices are [0, metric_count()).
  size_t metric_count() const { return metrics_.size(); }

  // The identity of metric `index`, dimensions sorted by name (built from
  // the compact stored form: a copy, not a reference). Precondition:
  // index < metric_count().
  MetricId metric(MetricIndex index) const { return ids_.Get(index); }
  // metric(index) assigned to `*out` (MetricIdTable::GetInto: no
  // allocation when its strings and dimensions are large enough).
  void CopyMetric(MetricIndex index, MetricId* out) const {
    ids_.GetInto(index, out);
  }

  // Aggregates the samples of metric `index` with timestamps in [start, end)
  // whose unit equals `unit`, or of every unit when `unit` is nullopt (our
  // documented choice for alarms without a Unit, spec 3.2.4 [OPEN]: merge).
  // Precondition: start and end are multiples of 10 s.
  StatisticSet Aggregate(MetricIndex index, std::optional<Unit> unit,
                         absl::Time start, absl::Time end) const;

  // Aggregates consecutive buckets `[first + k*period, first + (k+1)*period)`
  // for k in [0, out.size()) into `out[k]` (which are reset first), walking
  // the cells once. Preconditions as for Aggregate; period a multiple of 10 s.
  void AggregateBuckets(MetricIndex index, std::optional<Unit> unit,
                        absl::Time first, absl::Duration period,
                        absl::Span<StatisticSet> out) const;

  // AggregateBuckets with `first` and `period` in whole seconds (Unix
  // seconds for `first`): the evaluator's hot-path form, which avoids
  // absl::Duration arithmetic for every alarm. Same contract otherwise.
  void AggregateBucketsAt(MetricIndex index, std::optional<Unit> unit,
                          int64_t first_unix_seconds, int64_t period_seconds,
                          absl::Span<StatisticSet> out) const;

  // AggregateBucketsAt for one bucket [first, first + period) into *out,
  // bit for bit the same set: the sliding evaluator's per-minute window,
  // whose cells are the newest of the metric, found by stepping back from
  // the end instead of a search (a gallop when the window holds more than a
  // few cells).
  void AggregateWindowAt(MetricIndex index, std::optional<Unit> unit,
                         int64_t first_unix_seconds, int64_t period_seconds,
                         StatisticSet* out) const;

  // The SampleCount and Sum of the same buckets as AggregateBucketsAt,
  // bit for bit what it computes, from per-cell running totals: two binary
  // searches per bucket instead of a walk over its cells, so long periods
  // (P300, P3600 sliding by a minute) cost about what P60 does. `minimum` and
  // `maximum` of `out` are left as in an empty set: use it for SampleCount,
  // Sum and Average only.
  //
  // Exactness: the totals are integers, used only when every cell of the
  // bucket has an integer SampleCount and Sum within +-2^39 and the bucket
  // has at most 2^14 cells, so every partial sum of AggregateBucketsAt's
  // left-to-right double addition is exact and equals the integer total.
  // Returns false (and `out` is unspecified) when that is not guaranteed
  // (non-integer data, more than 64 buckets, writes since the last
  // BeginReadEpoch, which brings the totals up to date, or no
  // EnableRunningTotals for `index`); the caller then uses
  // AggregateBucketsAt.
  bool AggregateCountSumAt(MetricIndex index, std::optional<Unit> unit,
                           int64_t first_unix_seconds, int64_t period_seconds,
                           absl::Span<StatisticSet> out) const;

  // --- Sliding windows, for long periods evaluated every minute -------------
  //
  // A sliding alarm (Period P > 60 evaluated every minute) aggregates the
  // window [a - P, a) at every anchor a, one minute after the previous one:
  // all but a minute of its cells were in the previous window. A
  // RunningWindow remembers that previous window (its end, its number of
  // cells and the integer totals of its cells), so that the next one costs
  // the cells that leave and enter it (usually one each), not a search and a
  // walk:
  //
  //   MetricStore::RunningWindow w;  // One per alarm, kept between rounds.
  //   uint32_t read_epoch = 0;       // The epoch w was aggregated in.
  //   StatisticSet set;
  //   store.AggregateRunningWindowAt(m, unit, a - 300, 300, false,
  //                                  read_epoch, &w, &set);
  //   read_epoch = store.CurrentReadEpoch();
  //   // one minute later (after store.BeginReadEpoch()):
  //   store.AggregateRunningWindowAt(m, unit, a - 240, 300, false,
  //                                  read_epoch, &w, &set);
  //
  // The record is the caller's (the store keeps nothing per window); each
  // one serves one (metric, unit, period) query (its length is not stored),
  // and a default-constructed one holds no window. The read epoch it was
  // aggregated in is the caller's too (an evaluator already keeps one per
  // alarm): passing an earlier one (0 always is) is safe, only slower, since
  // the window then counts as possibly written since.
  //
  // 16 bytes, four to a cache line: an evaluator keeps one per sliding
  // alarm. Where its cells are is not stored: they are the `cells()` cells
  // before the first cell at or after its end, found from the back of the
  // metric's cells (in the one-minute step, from the minute tail without a
  // read). The end is in units of 10 s (windows are multiples of 10 s)
  // within int32, about +-680 years around 1970, and the cell count within
  // 15 bits, which every window of up to 327,670 s of 10-second cells fits
  // (longer ones, or ends outside that range, are not kept: the next query
  // walks). The totals are those of the CellPrefix rule (every cell's
  // SampleCount and Sum integers within +-2^39), kept only while they also
  // fit the record: SampleCount within [0, 2^32), Sum within +-2^47;
  // otherwise the window is marked inexact and walked (exact all the same,
  // just slower) until its totals fit again.
  struct RunningWindow {
    static constexpr int32_t kNoEnd = INT32_MIN;
    static constexpr uint32_t kMaxCells = (uint32_t{1} << 15) - 1;

    // The SampleCount total (0 when inexact).
    uint32_t count() const { return count_; }
    // The Sum total (0 when inexact).
    int64_t sum() const { return static_cast<int64_t>(packed_) >> kSumShift; }
    // Its number of cells.
    uint32_t cells() const {
      return static_cast<uint32_t>(packed_ >> 1) & kMaxCells;
    }
    // False when a cell is not such an integer or the totals do not fit.
    bool exact() const { return (packed_ & kInexact) == 0; }
    // End of the window last aggregated, in Unix seconds / 10; kNoEnd: none.
    int32_t end10() const { return end10_; }

   private:
    friend class MetricStore;
    // The Sum is the top 48 bits of packed_ (two's complement), so that an
    // arithmetic shift reads it.
    static constexpr int kSumShift = 16;
    static constexpr uint64_t kInexact = 1;
    // packed_ for totals `count` and `sum` (which fit when
    // TotalsFit(count, sum)) and `cells` cells.
    static uint64_t PackExact(int64_t sum, uint32_t cells) {
      return (static_cast<uint64_t>(sum) << kSumShift) | (uint64_t{cells} << 1);
    }
    static bool TotalsFit(int64_t count, int64_t sum) {
      return (static_cast<uint64_t>(count) >> 32) == 0 &&
             static_cast<int64_t>(static_cast<uint64_t>(sum) << kSumShift) >>
                     kSumShift ==
                 sum;
    }
    int32_t end10_ = kNoEnd;
    uint32_t count_ = 0;
    // Sum (bits 16-63), cells (bits 1-15) and kInexact (bit 0).
    uint64_t packed_ = 0;
  };
  static_assert(sizeof(RunningWindow) == 16, "four windows per cache line");
  // The read epoch a read now belongs to (BeginReadEpoch's last result, or
  // the one before the first call): what a caller keeps with a
  // RunningWindow it has just aggregated.
  uint32_t CurrentReadEpoch() const { return epoch_ - 1; }
  // Prefetches for AggregateRunningWindowAt(index, ..., &w, ...) a few
  // alarms ahead, in two steps, since the cells' addresses are in the
  // metric's record: PrefetchRunningWindowRecord(index) first, then (once
  // the record is likely in the cache) PrefetchRunningWindowCells(index, w,
  // period_seconds) for the cell that leaves the window (read from the
  // record; the cell that enters comes from the minute tail, which
  // MinuteQuery::Prefetch asks for). Prefetches never fault.
  void PrefetchRunningWindowRecord(MetricIndex index) const {
    // One line: records are aligned 64-byte lines.
    PrefetchLine(reinterpret_cast<uintptr_t>(metrics_.data()) +
                 uintptr_t{index} * sizeof(Metric));
  }
  // Precondition: index < metric_count() (alarms intern their metric).
  // Forced inline, like StepRunningWindowMinute: the evaluator's loop asks
  // once per sliding alarm.
  __attribute__((always_inline)) void PrefetchRunningWindowCells(
      MetricIndex index, const RunningWindow& w,
      int64_t period_seconds) const {
    const Metric& metric = metrics_[index];
    if (metric.units.size() != 1) return;
    // data(), not front(): GCC keeps front() (its emptiness assertion) out
    // of line.
    const UnitCells& cells = *metric.units.data();
    // The leaving cell is the window's first: in the steady case one cell
    // (the entering minute) follows the window. A guess is enough here
    // (integer arithmetic, no out-of-range pointer).
    const uintptr_t first = static_cast<uintptr_t>(cells.starts.size()) -
                            uintptr_t{w.cells()} - 1;
    PrefetchLine(reinterpret_cast<uintptr_t>(cells.sets.data()) +
                 first * sizeof(StatisticSet));
    // A window with a minute missing reads its first cell's start too.
    if (int64_t{w.cells()} * 60 != period_seconds) {
      PrefetchLine(reinterpret_cast<uintptr_t>(cells.starts.data()) +
                   first * sizeof(int64_t));
    }
  }
  // The bucket [first, first + period) into *out, exactly what
  // AggregateBucketsAt gives for it (bit for bit), from `*w` when it still
  // describes an earlier window of the same query that overlaps this one
  // and no cell before its end was written since `read_epoch` (the read
  // epoch `*w` was aggregated in, or an earlier one) nor dropped from it
  // (then only the cells leaving and entering are read); otherwise by a
  // search and a walk. `*w` then describes this window (its read epoch is
  // CurrentReadEpoch()). SampleCount and Sum come from the integer totals
  // when the window is exact and has at most 2^14 cells (every partial sum
  // of the left-to-right addition is then exact, so equal to the total),
  // and `minimum`/`maximum` are left as in an empty set unless `extremes`;
  // otherwise from a walk over the window's cells (without a search).
  // Metrics with cells of several units, or whose one unit is not `unit`,
  // take AggregateWindowAt and leave `*w` empty.
  // Precondition: first and period multiples of 10 s; `*w` empty or last
  // used with the same index, unit and period.
  void AggregateRunningWindowAt(MetricIndex index, std::optional<Unit> unit,
                                int64_t first_unix_seconds,
                                int64_t period_seconds, bool extremes,
                                uint32_t read_epoch, RunningWindow* w,
                                StatisticSet* out) const;

  // Interns `id` (dimension order ignored) and returns its index. Alarms
  // intern the metric they watch so that it exists before data arrives.
  MetricIndex Intern(const MetricId& id);

  // Makes room for `metrics` interned metrics in all, so that interning up
  // to that many allocates only their identities' bytes: a service that
  // knows how many metrics it will watch (say, from its alarm file) then
  // holds no spare per-metric records. Never shrinks; indices and contents
  // are unchanged.
  void Reserve(size_t metrics);

  // Validates `datum` (ValidateMetricDatum) and stores its samples. Returns
  // the validation error unchanged, prefixed with `context`; nothing is
  // stored then. A datum with StorageResolution 60 (standard) is stored at
  // the start of its minute, as CloudWatch keeps standard-resolution data at
  // one-minute granularity (spec 1.5): a 10/20/30-second alarm then sees it
  // only in the bucket containing the minute timestamp. StorageResolution 1
  // keeps the datum's 10-second cell.
  absl::Status Put(const MetricDatum& datum, absl::string_view context);

  // PutMetricData for one request received at `ingest_clock`: each datum is
  // validated on its own (ValidateMetricDatum with the clock, context
  // `MetricData.member.<i+1>`), every valid datum is stored, and every
  // invalid one is listed with its index and status. A rejected datum never
  // prevents the others from being stored. The result and the store are
  // exactly those of storing the datums one by one in request order (the
  // lookups are batched, the stores are not).
  PutMetricDataResult PutMetricData(absl::Span<const MetricDatum> data,
                                    absl::Time ingest_clock);

  // --- Raw samples, for extended statistics --------------------------------
  //
  // Raw samples are kept only for metrics on which `EnableSamples` was
  // called (the evaluator calls it when an ExtendedStatistic alarm interns
  // its metric), in a separate per-metric store with the same 10-second
  // cells, one SampleDistribution each (bounded memory, see
  // sample_distribution.h). Standard-statistic ingestion and evaluation do
  // not touch it. Data stored before `EnableSamples` exists only as
  // statistic sets and is invisible to extended statistics: an
  // extended-statistic alarm created after its metric's data sees only the
  // samples put after its creation.

  // Starts keeping raw samples for metric `index` (idempotent).
  // Precondition: index < metric_count().
  void EnableSamples(MetricIndex index);

  // True when raw samples are kept for `index`.
  bool samples_enabled(MetricIndex index) const {
    return index < tails_.size() && (tails_[index].flags & Tail::kSamples);
  }

  // Like AggregateBuckets, for raw samples: `out[k]` (cleared first)
  // receives the samples of `[first + k*period, first + (k+1)*period)` of the
  // given unit (or of every unit when nullopt). All empty when samples are
  // not enabled for `index`. Preconditions as for AggregateBuckets.
  void AggregateSampleBuckets(MetricIndex index, std::optional<Unit> unit,
                              absl::Time first, absl::Duration period,
                              absl::Span<SampleDistribution> out) const;

  // Stores `samples` (already validated) for metric `index` in the cell of
  // `timestamp`. The fast path for callers that intern once and ingest many
  // samples. Precondition: index < metric_count(), samples non-empty.
  // Forced inline (GCC kept it out of line: a call with its register saves
  // costs about what the write does).
  __attribute__((always_inline)) void Add(MetricIndex index, Unit unit,
                                          absl::Time timestamp,
                                          const StatisticSet& samples) {
    // A feed's most common write (the cell of the minute after the newest
    // one, one sample a minute) is inline and makes no call (not even
    // absl::ToUnixSeconds, which is out of line); everything else goes to
    // AddAt, with the seconds taken here.
    if (__builtin_expect(index < tails_.size() &&
                             AppendNextMinute(tails_[index], metrics_[index],
                                              index, unit, timestamp, samples,
                                              epoch_),
                         1)) {
      written_since_epoch_ = true;
      return;
    }
    // A copy for the call, made here: the caller's set (often a temporary)
    // then needs no address on the inline path and stays in registers.
    const StatisticSet copy = samples;
    AddAt(index, unit, absl::ToUnixSeconds(timestamp), copy);
  }

  // --- Batch ingest of raw values into interned metrics ---------------------
  //
  // Each value is one sample (count 1), stored in the 10-second cell of its
  // timestamp exactly as `Add(metric, unit, t, StatisticSet::Of(value))`
  // would, and, for metrics with EnableSamples, also kept as a raw sample
  // (Add cannot: it gets a statistic set). Standard-resolution publishers
  // align timestamps to the minute themselves, as Put does for them. The
  // spec has no batch form; this is our choice (docs/choices.md row 79).
  //
  // The whole batch is checked before anything is stored: a metric index
  // that is not interned, a value that is NaN, infinite or outside
  // [-2^360, 2^360] (PutMetricData's rule), a timestamp outside the years
  // 0001-9999, a unit outside the enum, or spans of different lengths return
  // kInvalidArgument naming the span, the sample's index and value, and
  // nothing is stored. Nothing is ever dropped silently.
  //
  // In steady state (data for the newest or a new newest cell, vectors
  // grown) a sample costs no allocation and no search.

  // A scrape: `values[i]` of metric `metrics[i]`, all at `unix_seconds`.
  absl::Status AddScrape(Unit unit, int64_t unix_seconds,
                         absl::Span<const MetricIndex> metrics,
                         absl::Span<const double> values);

  // One metric's run: `values[i]` at `unix_seconds[i]`, in any order (late
  // samples are merged into their cell; in-order runs append).
  absl::Status AddColumn(MetricIndex index, Unit unit,
                         absl::Span<const int64_t> unix_seconds,
                         absl::Span<const double> values);

  // Drops every cell that ends at or before `horizon` (retention; replay
  // drivers call it with the oldest instant any alarm can still look at).
  void DropBefore(absl::Time horizon);

  // --- Change tracking, for incremental evaluation ---------------------------
  //
  // A reader that caches what it computed from the cells (the evaluator's
  // per-alarm verdict masks) calls BeginReadEpoch before reading: every
  // write stored so far belongs to an epoch <= the returned value, and every
  // later write to a later one. EarliestCellWrittenSince then tells, per
  // metric, which cells may have changed since that read:
  //
  //   uint32_t seen = store.BeginReadEpoch();   // ... read, cache ...
  //   // later:
  //   int64_t c = store.EarliestCellWrittenSince(m, seen);
  //   // kNoChange: cells unchanged; kUnknownChange: assume everything
  //   // changed; otherwise every write since was into a cell >= c.
  //
  // The write path pays two stores per write (MetricStore::Add).
  static constexpr int64_t kNoChange = INT64_MAX;
  static constexpr int64_t kUnknownChange = INT64_MIN;
  //
  // BeginReadEpoch also brings the running totals of AggregateCountSumAt up
  // to date for the metrics written since the previous call (from the
  // earliest cell written, so late data costs the cells after it).
  uint32_t BeginReadEpoch() {
    if (written_since_epoch_) {
      SyncPrefixes();
      ++epoch_;
      written_since_epoch_ = false;
    }
    return epoch_ - 1;
  }
  // The earliest cell start (Unix seconds) written for `index`, any unit,
  // since the read that returned `seen_epoch`: kNoChange when nothing was
  // written, kUnknownChange when the store cannot tell (writes span more
  // than one epoch since then).
  int64_t EarliestCellWrittenSince(MetricIndex index,
                                   uint32_t seen_epoch) const {
    if (index >= tails_.size()) return kNoChange;
    const Tail& w = tails_[index];
    if (w.epoch <= seen_epoch) return kNoChange;
    if (w.epoch != seen_epoch + 1 || w.min_cell10 == Tail::kBeforeAll) {
      return kUnknownChange;
    }
    return int64_t{w.min_cell10} * kStorageCellSeconds;
  }
  // True when every cell written for `index` since the read that returned
  // `seen_epoch` starts at or after `t` (or none was): EarliestCellWrittenSince
  // compared, for readers that keep totals up to `t`.
  bool WrittenSinceAtOrAfter(MetricIndex index, uint32_t seen_epoch,
                             int64_t t) const {
    const int64_t changed = EarliestCellWrittenSince(index, seen_epoch);
    return changed == kNoChange ||
           (changed != kUnknownChange && changed >= t);
  }
  // The largest horizon DropBefore was called with (Unix seconds), or
  // INT64_MIN: cached results over cells before it may be stale.
  int64_t dropped_before_seconds() const { return dropped_before_; }

  // --- The minute tail, for Period-60 evaluation ----------------------------

  // The statistic set of the minute [start, start + 60) of metric `index`
  // for `unit` (nullopt: every unit), exactly what AggregateBucketsAt gives
  // for that one bucket, read from dense per-metric copies of the metric's
  // newest cell and of the minute before it. Returns false when the copies
  // cannot tell (the metric has had a cell that is not minute-aligned, or
  // whose minute number does not fit 32 bits, or cells of two units, or the
  // minute is more than one before its newest cell): then use
  // AggregateBucketsAt.
  // Precondition: start is a multiple of 60.
  bool MinuteCell(MetricIndex index, std::optional<Unit> unit, int64_t start,
                  StatisticSet* out) const {
    if (index >= tails_.size()) {  // Never written: no cells at all.
      *out = StatisticSet();
      return index < metrics_.size();
    }
    return TailCell(tails_[index], index, UnitByte(unit), PrepareMinute(start),
                    out);
  }

  // MinuteCell for an evaluator that cached what it read at `seen_epoch`
  // (BeginReadEpoch): also returns false when a cell before `start` may have
  // been written since (late data, which the caller must re-aggregate).
  bool NewMinuteCell(MetricIndex index, std::optional<Unit> unit,
                     int64_t start, uint32_t seen_epoch,
                     StatisticSet* out) const {
    return PrepareMinute(start).NewCell(index, UnitByte(unit), seen_epoch, out);
  }

  // The same for many metrics and one minute, as an evaluation round reads
  // them: PrepareMinute does the per-minute arithmetic once, and the query
  // holds the tails' bounds by value, so that a caller writing its own
  // records between reads (one-byte stores may alias anything) does not
  // make the compiler reload them from the store. A MinuteQuery is valid
  // until the next write (it points into the store); a caller that may
  // write, or run code that may, prepares a new one afterwards.
 private:
  struct Tail;  // The per-metric record, defined below.

 public:
  struct MinuteQuery {
    // A Unit, or kAnyUnit for every unit (MinuteCell's nullopt): the
    // evaluator keeps an alarm's unit in that one byte.
    static constexpr uint8_t kAnyUnit = 0xff;

    // MetricStore::NewMinuteCell for this query's minute, with `unit` as
    // one byte (a Unit or kAnyUnit).
    bool NewCell(MetricIndex index, uint8_t unit, uint32_t seen_epoch,
                 StatisticSet* out) const {
      if (index >= tails_size) {  // Never written: no cells at all.
        *out = StatisticSet();
        return index < metrics_size;
      }
      const Tail& t = tails[index];
      // Nothing written before `start` since seen_epoch: the tail's epoch
      // is at most seen_epoch, or seen_epoch + 1 with min_cell10 >= start10
      // (the earliest cell written is at or after `start`, a multiple of
      // 60, so of 10). One compare of the tail's stamp (Tail::Stamp).
      if (Tail::Stamp(t) > (uint64_t{seen_epoch} << 32) + stamp_limit) {
        return false;
      }
      return TailCell(t, index, unit, *this, out);
    }
    // Hints that `index`'s tail will be read soon (the evaluator asks a few
    // alarms ahead): its 16-byte head and the one cell copy this minute
    // would come from. Prefetches never fault, so there is no bounds check
    // (integer arithmetic: no out-of-range pointer).
    void Prefetch(MetricIndex index) const {
      PrefetchLine(reinterpret_cast<uintptr_t>(tails) +
                   uintptr_t{index} * sizeof(Tail));
      PrefetchLine(reinterpret_cast<uintptr_t>(copies) +
                   uintptr_t{index} * sizeof(StatisticSet));
    }

    int64_t minute;              // start / 60.
    int64_t start10;             // start / 10.
    uint64_t stamp_limit;        // Tail::StampLimit(start10).
    const StatisticSet* copies;  // Where that minute's cell copies are.
    const Tail* tails;
    size_t tails_size;
    size_t metrics_size;
    // start10 when a RunningWindow ending there can step a minute within
    // its int32 end (StepRunningWindowMinute), else a value no int32 is.
    int64_t step_start10;
  };
  // Precondition: start is a multiple of 60.
  MinuteQuery PrepareMinute(int64_t start) const;

  // AggregateRunningWindowAt's most common step, inline and without a walk
  // or a search: `*w` holds the window ending at the query's minute start
  // (q = PrepareMinute(end - 60) for the new window [end - period, end)),
  // its totals kept (exact()), the metric's cells minute-aligned and of one
  // unit (the minute tail is on), no cell written before that end since
  // `read_epoch` (as for AggregateRunningWindowAt) and none dropped from the
  // window (DropBefore). The minute that enters is the minute tail's copy;
  // the one that leaves is at most the window's first cell (whose start is
  // read only when the window lacks a minute). Then `*w` describes the new
  // window, `*out` is bit for bit what AggregateRunningWindowAt(index, unit,
  // end - period, period, /*extremes=*/false, read_epoch, w, out) gives (SampleCount and Sum from the
  // totals, Minimum and Maximum as in an empty set) and it returns true.
  // Otherwise it returns false having touched nothing: call
  // AggregateRunningWindowAt. `unit` is a Unit or MinuteQuery::kAnyUnit.
  // Preconditions: period_seconds >= 60, a multiple of 10 s; `*w` empty or
  // last used with the same index, unit and period, as for
  // AggregateRunningWindowAt.
  bool StepRunningWindowMinute(MetricIndex index, uint8_t unit,
                               const MinuteQuery& q, int64_t period_seconds,
                               uint32_t read_epoch, RunningWindow* w,
                               StatisticSet* out) const;

  // Keeps running totals for `index` (AggregateCountSumAt), from now on and
  // for the cells it already has. Only metrics that a long-period alarm
  // reads need them; the others do not pay their upkeep.
  void EnableRunningTotals(MetricIndex index);

  // --- State export, for snapshots (config/snapshot_io.h) -------------------

  // One metric's standard cells for one unit: `starts[i]` (Unix seconds, a
  // multiple of kStorageCellSeconds, strictly increasing) holds `sets[i]`.
  struct UnitCellsState {
    Unit unit = Unit::kNone;
    std::vector<int64_t> starts;
    std::vector<StatisticSet> sets;
  };
  // One metric's raw-sample cells for one unit (EnableSamples): `starts` as
  // in UnitCellsState, `cells[i]` the distribution of `starts[i]`.
  struct UnitSamplesState {
    Unit unit = Unit::kNone;
    std::vector<int64_t> starts;
    std::vector<SampleDistribution> cells;
  };
  struct MetricState {
    MetricId id;
    std::vector<UnitCellsState> units;
    // True when raw samples are kept (EnableSamples was called), even if
    // `sample_units` is empty.
    bool samples_enabled = false;
    std::vector<UnitSamplesState> sample_units;
  };

  // Every interned metric, in MetricIndex order, with its cells and, where
  // kept, its raw samples. Never fails today; a StatusOr so that a future
  // representation that cannot be exported can say so.
  absl::StatusOr<std::vector<MetricState>> ExportState() const;

  // Makes an empty store hold `metrics` (ExportState's output): same
  // indices, same cells, same raw samples (ids are kept with dimensions
  // sorted by name, as Intern keeps them). kFailedPrecondition when the
  // store is not empty; kInvalidArgument when a metric id repeats, a unit's
  // cells (standard or raw) are not sorted, aligned and of equal count, or
  // raw samples are given for a metric whose `samples_enabled` is false. On
  // error the store stays empty.
  absl::Status ImportState(std::vector<MetricState> metrics);

 private:
  // A metric's cell sets: every block starts on a 64-byte cache line
  // (malloc only aligns to 16, which puts every 32-byte set of half the
  // blocks across two lines), so that writing or reading one set touches
  // one line; a metric whose cells reach 2 MiB (about 45 days of minutes)
  // gets them on huge pages, as the per-metric arrays below.
  using AlignedSets =
      std::vector<StatisticSet, internal::HugePageAllocator<StatisticSet>>;
  // The per-metric arrays (`metrics_`, `tails_`, `minute_cells_`), which
  // ingest and evaluation index by metric, in any order: on huge pages once
  // they reach 2 MiB (a million metrics span 64 MB of records), so that a
  // random access misses the cache but not the TLB. Blocks start on a cache
  // line.
  template <typename T>
  using PerMetric = std::vector<T, internal::HugePageAllocator<T>>;
  // Running totals of cells (`prefixes_`). `inexact` counts the cells
  // whose SampleCount or Sum is not an integer within +-2^39.
  struct CellPrefix {
    uint64_t count = 0;
    uint64_t sum = 0;
    uint64_t inexact = 0;
  };
  // One metric's cells for one unit, sorted by cell start (seconds since the
  // epoch, a multiple of kStorageCellSeconds). Struct of arrays: evaluation
  // binary-searches `starts` and then reads `sets` sequentially.
  //
  // `sets` start on a cache line, so that each 32-byte set lies in one line
  // (malloc only aligns to 16 bytes, which puts every set of half the
  // metrics across two lines): a write to the newest cell then misses once.
  struct UnitCells {
    Unit unit;
    std::vector<int64_t> starts;
    AlignedSets sets;
  };
  // Raw-sample cells of one metric and unit, as UnitCells.
  struct UnitSamples {
    Unit unit;
    std::vector<int64_t> starts;
    std::vector<SampleDistribution> cells;
  };
  // The metric's identity is not here: `ids_` holds it under the same index
  // (with the "id passed ValidateMetricId" flag). Nor is what only some
  // metrics have: running totals (`prefixes_`) and raw samples
  // (`samples_`) live in side tables, so that the record is one cache line.
  //
  // The first unit's UnitCells live inside the record (an InlinedVector of
  // one): a write reaches the tails of `starts` and `sets` straight from the
  // record, without the dependent miss on a separately allocated unit
  // vector (issue 7, ingest at 1e5-1e6 metrics). A second unit moves them
  // all to the heap, as a std::vector would hold them. Aligned to a cache
  // line, so that a record is one line to fetch, never two.
  struct alignas(64) Metric {
    absl::InlinedVector<UnitCells, 1> units;  // Usually one.
  };
  static_assert(sizeof(Metric) == 64, "one cache line per metric record");

  // --- Write path. Every standard write ends in AddToCell. ------------------

  // Interns `id`, whose key is `key` with hash `hash`; precondition: not
  // interned.
  MetricIndex InternNew(absl::string_view key, uint64_t hash,
                        const MetricId& id);
  // Put: hashes the id, probes the table and calls PutKeyed.
  absl::Status PutOne(const MetricDatum& datum, absl::string_view context,
                      const absl::Time* ingest_clock);
  // Put/PutMetricData after lookup: `hash` is MetricIdTable::Hash of the
  // datum's metric, `candidate` a MetricIdTable::Probe result (or kNone; it is
  // confirmed here, and a miss is looked up again, since an earlier datum of
  // the request may have interned the metric). Validates (the id rules only
  // when the metric is not known valid) and stores. `ingest_clock` adds the
  // timestamp window (PutMetricData).
  //
  // `window` (PutMetricData: the ingest clock's timestamp window, computed
  // once per request) enables a fast acceptance test for the common datum
  // of a known-valid metric with one Value (PlainValueValid); a datum it
  // does not accept gets the full validation, so messages are unchanged.
  struct IngestWindow {
    absl::Time earliest;  // ingest_clock - kMaxDatumAge.
    absl::Time latest;    // ingest_clock + kMaxDatumLead.
  };
  absl::Status PutKeyed(const MetricDatum& datum, absl::string_view context,
                        const absl::Time* ingest_clock, uint64_t hash,
                        MetricIndex candidate,
                        const IngestWindow* window = nullptr);
  // True only when `datum` has exactly the Value form and
  // ValidateMetricDatumValues with the window's clock would return OK
  // (false says nothing: the caller runs the full validation).
  static bool PlainValueValid(const MetricDatum& datum,
                              const IngestWindow& window);
  // PutMetricData's batched lookup: prefetches what storing into metric
  // `index` will write once its record (prefetched earlier) is in: the
  // tail head, the minute copy of `unix_seconds`'s minute and the tails of
  // the first unit's `starts` and `sets`.
  void PrefetchCells(MetricIndex index, int64_t unix_seconds) const;
  // Prefetches metric `index`'s record (one aligned line).
  // Precondition: index < metric_count().
  void PrefetchRecord(MetricIndex index) const {
    PrefetchLine(reinterpret_cast<uintptr_t>(&metrics_[index]));
  }
  // The cells of `unit` in `metric`, created empty when missing.
  static UnitCells& CellsFor(Metric& metric, Unit unit);
  // Merges `samples` into cell `cell` (Unix seconds, aligned) of `cells`,
  // which belong to metric `index`: the newest cell or a new newest cell
  // without search, older cells through InsertCell.
  void AddToCell(MetricIndex index, UnitCells& cells, int64_t cell,
                 const StatisticSet& samples);
  // --- The minute fast paths ------------------------------------------------
  //
  // A minute-aligned metric of one unit (its minute tail on: kMirror and
  // kHasUnit) with neither running totals nor raw samples, whose newest
  // cell is in minute `t.newest_minute`, takes a write for its newest cell
  // or a new newest cell without AddToCell's search, divisions and range
  // tests: the tail says where the newest cell is (AddToCell turns the
  // mirror off for a second unit or an unaligned cell and keeps the minute
  // up to date; late data, DropBefore and ImportState re-read it through
  // RefreshTail), so a write touches the record, the tail and the lines it
  // writes, and never loads the end of `starts`.
  //
  // The minutes whose cell the fast paths write: a cell's start in units of
  // 10 s (6 x the minute) and the next minute's fit Tail::min_cell10
  // unclamped, so Cell10 is exactly 6 x minute. Tail::kNoMinute (no cell)
  // is outside.
  static constexpr int64_t kLowFastMinute = INT32_MIN / 6 + 1;
  static constexpr int64_t kHighFastMinute = INT32_MAX / 6 - 1;
  // FastMinuteOf's answer for seconds no fast write takes: neither an int32
  // newest minute nor one more than such a minute.
  static constexpr int64_t kNotFastMinute = INT64_MIN / 2;
  // The minute M of `seconds` (Unix seconds) when they fall in M's first
  // 10-second cell and M is in (kLowFastMinute, kHighFastMinute] (so that M
  // and M - 1 are in the fast range); kNotFastMinute otherwise. A batch at
  // one timestamp computes it once.
  static int64_t FastMinuteOf(int64_t seconds);
  // The flags and unit bytes of a tail that takes fast writes of `unit`
  // (kMirror | kHasUnit, `unit`) as one 16-bit word, which
  // TakesMinuteWrite compares in one go.
  static uint16_t MinuteWriteKey(Unit unit);
  // True when tail `t` takes fast writes of the unit of `key`
  // (MinuteWriteKey): the conditions above, except the newest cell's
  // minute, which the callers compare with the write's.
  static bool TakesMinuteWrite(const Tail& t, uint16_t key);
  // NoteWrite's change tracking for a write into the cell of `minute`
  // (within [kLowFastMinute, kHighFastMinute + 1]) in epoch `epoch`,
  // without the running-totals list (the fast paths serve no metric that
  // has totals) and without setting written_since_epoch_.
  static void NoteMinuteWrite(Tail& t, uint32_t epoch, int64_t minute);
  // Appends the cell of `minute` holding `samples` as the newest cell of
  // `cells`, metric `index`'s only unit, whose tail `t` takes minute writes,
  // when both vectors have room (false, nothing written, otherwise): the
  // cell, its minute copy and the tail (newest minute, change tracking in
  // epoch `epoch`). The copy of the minute before is the caller's.
  // Precondition: minute > t.newest_minute, minute <= kHighFastMinute + 1.
  bool AppendMinuteCell(Tail& t, UnitCells& cells, MetricIndex index,
                        int64_t minute, const StatisticSet& samples,
                        uint32_t epoch);
  // The write of `samples` at `timestamp` when it falls in the first cell
  // of the minute right after the newest cell of a metric whose tail takes
  // minute writes and whose vectors have room: a live feed's, a scrape's
  // and a replay's common write, inline in Add. False (nothing written)
  // otherwise. StoreInMinute's first case, for one sample.
  // Precondition as for StoreInMinute.
  bool AppendNextMinute(Tail& t, Metric& metric, MetricIndex index, Unit unit,
                        absl::Time timestamp, const StatisticSet& samples,
                        uint32_t epoch);
  // The write of `samples` at `seconds` (Unix seconds, floored) when it
  // goes to the newest cell or the minute after it of a minute-aligned
  // metric of unit `unit` with neither running totals nor raw samples, and
  // the vectors have room; false (nothing written) otherwise. Add's, Put's
  // and PutMetricData's fast path.
  bool TryAddToNewestMinute(MetricIndex index, Unit unit, int64_t seconds,
                            const StatisticSet& samples);
  // TryAddToNewestMinute's write for metric `index`, whose tail is `t` and
  // record `metric`, of a sample in the first cell of `minute`
  // (FastMinuteOf(seconds), possibly kNotFastMinute) with unit key `key`
  // (MinuteWriteKey), in epoch `epoch` (epoch_), without its bounds test and
  // without setting written_since_epoch_ (the caller does, once for a
  // batch). The batch loop passes what it keeps in registers and computes
  // the minute and the key once.
  // Precondition: index < tails_.size(), &t == &tails_[index],
  // &metric == &metrics_[index], epoch == epoch_.
  bool StoreInMinute(Tail& t, Metric& metric, MetricIndex index, uint16_t key,
                     int64_t minute, const StatisticSet& samples,
                     uint32_t epoch);
  // The write of `samples` at `seconds` (Unix seconds, floored) when it
  // starts a new newest cell that is not the minute after the newest one
  // (TryAddToNewestMinute takes that): after a gap of minutes, or the first
  // cell since retention dropped them all, of a minute-aligned metric of
  // unit `unit` with neither running totals nor raw samples, the vectors
  // having room. Everything AddToCell would do, without its search; false
  // (nothing written) otherwise. The slow paths try it first.
  bool StoreAfterGap(MetricIndex index, Unit unit, int64_t seconds,
                     const StatisticSet& samples);
  // Add for `seconds` (Unix seconds, floored): its fast path, else AddSlow.
  void AddAt(MetricIndex index, Unit unit, int64_t seconds,
             const StatisticSet& samples);
  // Add's general path (every case its fast path does not take): the
  // samples into the cell of `seconds` (Unix seconds) through AddToCell.
  // Out of line, so that the fast path saves few registers.
  __attribute__((noinline)) void AddSlow(MetricIndex index, Unit unit,
                                         int64_t seconds,
                                         const StatisticSet& samples);
  // AddScrape's general path for one value (every case
  // TryAddToNewestMinute does not take): AddToCell, and the raw sample when
  // kept. Out of line, so that the scrape loop keeps its values in
  // registers.
  __attribute__((noinline)) void AddValueSlow(MetricIndex index, Unit unit,
                                              int64_t cell, double value);
  // AddToCell's slow path for late data.
  static void InsertCell(UnitCells& cells, int64_t cell,
                         const StatisticSet& samples);
  // The raw-sample distribution of `cell` for `unit` of metric `index`,
  // created when missing. Precondition: samples_enabled(index).
  SampleDistribution& SampleCell(MetricIndex index, Unit unit, int64_t cell);
  void AddSamples(MetricIndex index, const MetricDatum& datum, int64_t cell);
  // Checks a batch for AddScrape/AddColumn; OK or the first problem.
  absl::Status CheckBatch(absl::string_view api, Unit unit,
                          absl::Span<const MetricIndex> metrics,
                          absl::Span<const int64_t> unix_seconds,
                          absl::Span<const double> values) const;

  // Per metric, dense (indexed by MetricIndex, kept apart from `metrics_` so
  // that the evaluator reads one contiguous record per alarm's metric):
  //
  // - change tracking (BeginReadEpoch): the epoch of the metric's latest
  //   write and the earliest cell written during that epoch;
  // - the minute tail (MinuteCell): while every cell the metric ever had is
  //   minute-aligned (standard-resolution data, spec 1.5) and of one unit, a
  //   copy of its newest cell and of the cell of the minute before it (an
  //   empty set when that minute has none), so that a Period-60 evaluation
  //   reads its bucket here instead of walking the Metric record (which
  //   holds the first unit's cell vectors) and the tails of `starts` and
  //   `sets` (dependent cache misses at a million metrics);
  // - whether running totals are kept (EnableRunningTotals) and whether raw
  //   samples are (EnableSamples): the write path tests the flags it has in
  //   hand instead of looking the side tables up.
  //
  // Layout: a 16-byte head per metric (`tails_`, four to a cache line) and
  // the two cell copies in two arrays by minute parity (`minute_cells_`,
  // the copy of minute M is minute_cells_[M & 1][index]). A round reads
  // every alarm's bucket from the same array, so it streams 16 + 32 bytes
  // per metric (the head and one copy), and ingest of the next minute
  // writes the other array.
  //
  // NoteWrite and AddToCell (the general write path) and the minute fast
  // paths (NoteMinuteWrite, AppendMinuteCell) keep it up to date.
  struct Tail {
    // `min_cell10` and `epoch` as one word that orders them for NewCell:
    // `epoch` in the high half and `min_cell10` in the low half, order
    // reversed (x ^ INT32_MAX maps int32 order onto reversed uint32
    // order). Then "epoch at most E, or E + 1 with min_cell10 at least s"
    // is Stamp(t) <= (E << 32) + StampLimit(s). The two fields are the
    // record's first 8 bytes, min_cell10 first, so that a little-endian
    // machine loads the word at once (GCC does not merge the two loads).
    // Read epochs do not wrap (2^32 rounds).
    static uint64_t Stamp(const Tail& t) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
      uint64_t word;
      std::memcpy(&word, &t, sizeof(word));
      return word ^ uint64_t{INT32_MAX};
#else
      return (uint64_t{t.epoch} << 32) |
             (static_cast<uint32_t>(t.min_cell10) ^ uint32_t{INT32_MAX});
#endif
    }
    // (1 << 32) + s reversed, for `start10` s within int32. No min_cell10
    // is at least a later s (only epochs up to E pass); an earlier one is
    // taken as INT32_MIN, which every min_cell10 is at least (kBeforeAll
    // stands for every write before it).
    static uint64_t StampLimit(int64_t start10) {
      if (start10 > INT32_MAX) return (uint64_t{1} << 32) - 1;
      const int32_t s =
          start10 < INT32_MIN ? INT32_MIN : static_cast<int32_t>(start10);
      return (uint64_t{1} << 32) |
             (static_cast<uint32_t>(s) ^ uint32_t{INT32_MAX});
    }
    static constexpr int32_t kNoMinute = INT32_MIN;  // No cell yet.
    // min_cell10 of a write before INT32_MIN x 10 s: the change is reported
    // as kUnknownChange.
    static constexpr int32_t kBeforeAll = INT32_MIN;
    static constexpr uint8_t kMirror = 1;   // The copies mirror the cells.
    static constexpr uint8_t kHasUnit = 2;  // `unit` is the metric's unit.
    static constexpr uint8_t kTotals = 4;   // Running totals are kept.
    static constexpr uint8_t kSamples = 8;  // Raw samples are kept.
    // The earliest cell written during `epoch`, in units of 10 s (cells are
    // multiples of kStorageCellSeconds); clamped down to kBeforeAll and up
    // to INT32_MAX (a lower bound, which readers may always be given).
    int32_t min_cell10 = 0;
    uint32_t epoch = 0;
    // The newest cell's start in minutes (Unix seconds / 60) while
    // kMirror; kNoMinute when it has none.
    int32_t newest_minute = kNoMinute;
    uint8_t flags = kMirror;
    uint8_t unit = 0;
  };
  static_assert(sizeof(Tail) == 16, "four tail heads per cache line");
  static_assert(offsetof(Tail, min_cell10) == 0 && offsetof(Tail, epoch) == 4,
                "Tail::Stamp reads the two as one word");
  // A read prefetch of the line holding `p`. GCC 12 at -O2 dropped both
  // __builtin_prefetch calls from the evaluation loop once PrefetchTail had
  // two of them (one survived), so on x86-64 it is an asm statement.
  // MinuteCell's answer from `index`'s tail `t`; `unit` is a Unit or
  // kAnyUnit.
  static bool TailCell(const Tail& t, MetricIndex index, uint8_t unit,
                       const MinuteQuery& q, StatisticSet* out) {
    if (!(t.flags & Tail::kMirror)) return false;
    if (unit != MinuteQuery::kAnyUnit && (t.flags & Tail::kHasUnit) &&
        t.unit != unit) {
      *out = StatisticSet();  // The metric's only unit is another one.
      return true;
    }
    // Every cell is minute-aligned, so the minute holds at most the cell
    // that starts at `start`. The tail knows the newest cell's minute and
    // the minute before it (an empty copy when that minute has no cell):
    // `newer` 0 or 1, the steady case, tested first in one compare.
    const int64_t newer = int64_t{t.newest_minute} - q.minute;
    if (static_cast<uint64_t>(newer) <= 1) {
      *out = q.copies[index];
    } else if (newer < 0) {  // Also when there is no cell at all.
      *out = StatisticSet();
    } else {
      return false;
    }
    return true;
  }
  // 2^39: a cell whose SampleCount and Sum are integers within +-2^39 counts
  // exactly in running totals (CellPrefix, RunningWindow); with at most
  // 2^14 cells per bucket every partial sum stays within 2^53, where
  // doubles hold every integer.
  static constexpr double kExactCellLimit = 549755813888.0;
  static constexpr size_t kMaxExactBucketCells = size_t{1} << 14;
  // `v` as an integer when it is one within +-kExactCellLimit.
  __attribute__((always_inline)) static bool ExactInteger(double v,
                                                       int64_t* out) {
    if (!(v >= -kExactCellLimit && v <= kExactCellLimit)) return false;  // NaN.
    const int64_t i = static_cast<int64_t>(v);
    if (static_cast<double>(i) != v) return false;
    *out = i;
    return true;
  }
  // A window's totals while they are counted (AggregateRunningWindowAt),
  // in full width: within +-2^53 for at most 2^14 cells of the CellPrefix
  // rule, so never wrapping.
  struct WindowTotals {
    int64_t count = 0;
    int64_t sum = 0;
    bool exact = true;  // Every cell counted was such an integer.
  };
  // `totals` with `set` added (sign +1) or taken out (-1), under the
  // CellPrefix rule: exact integers are counted, others only noted.
  static void Tally(const StatisticSet& set, int64_t sign,
                    WindowTotals* totals);
  // A Unit as the tail's one byte; nullopt (every unit) as kAnyUnit.
  static uint8_t UnitByte(std::optional<Unit> unit) {
    return unit.has_value() ? static_cast<uint8_t>(*unit)
                            : MinuteQuery::kAnyUnit;
  }
  static void PrefetchLine(uintptr_t address) {
    internal::PrefetchLine(address);
  }
  static int32_t Cell10(int64_t cell) {
    const int64_t c = cell / kStorageCellSeconds;
    if (c <= INT32_MIN) return Tail::kBeforeAll;
    return c >= INT32_MAX ? INT32_MAX : static_cast<int32_t>(c);
  }
  Tail& TailOf(MetricIndex index) {
    if (index >= tails_.size()) GrowTails();
    return tails_[index];
  }
  // Sizes the tails and both copy arrays for every interned metric (the
  // three always have one size).
  void GrowTails() {
    tails_.resize(metrics_.size());
    minute_cells_[0].resize(metrics_.size());
    minute_cells_[1].resize(metrics_.size());
  }
  // Forced inline: PutKeyed called it out of line (GCC), a call per datum.
  __attribute__((always_inline)) void NoteWrite(MetricIndex index,
                                                int64_t cell) {
    Tail& w = TailOf(index);
    const int32_t cell10 = Cell10(cell);
    if (w.epoch != epoch_) {
      w.epoch = epoch_;
      w.min_cell10 = cell10;
      if (w.flags & Tail::kTotals) dirty_metrics_.push_back(index);
    } else if (cell10 < w.min_cell10) {
      w.min_cell10 = cell10;
    }
    written_since_epoch_ = true;
  }
  // Re-reads metric `index`'s newest cell and the minute before it into its
  // tail (after late data, DropBefore or ImportState) when the mirror is on.
  void RefreshTail(MetricIndex index);
  PerMetric<Tail> tails_;
  PerMetric<StatisticSet> minute_cells_[2];  // Line-aligned: one line a copy.
  // Metrics with running totals written in the current epoch (each once),
  // whose totals SyncPrefixes updates from their Tail::min_cell10.
  std::vector<MetricIndex> dirty_metrics_;
  void SyncPrefixes();
  // Recomputes `prefix`, the running totals of `cells`, from cell `from`
  // (an index) to the end.
  static void SyncPrefix(const UnitCells& cells, std::vector<CellPrefix>& prefix,
                         size_t from);
  // Running totals of the metrics with EnableRunningTotals: per metric, one
  // vector per unit (by position in Metric::units). `prefix[i]` holds the
  // totals of cells [0, i) (after DropBefore, of the cells since some
  // dropped one: only differences are used). Up to date when it has
  // starts.size() + 1 entries and nothing was written since the last
  // BeginReadEpoch. Sums wrap modulo 2^64; a bucket's difference is exact
  // because its true value is far smaller.
  absl::flat_hash_map<MetricIndex, std::vector<std::vector<CellPrefix>>>
      prefixes_;
  // Raw samples of the metrics with EnableSamples (Tail::kSamples), one
  // entry per unit that has any.
  absl::flat_hash_map<MetricIndex, std::vector<UnitSamples>> samples_;
  uint32_t epoch_ = 1;
  bool written_since_epoch_ = true;
  int64_t dropped_before_ = INT64_MIN;

  PerMetric<Metric> metrics_;
  // Identities, by the same index as metrics_.
  MetricIdTable ids_;
};


inline MetricStore::MinuteQuery MetricStore::PrepareMinute(
    int64_t start) const {
  return MinuteQuery{start / 60,
                     start / kStorageCellSeconds,
                     Tail::StampLimit(start / kStorageCellSeconds),
                     minute_cells_[(start / 60) & 1].data(),
                     tails_.data(),
                     tails_.size(),
                     metrics_.size(),
                     start / kStorageCellSeconds > RunningWindow::kNoEnd &&
                             start / kStorageCellSeconds <= INT32_MAX - 6
                         ? start / kStorageCellSeconds
                         : INT64_MAX};
}

// Always inlined: the evaluator's serial loop calls it once per sliding
// alarm, and the call with its register saves was a tenth of the step.
inline __attribute__((always_inline)) bool
MetricStore::StepRunningWindowMinute(
    MetricIndex index, uint8_t unit, const MinuteQuery& q, int64_t period_s,
    uint32_t read_epoch, RunningWindow* w, StatisticSet* out) const {
  // The window ended at this minute's start (and its end + 60 s fits in
  // end10: q.step_start10), its totals kept.
  const uint64_t packed = w->packed_;
  if (w->end10_ != q.step_start10 || (packed & RunningWindow::kInexact) ||
      index >= q.tails_size) {
    return false;
  }
  const Tail& t = q.tails[index];
  // Minute-aligned cells of one unit, the query's (or none yet).
  if (!(t.flags & Tail::kMirror) ||
      (unit != MinuteQuery::kAnyUnit && (t.flags & Tail::kHasUnit) &&
       t.unit != unit)) {
    return false;
  }
  // Nothing written before the window's end since it was aggregated
  // (WrittenSinceAtOrAfter(index, read_epoch, end - 60)).
  if (t.epoch > read_epoch &&
      (t.epoch != read_epoch + 1 || t.min_cell10 < q.start10)) {
    return false;
  }
  // The minute that enters, [end - 60, end): at most one cell (cells are
  // minute-aligned), the newest one (newer == 0) or the one before it
  // (newer == 1), whose copy the tail keeps; none when the newest cell is
  // older (newer < 0, also when there is no cell at all). `after`: the
  // cells at or after the window's end, those two minutes' (the newest is
  // the last cell).
  const int64_t newer = int64_t{t.newest_minute} - q.minute;
  if (newer > 1) return false;
  const size_t after = newer < 0 ? 0 : static_cast<size_t>(newer) + 1;
  // The minute that leaves, [old_first, old_first + 60): at most the
  // window's first cell. No cell of the window was dropped (old_first is at
  // or after the retention horizon) or written (tested above) since it was
  // read, so its cells are the w->cells() before the last `after` cells,
  // wherever DropBefore has moved them (the precondition: `*w` is this
  // query's, so they are in the vectors). They are distinct minutes of
  // [old_first, old_end): when there are period / 60 of them, the first is
  // old_first's, without reading its start.
  const int64_t old_first = q.start10 * kStorageCellSeconds - period_s;
  if (old_first < dropped_before_) return false;
  const Metric& metric = metrics_[index];
  if (metric.units.size() != 1) return false;
  const UnitCells& cells = *metric.units.data();  // Inline, unlike front().
  const uint32_t window_cells = static_cast<uint32_t>(packed >> 1) &
                                RunningWindow::kMaxCells;
  // The window's cells are taken to be [lo, lo + window_cells), the cells
  // before the last `after`. That is checked, not trusted: the cells there
  // must lie in the old window [old_first, old_end), the one before them
  // before it and the one after them at or after its end; otherwise (fewer
  // cells than that, or a window not over these cells) the window is walked
  // (AggregateRunningWindowAt, exact). Never indexes outside the cells.
  const size_t cell_count = cells.starts.size();
  if (cell_count < after + window_cells) return false;
  const size_t lo = cell_count - after - window_cells;
  const int64_t old_end = q.start10 * kStorageCellSeconds;
  if ((lo > 0 && cells.starts[lo - 1] >= old_first) ||
      (window_cells != 0 && (cells.starts[lo] < old_first ||
                             cells.starts[lo + window_cells - 1] >= old_end)) ||
      (after != 0 && cells.starts[lo + window_cells] < old_end)) {
    return false;
  }
  uint32_t left = 0;
  int64_t out_count = 0;
  int64_t out_sum = 0;
  if (window_cells != 0 && (int64_t{window_cells} * 60 == period_s ||
                            cells.starts[lo] < old_first + 60)) {
    // In the window, so an exact cell (the window is exact): the casts are
    // exact.
    left = 1;
    out_count = static_cast<int64_t>(cells.sets[lo].sample_count);
    out_sum = static_cast<int64_t>(cells.sets[lo].sum);
  }
  // The entering cell's copy is an empty set when the minute has no cell;
  // an empty copy of the minute before the newest cannot tell a cell with
  // no samples from none, so that case walks.
  uint32_t entered = 0;
  int64_t in_count = 0;
  int64_t in_sum = 0;
  if (newer >= 0) {
    const StatisticSet& in = q.copies[index];
    if ((newer == 1 && in.empty()) ||
        !(ExactInteger(in.sample_count, &in_count) &&
          ExactInteger(in.sum, &in_sum))) {
      return false;
    }
    entered = 1;
  }
  const uint32_t count = window_cells - left + entered;
  // Full-width totals, exact (within +-2^53), kept when they fit the record.
  const int64_t new_count = int64_t{w->count_} + in_count - out_count;
  const int64_t new_sum =
      (static_cast<int64_t>(packed) >> RunningWindow::kSumShift) + in_sum -
      out_sum;
  if (count > kMaxExactBucketCells ||
      !RunningWindow::TotalsFit(new_count, new_sum)) {
    return false;
  }
  w->end10_ += 6;
  w->count_ = static_cast<uint32_t>(new_count);
  w->packed_ = RunningWindow::PackExact(new_sum, count);
  // At most 2^14 exact cells: the totals are the left-to-right sums.
  *out = StatisticSet();
  out->sample_count = static_cast<double>(new_count);
  out->sum = static_cast<double>(new_sum);
  return true;
}

inline int64_t MetricStore::FastMinuteOf(int64_t seconds) {
  constexpr int64_t kFirst = (kLowFastMinute + 1) * 60;
  constexpr int64_t kLast = kHighFastMinute * 60 + kStorageCellSeconds - 1;
  // Unsigned: one compare for both bounds, and a division without the
  // rounding toward zero of negative values.
  const uint64_t offset =
      static_cast<uint64_t>(seconds) - static_cast<uint64_t>(kFirst);
  if (offset > static_cast<uint64_t>(kLast - kFirst)) return kNotFastMinute;
  const uint64_t minutes = offset / 60;
  if (offset - minutes * 60 >= static_cast<uint64_t>(kStorageCellSeconds)) {
    return kNotFastMinute;
  }
  return static_cast<int64_t>(minutes) + kLowFastMinute + 1;
}

inline uint16_t MetricStore::MinuteWriteKey(Unit unit) {
  constexpr unsigned kFlags = Tail::kMirror | Tail::kHasUnit;
  const unsigned unit_byte = static_cast<uint8_t>(unit);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  return static_cast<uint16_t>(kFlags << 8 | unit_byte);
#else
  return static_cast<uint16_t>(unit_byte << 8 | kFlags);
#endif
}

inline bool MetricStore::TakesMinuteWrite(const Tail& t, uint16_t key) {
  static_assert(offsetof(Tail, unit) == offsetof(Tail, flags) + 1,
                "flags and unit are adjacent");
  uint16_t have;
  std::memcpy(&have, &t.flags, sizeof(have));
  return have == key;
}

inline void MetricStore::NoteMinuteWrite(Tail& t, uint32_t epoch,
                                         int64_t minute) {
  const int32_t cell10 = static_cast<int32_t>(minute * 6);
  if (t.epoch != epoch) {
    t.epoch = epoch;
    t.min_cell10 = cell10;
  } else if (cell10 < t.min_cell10) {
    t.min_cell10 = cell10;
  }
}

inline __attribute__((always_inline)) bool MetricStore::AppendMinuteCell(
    Tail& t, UnitCells& cells, MetricIndex index, int64_t minute,
    const StatisticSet& samples, uint32_t epoch) {
  if (cells.starts.size() == cells.starts.capacity() ||
      cells.sets.size() == cells.sets.capacity()) {
    return false;  // AddToCell grows the vectors.
  }
  if (cells.starts.size() == cells.starts.capacity() ||
      cells.sets.size() == cells.sets.capacity()) {
    // Tested just above; said again so that GCC drops push_back's
    // reallocation branch.
    __builtin_unreachable();
  }
  // The set in registers: the stores below may alias `samples`, so GCC
  // would load it again for the copy.
  const StatisticSet set = samples;
  // Lvalues: push_back(const T&) is inline in libstdc++, while
  // push_back(T&&) calls emplace_back, which GCC may keep out of line.
  const int64_t start = minute * 60;
  cells.starts.push_back(start);
  cells.sets.push_back(set);
  minute_cells_[minute & 1][index] = set;
  t.newest_minute = static_cast<int32_t>(minute);
  NoteMinuteWrite(t, epoch, minute);
  return true;
}

inline __attribute__((always_inline)) bool MetricStore::AppendNextMinute(
    Tail& t, Metric& metric, MetricIndex index, Unit unit,
    absl::Time timestamp, const StatisticSet& samples, uint32_t epoch) {
  // From the newest minute, not from the timestamp's minute (FastMinuteOf):
  // comparing the timestamp with the next minute's first cell needs neither
  // absl::ToUnixSeconds (a call) nor a division by 60.
  const int64_t nm = t.newest_minute;
  if (!(TakesMinuteWrite(t, MinuteWriteKey(unit)) &&
        static_cast<uint64_t>(nm - kLowFastMinute) <=
            static_cast<uint64_t>(kHighFastMinute - kLowFastMinute))) {
    return false;
  }
  const int64_t next = nm + 1;
  // The first 10-second cell of the next minute, [next * 60, next * 60 +
  // 10 s), compared as absl::Time (inline; the cell's ends are whole
  // seconds, so this is ToUnixSeconds(timestamp) in [next * 60, next * 60 +
  // 9]).
  if (timestamp < absl::FromUnixSeconds(next * 60) ||
      !(timestamp < absl::FromUnixSeconds(next * 60 + kStorageCellSeconds))) {
    return false;
  }
  // The minute before it is the previous newest cell: its copy stays.
  // data(), not front(): GCC keeps front()'s emptiness assertion.
  return AppendMinuteCell(t, *metric.units.data(), index, next, samples,
                          epoch);
}

}  // namespace cwalarm

#endif  // CWALARM_METRICS_METRIC_STORE_H_
