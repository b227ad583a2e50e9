// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "tools/replay.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "actions/recording_sink.h"
#include "alarm/alarm_evaluator.h"
#include "alarm/alarm_history.h"
#include "alarm/alarm_json.h"
#include "alarm/alarm_spec.h"
#include "alarm/alarm_state.h"
#include "alarm/composite_alarm.h"
#include "alarm/composite_evaluator.h"
#include "alarm/cw_format.h"
#include "alarm/json_writer.h"
#include "config/config_loader.h"
#include "metrics/metric_store.h"
#include "metrics/period.h"
#include "metrics/statistic.h"
#include "nlohmann/json.hpp"
#include "tools/series_notation.h"
#include "tools/svg_plot.h"

namespace cwalarm {
namespace {

// How many instants pass between two MetricStore::DropBefore calls: often
// enough to keep memory flat on long replays, rarely enough to cost nothing.
constexpr int kDropEvery = 60;

// Where series start when --series-start is not given (see ReplayOptions).
const absl::Time kDefaultSeriesStart = absl::FromUnixSeconds(1710590400);

// Runs `ReplayOptions::action_sink` first, then records the action with its
// status in the RecordingSink (so traces show real outcomes).
class TeeSink : public ActionSink {
 public:
  TeeSink(ActionSink* first, RecordingSink* recording)
      : first_(first), recording_(recording) {}
  absl::Status Execute(const StateChange& change) override {
    absl::Status status = first_->Execute(change);
    recording_->FailWith(status);
    recording_->Execute(change).IgnoreError();
    recording_->FailWith(absl::OkStatus());
    return status;
  }

 private:
  ActionSink* first_;
  RecordingSink* recording_;
};

absl::Time AlignUp(absl::Time t, absl::Duration step) {
  absl::Time down = AlignDown(t, step);
  return down == t ? t : down + step;
}

// The default schedule's instants (see RunReplay in replay.h).
// The earliest and latest sample timestamp of the data, when there are data.
struct DataBounds {
  std::optional<absl::Time> first;
  std::optional<absl::Time> last;
  void Add(absl::Time timestamp) {
    if (!first || timestamp < *first) first = timestamp;
    if (!last || timestamp > *last) last = timestamp;
  }
};

DataBounds BoundsOf(const std::vector<TimedDatum>& data) {
  DataBounds bounds;
  for (const TimedDatum& d : data) bounds.Add(d.datum.timestamp);
  return bounds;
}

// The evaluation instants: an explicit list (--evaluate-at), or `count`
// instants every `step` from `first` (the default schedule, kept as a
// formula: a year of one-minute instants would be 8 MiB).
struct InstantList {
  std::vector<absl::Time> list;  // When !regular.
  bool regular = false;
  absl::Time first;
  absl::Duration step;
  size_t count = 0;

