// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// `cwalarm tune`: what-if tuning. Replays one metric history under many
// variants of one alarm (thresholds from a range, DatapointsToAlarm /
// EvaluationPeriods pairs) and reports, per variant, how often it would have
// fired, how long it would have stayed in ALARM and when it first fired, so a
// person can choose a threshold before deploying.
//
//   cwalarm tune --alarms=cpu_alarm.json --metrics=cpu_metrics.csv --threshold=60:95:5 --datapoints=1/1,2/3,3/5
//
// The history is loaded and stored once, and every variant is an alarm of
// one AlarmEvaluator, so a single pass over the schedule evaluates them all
// (no re-parsing, no per-variant store). Each variant behaves exactly as the
// same alarm replayed alone with the same schedule (tests/tune_test.cc
// checks this). Variants have their actions disabled: tuning never calls a
// sink.
//
// Thread-safety: pure functions of their arguments (RunTune also reads the
// files).

#ifndef CWALARM_TOOLS_TUNE_H_
#define CWALARM_TOOLS_TUNE_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "alarm/alarm_spec.h"
#include "config/config_loader.h"
#include "tools/replay.h"

namespace cwalarm {

// The variants to try: every threshold of the range times every M/N pair.
struct TuneGrid {
  // Thresholds lo, lo + step, ... up to hi inclusive (within step/1e6).
  double threshold_lo = 0;
  double threshold_hi = 0;
  double threshold_step = 1;
  // (DatapointsToAlarm, EvaluationPeriods) pairs; empty keeps the alarm's.
  std::vector<std::pair<int, int>> datapoints;
};

// What one variant did.
struct TuneResult {
  double threshold = 0;
  int datapoints_to_alarm = 0;   // M.
  int evaluation_periods = 0;    // N.
  int times_fired = 0;           // Transitions into ALARM.
  absl::Duration time_in_alarm;  // Until the last evaluation instant.
  std::optional<absl::Time> first_fired;
};

// Parses `LO:HI:STEP` (decimal numbers, STEP > 0, LO <= HI, at most 100000
// thresholds) into the grid's threshold fields. kInvalidArgument naming the
// text otherwise.
absl::Status ParseThresholdRange(absl::string_view text, TuneGrid* grid);

// Parses `M/N,M/N,...` (1 <= M <= N) into `grid->datapoints`.
// kInvalidArgument naming the bad item otherwise.
absl::Status ParseDatapointsList(absl::string_view text, TuneGrid* grid);

// Evaluates every variant of `base` over `data` on the replay schedule of
// `options` (from, to, evaluate_at, initial_state, evaluation_range; see
// RunReplay) computed for all the variants together. Returns one result per
// variant, thresholds ascending, then pairs in the given order. Errors:
// kInvalidArgument when a variant fails AlarmSpec validation (naming it),
// and the replay's errors.
absl::StatusOr<std::vector<TuneResult>> TuneAlarm(const AlarmSpec& base,
                                                  const TuneGrid& grid,
                                                  const ReplayOptions& options,
                                                  std::vector<TimedDatum> data);

// `cwalarm tune`: loads `options.alarms_path` and the data (LoadReplayData),
// picks the alarm named `alarm_name` (or the only one when empty), runs
// TuneAlarm and writes an aligned table to `*out`. kInvalidArgument when the
// file has several alarms and no name is given, kNotFound for an unknown
// name, and the loaders' and TuneAlarm's errors.
absl::Status RunTune(const ReplayOptions& options, const TuneGrid& grid,
                     absl::string_view alarm_name, std::string* out);

}  // namespace cwalarm

#endif  // CWALARM_TOOLS_TUNE_H_
