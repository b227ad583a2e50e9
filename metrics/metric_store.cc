// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "metrics/metric_store.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"

#include "metrics/period.h"

namespace cwalarm {
namespace {

// Floor of `seconds` to a multiple of `granularity` (> 0), also before the
// epoch: integer AlignDown on Unix seconds, which absl::ToUnixSeconds
// already floors.
inline int64_t FloorTo(int64_t seconds, int64_t granularity) {
  int64_t q = seconds / granularity;
  if (seconds % granularity < 0) --q;
  return q * granularity;
}

// PutMetricData's magnitude limit, 2^360 (S-UG-LIMITS; datapoint.cc's
// kMaxMagnitude, the same double).
constexpr double kMaxBatchMagnitude = 0x1p360;
// Batch timestamps must lie in the years 0001-9999 (ISO 8601 four-digit
// years): far beyond any real datum, and it keeps cell arithmetic exact.
constexpr int64_t kMinBatchSeconds = -62135596800;  // 0001-01-01T00:00:00Z
constexpr int64_t kMaxBatchSeconds = 253402300799;  // 9999-12-31T23:59:59Z

std::string ShowValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return absl::StrCat(v);
}

}  // namespace

// Inlined into PutKeyed (GCC kept it out of line: a call per datum).
inline __attribute__((always_inline)) bool MetricStore::PlainValueValid(
    const MetricDatum& datum, const IngestWindow& window) {
  // Exactly ValidateMetricDatumValues(datum, context, clock)'s acceptance
  // for this shape: one value form (Value; Counts are only read with
  // Values), |Value| <= 2^360 (NaN fails), a Unit of the enum,
  // StorageResolution 1 or 60, and clock - 14 days <= Timestamp <=
  // clock + 2 hours. Anything else goes to the full check, which names the
  // problem.
  return datum.value.has_value() && datum.values.empty() &&
         !datum.statistic_values.has_value() &&
         std::fabs(*datum.value) <= kMaxBatchMagnitude &&
         static_cast<unsigned>(datum.unit) < static_cast<unsigned>(kUnitCount) &&
         (datum.storage_resolution == 60 || datum.storage_resolution == 1) &&
         !(datum.timestamp < window.earliest) &&
         !(datum.timestamp > window.latest);
}

MetricIndex MetricStore::InternNew(absl::string_view key, uint64_t hash,
                                   const MetricId& id) {
  const MetricIndex index = ids_.Insert(key, hash, id);
  if (metrics_.size() == metrics_.capacity()) {
    metrics_.reserve(internal::NextPerMetricCapacity(metrics_.capacity()));
  }
  metrics_.emplace_back();
  return index;
}

void MetricStore::Reserve(size_t metrics) {
  ids_.Reserve(metrics);
  if (metrics > metrics_.capacity()) metrics_.reserve(metrics);
}

std::optional<MetricIndex> MetricStore::Find(const MetricId& id) const {
  const MetricIndex index = ids_.Find(id, MetricIdTable::Hash(id));
  if (index == MetricIdTable::kNone) return std::nullopt;
  return index;
}

MetricIndex MetricStore::Intern(const MetricId& id) {
  const uint64_t hash = MetricIdTable::Hash(id);
  const MetricIndex known = ids_.Find(id, hash);
  if (known != MetricIdTable::kNone) return known;
  MetricKeyBuilder key(id);
  return InternNew(key.view(), hash, id);
}

absl::Status MetricStore::Put(const MetricDatum& datum,
                              absl::string_view context) {
  return PutOne(datum, context, nullptr);
}

absl::Status MetricStore::PutOne(const MetricDatum& datum,
                                 absl::string_view context,
                                 const absl::Time* ingest_clock) {
  const uint64_t hash = MetricIdTable::Hash(datum.metric);
  const MetricIndex candidate = ids_.Probe(hash);
  if (candidate != MetricIdTable::kNone) {
    // The record is needed once the entry matches: overlap the two misses.
    __builtin_prefetch(&metrics_[candidate]);
  }
  return PutKeyed(datum, context, ingest_clock, hash, candidate);
}

absl::Status MetricStore::PutKeyed(const MetricDatum& datum,
                                   absl::string_view context,
                                   const absl::Time* ingest_clock,
                                   uint64_t hash, MetricIndex candidate,
                                   const IngestWindow* window) {
  MetricIndex known = candidate;
  MetricIdTable::Match how = known == MetricIdTable::kNone
                                 ? MetricIdTable::Match::kNo
                                 : ids_.Compare(known, datum.metric);
  if (how == MetricIdTable::Match::kNo) {
    known = ids_.Find(datum.metric, hash, &how);
  }
  // A metric whose id passed ValidateMetricId before skips the id rules when
  // the datum names it with the same pieces: the rules come first in
  // ValidateMetricDatum and depend only on the pieces, so the result
  // (message included) is the same. The same key spelled with other pieces
  // ("App\x1fx" "D\x1ev" for {"App", "x", {D: v}}) is the same metric but
  // gets the id rules, so an invalid spelling is rejected, not stored.
  const bool id_valid =
      how == MetricIdTable::Match::kSamePieces && ids_.flag(known);
  absl::Status status;
  if (id_valid && window != nullptr && PlainValueValid(datum, *window)) {
    // ValidateMetricDatumValues would accept it: nothing to format or check.
  } else if (ingest_clock != nullptr) {
    status = id_valid
                 ? ValidateMetricDatumValues(datum, context, *ingest_clock)
                 : ValidateMetricDatum(datum, context, *ingest_clock);
  } else {
    status = id_valid ? ValidateMetricDatumValues(datum, context)
                      : ValidateMetricDatum(datum, context);
  }
  if (!status.ok()) return status;
  // The one-Value datum's set without a call (ToStatisticSet's first case).
  const StatisticSet samples = datum.value.has_value()
                                   ? StatisticSet::Of(*datum.value)
                                   : datum.ToStatisticSet();
  // A Values/Counts datum whose counts are all zero carries no sample (and
  // does not intern its metric).
  if (samples.empty()) return absl::OkStatus();
  MetricIndex index = known;
  if (index == MetricIdTable::kNone) {
    // A new metric: the only time its key is built.
    MetricKeyBuilder key(datum.metric);
    index = InternNew(key.view(), hash, datum.metric);
  }
  if (!id_valid) ids_.set_flag(index);
  // Standard-resolution data is stored at minute granularity (spec 1.5): a
  // 10/20/30-second alarm sees it only in the bucket holding the minute's
  // start. High-resolution data (StorageResolution 1) keeps its 10 s cell.
  const int64_t seconds = absl::ToUnixSeconds(datum.timestamp);
  const int64_t cell = datum.storage_resolution == 1
                           ? FloorTo(seconds, kStorageCellSeconds)
                           : FloorTo(seconds, 60);
  // Metrics with raw samples never take the fast path.
  if (TryAddToNewestMinute(index, datum.unit, cell, samples)) {
    return absl::OkStatus();
  }
  AddToCell(index, CellsFor(metrics_[index], datum.unit), cell, samples);
  // The only cost for metrics without extended-statistic alarms: one test
  // (AddToCell sized tails_).
  if (tails_[index].flags & Tail::kSamples) AddSamples(index, datum, cell);
  return absl::OkStatus();
}