  size_t size() const { return regular ? count : list.size(); }
  absl::Time front() const { return regular ? first : list.front(); }
  std::vector<absl::Time> ToVector() const {
    if (!regular) return list;
    std::vector<absl::Time> instants;
    instants.reserve(count);
    absl::Time t = first;
    for (size_t i = 0; i < count; ++i, t += step) instants.push_back(t);
    return instants;
  }
};

absl::StatusOr<InstantList> Schedule(
    const ReplayOptions& options, const std::vector<AlarmSpec>& alarms,
    const DataBounds& data) {
  if (!options.evaluate_at.empty()) {
    InstantList instants;
    instants.list = options.evaluate_at;
    std::sort(instants.list.begin(), instants.list.end());
    instants.list.erase(
        std::unique(instants.list.begin(), instants.list.end()),
        instants.list.end());
    return instants;
  }
  // Spec 3.1: every alarm is evaluated once per minute, high-resolution
  // alarms (10/20/30 s periods) every 10 s.
  absl::Duration step = absl::Seconds(60);
  absl::Duration longest_range = absl::ZeroDuration();
  for (const AlarmSpec& spec : alarms) {
    const absl::Duration period = spec.EffectivePeriod();
    if (period < absl::Seconds(60)) step = absl::Seconds(10);
    int r = options.evaluation_range.value_or(spec.EffectiveEvaluationRange());
    longest_range = std::max(longest_range, r * period);
  }
  std::optional<absl::Time> start = options.from;
  std::optional<absl::Time> end = options.to;
  if (data.first) {
    // Until the last sample has left every alarm's evaluation range.
    if (!start) start = AlignDown(*data.first, absl::Seconds(60));
    if (!end) end = *data.last + longest_range + step;
  }
  if (start && !end) end = *start + longest_range + step;
  if (end && !start) start = AlignDown(*end - longest_range, absl::Seconds(60));
  if (!start || !end) {
    return absl::InvalidArgumentError(absl::StrCat(
        options.series.empty() ? options.metrics_path : "--series",
        ": no evaluation instants: the file has no data and none of --from, "
        "--to or --evaluate-at is given"));
  }
  if (*start > *end) {
    return absl::InvalidArgumentError(
        absl::StrCat("--from (", FormatIsoTimestamp(*start),
                     ") must not be after --to (", FormatIsoTimestamp(*end),
                     ")"));
  }
  // Every `step` from the first aligned instant through `end`.
  InstantList instants;
  instants.regular = true;
  instants.first = AlignUp(*start, step);
  instants.step = step;
  if (instants.first <= *end) {
    absl::Duration remainder;
    instants.count =
        static_cast<size_t>(absl::IDivDuration(*end - instants.first, step,
                                               &remainder)) + 1;
  }
  if (instants.count == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no evaluation instant between --from (", FormatIsoTimestamp(*start),
        ") and --to (", FormatIsoTimestamp(*end), ")"));
  }
  return instants;
}

void WriteJson(const std::vector<AlarmHistoryItem>& history,
               const AlarmEvaluator& evaluator,
               const CompositeEvaluator* composites, std::string* out) {
  JsonWriter w(2);
  w.BeginObject();
  w.Key("AlarmHistoryItems");
  w.BeginArray();
  for (const AlarmHistoryItem& item : history) {
    w.BeginObject();
    w.Key("AlarmName");
    w.String(item.alarm_name);
    w.Key("AlarmType");
    w.String(item.alarm_type);
    w.Key("Timestamp");
    w.String(FormatIsoTimestamp(item.timestamp));
    w.Key("HistoryItemType");
    w.String(HistoryItemTypeName(item.type));
    w.Key("HistorySummary");
    w.String(item.summary);
    w.Key("HistoryData");
    w.String(item.data);
    w.EndObject();
  }
  w.EndArray();
  w.Key("MetricAlarms");
  w.BeginArray();
  for (const AlarmDescription& d : evaluator.DescribeAlarms()) {
    WriteMetricAlarm(*d.spec, *d.status, d.alarm_arn, d.configuration_updated,
                     &w);
  }
  w.EndArray();
  if (composites != nullptr && composites->alarm_count() > 0) {
    w.Key("CompositeAlarms");
    w.BeginArray();
    for (const CompositeAlarmDescription& d : composites->DescribeAlarms()) {
      WriteCompositeAlarm(*d.spec, *d.status, *d.suppression, d.alarm_arn,
                          d.configuration_updated, &w);
    }
    w.EndArray();
  }
  w.EndObject();
  *out = w.Release();
  out->push_back('\n');
}

// Instants in the text timeline: ISO 8601 in UTC, fractional seconds only
// when there are any.
std::string TextTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

std::string StringAt(const nlohmann::json& j, const char* a, const char* b) {
  if (!j.is_object() || !j.contains(a)) return "";
  const nlohmann::json& inner = j.at(a);
  if (b == nullptr) return inner.is_string() ? inner.get<std::string>() : "";
  if (!inner.is_object() || !inner.contains(b) || !inner.at(b).is_string()) {
    return "";
  }
  return inner.at(b).get<std::string>();
}

void WriteText(const std::vector<AlarmHistoryItem>& history,
               const AlarmEvaluator& evaluator,
               const CompositeEvaluator* composites, std::string* out) {
  // Four columns: when, alarm, what, detail.
  struct Row {
    std::string when, alarm, what, detail;
  };
  std::vector<Row> rows;
  for (const AlarmHistoryItem& item : history) {
    if (item.type == HistoryItemType::kConfigurationUpdate) continue;
    // The history data is our own compact JSON, so it always parses.
    nlohmann::json data = nlohmann::json::parse(item.data, nullptr, false);
    Row row{TextTime(item.timestamp), item.alarm_name, "", ""};
    if (item.type == HistoryItemType::kStateUpdate) {
      row.what = absl::StrCat(StringAt(data, "oldState", "stateValue"), " -> ",
                              StringAt(data, "newState", "stateValue"));
      row.detail = StringAt(data, "newState", "stateReason");
    } else {
      row.what = absl::StrCat("action ", StringAt(data, "notificationResource",
                                                  nullptr));
      row.detail = StringAt(data, "actionState", nullptr);
      // Composite alarms' suppressed actions name the suppression mode.
      std::string by = StringAt(data, "actionsSuppressedBy", nullptr);
      if (!by.empty()) absl::StrAppend(&row.detail, " by ", by);
      std::string error = StringAt(data, "error", nullptr);
      if (!error.empty()) absl::StrAppend(&row.detail, ": ", error);
    }
    rows.push_back(std::move(row));
  }
  for (const AlarmDescription& d : evaluator.DescribeAlarms()) {
    rows.push_back(Row{"final", d.spec->alarm_name,
                       std::string(AlarmStateName(d.status->state)),
                       absl::StrCat("since ",
                                    TextTime(d.status->state_updated), ": ",
                                    d.status->reason)});
  }
  if (composites != nullptr) {
    for (const CompositeAlarmDescription& d : composites->DescribeAlarms()) {
      rows.push_back(Row{"final", d.spec->alarm_name,
                         std::string(AlarmStateName(d.status->state)),
                         absl::StrCat("since ",
                                      TextTime(d.status->state_updated), ": ",
                                      d.status->reason)});
    }
  }
  size_t when_width = 0, alarm_width = 0, what_width = 0;
  for (const Row& r : rows) {
    when_width = std::max(when_width, r.when.size());
    alarm_width = std::max(alarm_width, r.alarm.size());
    what_width = std::max(what_width, r.what.size());
  }
  out->clear();
  for (const Row& r : rows) {
    absl::StrAppend(out, r.when, std::string(when_width - r.when.size(), ' '),
                    "  ", r.alarm,
                    std::string(alarm_width - r.alarm.size(), ' '), "  ",
                    r.what, std::string(what_width - r.what.size(), ' '),
                    "  ", r.detail, "\n");
  }
}

}  // namespace

