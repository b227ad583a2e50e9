// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "metrics/metric_store.h"

#include <algorithm>
#include <cassert>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

#include "metrics/period.h"

namespace cwalarm {
namespace {

int64_t CellOf(absl::Time t) {
  return absl::ToUnixSeconds(AlignDown(t, absl::Seconds(kStorageCellSeconds)));
}

}  // namespace

std::optional<MetricIndex> MetricStore::Find(const MetricId& id) const {
  auto it = index_by_key_.find(id.Key());
  if (it == index_by_key_.end()) return std::nullopt;
  return it->second;
}

MetricIndex MetricStore::Intern(const MetricId& id) {
  auto [it, inserted] =
      index_by_key_.try_emplace(id.Key(), static_cast<MetricIndex>(metrics_.size()));
  if (inserted) metrics_.push_back(Metric{id.Canonical(), {}});
  return it->second;
}

absl::Status MetricStore::Put(const MetricDatum& datum,
                              absl::string_view context) {
  absl::Status status = ValidateMetricDatum(datum, context);
  if (!status.ok()) return status;
  StatisticSet samples = datum.ToStatisticSet();
  // A Values/Counts datum whose counts are all zero carries no sample.
  if (samples.empty()) return absl::OkStatus();
  const MetricIndex index = Intern(datum.metric);
  // Standard-resolution data is stored at minute granularity (spec 1.5): a
  // 10/20/30-second alarm sees it only in the bucket holding the minute's
  // start. High-resolution data (StorageResolution 1) keeps its 10 s cell.
  const absl::Time at = datum.storage_resolution == 1
                            ? datum.timestamp
                            : AlignDown(datum.timestamp, absl::Minutes(1));
  Add(index, datum.unit, at, samples);
  // The only cost for metrics without extended-statistic alarms: one test.
  if (metrics_[index].samples != nullptr) {
    AddSamples(metrics_[index], datum, at);
  }
  return absl::OkStatus();
}

PutMetricDataResult MetricStore::PutMetricData(
    absl::Span<const MetricDatum> data, absl::Time ingest_clock) {
  PutMetricDataResult result;
  for (size_t i = 0; i < data.size(); ++i) {
    const std::string context = absl::StrCat("MetricData.member.", i + 1);
    absl::Status status = ValidateMetricDatum(data[i], context, ingest_clock);
    if (!status.ok()) {
      result.rejected.push_back({i, std::move(status)});
      continue;
    }
    // Validated above; Put cannot fail now.
    status = Put(data[i], context);
    assert(status.ok());
    ++result.accepted;
  }
  return result;
}

void MetricStore::EnableSamples(MetricIndex index) {
  assert(index < metrics_.size());
  if (metrics_[index].samples == nullptr) {
    metrics_[index].samples = std::make_unique<std::vector<UnitSamples>>();
  }
}

void MetricStore::AddSamples(Metric& metric, const MetricDatum& datum,
                             absl::Time at) {
  UnitSamples* cells = nullptr;
  for (UnitSamples& u : *metric.samples) {
    if (u.unit == datum.unit) cells = &u;
  }
  if (cells == nullptr) {
    metric.samples->push_back(UnitSamples{datum.unit, {}, {}});
    cells = &metric.samples->back();
  }
  const int64_t cell = CellOf(at);
  auto it = std::lower_bound(cells->starts.begin(), cells->starts.end(), cell);
  const size_t pos = static_cast<size_t>(it - cells->starts.begin());
  if (it == cells->starts.end() || *it != cell) {
    cells->starts.insert(it, cell);
    cells->cells.insert(cells->cells.begin() + static_cast<std::ptrdiff_t>(pos),
                        SampleDistribution());
  }
  SampleDistribution& d = cells->cells[pos];
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
  if (index >= metrics_.size() || out.empty() ||
      metrics_[index].samples == nullptr) {
    return;
  }
  const int64_t first_s = absl::ToUnixSeconds(first);
  const int64_t period_s = absl::ToInt64Seconds(period);
  const int64_t end_s = first_s + period_s * static_cast<int64_t>(out.size());
  for (const UnitSamples& cells : *metrics_[index].samples) {
    if (unit.has_value() && cells.unit != *unit) continue;
    auto it = std::lower_bound(cells.starts.begin(), cells.starts.end(), first_s);
    for (size_t i = static_cast<size_t>(it - cells.starts.begin());
         i < cells.starts.size() && cells.starts[i] < end_s; ++i) {
      out[static_cast<size_t>((cells.starts[i] - first_s) / period_s)].Merge(
          cells.cells[i]);
    }
  }
}

void MetricStore::Add(MetricIndex index, Unit unit, absl::Time timestamp,
                      const StatisticSet& samples) {
  assert(index < metrics_.size());
  Metric& metric = metrics_[index];
  UnitCells* cells = nullptr;
  for (UnitCells& u : metric.units) {
    if (u.unit == unit) cells = &u;
  }
  if (cells == nullptr) {
    metric.units.push_back(UnitCells{unit, {}, {}});
    cells = &metric.units.back();
  }
  int64_t cell = CellOf(timestamp);
  // In-order data appends; late data is merged in place.
  if (cells->starts.empty() || cells->starts.back() < cell) {
    cells->starts.push_back(cell);
    cells->sets.push_back(samples);
    return;
  }
  auto it = std::lower_bound(cells->starts.begin(), cells->starts.end(), cell);
  size_t pos = static_cast<size_t>(it - cells->starts.begin());
  if (it != cells->starts.end() && *it == cell) {
    cells->sets[pos].Merge(samples);
    return;
  }
  cells->starts.insert(it, cell);
  cells->sets.insert(cells->sets.begin() + static_cast<std::ptrdiff_t>(pos),
                     samples);
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

void MetricStore::DropBefore(absl::Time horizon) {
  const int64_t h = absl::ToUnixSeconds(horizon);
  for (Metric& metric : metrics_) {
    for (UnitCells& cells : metric.units) {
      // A cell [s, s + 10) ends at or before the horizon when s + 10 <= h.
      auto it = std::lower_bound(cells.starts.begin(), cells.starts.end(),
                                 h - kStorageCellSeconds + 1);
      auto n = it - cells.starts.begin();
      if (n == 0) continue;
      cells.starts.erase(cells.starts.begin(), it);
      cells.sets.erase(cells.sets.begin(), cells.sets.begin() + n);
    }
    if (metric.samples == nullptr) continue;
    for (UnitSamples& cells : *metric.samples) {
      auto it = std::lower_bound(cells.starts.begin(), cells.starts.end(),
                                 h - kStorageCellSeconds + 1);
      auto n = it - cells.starts.begin();
      if (n == 0) continue;
      cells.starts.erase(cells.starts.begin(), it);
      cells.cells.erase(cells.cells.begin(), cells.cells.begin() + n);
    }
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
    MetricState state;
    state.id = m.id;
    for (const UnitCells& u : m.units) {
      state.units.push_back(UnitCellsState{u.unit, u.starts, u.sets});
    }
    if (m.samples != nullptr) {
      state.samples_enabled = true;
      for (const UnitSamples& u : *m.samples) {
        state.sample_units.push_back(UnitSamplesState{u.unit, u.starts, u.cells});
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
  absl::flat_hash_map<std::string, MetricIndex> keys;
  for (size_t i = 0; i < metrics.size(); ++i) {
    const MetricState& m = metrics[i];
    if (!keys.emplace(m.id.Key(), static_cast<MetricIndex>(i)).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "metric \"", m.id.metric_name, "\": appears twice in the state"));
    }
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
  for (MetricState& m : metrics) {
    Metric metric;
    metric.id = std::move(m.id);
    for (UnitCellsState& u : m.units) {
      metric.units.push_back(
          UnitCells{u.unit, std::move(u.starts), std::move(u.sets)});
    }
    if (m.samples_enabled) {
      metric.samples = std::make_unique<std::vector<UnitSamples>>();
      for (UnitSamplesState& u : m.sample_units) {
        metric.samples->push_back(
            UnitSamples{u.unit, std::move(u.starts), std::move(u.cells)});
      }
    }
    metrics_.push_back(std::move(metric));
  }
  index_by_key_ = std::move(keys);
  return absl::OkStatus();
}

}  // namespace cwalarm