PutMetricDataResult MetricStore::PutMetricData(
    absl::Span<const MetricDatum> data, absl::Time ingest_clock) {
  PutMetricDataResult result;
  // The timestamp window, computed as ValidateMetricDatumValues computes it.
  const IngestWindow window{ingest_clock - kMaxDatumAge,
                            ingest_clock + kMaxDatumLead};
  // "MetricData.member.<i+1>", formatted in place: no allocation per datum.
  constexpr absl::string_view kPrefix = "MetricData.member.";
  char context[64];
  std::memcpy(context, kPrefix.data(), kPrefix.size());
  context[kPrefix.size()] = '0';  // Member 0, counted up before each datum.
  size_t digits = 1;
  // Batched lookup: with many metrics every lookup misses the cache three
  // times in a row (hash slot, entry address, entry) before the metric's
  // record and cells. Doing each step for a whole batch before the next
  // overlaps the misses of different datums. The datums are then stored
  // one by one in request order exactly as Put stores them: a candidate is
  // confirmed against the id, and a miss is looked up again (an earlier
  // datum of the batch may have interned the metric).
  constexpr size_t kBatch = 256;
  uint64_t hashes[kBatch];
  MetricIndex candidates[kBatch];
  for (size_t base = 0; base < data.size(); base += kBatch) {
    const size_t n = std::min(kBatch, data.size() - base);
    // Hashed from the ids' strings in place: no key is built for a known
    // metric (MetricIdTable::Hash(id), Matches(index, id)).
    for (size_t j = 0; j < n; ++j) {
      hashes[j] = MetricIdTable::Hash(data[base + j].metric);
      ids_.PrefetchSlot(hashes[j]);
    }
    // A software pipeline, kDistance datums between stages: probe the slot
    // (prefetched above) and prefetch the entry's address and the record
    // (which holds the first unit's cell vectors); then prefetch the entry,
    // and, from the record, the tail head, the minute copy and the cell
    // tails; then store. About 2 * kDistance datums are in flight.
    constexpr size_t kDistance = 8;
    for (size_t k = 0; k < n + 2 * kDistance; ++k) {
      if (k < n) {
        candidates[k] = ids_.Probe(hashes[k]);
        if (candidates[k] != MetricIdTable::kNone) {
          ids_.PrefetchEntryAddress(candidates[k]);
          PrefetchRecord(candidates[k]);
        }
      }
      if (k >= kDistance && k - kDistance < n &&
          candidates[k - kDistance] != MetricIdTable::kNone) {
        ids_.PrefetchEntry(candidates[k - kDistance]);
        PrefetchCells(candidates[k - kDistance],
                      absl::ToUnixSeconds(data[base + k - kDistance].timestamp));
      }
      if (k < 2 * kDistance) continue;
      const size_t j = k - 2 * kDistance;
      const size_t i = base + j;
      // The member number i + 1, counted up in decimal in place.
      size_t d = digits;
      while (d > 0 && context[kPrefix.size() + d - 1] == '9') {
        context[kPrefix.size() + --d] = '0';
      }
      if (d > 0) {
        ++context[kPrefix.size() + d - 1];
      } else {  // 9...9 + 1: one more digit.
        context[kPrefix.size()] = '1';
        context[kPrefix.size() + digits++] = '0';
      }
      const absl::string_view ctx(context, kPrefix.size() + digits);
      absl::Status status = PutKeyed(data[i], ctx, &ingest_clock, hashes[j],
                                     candidates[j], &window);
      if (!status.ok()) {
        result.rejected.push_back({i, std::move(status)});
        continue;
      }
      ++result.accepted;
    }
  }
  return result;
}

// Cell side: what AddToCell will write for metric `index` (an index of
// metrics_ whose record was prefetched a few datums earlier): the tail head,
// the minute copy of the datum's minute, and the tails of the first unit's
// `starts` and `sets`, whose vectors are inside the record. Prefetches
// never fault; a wrong guess only costs bandwidth. Keep in step with
// AddToCell's layout.
void MetricStore::PrefetchCells(MetricIndex index,
                                int64_t unix_seconds) const {
  if (index < tails_.size()) {
    // The datum is not validated yet: any timestamp, so the minute's floor
    // without FloorTo's multiplication (which overflows near the int64
    // ends, as UBSan found with the fast-acceptance test's far timestamps).
    int64_t minute = unix_seconds / 60;
    if (unix_seconds % 60 < 0) --minute;
    __builtin_prefetch(&tails_[index], 1);
    __builtin_prefetch(&minute_cells_[minute & 1][index], 1);
  }
  const Metric& metric = metrics_[index];
  if (metric.units.empty()) return;
  const UnitCells& u = metric.units.front();
  if (u.starts.empty() || u.sets.empty()) return;
  __builtin_prefetch(u.starts.data() + u.starts.size() - 1, 1);
  __builtin_prefetch(u.sets.data() + u.sets.size() - 1, 1);
  __builtin_prefetch(u.sets.data() + u.sets.size(), 1);
}

void MetricStore::EnableSamples(MetricIndex index) {
  assert(index < metrics_.size());
  TailOf(index).flags |= Tail::kSamples;
}

SampleDistribution& MetricStore::SampleCell(MetricIndex index, Unit unit,
                                            int64_t cell) {
  std::vector<UnitSamples>& units = samples_[index];
  UnitSamples* cells = nullptr;
  for (UnitSamples& u : units) {
    if (u.unit == unit) cells = &u;
  }
  if (cells == nullptr) {
    units.push_back(UnitSamples{unit, {}, {}});
    cells = &units.back();
  }
  if (!cells->starts.empty() && cells->starts.back() == cell) {
    return cells->cells.back();
  }
  auto it = std::lower_bound(cells->starts.begin(), cells->starts.end(), cell);
  const size_t pos = static_cast<size_t>(it - cells->starts.begin());
  if (it == cells->starts.end() || *it != cell) {
    cells->starts.insert(it, cell);
    cells->cells.insert(cells->cells.begin() + static_cast<std::ptrdiff_t>(pos),
                        SampleDistribution());
  }
  return cells->cells[pos];
}

void MetricStore::AddSamples(MetricIndex index, const MetricDatum& datum,
                             int64_t cell) {
  SampleDistribution& d = SampleCell(index, datum.unit, cell);
  if (datum.value.has_value()) {
    d.Add(*datum.value);
  } else if (datum.statistic_values.has_value()) {
    // Usable only in the two degenerate shapes (spec 1.4).
    d.AddStatisticSet(*datum.statistic_values);
  } else {
    for (size_t i = 0; i < datum.values.size(); ++i) {
      d.Add(datum.values[i], datum.counts.empty() ? 1.0 : datum.counts[i]);
    }
  }
}

void MetricStore::AggregateSampleBuckets(
    MetricIndex index, std::optional<Unit> unit, absl::Time first,
    absl::Duration period, absl::Span<SampleDistribution> out) const {
  for (SampleDistribution& d : out) d.Clear();
  if (out.empty() || !samples_enabled(index)) return;
  const auto units = samples_.find(index);
  if (units == samples_.end()) return;
  const int64_t first_s = absl::ToUnixSeconds(first);
  const int64_t period_s = absl::ToInt64Seconds(period);
  const int64_t end_s = first_s + period_s * static_cast<int64_t>(out.size());
  for (const UnitSamples& cells : units->second) {
    if (unit.has_value() && cells.unit != *unit) continue;
    auto it = std::lower_bound(cells.starts.begin(), cells.starts.end(), first_s);
    for (size_t i = static_cast<size_t>(it - cells.starts.begin());
         i < cells.starts.size() && cells.starts[i] < end_s; ++i) {
      out[static_cast<size_t>((cells.starts[i] - first_s) / period_s)].Merge(
          cells.cells[i]);
    }
  }
}

// The write path's small functions are forced inline (GCC and Clang): the
// batch loops call them once per sample, and a call costs as much as the
// work (callgrind).
#define CWALARM_ALWAYS_INLINE inline __attribute__((always_inline))

