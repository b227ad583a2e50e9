// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// `cwalarm replay`: replays a metric history through a set of alarms on
// CloudWatch's evaluation schedule and reports what CloudWatch would have
// done: the alarm history (StateUpdate, Action, ConfigurationUpdate items)
// and each alarm's final DescribeAlarms description.
//
// Pipeline: config/ loads the alarms and the data -> data sorted by arrival
// -> at each evaluation instant t, every datum received at or before t goes
// into a MetricStore, then AlarmEvaluator::Evaluate(t) -> RecordingSink for
// actions -> history and descriptions rendered as JSON or as a text timeline.
//
//   ReplayOptions options;
//   options.alarms_path = "examples/cpu_alarm.json";
//   options.metrics_path = "examples/cpu_metrics.csv";
//   std::string out;
//   absl::Status s = RunReplay(options, &out);
//
// Nothing here reads the clock: the same inputs always give byte-identical
// output. Thread-safety: pure functions of their arguments (RunReplay also
// reads the two files).

#ifndef CWALARM_TOOLS_REPLAY_H_
#define CWALARM_TOOLS_REPLAY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "alarm/alarm_state.h"

namespace cwalarm {

struct ReplayOptions {
  enum class Format { kJson, kText };

  // Required: the alarms (put-metric-alarm JSON, describe-alarms JSON or a
  // text proto) and the metric data (put-metric-data JSON or CSV); see
  // config/config_loader.h.
  std::string alarms_path;
  std::string metrics_path;

  // Bounds of the default schedule, inclusive. When set they replace the
  // schedule's default start / end (see RunReplay).
  std::optional<absl::Time> from;
  std::optional<absl::Time> to;

  // When non-empty, the evaluation instants, replacing the default schedule
  // (sorted and de-duplicated by RunReplay; `from`/`to` are then ignored).
  std::vector<absl::Time> evaluate_at;

  // The state set with SetAlarmState right after creation, before the first
  // evaluation; unset keeps the creation state (INSUFFICIENT_DATA).
  std::optional<AlarmState> initial_state;
  // Its reason; empty means kDefaultInitialReason.
  std::string initial_reason;

  // Overrides every alarm's evaluation range R (spec 3.3); must be >= each
  // alarm's EvaluationPeriods.
  std::optional<int> evaluation_range;

  Format format = Format::kJson;
  std::string region = "us-east-1";
  std::string account_id = "123456789012";
};

// The SetAlarmState reason used by `--initial-state=STATE` without REASON.
inline constexpr char kDefaultInitialReason[] =
    "Initial state set by cwalarm replay --initial-state";

// Parses an instant: ISO 8601 with `Z` or a numeric offset, or Unix seconds
// (integer or fractional). Returns kInvalidArgument naming `text` otherwise.
absl::StatusOr<absl::Time> ParseTime(absl::string_view text);

// Parses a comma-separated list of instants (ParseTime each); empty items are
// an error. Returns kInvalidArgument naming the bad item.
absl::StatusOr<std::vector<absl::Time>> ParseTimeList(absl::string_view text);

// Parses `json` or `text`; kInvalidArgument otherwise.
absl::StatusOr<ReplayOptions::Format> ParseFormat(absl::string_view text);

// Parses `STATE[:REASON]` (STATE one of OK, ALARM, INSUFFICIENT_DATA; REASON
// is everything after the first colon) into `options->initial_state` and
// `options->initial_reason`. Returns kInvalidArgument for an unknown state or
// an empty REASON after a colon; `options` is unchanged then.
absl::Status ParseInitialState(absl::string_view text, ReplayOptions* options);

// Runs the replay and, on success, stores the whole output in `*out` (JSON
// ending with a newline, or the text timeline). On failure `*out` is left
// empty and the status message holds one line per problem.
//
// Schedule (spec 3.1): instants every 60 s, or every 10 s if any alarm has a
// 10/20/30 s period, aligned to the epoch. By default from the minute of the
// earliest sample timestamp to the latest sample timestamp plus the longest
// R x Period of any alarm plus one step; `from` / `to` replace that start /
// end (instants outside [from, to] are not evaluated). `evaluate_at`
// replaces the schedule. Alarms are created (PutMetricAlarm) at the first
// instant, then `initial_state` is applied (SetAlarmState) at that instant.
// At each instant t, every datum with received_at <= t is stored (ties keep
// file order), then the alarms are evaluated at t. Data received after the
// last instant are never seen.
//
// Errors: the loaders' errors unchanged (they name the file, the place and
// the rule); PutMetricAlarm / SetAlarmState errors; kInvalidArgument when
// `from` is after `to` or when there is no instant to evaluate (no data and
// no explicit bounds or instants).
absl::Status RunReplay(const ReplayOptions& options, std::string* out);

}  // namespace cwalarm

#endif  // CWALARM_TOOLS_REPLAY_H_