absl::StatusOr<absl::Time> ParseTime(absl::string_view text) {
  return ParseTimestamp(text);
}

absl::StatusOr<std::vector<absl::Time>> ParseTimeList(absl::string_view text) {
  std::vector<absl::Time> instants;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    if (item.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--evaluate-at \"", text, "\": empty instant in list"));
    }
    absl::StatusOr<absl::Time> t = ParseTime(item);
    if (!t.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--evaluate-at: ", t.status().message()));
    }
    instants.push_back(*t);
  }
  return instants;
}

absl::StatusOr<ReplayOptions::Format> ParseFormat(absl::string_view text) {
  if (text == "json") return ReplayOptions::Format::kJson;
  if (text == "text") return ReplayOptions::Format::kText;
  return absl::InvalidArgumentError(absl::StrCat(
      "--format \"", text, "\": must be json or text"));
}

absl::Status ParseInitialState(absl::string_view text, ReplayOptions* options) {
  absl::string_view state_text = text;
  absl::string_view reason;
  bool has_reason = false;
  size_t colon = text.find(':');
  if (colon != absl::string_view::npos) {
    state_text = text.substr(0, colon);
    reason = text.substr(colon + 1);
    has_reason = true;
  }
  absl::StatusOr<AlarmState> state = ParseAlarmState(state_text);
  if (!state.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--initial-state \"", text, "\": ", state.status().message()));
  }
  if (has_reason && reason.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--initial-state \"", text, "\": REASON after ':' must not be empty"));
  }
  options->initial_state = *state;
  options->initial_reason = std::string(reason);
  return absl::OkStatus();
}