CWALARM_ALWAYS_INLINE bool MetricStore::StoreInMinute(
    Tail& t, Metric& metric, MetricIndex index, uint16_t key, int64_t minute,
    const StatisticSet& samples, uint32_t epoch) {
  // The common case of a live feed, a scrape or a replay (see "The minute
  // fast paths" in the header): a sample for the minute after the newest
  // cell (tested first: a feed's first sample of each minute) or for the
  // newest cell. A later minute, after a gap, is StoreAfterGap's, in the
  // callers' out-of-line slow paths.
  // metric_store_batch_test's AddFastPathMatchesGeneralPath,
  // MinuteAppendsMatchTheGeneralPath and
  // LongScrapesEqualAddOneAtATimeCellsTailAndChanges compare it with the
  // general path on random writes (late data, gaps, units, retention,
  // snapshots).
  static_assert(60 % kStorageCellSeconds == 0, "a minute is whole cells");
  if (!TakesMinuteWrite(t, key)) return false;
  // kNotFastMinute and kNotFastMinute - 1 are no int32 minute.
  const int64_t nm = t.newest_minute;
  // data(), not front(): GCC keeps front()'s emptiness assertion.
  UnitCells& cells = *metric.units.data();
  assert(&t == &tails_[index] && &metric == &metrics_[index] &&
         epoch == epoch_ && metric.units.size() == 1 &&
         (nm == Tail::kNoMinute ? cells.starts.empty()
                                : cells.starts.back() == nm * 60));
  if (nm == minute - 1) {
    // A new newest cell, the minute after it, into room the vectors have
    // (the general path grows them). The minute before it is the previous
    // newest: its copy stays.
    return AppendMinuteCell(t, cells, index, minute, samples, epoch);
  }
  if (nm == minute) {
    StatisticSet& newest = cells.sets.back();
    newest.Merge(samples);
    minute_cells_[minute & 1][index] = newest;
    NoteMinuteWrite(t, epoch, minute);
    return true;
  }
  return false;
}

CWALARM_ALWAYS_INLINE bool MetricStore::TryAddToNewestMinute(
    MetricIndex index, Unit unit, int64_t seconds,
    const StatisticSet& samples) {
  if (index >= tails_.size() ||
      !StoreInMinute(tails_[index], metrics_[index], index,
                     MinuteWriteKey(unit), FastMinuteOf(seconds), samples,
                     epoch_)) {
    return false;
  }
  written_since_epoch_ = true;
  return true;
}

void MetricStore::AddAt(MetricIndex index, Unit unit, int64_t seconds,
                        const StatisticSet& samples) {
  assert(index < metrics_.size());
  if (__builtin_expect(TryAddToNewestMinute(index, unit, seconds, samples),
                       1)) {
    return;
  }
  AddSlow(index, unit, seconds, samples);
}

bool MetricStore::StoreAfterGap(MetricIndex index, Unit unit, int64_t seconds,
                                const StatisticSet& samples) {
  if (index >= tails_.size()) return false;
  Tail& t = tails_[index];
  if (!(t.flags == (Tail::kMirror | Tail::kHasUnit) &&
        t.unit == static_cast<uint8_t>(unit))) {
    return false;
  }
  // The first 10-second cell of its minute (minute-aligned cells keep the
  // mirror on), a minute within the fast range. No multiplication of
  // `seconds`, which may be anywhere in int64.
  int64_t second_of_minute = seconds % 60;
  int64_t minute = seconds / 60;
  if (second_of_minute < 0) {
    second_of_minute += 60;
    --minute;
  }
  // Later than the minute after the newest cell (kNoMinute, no cell, is
  // below every minute in range).
  if (second_of_minute >= kStorageCellSeconds || minute < kLowFastMinute ||
      minute > kHighFastMinute || minute <= int64_t{t.newest_minute} + 1) {
    return false;
  }
  Metric& metric = metrics_[index];
  UnitCells& cells = *metric.units.data();
  assert(metric.units.size() == 1 && cells.unit == unit &&
         (t.newest_minute == Tail::kNoMinute
              ? cells.starts.empty()
              : cells.starts.back() == int64_t{t.newest_minute} * 60));
  if (!AppendMinuteCell(t, cells, index, minute, samples, epoch_)) {
    return false;
  }
  // The minute before the new cell has none: the gap, or no cell at all.
  minute_cells_[(minute - 1) & 1][index] = StatisticSet();
  written_since_epoch_ = true;
  return true;
}

void MetricStore::AddSlow(MetricIndex index, Unit unit, int64_t seconds,
                          const StatisticSet& samples) {
  if (StoreAfterGap(index, unit, seconds, samples)) return;
  AddToCell(index, CellsFor(metrics_[index], unit),
            FloorTo(seconds, kStorageCellSeconds), samples);
}

CWALARM_ALWAYS_INLINE MetricStore::UnitCells& MetricStore::CellsFor(
    Metric& metric, Unit unit) {
  for (UnitCells& u : metric.units) {
    if (u.unit == unit) return u;
  }
  metric.units.push_back(UnitCells{unit, {}, {}});
  return metric.units.back();
}

CWALARM_ALWAYS_INLINE void MetricStore::AddToCell(MetricIndex index,
                                                  UnitCells& cells,
                                                  int64_t cell,
                                                  const StatisticSet& samples) {
  NoteWrite(index, cell);
  Tail& tail = tails_[index];  // NoteWrite sized tails_.
  // The minute tail mirrors the newest cell and the minute before it while
  // every cell is minute-aligned (its minute within int32) and of this one
  // unit; otherwise it is off for good.
  bool mirror = (tail.flags & Tail::kMirror) != 0;
  const int64_t minute = cell / 60;
  if (mirror &&
      (cell % 60 != 0 || minute <= Tail::kNoMinute || minute > INT32_MAX ||
       ((tail.flags & Tail::kHasUnit) &&
        tail.unit != static_cast<uint8_t>(cells.unit)))) {
    tail.flags &= static_cast<uint8_t>(~(Tail::kMirror | Tail::kHasUnit));
    mirror = false;
  }
  // Stored only when it changes: once kHasUnit is set, `unit` equals
  // cells.unit here (or the mirror went off above). Byte stores may alias
  // anything, so an unconditional one made the batch loops reload the
  // store's vectors after every sample.
  if (mirror && !(tail.flags & Tail::kHasUnit)) {
    tail.flags |= Tail::kHasUnit;
    tail.unit = static_cast<uint8_t>(cells.unit);
  }
  // In-order data merges into the newest cell or appends a new one: no
  // search, and no allocation once the vectors have grown (retention erases
  // from the front and keeps their capacity).
  if (!cells.starts.empty()) {
    const int64_t newest = cells.starts.back();
    if (cell == newest) {
      cells.sets.back().Merge(samples);
      if (mirror) minute_cells_[minute & 1][index] = cells.sets.back();
      return;
    }
    if (cell < newest) {
      InsertCell(cells, cell, samples);
      if (mirror) RefreshTail(index);
      return;
    }
  }
  cells.starts.push_back(cell);
  cells.sets.push_back(samples);
  if (mirror) {
    // The minute before the new cell keeps its copy when it is the previous
    // newest cell; otherwise it has no cell (cells only grow here).
    if (minute - 1 != tail.newest_minute) {
      minute_cells_[(minute - 1) & 1][index] = StatisticSet();
    }
    minute_cells_[minute & 1][index] = samples;
    tail.newest_minute = static_cast<int32_t>(minute);
  }
}

#undef CWALARM_ALWAYS_INLINE

