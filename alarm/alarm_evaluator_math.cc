// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The Metrics-list path of AlarmEvaluator: metric-math and anomaly-detection
// alarms (spec 1.7, 3.8, 3.9).
//
// Per evaluation: every MetricStat entry is fetched over the evaluation
// range (R buckets ending at the anchor, the same geometry as a
// single-metric alarm), the returned entry's expression runs over those
// series (range-dependent functions therefore see the whole fetched range,
// spec 3.9), and each bucket of the result is a datapoint (NaN: none). A
// threshold alarm compares it with Threshold; an anomaly alarm with the band
// of its ThresholdMetricId entry at the same bucket (spec 1.6; a bucket
// without a band is missing, [INFERRED]). The rest is spec 3.4 unchanged.
//
// Anomaly models (alarm/anomaly_model.h) are trained per band entry on up
// to two weeks of the metric's buckets before the current retrain boundary
// (a multiple of AnomalyModelOptions::retrain_interval_seconds), and reused
// until the next boundary; data after the boundary is not in the model.

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "alarm/alarm_evaluator.h"
#include "alarm/anomaly_model.h"
#include "alarm/evaluation_window.h"
#include "alarm/metric_math.h"
#include "metrics/period.h"

namespace cwalarm {

struct MathAlarmState {
  // One MetricStat entry, resolved against the store.
  struct Input {
    std::string id;
    MetricIndex metric = 0;
    std::optional<Unit> unit;
    std::optional<Statistic> statistic;        // A standard Stat, or
    std::optional<ExtendedStatistic> extended;  // an extended one.
    std::string detector_key;  // AnomalyDetectorSpec::Key() of metric + Stat.
  };
  // A trained model for one ANOMALY_DETECTION_BAND argument.
  struct Model {
    int64_t boundary = INT64_MIN;  // trained_until of `model`.
    uint64_t detector_version = 0;  // Of the detector it was trained with.
    std::optional<AnomalyModel> model;
  };

  explicit MathAlarmState(MathProgram p) : program(std::move(p)) {}

  MathProgram program;
  std::vector<Input> inputs;  // MetricStat entries, in list order.
  std::string returned_id;    // The series compared with the threshold/band.
  std::string band_id;        // Anomaly alarms: ThresholdMetricId.
  std::vector<std::pair<std::string, Model>> models;  // By argument id.
};

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

int64_t FloorTo(int64_t x, int64_t m) {
  int64_t q = x / m;
  if (x % m < 0) --q;
  return q * m;
}

}  // namespace

absl::StatusOr<std::shared_ptr<MathAlarmState>> AlarmEvaluator::MakeMathState(
    const AlarmSpec& spec) {
  std::vector<MathQuery> queries;
  for (const MetricDataQuery& q : spec.metrics) {
    MathQuery mq;
    mq.id = q.id;
    mq.expression = q.expression;
    mq.return_data = q.ReturnsData();
    if (q.metric_stat.has_value()) {
      mq.period_seconds = absl::ToInt64Seconds(q.metric_stat->period);
    }
    queries.push_back(std::move(mq));
  }
  absl::StatusOr<MathProgram> program = MathProgram::Compile(std::move(queries));
  if (!program.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "alarm \"", spec.alarm_name, "\": Metrics: ", program.status().message()));
  }
  auto state = std::make_shared<MathAlarmState>(*std::move(program));
  for (const MetricDataQuery& q : spec.metrics) {
    if (q.metric_stat.has_value()) {
      MathAlarmState::Input in;
      in.id = q.id;
      in.metric = store_->Intern(q.metric_stat->metric);
      in.unit = q.metric_stat->unit;
      in.detector_key =
          AnomalyDetectorKey(q.metric_stat->metric, q.metric_stat->stat);
      absl::StatusOr<Statistic> standard = ParseStatistic(q.metric_stat->stat);
      if (standard.ok()) {
        in.statistic = *standard;
      } else {
        absl::StatusOr<ExtendedStatistic> extended =
            ParseExtendedStatistic(q.metric_stat->stat);
        if (!extended.ok()) return extended.status();  // Validate() refused it.
        in.extended = *std::move(extended);
        store_->EnableSamples(in.metric);
      }
      state->inputs.push_back(std::move(in));
    }
    if (!q.ReturnsData()) continue;
    if (spec.threshold_metric_id.has_value() && q.id == *spec.threshold_metric_id) {
      state->band_id = q.id;
    } else {
      state->returned_id = q.id;
    }
  }
  return state;
}