namespace {

// Creates run->composites, registers every metric alarm's state and puts the
// composites in dependency order (see ReplayData).
absl::Status PutComposites(const ReplayOptions& options,
                           const AlarmEvaluator& evaluator,
                           absl::Time created_at, ActionSink* sink,
                           std::vector<CompositeAlarmSpec> composites,
                           ReplayRun* run) {
  CompositeEvaluatorOptions composite_options;
  composite_options.region = options.region;
  composite_options.account_id = options.account_id;
  run->composites = std::make_unique<CompositeEvaluator>(sink, composite_options);
  for (const AlarmDescription& d : evaluator.DescribeAlarms()) {
    absl::Status s = run->composites->OnAlarmState(
        d.spec->alarm_name, d.status->state, created_at);
    if (!s.ok()) return s;
  }
  // Each pass puts every composite whose children exist by now; a pass
  // without progress leaves only unknown children or cycles.
  while (!composites.empty()) {
    std::vector<CompositeAlarmSpec> waiting;
    absl::Status last;
    for (CompositeAlarmSpec& spec : composites) {
      absl::Status s = run->composites->PutCompositeAlarm(spec, created_at);
      if (!s.ok()) {
        last = s;
        waiting.push_back(std::move(spec));
      }
    }
    if (waiting.size() == composites.size()) {
      std::vector<std::string> names;
      for (const CompositeAlarmSpec& spec : waiting) names.push_back(spec.alarm_name);
      return absl::Status(
          last.code(),
          absl::StrCat(options.alarms_path, ": ", last.message(),
                       waiting.size() > 1
                           ? absl::StrCat(" (composite alarms not created: ",
                                          absl::StrJoin(names, ", "),
                                          "; their rules reference unknown "
                                          "alarms or each other in a cycle)")
                           : ""));
    }
    composites = std::move(waiting);
  }
  return absl::OkStatus();
}

}  // namespace

const AlarmTrace* ReplayRun::Find(absl::string_view name) const {
  for (const AlarmTrace& a : alarms) {
    if (a.spec.alarm_name == name) return &a;
  }
  return nullptr;
}

absl::StatusOr<std::vector<absl::Time>> ReplaySchedule(
    const ReplayOptions& options, const std::vector<AlarmSpec>& alarms,
    const std::vector<TimedDatum>& data) {
  absl::StatusOr<InstantList> instants =
      Schedule(options, alarms, BoundsOf(data));
  if (!instants.ok()) return instants.status();
  return instants->ToVector();
}

absl::StatusOr<std::vector<TimedDatum>> LoadReplayData(
    const ReplayOptions& options) {
  if (options.series.empty()) return LoadMetricsFile(options.metrics_path);
  if (options.series_step <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--series-step must be positive");
  }
  return ParseSeriesList(options.series,
                         options.series_start.value_or(kDefaultSeriesStart),
                         options.series_step, "--series");
}

namespace {

// The replay of ReplayData, fed one datum at a time in arrival order, so
// that the data can come from a vector or be streamed from a file
// (RunReplay): Start puts the alarms, Put evaluates every instant before the
// datum's arrival and then stores it, Finish evaluates the rest. Put ... Put
// Finish with the data sorted by received_at (ties in file order) does what
// the loop "at each instant t, store every datum received at or before t,
// then evaluate at t" does.
class Replayer {
 public:
  // `keep_instants` fills ReplayRun::instants (the picture and the test
  // API use them; RunReplay's text and JSON do not).
  Replayer(const ReplayOptions& options, bool record_buckets,
           bool keep_instants)
      : options_(options),
        record_buckets_(record_buckets),
        keep_instants_(keep_instants) {}

  absl::Status Start(InstantList instants,
                     std::vector<AlarmSpec> alarms,
                     std::vector<CompositeAlarmSpec> composite_alarms,
                     std::vector<AnomalyDetectorSpec> anomaly_detectors);