void MetricStore::InsertCell(UnitCells& cells, int64_t cell,
                             const StatisticSet& samples) {
  // Late data is merged in place.
  auto it = std::lower_bound(cells.starts.begin(), cells.starts.end(), cell);
  const size_t pos = static_cast<size_t>(it - cells.starts.begin());
  if (it != cells.starts.end() && *it == cell) {
    cells.sets[pos].Merge(samples);
    return;
  }
  cells.starts.insert(it, cell);
  cells.sets.insert(cells.sets.begin() + static_cast<std::ptrdiff_t>(pos),
                    samples);
}

absl::Status MetricStore::CheckBatch(absl::string_view api, Unit unit,
                                     absl::Span<const MetricIndex> metrics,
                                     absl::Span<const int64_t> unix_seconds,
                                     absl::Span<const double> values) const {
  if (static_cast<int>(unit) < 0 || static_cast<int>(unit) >= kUnitCount) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MetricStore::", api, ": unit (", static_cast<int>(unit),
        ") is not a CloudWatch unit; nothing was stored"));
  }
  // `metrics` and `unix_seconds` have one entry per value, or one for all.
  const size_t n = values.size();
  const size_t m_step = metrics.size() == 1 ? 0 : 1;
  const size_t t_step = unix_seconds.size() == 1 ? 0 : 1;
  const size_t count = metrics_.size();
  // Branch-free passes, one per span, accept a valid batch; the slow pass
  // below only runs to name the first problem.
  MetricIndex max_index = 0;
  for (MetricIndex m : metrics) max_index = std::max(max_index, m);
  bool bad = !(max_index < count);
  for (double v : values) bad |= !(std::fabs(v) <= kMaxBatchMagnitude);
  for (int64_t t : unix_seconds) {
    bad |= (t < kMinBatchSeconds) | (t > kMaxBatchSeconds);
  }
  if (!bad) return absl::OkStatus();
  for (size_t i = 0; i < n; ++i) {
    const MetricIndex m = metrics[i * m_step];
    const absl::string_view m_field = m_step == 0 ? "index" : "metrics";
    if (m >= count) {
      return absl::InvalidArgumentError(absl::StrCat(
          "MetricStore::", api, ": ", m_field,
          m_step == 0 ? "" : absl::StrCat("[", i, "]"), " (", m,
          ") is not an interned metric (the store has ", count,
          "); nothing was stored"));
    }
    const std::string metric =
        absl::StrCat("metric \"", ids_.metric_name(m), "\" (index ", m, ")");
    if (!(std::fabs(values[i]) <= kMaxBatchMagnitude)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "MetricStore::", api, ": values[", i, "] (", ShowValue(values[i]),
          ") of ", metric,
          " must be a finite number within [-2^360, 2^360]; nothing was "
          "stored"));
    }
    const int64_t t = unix_seconds[i * t_step];
    if (t < kMinBatchSeconds || t > kMaxBatchSeconds) {
      return absl::InvalidArgumentError(absl::StrCat(
          "MetricStore::", api, ": ",
          t_step == 0 ? std::string("unix_seconds")
                      : absl::StrCat("unix_seconds[", i, "]"),
          " (", t, ") of ", metric,
          " must lie in the years 0001-9999 (", kMinBatchSeconds, " to ",
          kMaxBatchSeconds, "); nothing was stored"));
    }
  }
  return absl::OkStatus();
}

void MetricStore::AddValueSlow(MetricIndex index, Unit unit, int64_t cell,
                               double value) {
  if (StoreAfterGap(index, unit, cell, StatisticSet::Of(value))) return;
  AddToCell(index, CellsFor(metrics_[index], unit), cell,
            StatisticSet::Of(value));
  if (tails_[index].flags & Tail::kSamples) {
    SampleCell(index, unit, cell).Add(value);
  }
}

// The stages of AddScrape's pipeline are inlined into its loops (GCC kept
// them out of line, a call per stage and sample).
#define CWALARM_LAMBDA_INLINE __attribute__((always_inline))

absl::Status MetricStore::AddScrape(Unit unit, int64_t unix_seconds,
                                    absl::Span<const MetricIndex> metrics,
                                    absl::Span<const double> values) {
  if (metrics.size() != values.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MetricStore::AddScrape: metrics has ", metrics.size(),
        " entries but values has ", values.size(),
        "; they must have the same length; nothing was stored"));
  }
  if (values.empty()) return absl::OkStatus();
  absl::Status status =
      CheckBatch("AddScrape", unit, metrics,
                 absl::MakeConstSpan(&unix_seconds, 1), values);
  if (!status.ok()) return status;
  const int64_t cell = FloorTo(unix_seconds, kStorageCellSeconds);
  const size_t n = values.size();
  // Every sample's tail record and minute copies exist before the loop
  // (TailOf would size them at the first write anyway; a default Tail reads
  // as "never written"), so the stages below may prefetch them.
  if (tails_.size() < metrics_.size()) GrowTails();
  // Every sample of a checked batch is stored (by the fast path or
  // AddValueSlow), so the batch is a write.
  written_since_epoch_ = true;
  const uint32_t epoch = epoch_;
  const int64_t minute = FloorTo(cell, 60) / 60;
  // What the fast path compares for every sample, computed once.
  const int64_t fast_minute = FastMinuteOf(cell);
  const uint16_t key = MinuteWriteKey(unit);
  StatisticSet* const minute_copies = minute_cells_[minute & 1].data();
  // The per-metric arrays by value: the loop's stores (doubles, pointers in
  // the cell vectors) could otherwise alias the vectors' own pointers, which
  // GCC would reload for every sample. Neither array is resized below.
  Tail* const tails = tails_.data();
  Metric* const records = metrics_.data();
  const MetricIndex* const idx = metrics.data();
  const double* const val = values.data();
  auto store = [&](size_t i) CWALARM_LAMBDA_INLINE {
    const MetricIndex m = idx[i];
    // Metrics with raw samples never take the fast path.
    if (!StoreInMinute(tails[m], records[m], m, key, fast_minute,
                       StatisticSet::Of(val[i]), epoch)) {
      AddValueSlow(m, unit, cell, val[i]);
    }
  };
  // A store whose records, tails, minute copies and newest cells all stay
  // in the caches (about 400 bytes a metric, so a few thousand metrics fit
  // the 1 MiB L2 of a server core) gains nothing from prefetching, and the
  // requests cost ~15 instructions a sample: store straight away.
  constexpr size_t kPrefetchMinMetrics = 4096;
  if (metrics_.size() < kPrefetchMinMetrics) {
    for (size_t i = 0; i < n; ++i) store(i);
    return absl::OkStatus();
  }
  // A software pipeline. A sample reaches its cells through two dependent
  // loads (the Metric record, which holds the first unit's cell vectors;
  // the tails of `starts` and `sets`) and also writes its Tail record and
  // minute copy; with many metrics each one misses the cache. Stage 1
  // (kRecordAhead samples ahead) prefetches the Metric record, the Tail
  // record and the copy of the sample's minute (MinuteCell), whose
  // addresses come straight from the input; stage 2 (kCellAhead) the lines
  // the write will touch in the cell vectors, whose addresses stage 1
  // brought in: the newest set when the tail says the sample is for the
  // newest minute, else the ends of `starts` and `sets` (a new newest
  // cell). About kRecordAhead samples' misses are in flight at once.
  // Prefetches never fault, and a wrong guess (say, a tail not in yet)
  // only costs bandwidth.
  constexpr size_t kRecordAhead = 24;
  constexpr size_t kCellAhead = 12;
  static_assert(kCellAhead < kRecordAhead, "records come first");
  auto stage1 = [&](size_t k) CWALARM_LAMBDA_INLINE {
    const MetricIndex m = idx[k];
    PrefetchLine(reinterpret_cast<uintptr_t>(&records[m]));
    PrefetchLine(reinterpret_cast<uintptr_t>(&tails[m]));
    PrefetchLine(reinterpret_cast<uintptr_t>(&minute_copies[m]));
  };
  auto stage2 = [&](size_t k) CWALARM_LAMBDA_INLINE {
    const MetricIndex m = idx[k];
    const Metric& ahead = records[m];
    if (ahead.units.empty()) return;
    const UnitCells& u = *ahead.units.data();
    if (tails[m].newest_minute == minute) {
      PrefetchLine(reinterpret_cast<uintptr_t>(u.sets.data() + u.sets.size()) -
                   sizeof(StatisticSet));
    } else {
      PrefetchLine(
          reinterpret_cast<uintptr_t>(u.starts.data() + u.starts.size()));
      PrefetchLine(reinterpret_cast<uintptr_t>(u.sets.data() + u.sets.size()));
    }
  };
  // Step k runs stage 1 for sample k, stage 2 for k - (kRecordAhead -
  // kCellAhead) and stores sample k - kRecordAhead: samples are stored in
  // order, exactly as one-by-one Add would. The middle loop, where every
  // stage has a sample, runs without bounds tests.
  constexpr size_t kGap = kRecordAhead - kCellAhead;
  auto step = [&](size_t k) CWALARM_LAMBDA_INLINE {
    if (k < n) stage1(k);
    if (k >= kGap && k - kGap < n) stage2(k - kGap);
    if (k >= kRecordAhead) store(k - kRecordAhead);
  };
  if (n <= kRecordAhead) {
    // Too short for the pipeline (its fill and drain would be most of the
    // work): prefetch every record, then store in order.
    for (size_t i = 0; i < n; ++i) stage1(i);
    for (size_t i = 0; i < n; ++i) store(i);
    return absl::OkStatus();
  }
  size_t k = 0;
  for (; k < kRecordAhead; ++k) step(k);
  for (; k < n; ++k) {
    stage1(k);
    stage2(k - kGap);
    store(k - kRecordAhead);
  }
  for (; k < n + kRecordAhead; ++k) step(k);
  return absl::OkStatus();
}