namespace {

// The series of MetricStat entry `in` on `count` buckets of `period_s`
// starting at `first_s` (NaN: no datapoint).
MathSeries FetchInput(const MetricStore& store, const MathAlarmState::Input& in,
                      int64_t first_s, int64_t period_s, int count,
                      std::vector<WeightedValue>* sorted_scratch) {
  MathSeries out;
  out.values.assign(count, kNaN);
  if (in.extended.has_value()) {
    std::vector<SampleDistribution> cells(count);
    store.AggregateSampleBuckets(in.metric, in.unit,
                                   absl::FromUnixSeconds(first_s),
                                   absl::Seconds(period_s), absl::MakeSpan(cells));
    for (int i = 0; i < count; ++i) {
      std::optional<double> v =
          ComputeExtendedStatistic(*in.extended, cells[i],
                                   PercentileEstimator::kNearestRank,
                                   sorted_scratch);
      if (v.has_value()) out.values[i] = *v;
    }
    return out;
  }
  std::vector<StatisticSet> sets(count);
  store.AggregateBucketsAt(in.metric, in.unit, first_s, period_s,
                             absl::MakeSpan(sets));
  for (int i = 0; i < count; ++i) {
    std::optional<double> v = ComputeStatistic(*in.statistic, sets[i]);
    if (v.has_value()) out.values[i] = *v;
  }
  return out;
}

// ANOMALY_DETECTION_BAND(metric_id, k) on `grid`, evaluated at `anchor`:
// (re)trains the argument's model when a retrain boundary has passed.
absl::StatusOr<MathResult> AnomalyBand(const MetricStore& store,
                                       AnomalyModelOptions options,
                                       const std::vector<ExcludedTimeRange>* excluded,
                                       uint64_t detector_version,
                                       MathAlarmState& m,
                                       absl::string_view metric_id, double k,
                                       const MathGrid& grid, int64_t anchor,
                                       std::vector<WeightedValue>* scratch) {
  const MathAlarmState::Input* input = nullptr;
  for (const MathAlarmState::Input& in : m.inputs) {
    if (in.id == metric_id) input = &in;
  }
  if (input == nullptr) {
    // [INFERRED] docs/choices.md: the band is modelled on a metric entry.
    return absl::InvalidArgumentError(absl::StrCat(
        "ANOMALY_DETECTION_BAND(", metric_id,
        "): the argument must be the Id of a MetricStat entry"));
  }
  MathAlarmState::Model* model = nullptr;
  for (auto& [id, mdl] : m.models) {
    if (id == metric_id) model = &mdl;
  }
  if (model == nullptr) {
    m.models.emplace_back(std::string(metric_id), MathAlarmState::Model());
    model = &m.models.back().second;
  }
  const int64_t boundary = FloorTo(anchor, options.retrain_interval_seconds);
  if (model->boundary != boundary || model->detector_version != detector_version) {
    if (excluded != nullptr) {
      options.excluded.insert(options.excluded.end(), excluded->begin(),
                              excluded->end());
    }
    // Two weeks (the training window) of buckets ending at the boundary.
    const int64_t period = grid.period_seconds;
    const int64_t start = FloorTo(boundary - options.training_window_seconds, period);
    const int count = static_cast<int>((boundary - start) / period);
    MathSeries history = FetchInput(store, *input, start, period, count, scratch);
    std::vector<TimedValue> points;
    points.reserve(count);
    for (int i = 0; i < count; ++i) {
      if (std::isfinite(history.values[i])) {
        points.push_back(TimedValue{start + i * period, history.values[i]});
      }
    }
    model->model = AnomalyModel::Train(points, period, boundary, options);
    model->boundary = boundary;
    model->detector_version = detector_version;
  }
  MathResult band;
  band.is_band = true;
  band.lower.values.assign(grid.size, kNaN);
  band.upper.values.assign(grid.size, kNaN);
  if (!model->model->ready()) return band;  // No band yet: missing buckets.
  for (int i = 0; i < grid.size; ++i) {
    std::optional<AnomalyModel::Prediction> p = model->model->Predict(
        grid.first_unix_seconds + i * grid.period_seconds);
    if (!p.has_value()) continue;
    std::pair<double, double> lu = AnomalyModel::Band(*p, k);
    band.lower.values[i] = lu.first;
    band.upper.values[i] = lu.second;
  }
  return band;
}

}  // namespace

