// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The maths and the reasons for each step are in docs/anomaly_detection.md.
// Determinism: every statistic is an order statistic (std::nth_element picks
// a unique value whatever its internal order) or a fixed-order sum, and the
// data are visited in time order, so the model is bit-identical for the same
// inputs.

#include "alarm/anomaly_model.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/types/span.h"

namespace cwalarm {
namespace {

constexpr int64_t kHour = 3600;
constexpr int64_t kDay = 86400;
constexpr int64_t kWeek = 7 * kDay;
// MAD * 1.4826 estimates the standard deviation of normal noise.
constexpr double kMadToSigma = 1.4826;
// A within-hour knot needs this many different hours (two days): its
// effects are small, and from fewer hours the knots mostly fit noise.
constexpr int64_t kMinHourlyCycles = 48;
// A per-hour-of-day spread needs this many residuals (from two days or
// more); fewer give too noisy a MAD.
constexpr int64_t kMinSlotSpreadSamples = 30;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t FloorMod(int64_t a, int64_t b) { return a - FloorDiv(a, b) * b; }

// The median of `v` (reordered). Precondition: !v.empty().
double MedianInPlace(absl::Span<double> v) {
  const size_t n = v.size();
  const size_t mid = n / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  const double hi = v[mid];
  if (n % 2 == 1) return hi;
  const double lo = *std::max_element(v.begin(), v.begin() + mid);
  return 0.5 * (lo + hi);
}

double Median(std::vector<double> v) {
  return MedianInPlace(absl::MakeSpan(v));
}

// kMadToSigma * median(|v - median(v)|). Precondition: !v.empty().
double ScaledMad(std::vector<double> v) {
  const double m = MedianInPlace(absl::MakeSpan(v));
  for (double& x : v) x = std::fabs(x - m);
  return kMadToSigma * MedianInPlace(absl::MakeSpan(v));
}

// The points of a training set grouped by slot of a cycle: slot i covers
// phases [i*width, (i+1)*width) of the cycle (the last slot may be shorter).
// Within a slot, points keep time order, so the points of one cycle
// occurrence (one day, one week, one hour) are contiguous.
struct Slots {
  int64_t cycle;
  int64_t width;
  int64_t count;              // number of slots
  std::vector<size_t> begin;  // slot i: order[begin[i], begin[i+1])
  std::vector<size_t> order;  // point indices, by slot then time

  Slots(absl::Span<const int64_t> ts, int64_t cycle_seconds,
        int64_t width_seconds)
      : cycle(cycle_seconds),
        width(width_seconds),
        count((cycle_seconds + width_seconds - 1) / width_seconds),
        begin(static_cast<size_t>(count) + 1, 0),
        order(ts.size()) {
    std::vector<int64_t> slot(ts.size());
    for (size_t i = 0; i < ts.size(); ++i) {
      slot[i] = FloorMod(ts[i], cycle) / width;
      ++begin[static_cast<size_t>(slot[i]) + 1];
    }
    for (size_t s = 1; s < begin.size(); ++s) begin[s] += begin[s - 1];
    std::vector<size_t> next(begin.begin(), begin.end() - 1);
    for (size_t i = 0; i < ts.size(); ++i) {
      order[next[static_cast<size_t>(slot[i])]++] = i;
    }
  }