  // Evaluates every instant before `d.received_at`, then stores `d` unless
  // it arrives after the last instant (it is never seen then; past_end()
  // turns true). Data must come in arrival order.
  absl::Status Put(const TimedDatum& d) {
    while (next_instant_ < total_ && next_time_ < d.received_at) {
      absl::Status s = EvaluateNext();
      if (!s.ok()) return s;
    }
    if (next_instant_ == total_) return absl::OkStatus();
    // The loader validated every datum, so this cannot fail; if it ever
    // does, failing loudly beats a silently skipped datapoint.
    return run_.store->Put(d.datum, d.place);
  }

  // True when every instant is evaluated: later data are never seen.
  bool past_end() const { return next_instant_ == total_; }

  // Evaluates the remaining instants and collects the history.
  absl::StatusOr<ReplayRun> Finish();

 private:
  absl::Status EvaluateNext();

  // Per alarm, what the loop needs to notice transitions and bucket values
  // without going through the name map at every instant.
  struct Watch {
    const AlarmStatus* status;
    AlarmState last_state;
    std::optional<MetricIndex> metric;
    absl::Duration period;
    absl::Duration granularity;
    std::optional<Statistic> statistic;
    std::optional<Unit> unit;
    std::optional<absl::Time> last_anchor;
  };

  const ReplayOptions& options_;
  const bool record_buckets_;
  const bool keep_instants_;
  ReplayRun run_;
  std::vector<Watch> watches_;
  InstantList instants_;
  size_t total_ = 0;         // instants_.size().
  size_t next_instant_ = 0;  // Index of the next instant to evaluate.
  absl::Time next_time_;     // That instant, when next_instant_ < total_.
  size_t progress_every_ = 1;
  int since_drop_ = 0;
};

absl::Status Replayer::Start(
    InstantList instants, std::vector<AlarmSpec> alarms,
    std::vector<CompositeAlarmSpec> composite_alarms,
    std::vector<AnomalyDetectorSpec> anomaly_detectors) {
  const ReplayOptions& options = options_;
  ReplayRun& run = run_;
  instants_ = std::move(instants);
  total_ = instants_.size();
  next_time_ = instants_.front();
  if (keep_instants_) run.instants = instants_.ToVector();

  run.store = std::make_unique<MetricStore>();
  run.sink = std::make_unique<RecordingSink>();
  EvaluatorOptions evaluator_options;
  evaluator_options.region = options.region;
  evaluator_options.account_id = options.account_id;
  evaluator_options.evaluation_range = options.evaluation_range;
  ActionSink* evaluator_sink = run.sink.get();
  if (options.action_sink != nullptr) {
    run.action_tee =
        std::make_unique<TeeSink>(options.action_sink, run.sink.get());
    evaluator_sink = run.action_tee.get();
  }
  run.evaluator = std::make_unique<AlarmEvaluator>(
      run.store.get(), evaluator_sink, evaluator_options);
  MetricStore& store = *run.store;
  AlarmEvaluator& evaluator = *run.evaluator;

  const absl::Time created_at = instants_.front();
  for (AnomalyDetectorSpec& detector : anomaly_detectors) {
    absl::Status s = evaluator.PutAnomalyDetector(std::move(detector));
    if (!s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat(options.alarms_path, ": ", s.message()));
    }
  }
  evaluator.Reserve(alarms.size());
  for (AlarmSpec& spec : alarms) {
    std::string name = spec.alarm_name;
    absl::Status s = evaluator.PutMetricAlarm(std::move(spec), created_at);
    if (!s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat(options.alarms_path, ": ", s.message()));
    }
    if (options.initial_state.has_value()) {
      const std::string reason = options.initial_reason.empty()
                                     ? std::string(kDefaultInitialReason)
                                     : options.initial_reason;
      s = evaluator.SetAlarmState(name, *options.initial_state, reason, "",
                                  created_at);
      if (!s.ok()) {
        return absl::Status(s.code(),
                            absl::StrCat("--initial-state: ", s.message()));
      }
    }
  }

  absl::Status composites_put = PutComposites(
      options, evaluator, created_at, evaluator_sink,
      std::move(composite_alarms), &run);
  if (!composites_put.ok()) return composites_put;

  for (const AlarmDescription& d : evaluator.DescribeAlarms()) {
    AlarmTrace trace;
    trace.spec = *d.spec;
    trace.initial_state = d.status->state;
    run.alarms.push_back(std::move(trace));
    watches_.push_back(Watch{
        evaluator.FindStatus(d.spec->alarm_name), d.status->state,
        d.spec->HasMetricsList() ? std::nullopt : store.Find(d.spec->metric),
        d.spec->EffectivePeriod(),
        EvaluationGranularity(d.spec->EffectivePeriod()), d.spec->statistic,
        d.spec->unit, std::nullopt});
  }
  progress_every_ = std::max<size_t>(1, total_ / 100);
  return absl::OkStatus();
}