#undef CWALARM_LAMBDA_INLINE

absl::Status MetricStore::AddColumn(MetricIndex index, Unit unit,
                                    absl::Span<const int64_t> unix_seconds,
                                    absl::Span<const double> values) {
  if (unix_seconds.size() != values.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MetricStore::AddColumn: unix_seconds has ", unix_seconds.size(),
        " entries but values has ", values.size(),
        "; they must have the same length; nothing was stored"));
  }
  if (values.empty()) return absl::OkStatus();
  absl::Status status = CheckBatch("AddColumn", unit,
                                   absl::MakeConstSpan(&index, 1),
                                   unix_seconds, values);
  if (!status.ok()) return status;
  UnitCells& cells = CellsFor(metrics_[index], unit);
  const bool samples = samples_enabled(index);
  for (size_t i = 0; i < values.size(); ++i) {
    const int64_t cell = FloorTo(unix_seconds[i], kStorageCellSeconds);
    AddToCell(index, cells, cell, StatisticSet::Of(values[i]));
    if (samples) SampleCell(index, unit, cell).Add(values[i]);
  }
  return absl::OkStatus();
}

StatisticSet MetricStore::Aggregate(MetricIndex index, std::optional<Unit> unit,
                                    absl::Time start, absl::Time end) const {
  StatisticSet out;
  AggregateBuckets(index, unit, start, end - start, absl::MakeSpan(&out, 1));
  return out;
}

void MetricStore::AggregateBuckets(MetricIndex index, std::optional<Unit> unit,
                                   absl::Time first, absl::Duration period,
                                   absl::Span<StatisticSet> out) const {
  AggregateBucketsAt(index, unit, absl::ToUnixSeconds(first),
                     absl::ToInt64Seconds(period), out);
}

void MetricStore::AggregateBucketsAt(MetricIndex index,
                                     std::optional<Unit> unit,
                                     int64_t first_s, int64_t period_s,
                                     absl::Span<StatisticSet> out) const {
  for (StatisticSet& s : out) s = StatisticSet();
  if (index >= metrics_.size() || out.empty()) return;
  const int64_t end_s = first_s + period_s * static_cast<int64_t>(out.size());
  for (const UnitCells& cells : metrics_[index].units) {
    if (unit.has_value() && cells.unit != *unit) continue;
    const std::vector<int64_t>& starts = cells.starts;
    // Evaluations read the newest cells: gallop back from the end, then
    // binary-search the last step, so the cost grows with the distance from
    // the newest cell, not with the length of the history.
    size_t hi = starts.size();
    size_t step = 1;
    while (hi >= step && starts[hi - step] >= first_s) {
      hi -= step;
      step *= 2;
    }
    size_t lo = hi >= step ? hi - step : 0;
    size_t i = static_cast<size_t>(
        std::lower_bound(starts.begin() + static_cast<std::ptrdiff_t>(lo),
                         starts.begin() + static_cast<std::ptrdiff_t>(hi),
                         first_s) -
        starts.begin());
    // Cells are sorted, so the bucket index only moves forward: advance it
    // instead of dividing for every cell.
    size_t k = 0;
    int64_t bucket_end = first_s + period_s;
    for (; i < starts.size() && starts[i] < end_s; ++i) {
      while (starts[i] >= bucket_end) {
        ++k;
        bucket_end += period_s;
      }
      out[k].Merge(cells.sets[i]);
    }
  }
}