  // Where a knot sits: the mean bucket start of a full slot whose buckets
  // start at multiples of `period` (exact for aligned buckets, within one
  // period otherwise).
  int64_t Centre(int64_t i, int64_t period) const {
    const int64_t start = i * width;
    const int64_t len = std::min(width, cycle - start);
    return start + std::max<int64_t>(0, len - period) / 2;
  }
};

// Number of distinct cycle occurrences among a slot's (time-ordered) points.
int64_t DistinctCycles(const Slots& slots, absl::Span<const int64_t> ts,
                       int64_t s) {
  int64_t distinct = 0;
  int64_t last = 0;
  for (size_t k = slots.begin[s]; k < slots.begin[s + 1]; ++k) {
    const int64_t c = FloorDiv(ts[slots.order[k]], slots.cycle);
    if (distinct == 0 || c != last) ++distinct;
    last = c;
  }
  return distinct;
}

}  // namespace

double AnomalyModel::Profile::At(int64_t unix_seconds) const {
  if (centres.empty()) return 0;
  if (centres.size() == 1) return values[0];
  const int64_t phase = FloorMod(unix_seconds, cycle);
  // Knots are on a circle: before the first knot, interpolate from the last
  // one (one cycle earlier); after the last, towards the first.
  const size_t right = static_cast<size_t>(
      std::upper_bound(centres.begin(), centres.end(), phase) -
      centres.begin());
  int64_t cl, cr;
  double vl, vr;
  if (right == 0) {
    cl = centres.back() - cycle;
    vl = values.back();
    cr = centres.front();
    vr = values.front();
  } else if (right == centres.size()) {
    cl = centres.back();
    vl = values.back();
    cr = centres.front() + cycle;
    vr = values.front();
  } else {
    cl = centres[right - 1];
    vl = values[right - 1];
    cr = centres[right];
    vr = values[right];
  }
  const double f =
      static_cast<double>(phase - cl) / static_cast<double>(cr - cl);
  return vl + f * (vr - vl);
}

namespace {

// The value closest to zero if all values have the same sign, else 0: a
// weekly pattern counts only if every week shows it.
double Consensus(absl::Span<const double> m) {
  if (std::all_of(m.begin(), m.end(), [](double x) { return x > 0; })) {
    return *std::min_element(m.begin(), m.end());
  }
  if (std::all_of(m.begin(), m.end(), [](double x) { return x < 0; })) {
    return *std::max_element(m.begin(), m.end());
  }
  return 0;
}

// How a profile's knots are estimated from the points of their slot.
enum class KnotRule {
  // Median of the slot's points, pooled over every cycle; a slot seen in
  // fewer than two cycles has no knot (the profile interpolates across it).
  kPooledMedian,
  // kMadToSigma * MAD of the slot's points, pooled; needs two cycles and
  // kMinSlotSpreadSamples points.
  kScaledMad,
};

struct FittedProfile {
  std::vector<int64_t> centres;
  std::vector<double> values;
  int64_t parameters = 0;  // knots estimated from data (non-zero knots)
};

// A slot needs data from `min_cycles` cycle occurrences to get a knot.
FittedProfile FitProfile(absl::Span<const int64_t> ts,
                         absl::Span<const double> values, int64_t cycle,
                         int64_t width, int64_t period, KnotRule rule,
                         int64_t min_cycles = 2) {
  FittedProfile out;
  const Slots slots(ts, cycle, width);
  if (slots.count < 2) return out;  // the period is as long as the cycle
  std::vector<double> scratch;
  for (int64_t s = 0; s < slots.count; ++s) {
    const size_t b = slots.begin[s], e = slots.begin[s + 1];
    const int64_t cycles = DistinctCycles(slots, ts, s);
    if (cycles < min_cycles) continue;
    if (rule == KnotRule::kScaledMad &&
        static_cast<int64_t>(e - b) < kMinSlotSpreadSamples) {
      continue;
    }
    scratch.clear();
    for (size_t k = b; k < e; ++k) scratch.push_back(values[slots.order[k]]);
    out.centres.push_back(slots.Centre(s, period));
    out.values.push_back(rule == KnotRule::kScaledMad
                             ? ScaledMad(scratch)
                             : MedianInPlace(absl::MakeSpan(scratch)));
    ++out.parameters;
  }
  return out;
}

// The hour-of-week adjustment (docs/anomaly_detection.md, rule 3) from the
// residuals `values`; points from index `first_recent` on are the level
// window. Knots come from the weeks before the level window: the consensus
// of its per-week medians when a slot has two such weeks. A slot with one
// older week whose second week lies in the level window compares the older
// week with the window's median minus the window's week-over-week change
// (the median over the window of value minus the same slot a week earlier):
// after a level shift both weeks then still agree on the weekly pattern,
// while a one-off odd day a week ago disagrees with the window and is not
// projected.
FittedProfile FitWeekly(absl::Span<const int64_t> ts,
                        absl::Span<const double> values, size_t first_recent,
                        int64_t width, int64_t period) {
  FittedProfile out;
  const Slots slots(ts, kWeek, width);
  if (slots.count < 2) return out;
  const size_t count = static_cast<size_t>(slots.count);
  std::vector<std::vector<double>> older(count);  // per-week medians
  std::vector<std::optional<double>> recent(count);
  std::vector<double> scratch;
  for (size_t s = 0; s < count; ++s) {
    size_t k = slots.begin[s];
    const size_t e = slots.begin[s + 1];
    while (k < e && slots.order[k] < first_recent) {
      const int64_t c = FloorDiv(ts[slots.order[k]], kWeek);
      scratch.clear();
      while (k < e && slots.order[k] < first_recent &&
             FloorDiv(ts[slots.order[k]], kWeek) == c) {
        scratch.push_back(values[slots.order[k]]);
        ++k;
      }
      older[s].push_back(MedianInPlace(absl::MakeSpan(scratch)));
    }
    scratch.clear();
    for (; k < e; ++k) scratch.push_back(values[slots.order[k]]);
    if (!scratch.empty()) recent[s] = MedianInPlace(absl::MakeSpan(scratch));
  }
  std::vector<double> change;
  for (size_t i = first_recent; i < ts.size(); ++i) {
    const size_t s = static_cast<size_t>(FloorMod(ts[i], kWeek) / width);
    if (!older[s].empty()) change.push_back(values[i] - older[s].back());
  }
  const double delta = change.empty() ? 0 : Median(std::move(change));
  bool any_non_zero = false;
  for (size_t s = 0; s < count; ++s) {
    std::vector<double>& weeks = older[s];
    if (weeks.size() == 1 && recent[s].has_value()) {
      weeks.push_back(*recent[s] - delta);
    }
    const double knot = weeks.size() >= 2 ? Consensus(weeks) : 0;
    out.centres.push_back(slots.Centre(static_cast<int64_t>(s), period));
    out.values.push_back(knot);
    if (knot != 0) {
      any_non_zero = true;
      ++out.parameters;
    }
  }
  if (!any_non_zero) out = FittedProfile{};
  return out;
}

}  // namespace

AnomalyModel AnomalyModel::Train(absl::Span<const TimedValue> history,
                                 int64_t period_seconds,
                                 int64_t trained_until_unix_seconds,
                                 const AnomalyModelOptions& options) {
  AnomalyModel model;
  model.period_ = period_seconds;
  model.trained_until_ = trained_until_unix_seconds;
  if (period_seconds <= 0) return model;

  std::vector<TimedValue> sorted;
  if (!std::is_sorted(history.begin(), history.end(),
                      [](const TimedValue& a, const TimedValue& b) {
                        return a.unix_seconds < b.unix_seconds;
                      })) {
    sorted.assign(history.begin(), history.end());
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const TimedValue& a, const TimedValue& b) {
                       return a.unix_seconds < b.unix_seconds;
                     });
    history = sorted;
  }

  // Usable points: inside [trained_until - window, trained_until), finite,
  // not excluded.
  const int64_t window_start =
      trained_until_unix_seconds - options.training_window_seconds;
  std::vector<int64_t> ts;
  std::vector<double> vs;
  ts.reserve(history.size());
  vs.reserve(history.size());
  for (const TimedValue& p : history) {
    if (p.unix_seconds < window_start ||
        p.unix_seconds >= trained_until_unix_seconds ||
        !std::isfinite(p.value)) {
      continue;
    }
    bool excluded = false;
    for (const ExcludedTimeRange& r : options.excluded) {
      if (p.unix_seconds >= r.start_unix_seconds &&
          p.unix_seconds < r.end_unix_seconds) {
        excluded = true;
        break;
      }
    }
    if (excluded) continue;
    ts.push_back(p.unix_seconds);
    vs.push_back(p.value);
  }
  const int64_t n = static_cast<int64_t>(ts.size());
  model.used_ = n;

  // Minimum-history rule (docs/anomaly_detection.md): without it a median
  // of a handful of points, and a MAD of even fewer, would draw a band that
  // flags ordinary noise.
  if (n == 0 || n < options.min_datapoints ||
      ts.back() + period_seconds - ts.front() < options.min_history_seconds) {
    return model;
  }
  model.ready_ = true;

  const double base = Median(vs);
  std::vector<double> r(vs.size());
  for (size_t i = 0; i < vs.size(); ++i) r[i] = vs[i] - base;

  // Knot widths: an hour for the daily and weekly cycles (or one period if
  // the period is longer), one period for the within-hour cycle.
  const int64_t seasonal_width = std::max(kHour, period_seconds);
  // Weekly knots see each slot once a week: at least four buckets per knot
  // and week, so that a knot is not one noisy sample (an hour up to
  // P = 15 min, four periods above, at most a day unless P is longer).
  const int64_t weekly_width = std::max(
      std::min(std::max(kHour, 4 * period_seconds), kDay), period_seconds);
  std::vector<double> work(vs.size());
  auto minus = [&](const Profile& a, const Profile& b) {
    for (size_t i = 0; i < vs.size(); ++i) {
      work[i] = r[i] - a.At(ts[i]) - b.At(ts[i]);
    }
    return absl::Span<const double>(work);
  };
  auto assign = [](Profile& p, int64_t cycle, FittedProfile f) {
    p.cycle = cycle;
    p.centres = std::move(f.centres);
    p.values = std::move(f.values);
  };
  // The level window: the newest level_window_seconds of the data.
  const int64_t level_start =
      ts.back() + period_seconds - options.level_window_seconds;
  const size_t first_recent = static_cast<size_t>(
      std::lower_bound(ts.begin(), ts.end(), level_start) - ts.begin());
  // A daily knot needs two days of data, except while the history spans one
  // to two days: the hours still to come today were then seen yesterday
  // only, and bridging them by interpolation would draw a straight line
  // across the daily peak, so one day is enough.
  const int64_t span = ts.back() + period_seconds - ts.front();
  const int64_t daily_min_days = span >= kDay && span < 2 * kDay ? 1 : 2;
  FittedProfile daily_fit, weekly_fit, hourly_fit;
  const Profile none;
  // Two rounds of backfitting: the daily shape first (it has the most
  // samples per knot), then the weekly adjustment of what it leaves, then
  // the daily shape again without the weekly part.
  for (int round = 0; round < 2; ++round) {
    daily_fit =
        FitProfile(ts, minus(model.weekly_, none), kDay, seasonal_width,
                   period_seconds, KnotRule::kPooledMedian, daily_min_days);
    assign(model.daily_, kDay, daily_fit);
    weekly_fit = FitWeekly(ts, minus(model.daily_, none), first_recent,
                           weekly_width, period_seconds);
    assign(model.weekly_, kWeek, weekly_fit);
  }
  if (period_seconds < kHour) {
    for (size_t i = 0; i < vs.size(); ++i) {
      work[i] = r[i] - model.daily_.At(ts[i]) - model.weekly_.At(ts[i]);
    }
    hourly_fit = FitProfile(ts, work, kHour, period_seconds, period_seconds,
                            KnotRule::kPooledMedian, kMinHourlyCycles);
    assign(model.hourly_, kHour, hourly_fit);
  }

  // Recent level: the median residual over the level window, so a level
  // shift moves the band once it fills half the window.
  model.level_ = base;
  for (size_t i = 0; i < vs.size(); ++i) {
    work[i] = vs[i] - model.Seasonal(ts[i]);
  }
  const double recent =
      Median(std::vector<double>(work.begin() + first_recent, work.end()));
  model.level_ = base + recent;

  // Spread: scaled MAD of the final residuals, corrected, then floored.
  for (size_t i = 0; i < vs.size(); ++i) work[i] -= recent;  // = v - expected
  const int64_t parameters =
      2 + daily_fit.parameters + weekly_fit.parameters + hourly_fit.parameters;
  // Two corrections of the in-sample residuals. `dof`: each median knot
  // absorbs some noise of the points it was fitted to. `days`: the profile is
  // a day-level estimate whose errors are shared by the points of a day, so
  // a forecast for a new day carries the knot error of an average over the
  // days seen, var = sigma^2 (1 + 1/days): x1.41 with one day of history,
  // x1.22 with two, x1.04 with fourteen.
  const double days = static_cast<double>(std::max<int64_t>(span / kDay, 1));
  const double dof =
      std::sqrt(static_cast<double>(n) /
                static_cast<double>(std::max<int64_t>(n - parameters, 1))) *
      std::sqrt(1 + 1 / days);
  std::vector<double> magnitudes(vs.size());
  for (size_t i = 0; i < vs.size(); ++i) magnitudes[i] = std::fabs(vs[i]);
  const double floor =
      std::max(options.spread_floor_relative * Median(std::move(magnitudes)),
               options.spread_floor_absolute);
  model.spread_ = std::max(ScaledMad(work) * dof, floor);
  // Hour-of-day spread: noisier hours (a busy peak) get a wider band; it
  // only widens the global one, never narrows it.
  FittedProfile spread_fit = FitProfile(ts, work, kDay, seasonal_width,
                                        period_seconds, KnotRule::kScaledMad);
  for (double& s : spread_fit.values) s *= dof;
  assign(model.daily_spread_, kDay, std::move(spread_fit));
  return model;
}