absl::Status Replayer::EvaluateNext() {
  const ReplayOptions& options = options_;
  ReplayRun& run = run_;
  MetricStore& store = *run.store;
  AlarmEvaluator& evaluator = *run.evaluator;
  const absl::Time t = next_time_;
  if (++next_instant_ < total_) {
    next_time_ = instants_.regular ? next_time_ + instants_.step
                                   : instants_.list[next_instant_];
  }
  EvaluationReport report = evaluator.Evaluate(t);
  // A Metrics-list alarm whose expression cannot be evaluated is a
  // configuration error: the replay stops with it rather than print a
  // timeline missing that alarm's evaluations (docs/choices.md).
  if (!report.evaluation_errors.empty()) return report.evaluation_errors.front();
  absl::Status advanced = run.composites->AdvanceTo(t);
  if (!advanced.ok()) return advanced;
  if (report.transitions > 0) {
    for (size_t i = 0; i < watches_.size(); ++i) {
      Watch& w = watches_[i];
      if (w.status->state == w.last_state) continue;
      absl::Status told = run.composites->OnAlarmState(
          run.alarms[i].spec.alarm_name, w.status->state, t);
      if (!told.ok()) return told;
      run.alarms[i].transitions.push_back(ReplayTransition{
          t, w.last_state, w.status->state,
          options.keep_history ? w.status->reason : std::string()});
      w.last_state = w.status->state;
    }
    if (!options.keep_history) evaluator.TakeHistory();
  }
  if (record_buckets_) {
    for (size_t i = 0; i < watches_.size(); ++i) {
      Watch& w = watches_[i];
      // The evaluator evaluates an alarm once per slot (spec 3.1), so one
      // value per slot; the anchor is the slot itself (spec 3.2.1).
      absl::Time anchor = AlignDown(t, w.granularity);
      if (w.last_anchor && *w.last_anchor >= anchor) continue;
      w.last_anchor = anchor;
      BucketValue b{t, anchor - w.period, std::nullopt};
      if (w.metric && w.statistic) {
        b.value = ComputeStatistic(
            *w.statistic, store.Aggregate(*w.metric, w.unit,
                                          anchor - w.period, anchor));
      }
      run.alarms[i].buckets.push_back(b);
    }
  }
  if (++since_drop_ == kDropEvery) {
    since_drop_ = 0;
    store.DropBefore(evaluator.RetentionHorizon(t));
  }
  const size_t done = next_instant_;
  const size_t total = total_;
  if (options.progress && (done % progress_every_ == 0 || done == total)) {
    options.progress(done, total);
  }
  return absl::OkStatus();
}