namespace {

// The first index i <= hi with starts[i] >= t, given that every start from
// hi on is >= t: gallops back from hi, then binary-searches the last step,
// so the cost grows with the distance from hi.
inline size_t LowerBoundBack(const std::vector<int64_t>& starts, size_t hi,
                             int64_t t) {
  size_t step = 1;
  while (hi >= step && starts[hi - step] >= t) {
    hi -= step;
    step *= 2;
  }
  // starts[lo - 1] < t (or lo == 0) and starts[hi] >= t (or hi is the end):
  // a plain binary search in between (a few steps, inlined).
  size_t lo = hi >= step ? hi - step + 1 : 0;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (starts[mid] < t) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// The index of the first of `starts` at or after `t`, for a `t` among the
// newest cells: a bounded step back from the end (one per minute of a
// window when the metric publishes every minute), then LowerBoundBack's
// gallop when more cells lie at or after `t`.
inline size_t FirstFromBack(const std::vector<int64_t>& starts, int64_t t) {
  size_t i = starts.size();
  int budget = 16;
  while (i > 0 && starts[i - 1] >= t && budget > 0) {
    --i;
    --budget;
  }
  if (budget == 0 && i > 0 && starts[i - 1] >= t) {
    i = LowerBoundBack(starts, i, t);
  }
  return i;
}

// The first index i <= hi with starts[i] >= t, given that every start from
// hi on is >= t, starting from a guess `g` <= hi: a metric that publishes
// regularly puts the boundary at the guess, so the search reads one or two
// neighbouring starts instead of galloping over the bucket's cells (which
// are cache misses when many metrics are read).
inline size_t LowerBoundNear(const std::vector<int64_t>& starts, size_t hi,
                             size_t g, int64_t t) {
  if (g >= hi) return LowerBoundBack(starts, hi, t);
  if (starts[g] >= t) return LowerBoundBack(starts, g, t);
  // starts[g] < t <= starts[hi]: gallop forward from g, then bisect.
  size_t lo = g + 1;  // Invariant: starts[lo - 1] < t.
  size_t step = 1;
  while (lo + step <= hi && starts[lo + step - 1] < t) {
    lo += step;
    step *= 2;
  }
  size_t end = std::min(hi, lo + step - 1);  // starts[end] >= t or end == hi.
  while (lo < end) {
    const size_t mid = lo + (end - lo) / 2;
    if (starts[mid] < t) {
      lo = mid + 1;
    } else {
      end = mid;
    }
  }
  return lo;
}

}  // namespace

void MetricStore::AggregateWindowAt(MetricIndex index, std::optional<Unit> unit,
                                    int64_t first_s, int64_t period_s,
                                    StatisticSet* out) const {
  *out = StatisticSet();
  if (index >= metrics_.size()) return;
  const int64_t end_s = first_s + period_s;
  for (const UnitCells& cells : metrics_[index].units) {
    if (unit.has_value() && cells.unit != *unit) continue;
    const std::vector<int64_t>& starts = cells.starts;
    // The newest window's cells are the last few.
    size_t i = FirstFromBack(starts, first_s);
    // Left to right, as AggregateBucketsAt merges: the same sums, bit for
    // bit.
    for (; i < starts.size() && starts[i] < end_s; ++i) {
      out->Merge(cells.sets[i]);
    }
  }
}

void MetricStore::Tally(const StatisticSet& set, int64_t sign,
                        WindowTotals* totals) {
  int64_t count = 0;
  int64_t sum = 0;
  if (ExactInteger(set.sample_count, &count) && ExactInteger(set.sum, &sum)) {
    totals->count += sign * count;
    totals->sum += sign * sum;
  } else {
    totals->exact = false;
  }
}

void MetricStore::AggregateRunningWindowAt(MetricIndex index,
                                           std::optional<Unit> unit,
                                           int64_t first_s, int64_t period_s,
                                           bool extremes, uint32_t read_epoch,
                                           RunningWindow* w,
                                           StatisticSet* out) const {
  const int64_t end_s = first_s + period_s;
  // One unit, the query's (or any): the window is one run of cells. Other
  // metrics (no cells yet, two units, another unit) take the walk.
  const UnitCells* cells = nullptr;
  if (index < metrics_.size() && metrics_[index].units.size() == 1) {
    cells = &metrics_[index].units.front();
    if (unit.has_value() && cells->unit != *unit) cells = nullptr;
  }
  if (cells == nullptr) {
    *w = RunningWindow();
    AggregateWindowAt(index, unit, first_s, period_s, out);
    return;
  }
  const std::vector<int64_t>& starts = cells->starts;
  const AlignedSets& sets = cells->sets;
  const size_t n = starts.size();
  // The record still holds when it is an earlier window [old_first,
  // old_end) of this length that overlaps this one (or touches it), none of
  // whose cells were dropped since (old_first at or after the retention
  // horizon) or written since (a write at or after old_end is a cell that
  // enters now, or later; so the window's cells are still the w->cells()
  // before the first cell at or after old_end). A DropBefore before
  // old_first moves them to lower indices, which the search from the back
  // does not mind: the totals are kept, instead of walking the whole window
  // (P3600: 60 cells) once per alarm after every retention pass.
  const bool kept = w->end10_ != RunningWindow::kNoEnd;
  const int64_t old_end = int64_t{w->end10_} * kStorageCellSeconds;
  const int64_t old_first = kept ? old_end - period_s : INT64_MIN;
  const uint32_t old_cells = w->cells();
  bool keep = kept && first_s <= old_end && first_s >= old_first &&
              old_first >= dropped_before_ &&
              WrittenSinceAtOrAfter(index, read_epoch, old_end);
  size_t lo = 0;
  size_t hi = 0;
  if (keep) {
    hi = FirstFromBack(starts, old_end);
    lo = hi - old_cells;
    // Its cells, [old_first, old_end), are as they were, so this holds;
    // tested all the same, since a wrong `lo` would read out of bounds.
    keep = hi >= old_cells && (lo == hi || starts[lo] >= old_first) &&
           (lo == 0 || starts[lo - 1] < old_first);
  }
  // The totals follow the cells that leave and enter while the record's
  // are kept; otherwise they are counted afresh over the new window.
  const bool incremental = keep && w->exact();
  WindowTotals totals;
  if (incremental) {
    totals.count = w->count();
    totals.sum = w->sum();
  }
  if (keep) {
    // Leaving: the cells of [old_first, first). Entering: those of
    // [old_end, end), below.
    for (; lo < n && starts[lo] < first_s; ++lo) {
      if (incremental) Tally(sets[lo], -1, &totals);
    }
  } else {
    // A new record: the window's first cell as AggregateWindowAt finds it.
    lo = FirstFromBack(starts, first_s);
    hi = lo;
  }
  for (; hi < n && starts[hi] < end_s; ++hi) {
    if (incremental) Tally(sets[hi], 1, &totals);
  }
  if (!incremental) {
    for (size_t i = lo; i < hi; ++i) Tally(sets[i], 1, &totals);
  }
  // Kept when its end and cell count fit the record's narrow fields (see
  // RunningWindow); otherwise the next query starts over.
  const int64_t end10 = end_s / kStorageCellSeconds;
  if (end10 > RunningWindow::kNoEnd && end10 <= INT32_MAX &&
      hi - lo <= RunningWindow::kMaxCells) {
    w->end10_ = static_cast<int32_t>(end10);
    const uint32_t window_cells = static_cast<uint32_t>(hi - lo);
    if (totals.exact && RunningWindow::TotalsFit(totals.count, totals.sum)) {
      w->count_ = static_cast<uint32_t>(totals.count);
      w->packed_ = RunningWindow::PackExact(totals.sum, window_cells);
    } else {
      w->count_ = 0;
      w->packed_ = RunningWindow::PackExact(0, window_cells) |
                   RunningWindow::kInexact;
    }
  } else {
    *w = RunningWindow();
  }
  *out = StatisticSet();
  if (extremes || !totals.exact || hi - lo > kMaxExactBucketCells) {
    // Left to right, as AggregateBucketsAt merges: the same set.
    for (size_t i = lo; i < hi; ++i) out->Merge(sets[i]);
    return;
  }
  // At most 2^14 cells of integers within +-2^39: the totals are within
  // 2^53 and equal every left-to-right double sum (see kExactCellLimit).
  out->sample_count = static_cast<double>(totals.count);
  out->sum = static_cast<double>(totals.sum);
}

void MetricStore::SyncPrefix(const UnitCells& cells,
                             std::vector<CellPrefix>& prefix, size_t from) {
  if (prefix.empty()) prefix.emplace_back();
  from = std::min(from, prefix.size() - 1);
  prefix.resize(from + 1);
  CellPrefix running = prefix.back();
  for (size_t i = from; i < cells.sets.size(); ++i) {
    const StatisticSet& set = cells.sets[i];
    int64_t count = 0;
    int64_t sum = 0;
    if (ExactInteger(set.sample_count, &count) && ExactInteger(set.sum, &sum)) {
      running.count += static_cast<uint64_t>(count);
      running.sum += static_cast<uint64_t>(sum);
    } else {
      ++running.inexact;
    }
    prefix.push_back(running);
  }
}

void MetricStore::SyncPrefixes() {
  for (MetricIndex index : dirty_metrics_) {
    // A lower bound of the earliest cell written (exact in range).
    const int32_t min_cell10 = tails_[index].min_cell10;
    const int64_t min_cell = min_cell10 == Tail::kBeforeAll
                                 ? INT64_MIN
                                 : int64_t{min_cell10} * kStorageCellSeconds;
    const auto& units = metrics_[index].units;
    std::vector<std::vector<CellPrefix>>& prefixes = prefixes_[index];
    // A unit created since EnableRunningTotals starts with no totals.
    prefixes.resize(units.size());
    for (size_t u = 0; u < units.size(); ++u) {
      const UnitCells& cells = units[u];
      const std::vector<int64_t>& starts = cells.starts;
      const size_t n = starts.size();
      // The common case, data for the newest cell, without a search.
      size_t from;
      if (n == 0 || starts[n - 1] < min_cell) {
        from = n;
      } else if (n == 1 || starts[n - 2] < min_cell) {
        from = n - 1;
      } else {
        from = static_cast<size_t>(
            std::lower_bound(starts.begin(), starts.end(), min_cell) -
            starts.begin());
      }
      SyncPrefix(cells, prefixes[u], from);
    }
  }
  dirty_metrics_.clear();
}

bool MetricStore::AggregateCountSumAt(MetricIndex index,
                                      std::optional<Unit> unit,
                                      int64_t first_s, int64_t period_s,
                                      absl::Span<StatisticSet> out) const {
  constexpr size_t kMaxBuckets = 64;
  const size_t n = out.size();
  if (written_since_epoch_ || index >= tails_.size() || n > kMaxBuckets ||
      !(tails_[index].flags & Tail::kTotals)) {
    return false;
  }
  // Only the first n entries are used (and zeroed: R is usually 1-5).
  int64_t counts[kMaxBuckets];
  int64_t sums[kMaxBuckets];
  size_t cell_counts[kMaxBuckets];
  for (size_t k = 0; k < n; ++k) {
    counts[k] = 0;
    sums[k] = 0;
    cell_counts[k] = 0;
  }
  const auto totals = prefixes_.find(index);
  if (totals == prefixes_.end()) return false;
  const auto& units = metrics_[index].units;
  if (totals->second.size() != units.size()) return false;
  for (size_t u = 0; u < units.size(); ++u) {
    const UnitCells& cells = units[u];
    if (unit.has_value() && cells.unit != *unit) continue;
    const std::vector<int64_t>& starts = cells.starts;
    const std::vector<CellPrefix>& prefix = totals->second[u];
    if (prefix.size() != starts.size() + 1) return false;
    // Bucket boundaries from the newest back: each search starts where the
    // previous one ended.
    int64_t boundary = first_s + period_s * static_cast<int64_t>(n);
    size_t hi = LowerBoundBack(starts, starts.size(), boundary);
    // Cells per bucket if the metric publishes evenly over its history:
    // the guess for each next boundary.
    size_t per_bucket = 0;
    if (starts.size() >= 2) {
      const int64_t span = starts.back() - starts.front();
      per_bucket = static_cast<size_t>(
          static_cast<double>(period_s) *
          static_cast<double>(starts.size() - 1) / static_cast<double>(span));
    }
    for (size_t k = n; k-- > 0;) {
      boundary -= period_s;
      const size_t guess = hi >= per_bucket ? hi - per_bucket : 0;
      const size_t lo = LowerBoundNear(starts, hi, guess, boundary);
      const CellPrefix& a = prefix[lo];
      const CellPrefix& b = prefix[hi];
      if (a.inexact != b.inexact) return false;
      // Modulo 2^64, then back to signed: exact, as |total| < 2^53.
      counts[k] += static_cast<int64_t>(b.count - a.count);
      sums[k] += static_cast<int64_t>(b.sum - a.sum);
      cell_counts[k] += hi - lo;
      hi = lo;
    }
  }
  for (size_t k = 0; k < n; ++k) {
    if (cell_counts[k] > kMaxExactBucketCells) return false;
    out[k] = StatisticSet();
    out[k].sample_count = static_cast<double>(counts[k]);
    out[k].sum = static_cast<double>(sums[k]);
  }
  return true;
}

namespace {

// The number of leading `starts` before `keep_from` (std::lower_bound's
// index) of a sorted run whose first start is before `keep_from` (so
// size >= 1). Cells of one-minute data are one minute apart, so the count
// is the number of minutes from the first start to `keep_from`: that guess
// is checked (two loads) and, when it is wrong (gaps, late minutes, finer
// cells), a binary search without branches on the data finds it. Inline:
// the retention loop calls it once per metric with old cells.
inline __attribute__((always_inline)) size_t CountBefore(const int64_t* starts,
                                                        size_t size,
                                                        int64_t keep_from) {
  const uint64_t span =
      static_cast<uint64_t>(keep_from) - static_cast<uint64_t>(starts[0]);
  const uint64_t minutes = (span - 1) / 60 + 1;  // span >= 1.
  size_t guess = minutes < size ? static_cast<size_t>(minutes) : size;
  // A few missing minutes (a feed's occasional gap) make the count smaller
  // than the guess: step back over them. starts[0] < keep_from stops it.
  for (int k = 0; k < 4 && starts[guess - 1] >= keep_from; ++k) --guess;
  if (starts[guess - 1] < keep_from &&
      (guess == size || starts[guess] >= keep_from)) {
    return guess;
  }
  const int64_t* base = starts;
  while (size > 1) {
    const size_t half = size / 2;
    base = base[half] < keep_from ? base + half : base;
    size -= half;
  }
  return static_cast<size_t>(base - starts) + (*base < keep_from ? 1 : 0);
}

// Removes the first `n` elements of `v` (n <= v.size()), keeping its
// capacity. Plain data moves with one memmove (erase's iterator code cost
// as much as the move for the few cells retention keeps).
template <typename T, typename A>
inline __attribute__((always_inline)) void DropFront(std::vector<T, A>& v,
                                                     size_t n) {
  if constexpr (std::is_trivially_copyable<T>::value) {
    const size_t keep = v.size() - n;
    if (keep != 0) std::memmove(v.data(), v.data() + n, keep * sizeof(T));
    v.resize(keep);
  } else {
    v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n));
  }
}

}  // namespace

