// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The anomaly-detection model behind ANOMALY_DETECTION_BAND(m, k) (spec 3.8,
// 1.6). CloudWatch's model is not public; this one is documented in
// docs/anomaly_detection.md: a robust seasonal baseline (hour-of-day profile,
// hour-of-week adjustment, within-hour profile, recent level) and a robust
// spread (scaled MAD of the residuals, with a floor). The evaluator trains it
// on up to two weeks of the metric's history, bucketed at the alarm's period
// with the alarm's statistic, and retrains it whenever `now` crosses a
// multiple of `retrain_interval_seconds`.
//
//   AnomalyModel model = AnomalyModel::Train(history, 60, trained_until, {});
//   if (auto p = model.Predict(bucket_start)) {
//     auto [lower, upper] = AnomalyModel::Band(*p, 2.0);  // k = 2
//   }
//
// Thread-safety: AnomalyModel is an immutable value after Train; const
// methods may be called from any number of threads. All functions are pure:
// no clock, no I/O.

#ifndef CWALARM_ALARM_ANOMALY_MODEL_H_
#define CWALARM_ALARM_ANOMALY_MODEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace cwalarm {

// One bucket datapoint: the bucket start (Unix seconds) and the bucket's
// statistic value.
struct TimedValue {
  int64_t unix_seconds;
  double value;
};

// A time range that training ignores, half-open: [start, end). A datapoint
// is excluded when its bucket start lies inside the range (CloudWatch's
// ExcludedTimeRanges of an anomaly detector's Configuration).
struct ExcludedTimeRange {
  int64_t start_unix_seconds;
  int64_t end_unix_seconds;
};

// Tuning of the model. The defaults are the documented model; change them
// only knowingly (docs/anomaly_detection.md explains each one). Check with
// ValidateAnomalyModelOptions before training. Spec 3.8 is silent on all of
// them: each default is our choice of what a CloudWatch user expects
// (docs/choices.md rows 61-65).
struct AnomalyModelOptions {
  // How far back before `trained_until` training looks: datapoints older
  // than trained_until - training_window_seconds are ignored. Two weeks, as
  // CloudWatch documents.
  int64_t training_window_seconds = 14 * 86400;
  // The evaluator retrains when `now` crosses a multiple of this (see
  // TrainedUntilFor).
  int64_t retrain_interval_seconds = 3600;
  // Minimum-history rule (docs/choices.md row 62): the model is ready (a
  // band exists) only when at least `min_datapoints` usable datapoints cover
  // at least `min_history_seconds` (newest bucket end minus oldest bucket
  // start). Fewer give a median and a MAD that are mostly noise.
  int64_t min_datapoints = 12;
  int64_t min_history_seconds = 3 * 3600;
  // The level is the median residual over the newest `level_window_seconds`
  // of training data: a level shift is absorbed once it fills more than
  // half of this window.
  int64_t level_window_seconds = 86400;
  // Spread floor (docs/choices.md row 65): spread >=
  // max(spread_floor_relative * median(|value|), spread_floor_absolute), so
  // that a flat metric still has a band of non-zero width.
  double spread_floor_relative = 0.01;
  double spread_floor_absolute = 1e-6;
  // Training ignores datapoints whose bucket start is inside any of these.
  std::vector<ExcludedTimeRange> excluded;
};

// OK, or kInvalidArgument naming the field, its value and the rule, e.g.
// `anomaly model: excluded[1] ([1710000000, 1709996400)): an excluded time
// range must end after it starts`.
absl::Status ValidateAnomalyModelOptions(const AnomalyModelOptions& options);

// OK, or kInvalidArgument when the band width `k` of ANOMALY_DETECTION_BAND
// is not a finite number > 0.
absl::Status ValidateAnomalyBandWidth(double k);

// A trained model. Copyable and movable (a value).
class AnomalyModel {
 public:
  // The model's expectation for one bucket: `expected` value and `spread`
  // (a robust standard deviation; always > 0).
  struct Prediction {
    double expected;
    double spread;
  };

