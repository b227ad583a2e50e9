// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "tools/tune.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "alarm/alarm_state.h"
#include "alarm/cw_format.h"
#include "alarm/threshold.h"

namespace cwalarm {
namespace {

constexpr int kMaxThresholds = 100000;

std::vector<double> Thresholds(const TuneGrid& grid) {
  std::vector<double> out;
  const double eps = grid.threshold_step * 1e-6;
  for (int i = 0;; ++i) {
    // Multiply rather than accumulate, and round to 12 significant digits,
    // so that 0.1 steps give 63, not 63.00000000000001.
    double t = grid.threshold_lo + i * grid.threshold_step;
    t = std::stod(absl::StrFormat("%.12g", t));
    if (t > grid.threshold_hi + eps || i >= kMaxThresholds) break;
    out.push_back(t);
  }
  return out;
}

std::string Duration(absl::Duration d) {
  int64_t minutes = absl::ToInt64Minutes(d);
  int64_t seconds = absl::ToInt64Seconds(d) % 60;
  std::string s = absl::StrFormat("%dh%02dm", minutes / 60, minutes % 60);
  if (seconds != 0) absl::StrAppendFormat(&s, "%02ds", seconds);
  return s;
}

}  // namespace

absl::Status ParseThresholdRange(absl::string_view text, TuneGrid* grid) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, ':');
  double lo = 0, hi = 0, step = 0;
  if (parts.size() != 3 || !absl::SimpleAtod(parts[0], &lo) ||
      !absl::SimpleAtod(parts[1], &hi) || !absl::SimpleAtod(parts[2], &step) ||
      !std::isfinite(lo) || !std::isfinite(hi) || !std::isfinite(step)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--threshold \"", text, "\": expected LO:HI:STEP, like 60:95:5"));
  }
  if (!(step > 0) || lo > hi) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--threshold \"", text, "\": STEP must be positive and LO <= HI"));
  }
  if ((hi - lo) / step >= kMaxThresholds) {
    return absl::InvalidArgumentError(
        absl::StrCat("--threshold \"", text, "\": more than ", kMaxThresholds,
                     " thresholds"));
  }
  grid->threshold_lo = lo;
  grid->threshold_hi = hi;
  grid->threshold_step = step;
  return absl::OkStatus();
}

absl::Status ParseDatapointsList(absl::string_view text, TuneGrid* grid) {
  std::vector<std::pair<int, int>> pairs;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    std::vector<absl::string_view> mn = absl::StrSplit(item, '/');
    int m = 0, n = 0;
    if (mn.size() != 2 || !absl::SimpleAtoi(mn[0], &m) ||
        !absl::SimpleAtoi(mn[1], &n) || m < 1 || m > n) {
      return absl::InvalidArgumentError(
          absl::StrCat("--datapoints \"", item,
                       "\": expected M/N with 1 <= M <= N, like 3/5"));
    }
    pairs.emplace_back(m, n);
  }
  grid->datapoints = std::move(pairs);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TuneResult>> TuneAlarm(
    const AlarmSpec& base, const TuneGrid& grid, const ReplayOptions& options,
    std::vector<TimedDatum> data) {
  if (base.IsAnomalyDetection()) {
    // The band replaces the threshold: there is nothing to sweep.
    return absl::InvalidArgumentError(absl::StrCat(
        "alarm \"", base.alarm_name,
        "\": tune sweeps Threshold, and an anomaly-detection alarm has none "
        "(its band comes from ThresholdMetricId)"));
  }
  std::vector<std::pair<int, int>> pairs = grid.datapoints;
  if (pairs.empty()) {
    pairs.emplace_back(base.EffectiveDatapointsToAlarm(),
                       base.evaluation_periods);
  }
  std::vector<TuneResult> results;
  std::vector<AlarmSpec> variants;
  absl::flat_hash_map<std::string, size_t> index_by_name;
  for (double threshold : Thresholds(grid)) {
    for (const auto& [m, n] : pairs) {
      AlarmSpec spec = base;
      spec.alarm_name = absl::StrFormat("tune-%06d", variants.size());
      spec.threshold = threshold;
      spec.evaluation_periods = n;
      // Keep "unset" when M equals N so reasons (and nothing else) match
      // the alarm as a user would write it.
      spec.datapoints_to_alarm = (m == n && !base.datapoints_to_alarm)
                                     ? std::nullopt
                                     : std::optional<int>(m);
      spec.actions_enabled = false;
      if (spec.evaluation_range && *spec.evaluation_range < n) {
        spec.evaluation_range.reset();
      }
      if (absl::Status s = spec.Validate(); !s.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("variant threshold ", FormatJavaDouble(threshold),
                         ", ", m, "/", n, ": ", s.message()));
      }
      index_by_name[spec.alarm_name] = variants.size();
      results.push_back(
          TuneResult{threshold, m, n, 0, absl::ZeroDuration(), std::nullopt});
      variants.push_back(std::move(spec));
    }
  }
  ReplayOptions replay_options = options;
  replay_options.keep_history = false;
  absl::StatusOr<ReplayRun> run =
      ReplayData(replay_options, std::move(variants), std::move(data),
                 /*record_buckets=*/false);
  if (!run.ok()) return run.status();
  const absl::Time end = run->instants.back();
  for (const AlarmTrace& trace : run->alarms) {
    TuneResult& r = results[index_by_name.at(trace.spec.alarm_name)];
    AlarmState state = trace.initial_state;
    absl::Time since = run->instants.front();
    for (const ReplayTransition& t : trace.transitions) {
      if (state == AlarmState::kAlarm) r.time_in_alarm += t.at - since;
      if (t.new_state == AlarmState::kAlarm) {
        ++r.times_fired;
        if (!r.first_fired) r.first_fired = t.at;
      }
      state = t.new_state;
      since = t.at;
    }
    if (state == AlarmState::kAlarm) r.time_in_alarm += end - since;
  }
  return results;
}