int64_t AnomalyModel::TrainedUntilFor(int64_t now_unix_seconds,
                                      const AnomalyModelOptions& options) {
  return FloorDiv(now_unix_seconds, options.retrain_interval_seconds) *
         options.retrain_interval_seconds;
}

std::optional<AnomalyModel::Prediction> AnomalyModel::Predict(
    int64_t unix_seconds) const {
  if (!ready_) return std::nullopt;
  Prediction p;
  p.expected = Seasonal(unix_seconds);
  p.spread = spread_;
  if (daily_spread_.active()) {
    p.spread = std::max(p.spread, daily_spread_.At(unix_seconds));
  }
  return p;
}

double AnomalyModel::Seasonal(int64_t unix_seconds) const {
  return level_ + daily_.At(unix_seconds) + weekly_.At(unix_seconds) +
         hourly_.At(unix_seconds);
}

std::pair<double, double> AnomalyModel::Band(const Prediction& p, double k) {
  return {p.expected - k * p.spread, p.expected + k * p.spread};
}

std::string AnomalyModel::DebugString() const {
  return absl::StrFormat(
      "AnomalyModel{ready=%d trained_until=%d period=%d datapoints=%d "
      "level=%.17g spread=%.17g daily_knots=%d weekly_knots=%d "
      "hourly_knots=%d spread_knots=%d}",
      ready_ ? 1 : 0, trained_until_, period_, used_, level_, spread_,
      daily_.centres.size(), weekly_.centres.size(), hourly_.centres.size(),
      daily_spread_.centres.size());
}