absl::StatusOr<ReplayRun> Replayer::Finish() {
  while (next_instant_ < total_) {
    absl::Status s = EvaluateNext();
    if (!s.ok()) return s;
  }
  ReplayRun& run = run_;
  absl::flat_hash_map<absl::string_view, size_t> trace_by_name;
  for (size_t i = 0; i < run.alarms.size(); ++i) {
    trace_by_name[run.alarms[i].spec.alarm_name] = i;
  }
  for (const RecordedAction& a : run.sink->actions()) {
    auto it = trace_by_name.find(a.alarm_name);
    if (it != trace_by_name.end()) run.alarms[it->second].actions.push_back(a);
  }
  run.history = run.evaluator->TakeHistory();
  std::vector<AlarmHistoryItem> composite_history =
      run.composites->TakeHistory();
  if (!composite_history.empty()) {
    for (AlarmHistoryItem& item : composite_history) {
      run.history.push_back(std::move(item));
    }
    std::stable_sort(run.history.begin(), run.history.end(),
                     [](const AlarmHistoryItem& a, const AlarmHistoryItem& b) {
                       return a.timestamp < b.timestamp;
                     });
  }
  return std::move(run);
}

}  // namespace

absl::StatusOr<ReplayRun> ReplayData(
    const ReplayOptions& options, std::vector<AlarmSpec> alarms,
    std::vector<TimedDatum> data, bool record_buckets,
    std::vector<CompositeAlarmSpec> composite_alarms,
    std::vector<AnomalyDetectorSpec> anomaly_detectors) {
  // Arrival order decides what each evaluation sees (spec 3.7); file order
  // breaks ties so replays are deterministic.
  std::stable_sort(data.begin(), data.end(),
                   [](const TimedDatum& a, const TimedDatum& b) {
                     return a.received_at < b.received_at;
                   });
  absl::StatusOr<InstantList> instants =
      Schedule(options, alarms, BoundsOf(data));
  if (!instants.ok()) return instants.status();
  Replayer replayer(options, record_buckets, /*keep_instants=*/true);
  absl::Status started =
      replayer.Start(std::move(*instants), std::move(alarms),
                     std::move(composite_alarms), std::move(anomaly_detectors));
  if (!started.ok()) return started;
  for (const TimedDatum& d : data) {
    if (replayer.past_end()) break;
    absl::Status s = replayer.Put(d);
    if (!s.ok()) return s;
  }
  return replayer.Finish();
}

std::string FormatReplay(const ReplayRun& run, ReplayOptions::Format format) {
  std::string out;
  if (format == ReplayOptions::Format::kJson) {
    WriteJson(run.history, *run.evaluator, run.composites.get(), &out);
  } else {
    WriteText(run.history, *run.evaluator, run.composites.get(), &out);
  }
  return out;
}