absl::Status RunTune(const ReplayOptions& options, const TuneGrid& grid,
                     absl::string_view alarm_name, std::string* out) {
  out->clear();
  absl::StatusOr<std::vector<AlarmSpec>> alarms =
      LoadAlarmsFile(options.alarms_path);
  if (!alarms.ok()) return alarms.status();
  const AlarmSpec* base = nullptr;
  if (alarm_name.empty()) {
    if (alarms->size() != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(options.alarms_path, ": ", alarms->size(),
                       " alarms; choose one with --alarm-name"));
    }
    base = &alarms->front();
  } else {
    for (const AlarmSpec& a : *alarms) {
      if (a.alarm_name == alarm_name) base = &a;
    }
    if (base == nullptr) {
      return absl::NotFoundError(absl::StrCat(
          options.alarms_path, ": no alarm named \"", alarm_name, "\""));
    }
  }
  absl::StatusOr<std::vector<TimedDatum>> data = LoadReplayData(options);
  if (!data.ok()) return data.status();
  absl::StatusOr<std::vector<TuneResult>> results =
      TuneAlarm(*base, grid, options, std::move(*data));
  if (!results.ok()) return results.status();

  std::vector<std::vector<std::string>> rows;
  rows.push_back(
      {"threshold", "datapoints", "fired", "time in ALARM", "first ALARM"});
  for (const TuneResult& r : *results) {
    rows.push_back(
        {FormatJavaDouble(r.threshold),
         absl::StrCat(r.datapoints_to_alarm, "/", r.evaluation_periods),
         absl::StrCat(r.times_fired), Duration(r.time_in_alarm),
         r.first_fired ? absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", *r.first_fired,
                                          absl::UTCTimeZone())
                       : "-"});
  }
  std::vector<size_t> width(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  }
  absl::StrAppend(out, "alarm \"", base->alarm_name,
                  "\": ", ComparisonOperatorName(base->comparison_operator),
                  ", ", results->size(), " variants\n");
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      // Numbers right-aligned, the last column left-aligned.
      std::string pad(width[i] - row[i].size(), ' ');
      if (i + 1 == row.size()) {
        absl::StrAppend(&line, row[i]);
      } else {
        absl::StrAppend(&line, pad, row[i], "  ");
      }
    }
    absl::StrAppend(out, line, "\n");
  }
  return absl::OkStatus();
}

}  // namespace cwalarm