  // An untrained model: not ready, predicts nothing.
  AnomalyModel() = default;
  AnomalyModel(const AnomalyModel&) = default;
  AnomalyModel& operator=(const AnomalyModel&) = default;
  AnomalyModel(AnomalyModel&&) = default;
  AnomalyModel& operator=(AnomalyModel&&) = default;

  // Trains on `history`: bucket datapoints (bucket start, value) of a metric
  // bucketed at `period_seconds`, sorted ascending by time, finite values.
  // Only datapoints with trained_until - training_window_seconds <= start <
  // trained_until and outside every excluded range are used; others are
  // ignored. Unsorted input is sorted first (stable), so it gives the same
  // model. Deterministic: the same inputs give a bit-identical model.
  // Preconditions: period_seconds > 0 and options valid
  // (ValidateAnomalyModelOptions); a NaN or infinite value is ignored.
  static AnomalyModel Train(absl::Span<const TimedValue> history,
                            int64_t period_seconds,
                            int64_t trained_until_unix_seconds,
                            const AnomalyModelOptions& options);

  // The training boundary the evaluator uses at `now`: now aligned down to a
  // multiple of options.retrain_interval_seconds since the Unix epoch. A
  // model trained until this value is current until the next multiple.
  static int64_t TrainedUntilFor(int64_t now_unix_seconds,
                                 const AnomalyModelOptions& options);

  // False until the minimum-history rule is met. Then there is no band: the
  // alarm sees no datapoint for the bucket (spec 1.6 [INFERRED]).
  bool ready() const { return ready_; }

  // The expectation at bucket start `unix_seconds` (any time, before or
  // after trained_until: the seasonal profiles are periodic and the level is
  // held constant). nullopt when !ready().
  std::optional<Prediction> Predict(int64_t unix_seconds) const;

  // The band [lower, upper] = [expected - k*spread, expected + k*spread]
  // (k = the ANOMALY_DETECTION_BAND width, default 2). Precondition: k > 0.
  static std::pair<double, double> Band(const Prediction& p, double k);

  // The same checks as ValidateAnomalyModelOptions / ValidateAnomalyBandWidth
  // (above), as class members for callers that prefer them.
  static absl::Status ValidateOptions(const AnomalyModelOptions& options) {
    return ValidateAnomalyModelOptions(options);
  }
  static absl::Status ValidateBandWidth(double k) {
    return ValidateAnomalyBandWidth(k);
  }

  // What training saw, for reasons, logs and tests.
  int64_t trained_until() const { return trained_until_; }
  int64_t period_seconds() const { return period_; }
  // Usable datapoints (inside the window, not excluded, finite).
  int64_t training_datapoints() const { return used_; }
  // Components in use (docs/anomaly_detection.md rules 2-4 say when each
  // exists).
  bool has_daily_profile() const { return daily_.active(); }
  bool has_weekly_adjustment() const { return weekly_.active(); }
  bool has_hourly_profile() const { return hourly_.active(); }
  // One line: readiness, counts, level, global spread and components.
  std::string DebugString() const;

 private:
  // A periodic profile: knots at slot centres of a cycle, linearly
  // interpolated around the circle. Empty = no component (adds 0).
  struct Profile {
    int64_t cycle = 0;             // seconds
    std::vector<int64_t> centres;  // phase of each knot, ascending
    std::vector<double> values;    // value at each knot
    bool active() const { return !centres.empty(); }
    double At(int64_t unix_seconds) const;
  };

  // level_ plus the profiles at `unix_seconds` (the expected value).
  double Seasonal(int64_t unix_seconds) const;

  bool ready_ = false;
  int64_t trained_until_ = 0;
  int64_t period_ = 0;
  int64_t used_ = 0;
  double level_ = 0;      // base level + recent-level correction
  double spread_ = 0;     // global spread (floored)
  Profile daily_;         // hour-of-day shape
  Profile weekly_;        // hour-of-week adjustment
  Profile hourly_;        // within-hour shape
  Profile daily_spread_;  // hour-of-day spread (widens, never narrows)
};

}  // namespace cwalarm

#endif  // CWALARM_ALARM_ANOMALY_MODEL_H_