namespace {

// What a first pass over a CSV metrics file finds out without keeping the
// rows: whether it is valid, the timestamp bounds for the schedule, and
// whether its rows are already in arrival order.
struct CsvScan {
  DataBounds bounds;
  bool in_arrival_order = true;
  size_t data = 0;  // Valid rows.
};

// True for a regular file, which reads the same twice (a pipe or a FIFO
// named *.csv would be empty on the second read).
bool IsRegularFile(const std::string& path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

absl::StatusOr<CsvScan> ScanMetricsCsv(absl::string_view path) {
  absl::StatusOr<std::unique_ptr<MetricsCsvFileReader>> reader =
      MetricsCsvFileReader::Open(path);
  if (!reader.ok()) return reader.status();
  CsvScan scan;
  std::optional<absl::Time> last_received;
  while (const TimedDatum* d = (*reader)->Next()) {
    scan.bounds.Add(d->datum.timestamp);
    ++scan.data;
    if (last_received && d->received_at < *last_received) {
      scan.in_arrival_order = false;
    }
    last_received = d->received_at;
  }
  absl::Status status = (*reader)->status();
  if (!status.ok()) return status;
  return scan;
}

// RunReplay for a CSV metrics file whose rows are in arrival order, without
// holding the rows in memory (issue 7: a year of one-minute data was ~0.8 KB
// per row loaded): a first pass checks every row (so every bad row is
// reported, with file and line, before anything is evaluated) and finds the
// schedule's bounds, a second pass streams the rows into the replay. The
// store holds only what the alarms' retention horizon needs
// (MetricStore::DropBefore), so memory follows the evaluation range and the
// output, not the history's length. Same output as LoadReplayData +
// ReplayData. Returns nullopt when the rows are not in arrival order (the
// caller then loads and sorts them).
absl::StatusOr<std::optional<ReplayRun>> StreamCsvReplay(
    const ReplayOptions& options, AlarmConfig alarms, bool record_buckets) {
  absl::StatusOr<CsvScan> scan = ScanMetricsCsv(options.metrics_path);
  if (!scan.ok()) return scan.status();
  if (!scan->in_arrival_order) return std::optional<ReplayRun>();
  absl::StatusOr<InstantList> instants =
      Schedule(options, alarms.metric_alarms, scan->bounds);
  if (!instants.ok()) return instants.status();
  // The picture needs the instants; the text and JSON outputs do not.
  Replayer replayer(options, record_buckets, /*keep_instants=*/record_buckets);
  absl::Status started = replayer.Start(
      std::move(*instants), std::move(alarms.metric_alarms),
      std::move(alarms.composite_alarms), std::move(alarms.anomaly_detectors));
  if (!started.ok()) return started;
  absl::StatusOr<std::unique_ptr<MetricsCsvFileReader>> reader =
      MetricsCsvFileReader::Open(options.metrics_path);
  if (!reader.ok()) return reader.status();
  std::optional<absl::Time> last_received;
  size_t read = 0;
  while (!replayer.past_end()) {
    const TimedDatum* d = (*reader)->Next();
    if (d == nullptr) {
      if (read != scan->data) {
        return absl::AbortedError(absl::StrCat(
            options.metrics_path, ": ", read, " rows on the second read, ",
            scan->data, " on the first (the file changed during the replay)"));
      }
      break;
    }
    ++read;
    // The first pass saw these rows valid and in order; a file changed in
    // between is an error, never a replay of half of each version.
    if (last_received && d->received_at < *last_received) {
      return absl::AbortedError(absl::StrCat(
          d->place, ": out of arrival order on the second read (the file "
                    "changed during the replay)"));
    }
    last_received = d->received_at;
    absl::Status s = replayer.Put(*d);
    if (!s.ok()) return s;
  }
  absl::Status status = (*reader)->status();
  if (!status.ok()) return status;
  absl::StatusOr<ReplayRun> run = replayer.Finish();
  if (!run.ok()) return run.status();
  return std::optional<ReplayRun>(std::move(*run));
}

}  // namespace

absl::Status RunReplay(const ReplayOptions& options, std::string* out) {
  out->clear();
  absl::StatusOr<AlarmConfig> alarms = LoadAlarmConfigFile(options.alarms_path);
  if (!alarms.ok()) return alarms.status();
  const bool record_buckets = !options.plot_path.empty();
  std::optional<ReplayRun> streamed;
  if (options.series.empty() &&
      absl::EndsWithIgnoreCase(options.metrics_path, ".csv") &&
      IsRegularFile(options.metrics_path)) {
    absl::StatusOr<std::optional<ReplayRun>> run =
        StreamCsvReplay(options, *alarms, record_buckets);
    if (!run.ok()) return run.status();
    streamed = std::move(*run);
  }
  absl::StatusOr<ReplayRun> run = absl::InternalError("unset");
  if (streamed.has_value()) {
    run = std::move(*streamed);
  } else {
    // JSON metrics, series notation, and CSV rows out of arrival order
    // (late data listed by timestamp): loaded whole and sorted.
    absl::StatusOr<std::vector<TimedDatum>> data = LoadReplayData(options);
    if (!data.ok()) return data.status();
    run = ReplayData(options, std::move(alarms->metric_alarms),
                     std::move(*data), record_buckets,
                     std::move(alarms->composite_alarms),
                     std::move(alarms->anomaly_detectors));
  }
  if (!run.ok()) return run.status();
  if (!options.plot_path.empty()) {
    std::ofstream file(options.plot_path, std::ios::binary | std::ios::trunc);
    file << RenderSvgPlot(run->instants, run->alarms);
    file.close();
    if (!file) {
      return absl::UnavailableError(absl::StrCat(
          "--plot: cannot write \"", options.plot_path, "\""));
    }
  }
  *out = FormatReplay(*run, options.format);
  return absl::OkStatus();
}

}  // namespace cwalarm