void AlarmEvaluator::EvaluateMath(uint32_t slot, absl::Time now,
                                  int64_t first_s, EvaluationReport* report) {
  HotAlarm& h = hot_[slot];
  const RareCold* rare = FindRare(slot);
  assert(rare != nullptr && rare->math != nullptr);
  MathAlarmState& m = *rare->math;
  const int r = h.r;
  const int64_t period_s = h.period_seconds;
  const int64_t anchor = first_s + r * period_s;
  MathGrid grid;
  grid.first_unix_seconds = first_s;
  grid.period_seconds = period_s;
  grid.size = r;
  absl::flat_hash_map<std::string, MathSeries> inputs;
  for (const MathAlarmState::Input& in : m.inputs) {
    inputs[in.id] = FetchInput(*store_, in, first_s, period_s, r, &sorted_scratch_);
  }
  BandFunction band_fn = [&](absl::string_view metric_id, const MathSeries&,
                             double k, const MathGrid& g)
      -> absl::StatusOr<MathResult> {
    // The PutAnomalyDetector configuration of the argument's metric and
    // Stat, if any (its excluded time ranges).
    const std::vector<ExcludedTimeRange>* excluded = nullptr;
    uint64_t version = 0;
    for (const MathAlarmState::Input& in : m.inputs) {
      if (in.id != metric_id) continue;
      auto it = anomaly_detectors_.find(in.detector_key);
      if (it != anomaly_detectors_.end()) {
        excluded = &it->second.excluded;
        version = it->second.version;
      }
    }
    return AnomalyBand(*store_, options_.anomaly_model, excluded, version, m,
                       metric_id, k, g, anchor, &sorted_scratch_);
  };
  absl::StatusOr<MathResult> result =
      m.program.Evaluate(m.returned_id, grid, inputs, band_fn);
  absl::StatusOr<MathResult> band = MathResult();
  if (result.ok() && !m.band_id.empty()) {
    band = m.program.Evaluate(m.band_id, grid, inputs, band_fn);
  }
  absl::Status error = !result.ok() ? result.status() : band.status();
  if (error.ok() && result->is_band) {
    error = absl::InvalidArgumentError(absl::StrCat(
        "entry ", m.returned_id, " returns a band; compare it through "
        "ThresholdMetricId"));
  }
  if (error.ok() && !m.band_id.empty() && !band->is_band) {
    error = absl::InvalidArgumentError(absl::StrCat(
        "entry ", m.band_id, " (ThresholdMetricId) does not return a band"));
  }
  if (!error.ok()) {
    // CloudWatch marks such alarms EvaluationState EVALUATION_ERROR and
    // leaves StateValue alone (spec 1.2); we keep the state and report it.
    report->evaluation_errors.push_back(absl::Status(
        error.code(), absl::StrCat("alarm \"", NameOf(slot),
                                   "\": evaluation at ",
                                   absl::FormatTime(now, absl::UTCTimeZone()),
                                   ": ", error.message())));
    return;
  }
  const std::vector<double>& values = result->values.values;
  verdict_scratch_.resize(r);
  std::vector<RangeBucket> range(r);
  const absl::Time first = absl::FromUnixSeconds(first_s);
  const absl::Duration period = absl::Seconds(period_s);
  for (int i = 0; i < r; ++i) {
    RangeBucket& b = range[i];
    b.start = first + i * period;
    const double v = values[i];
    b.present = std::isfinite(v);
    b.value = b.present ? v : 0;
    bool breaching = false;
    if (b.present && !m.band_id.empty()) {
      const double lo = band->lower.values[i];
      const double up = band->upper.values[i];
      if (!std::isfinite(lo) || !std::isfinite(up)) {
        b.present = false;  // No band for this bucket (spec 1.6 [INFERRED]).
      } else {
        b.has_band = true;
        b.lower = lo;
        b.upper = up;
        switch (ShapeOf(slot).comparison_operator) {
          case ComparisonOperator::kLessThanLowerThreshold:
            breaching = v < lo;
            break;
          case ComparisonOperator::kGreaterThanUpperThreshold:
            breaching = v > up;
            break;
          default:
            breaching = v < lo || v > up;
            break;
        }
      }
    } else if (b.present) {
      breaching = IsBreaching(h.op, v, h.threshold);
    }
    if (!b.present) b.value = 0;
    b.breaching = b.present && breaching;
    verdict_scratch_[i] = !b.present ? BucketVerdict::kMissing
                          : breaching ? BucketVerdict::kBreaching
                                      : BucketVerdict::kNotBreaching;
  }
  std::vector<double> recent;
  for (int i = r - 1; i >= 0 && i >= r - h.n; --i) {
    if (range[i].present) recent.push_back(range[i].value);
  }
  Decision d = Decide(absl::MakeConstSpan(verdict_scratch_.data(), r), h.n, h.m,
                      h.tmd);
  if (!d.state.has_value() || *d.state == h.state) {
    if (h.repeat_states & (1u << static_cast<int>(h.state))) {
      RepeatScalingActions(slot, now, std::move(recent), report);
    }
    return;
  }
  StateReason reason =
      BuildStateReason(SpecOf(slot), range, d, *d.state, now,
                       options_.reason_form);
  Transition(slot, *d.state, std::move(reason.reason),
             std::move(reason.reason_data), now, report, std::move(recent));
}

absl::Status AlarmEvaluator::PutAnomalyDetector(AnomalyDetectorSpec spec) {
  absl::Status valid = spec.Validate();
  if (!valid.ok()) return valid;
  AnomalyDetectorEntry entry;
  for (const AnomalyDetectorSpec::TimeRange& r : spec.excluded_time_ranges) {
    entry.excluded.push_back(ExcludedTimeRange{absl::ToUnixSeconds(r.start),
                                               absl::ToUnixSeconds(r.end)});
  }
  entry.version = ++anomaly_detector_version_;
  const std::string key = spec.Key();
  entry.spec = std::move(spec);
  anomaly_detectors_[key] = std::move(entry);
  return absl::OkStatus();
}

std::vector<AnomalyDetectorSpec> AlarmEvaluator::DescribeAnomalyDetectors() const {
  std::vector<std::pair<std::string, const AnomalyDetectorSpec*>> sorted;
  for (const auto& [key, entry] : anomaly_detectors_) {
    sorted.emplace_back(key, &entry.spec);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<AnomalyDetectorSpec> out;
  for (const auto& [key, spec] : sorted) out.push_back(*spec);
  return out;
}

}  // namespace cwalarm
