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

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "actions/recording_sink.h"
#include "alarm/action_sink.h"
#include "alarm/alarm_evaluator.h"
#include "alarm/alarm_history.h"
#include "alarm/alarm_spec.h"
#include "alarm/alarm_state.h"
#include "alarm/composite_alarm.h"
#include "alarm/composite_evaluator.h"
#include "config/config_loader.h"
#include "metrics/metric_store.h"
#include "tools/replay_trace.h"

namespace cwalarm {

struct ReplayOptions {
  enum class Format { kJson, kText };

  // Required: the alarms (put-metric-alarm JSON, describe-alarms JSON or a
  // text proto) and the metric data (put-metric-data JSON or CSV); see
  // config/config_loader.h.
  std::string alarms_path;
  std::string metrics_path;

  // Instead of `metrics_path`: series notation (tools/series_notation.h),
  // one series per item, items may also hold several separated by `;`.
  // Datum i of each series is at `series_start + i * series_step`; when
  // `series_start` is unset, 2024-03-16T12:00:00Z (an arbitrary, fixed
  // instant, so that outputs are reproducible).
  std::vector<std::string> series;
  std::optional<absl::Time> series_start;
  absl::Duration series_step = absl::Seconds(60);

  // When non-empty, RunReplay also writes an SVG picture of the replay there
  // (tools/svg_plot.h).
  std::string plot_path;

  // When set, called with (instants done, instants in total) about every
  // 1% of the schedule and once at the end. For the CLI's progress bar.
  std::function<void(size_t, size_t)> progress;

  // False drops the alarm history as it is written and leaves transition
  // reasons empty (ReplayRun::history stays empty): for callers that only
  // need the states, such as `cwalarm tune` with thousands of variants.
  bool keep_history = true;

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

  // When set, every action is also executed by this sink (before it is
  // recorded), and its status is what the Action history item and the trace
  // record: `--sns-endpoint` passes the SNS sink, `--print-notifications` a
  // printing one (tools/sns_notifications.h). Not owned; must outlive the
  // RunReplay / ReplayData call.
  ActionSink* action_sink = nullptr;
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
// Memory (issue 7): a CSV metrics file whose rows are in arrival order
// (ReceivedAt, or Timestamp when there is none, never decreasing: the usual
// export) is read twice as a stream (config_loader.h MetricsCsvFileReader),
// once to check every row and find the schedule, once to replay, so its rows
// are never all in memory and the store keeps only what the alarms' ranges
// need; peak memory follows the output, not the history's length. Other
// inputs (JSON, series, late data listed out of arrival order) are loaded
// whole. The output is the same either way.
//
// Errors: the loaders' errors unchanged (they name the file, the place and
// the rule); PutMetricAlarm / SetAlarmState errors; kInvalidArgument when
// `from` is after `to` or when there is no instant to evaluate (no data and
// no explicit bounds or instants).
absl::Status RunReplay(const ReplayOptions& options, std::string* out);

// --- The replay as data ------------------------------------------------------
//
// What RunReplay computes before formatting, for the picture (svg_plot.h),
// `cwalarm tune` and the C++ test API (tests/testing/alarm_test_api.h). The
// per-alarm records are in tools/replay_trace.h.

// The result of ReplayData. Movable; owns the store and the evaluator so that
// the final descriptions (`evaluator->DescribeAlarms()`) stay available.
struct ReplayRun {
  std::vector<absl::Time> instants;   // The schedule, ascending.
  std::vector<AlarmTrace> alarms;     // Sorted by alarm name.
  std::vector<AlarmHistoryItem> history;
  std::unique_ptr<MetricStore> store;
  std::unique_ptr<RecordingSink> sink;
  // Forwards to `ReplayOptions::action_sink` and `sink` when the former is
  // set; the evaluator's sink then.
  std::unique_ptr<ActionSink> action_tee;
  std::unique_ptr<AlarmEvaluator> evaluator;
  // Composite alarms (issue 6): told about every metric alarm transition
  // after each evaluation, advanced to each instant. Always set.
  std::unique_ptr<CompositeEvaluator> composites;

  // The trace of alarm `name`, or nullptr.
  const AlarmTrace* Find(absl::string_view name) const;
};

// The data RunReplay would use: `options.series` when non-empty (parsed with
// ParseSeriesList, source `--series`), the file at `options.metrics_path`
// otherwise. Errors are the parsers' and loaders' errors.
absl::StatusOr<std::vector<TimedDatum>> LoadReplayData(
    const ReplayOptions& options);

// Runs the replay of RunReplay on already loaded alarms and data (no file is
// read; `alarms_path`, `metrics_path`, `series`, `plot_path` and `format` are
// ignored). When `record_buckets` is true each alarm's BucketValue per
// evaluation is recorded (costs one aggregation per alarm and evaluation).
// Errors as for RunReplay.
//
// `composite_alarms` (issue 6) are put right after the metric alarms, at the
// first instant, in dependency order (a composite naming another composite
// of the list is put after it); `initial_state` does not apply to them. At
// each instant, after the metric alarms are evaluated, the composites are
// advanced to the instant (wait / extension periods end) and told each
// metric alarm transition. Their history items are merged into `history` by
// timestamp (metric items first at equal times); the JSON output gains a
// `CompositeAlarms` list and the text output their final rows, both only
// when there are composites (so outputs without composites are unchanged).
// `anomaly_detectors` are put (AlarmEvaluator::PutAnomalyDetector) before
// the alarms.
absl::StatusOr<ReplayRun> ReplayData(
    const ReplayOptions& options, std::vector<AlarmSpec> alarms,
    std::vector<TimedDatum> data, bool record_buckets,
    std::vector<CompositeAlarmSpec> composite_alarms = {},
    std::vector<AnomalyDetectorSpec> anomaly_detectors = {});

// Renders `run` as RunReplay's JSON or text output.
std::string FormatReplay(const ReplayRun& run, ReplayOptions::Format format);

// The evaluation instants of the default schedule (see RunReplay) for these
// alarms and data. `data` need not be sorted. Errors as for RunReplay.
absl::StatusOr<std::vector<absl::Time>> ReplaySchedule(
    const ReplayOptions& options, const std::vector<AlarmSpec>& alarms,
    const std::vector<TimedDatum>& data);

}  // namespace cwalarm

#endif  // CWALARM_TOOLS_REPLAY_H_