absl::Status ValidateAnomalyModelOptions(const AnomalyModelOptions& options) {
  auto bad = [](absl::string_view field, auto value, absl::string_view rule) {
    return absl::InvalidArgumentError(
        absl::StrCat("anomaly model: ", field, " (", value, "): ", rule));
  };
  if (options.training_window_seconds <= 0) {
    return bad("training_window_seconds", options.training_window_seconds,
               "the training window must be positive");
  }
  if (options.retrain_interval_seconds <= 0) {
    return bad("retrain_interval_seconds", options.retrain_interval_seconds,
               "the retraining interval must be positive");
  }
  if (options.min_datapoints < 1) {
    return bad("min_datapoints", options.min_datapoints,
               "the minimum-history rule needs at least 1 datapoint");
  }
  if (options.min_history_seconds < 0) {
    return bad("min_history_seconds", options.min_history_seconds,
               "the minimum history must not be negative");
  }
  if (options.level_window_seconds <= 0) {
    return bad("level_window_seconds", options.level_window_seconds,
               "the level window must be positive");
  }
  if (!std::isfinite(options.spread_floor_relative) ||
      options.spread_floor_relative < 0) {
    return bad("spread_floor_relative", options.spread_floor_relative,
               "the relative spread floor must be a finite number >= 0");
  }
  if (!std::isfinite(options.spread_floor_absolute) ||
      !(options.spread_floor_absolute > 0)) {
    return bad("spread_floor_absolute", options.spread_floor_absolute,
               "the absolute spread floor must be a finite number > 0, so "
               "that the band never has zero width");
  }
  for (size_t i = 0; i < options.excluded.size(); ++i) {
    const ExcludedTimeRange& r = options.excluded[i];
    if (r.end_unix_seconds <= r.start_unix_seconds) {
      return absl::InvalidArgumentError(
          absl::StrCat("anomaly model: excluded[", i, "] ([",
                       r.start_unix_seconds, ", ", r.end_unix_seconds,
                       ")): an excluded time range must end after it starts"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateAnomalyBandWidth(double k) {
  if (!std::isfinite(k) || !(k > 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ANOMALY_DETECTION_BAND: band width (", k,
        "): the number of standard deviations must be a finite number > 0"));
  }
  return absl::OkStatus();
}

}  // namespace cwalarm