void MetricStore::DropBefore(absl::Time horizon) {
  const int64_t h = absl::ToUnixSeconds(horizon);
  dropped_before_ = std::max(dropped_before_, h);
  // A cell [s, s + 10) ends at or before the horizon when s + 10 <= h: the
  // cells kept start at or after `keep_from`.
  const int64_t keep_from = h - kStorageCellSeconds + 1;
  bool removed = false;
  // The work per metric is a look at its oldest cell, plus, when it has
  // cells to drop, a binary search and one move of the cells kept.
  for (size_t index = 0; index < metrics_.size(); ++index) {
    Metric& metric = metrics_[index];
    const uint8_t flags = index < tails_.size() ? tails_[index].flags : 0;
    // The minute tail mirrors the newest two cells: only a drop that
    // leaves fewer than two behind changes them (RefreshTail).
    bool refresh_tail = false;
    UnitCells* const units = metric.units.data();
    const size_t unit_count = metric.units.size();
    std::vector<std::vector<CellPrefix>>* prefixes = nullptr;
    if (flags & Tail::kTotals) {
      prefixes = &prefixes_[static_cast<MetricIndex>(index)];
      prefixes->resize(unit_count);
    }
    for (size_t u = 0; u < unit_count; ++u) {
      UnitCells& cells = units[u];
      const size_t size = cells.starts.size();
      if (size == 0 || cells.starts[0] >= keep_from) continue;  // Nothing old.
      const size_t n = CountBefore(cells.starts.data(), size, keep_from);
      DropFront(cells.starts, n);
      DropFront(cells.sets, n);
      removed = true;
      if (size - n < 2) refresh_tail = true;
      if (prefixes == nullptr) continue;
      // Running totals keep their differences: drop the same entries, or
      // start over when they did not reach that far.
      std::vector<CellPrefix>& prefix = (*prefixes)[u];
      if (prefix.size() > n) {
        DropFront(prefix, n);
      } else {
        prefix.clear();
        SyncPrefix(cells, prefix, 0);
      }
    }
    if (refresh_tail) RefreshTail(static_cast<MetricIndex>(index));
    if (!(flags & Tail::kSamples)) continue;
    const auto samples = samples_.find(static_cast<MetricIndex>(index));
    if (samples == samples_.end()) continue;
    for (UnitSamples& cells : samples->second) {
      const size_t size = cells.starts.size();
      if (size == 0 || cells.starts[0] >= keep_from) continue;
      const size_t n = CountBefore(cells.starts.data(), size, keep_from);
      DropFront(cells.starts, n);
      DropFront(cells.cells, n);
    }
  }
  if (removed) {
    // Cell indices moved. Counted as a write so that the next
    // BeginReadEpoch starts a new epoch and reads after the drop are told
    // apart from those before it.
    written_since_epoch_ = true;
  }
}

namespace {

// Cells are aligned to kStorageCellSeconds, strictly increasing, and there
// is one value per start.
bool CellsWellFormed(const std::vector<int64_t>& starts, size_t values) {
  bool ok = starts.size() == values;
  for (size_t k = 0; ok && k < starts.size(); ++k) {
    ok = starts[k] % kStorageCellSeconds == 0 &&
         (k == 0 || starts[k - 1] < starts[k]);
  }
  return ok;
}

}  // namespace

absl::StatusOr<std::vector<MetricStore::MetricState>> MetricStore::ExportState()
    const {
  std::vector<MetricState> out;
  out.reserve(metrics_.size());
  for (const Metric& m : metrics_) {
    const auto index = static_cast<MetricIndex>(out.size());
    MetricState state;
    state.id = ids_.Get(index);
    for (const UnitCells& u : m.units) {
      state.units.push_back(UnitCellsState{
          u.unit, u.starts,
          std::vector<StatisticSet>(u.sets.begin(), u.sets.end())});
    }
    if (samples_enabled(index)) {
      state.samples_enabled = true;
      const auto samples = samples_.find(index);
      if (samples != samples_.end()) {
        for (const UnitSamples& u : samples->second) {
          state.sample_units.push_back(
              UnitSamplesState{u.unit, u.starts, u.cells});
        }
      }
    }
    out.push_back(std::move(state));
  }
  return out;
}

absl::Status MetricStore::ImportState(std::vector<MetricState> metrics) {
  if (!metrics_.empty()) {
    return absl::FailedPreconditionError(
        "MetricStore::ImportState: the store is not empty");
  }
  MetricIdTable ids;
  for (size_t i = 0; i < metrics.size(); ++i) {
    const MetricState& m = metrics[i];
    const uint64_t hash = MetricIdTable::Hash(m.id);
    if (ids.Find(m.id, hash) != MetricIdTable::kNone) {
      return absl::InvalidArgumentError(absl::StrCat(
          "metric \"", m.id.metric_name, "\": appears twice in the state"));
    }
    MetricKeyBuilder key(m.id);
    ids.Insert(key.view(), hash, m.id);
    for (const UnitCellsState& u : m.units) {
      if (!CellsWellFormed(u.starts, u.sets.size())) {
        return absl::InvalidArgumentError(absl::StrCat(
            "metric \"", m.id.metric_name,
            "\": cells must be aligned, strictly increasing and one set each"));
      }
    }
    if (!m.samples_enabled && !m.sample_units.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "metric \"", m.id.metric_name,
          "\": raw samples given but samples are not enabled"));
    }
    for (const UnitSamplesState& u : m.sample_units) {
      if (!CellsWellFormed(u.starts, u.cells.size())) {
        return absl::InvalidArgumentError(absl::StrCat(
            "metric \"", m.id.metric_name,
            "\": raw-sample cells must be aligned, strictly increasing and "
            "one distribution each"));
      }
    }
  }
  std::vector<MetricIndex> sampled;
  for (MetricState& m : metrics) {
    Metric metric;
    for (UnitCellsState& u : m.units) {
      // Running totals are built when an alarm asks for them
      // (EnableRunningTotals).
      metric.units.push_back(
          UnitCells{u.unit, std::move(u.starts),
                    AlignedSets(u.sets.begin(), u.sets.end())});
    }
    const auto index = static_cast<MetricIndex>(metrics_.size());
    if (m.samples_enabled) {
      sampled.push_back(index);
      if (!m.sample_units.empty()) {
        std::vector<UnitSamples>& units = samples_[index];
        for (UnitSamplesState& u : m.sample_units) {
          units.push_back(
              UnitSamples{u.unit, std::move(u.starts), std::move(u.cells)});
        }
      }
    }
    metrics_.push_back(std::move(metric));
  }
  ids_ = std::move(ids);
  tails_.assign(metrics_.size(), Tail());
  minute_cells_[0].assign(metrics_.size(), StatisticSet());
  minute_cells_[1].assign(metrics_.size(), StatisticSet());
  for (size_t i = 0; i < metrics_.size(); ++i) {
    const Metric& metric = metrics_[i];
    bool aligned = metric.units.size() <= 1;
    for (const UnitCells& u : metric.units) {
      for (int64_t start : u.starts) aligned = aligned && start % 60 == 0;
    }
    if (!aligned) tails_[i].flags = 0;  // No mirror (MinuteCell says so).
    RefreshTail(static_cast<MetricIndex>(i));
  }
  for (MetricIndex index : sampled) tails_[index].flags |= Tail::kSamples;
  return absl::OkStatus();
}

void MetricStore::RefreshTail(MetricIndex index) {
  Tail& t = TailOf(index);
  if (!(t.flags & Tail::kMirror)) return;
  const Metric& metric = metrics_[index];
  t.newest_minute = Tail::kNoMinute;
  minute_cells_[0][index] = minute_cells_[1][index] = StatisticSet();
  if (metric.units.empty()) return;
  const UnitCells& u = metric.units.front();
  t.flags |= Tail::kHasUnit;
  t.unit = static_cast<uint8_t>(u.unit);
  const size_t n = u.starts.size();
  if (n == 0) return;
  const int64_t minute = u.starts[n - 1] / 60;
  if (u.starts[n - 1] % 60 != 0 || minute <= Tail::kNoMinute ||
      minute > INT32_MAX) {
    // Only ImportState can bring such a cell here (AddToCell turns the
    // mirror off first): no mirror.
    t.flags &= static_cast<uint8_t>(~(Tail::kMirror | Tail::kHasUnit));
    return;
  }
  t.newest_minute = static_cast<int32_t>(minute);
  minute_cells_[minute & 1][index] = u.sets[n - 1];
  if (n >= 2 && u.starts[n - 2] == u.starts[n - 1] - 60) {
    minute_cells_[(minute - 1) & 1][index] = u.sets[n - 2];
  }
}

void MetricStore::EnableRunningTotals(MetricIndex index) {
  Tail& t = TailOf(index);
  if (t.flags & Tail::kTotals) return;
  t.flags |= Tail::kTotals;
  const auto& units = metrics_[index].units;
  std::vector<std::vector<CellPrefix>>& prefixes = prefixes_[index];
  prefixes.assign(units.size(), {});
  for (size_t u = 0; u < units.size(); ++u) {
    SyncPrefix(units[u], prefixes[u], 0);
  }
  // Writes later in this epoch must reach SyncPrefixes: NoteWrite lists a
  // metric only at its first write of an epoch.
  if (t.epoch == epoch_) dirty_metrics_.push_back(index);
}

}  // namespace cwalarm
