// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// AlarmEvaluator: holds metric alarms, evaluates them on CloudWatch's
// schedule against a MetricStore, applies transitions, writes history and
// runs actions through an ActionSink.
//
// Pipeline: samples -> MetricStore (10 s cells) -> per evaluation, the R
// sliding buckets of each due alarm -> Decide (spec 3.4) -> on a change,
// StateReason + ApplyTransition -> StateUpdate history -> ActionSink per ARN
// -> Action history.
//
//   MetricStore store;
//   RecordingSink sink;
//   AlarmEvaluator evaluator(&store, &sink);
//   absl::Status s = evaluator.PutMetricAlarm(spec, created_at);
//   store.Put(datum, "MetricData[0]");
//   EvaluationReport r = evaluator.Evaluate(now);
//   std::vector<AlarmHistoryItem> items = evaluator.TakeHistory();
//
// Schedule (spec 3.1): an alarm with Period >= 60 s is evaluated once per
// minute, a high-resolution alarm once per 10 s. `Evaluate(now)` evaluates
// every alarm whose slot (now aligned down to 60 s or 10 s) is later than the
// slot it was last evaluated in, so calling it more often is harmless and
// calling it once per minute drives every standard alarm.
//
// Auto Scaling re-invocation (spec 4.2 exception): while an alarm stays in a
// state whose action list holds an Auto Scaling policy ARN
// (IsAutoScalingPolicyArn) and ActionsEnabled is true, each evaluation at
// least 60 s after the previous invocation calls the sink again for those
// ARNs only, with `StateChange::repeated` set and the evaluation's current
// datapoints in `metric_values`. Each re-invocation also writes an Action
// history item (docs/choices.md), so a failing policy ("No step adjustment
// found ...") shows up every minute, as in CloudWatch's history.
//
// Data layout: alarms live in dense arrays indexed by slot; the loop reads a
// compact 64-byte record per alarm (metric index, period, N, M, R, operator,
// treatment, state, threshold, and the verdict masks of the last
// evaluation) and touches the configuration and reason strings only on a
// transition. The cold side is compact too (issue 7, bytes per alarm): the
// parts of the spec alarms share (period, statistic, actions, tags, ...) are
// interned once (AlarmSpecPool); per alarm remain the name (in one arena),
// the metric index (the MetricId is the store's), the threshold and the
// configuration time. The status is stored only once it differs from the
// initial "Unchecked: Initial alarm creation" one. Full AlarmSpecs are
// rebuilt where one is handed out (FindAlarm, DescribeAlarms, StateChange,
// history, snapshots).
//
// Incremental evaluation: a standard alarm (one metric, a Statistic, R <= 64)
// keeps one bit per bucket of its range (present, breaching). When the
// anchor has moved by whole periods (Period 60 evaluated every minute), the
// masks shift and only the new buckets are aggregated, plus any older
// bucket the store reports written since the last evaluation (late data,
// spec 3.7; MetricStore::EarliestCellWrittenSince). Sliding buckets that do
// not move by whole periods (Period 300 evaluated every minute, up to 512
// minutes of verdicts) keep one verdict per minute and aggregate only the
// newest window, from a per-alarm running window (the cells leaving and
// entering it: MetricStore::AggregateRunningWindowAt, bit for bit the
// walk's result). Longer sliding ranges re-decide every bucket; for
// SampleCount, Sum and Average each bucket then costs two searches in the
// store's running totals (MetricStore::AggregateCountSumAt, used only when
// provably exact) instead of a walk over its cells. R > 64 and the
// extended and math paths re-aggregate the whole range every time.
//
// Thread-safety: not thread-safe; callers serialise all calls (including
// MetricStore mutations) on one evaluator. Evaluate(now, threads) uses
// threads internally and returns after joining them. Not copyable or movable (holds
// pointers handed out to sinks during calls).

#ifndef CWALARM_ALARM_ALARM_EVALUATOR_H_
#define CWALARM_ALARM_ALARM_EVALUATOR_H_

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "alarm/action_sink.h"
#include "alarm/alarm_history.h"
#include "alarm/alarm_name_index.h"
#include "alarm/alarm_spec.h"
#include "alarm/alarm_spec_pool.h"
#include "alarm/alarm_state.h"
#include "alarm/alarm_state_machine.h"
#include "alarm/evaluation_window.h"
#include "alarm/anomaly_model.h"
#include "alarm/state_reason.h"
#include "metrics/extended_statistic.h"
#include "metrics/metric_store.h"
#include "metrics/prefetch.h"
#include "metrics/sample_distribution.h"
#include "metrics/statistic.h"

namespace cwalarm {

// Per-alarm state of a Metrics-list alarm (alarm_evaluator_math.cc).
struct MathAlarmState;

struct EvaluatorOptions {
  // Used in ARNs and handed to sinks (SNS derives the region name from it).
  std::string region = "us-east-1";
  std::string account_id = "123456789012";
  // When set, replaces every alarm's evaluation range R (spec 3.3; the
  // `--evaluation-range` flag). Must be >= each alarm's N.
  std::optional<int> evaluation_range;
  ReasonForm reason_form = ReasonForm::kAuto;
  // Training of anomaly-detection models (alarm/anomaly_model.h,
  // docs/anomaly_detection.md).
  AnomalyModelOptions anomaly_model;
};

// What one Evaluate call did.
struct EvaluationReport {
  int evaluated = 0;    // Alarms whose slot was due.
  int transitions = 0;  // State changes.
  int actions = 0;      // Sink calls (including re-invocations).
  int repeated_actions = 0;  // Auto Scaling re-invocations among `actions`.
  // Each failed sink call: `alarm "x": action ARN: <sink message>`.
  std::vector<absl::Status> action_errors;
  // Metrics-list alarms whose expression failed at evaluation time (the
  // EVALUATION_ERROR of spec 1.2): `alarm "x": evaluation at <t>: <why>`.
  // The alarm keeps its state.
  std::vector<absl::Status> evaluation_errors;
};

// DescribeAlarms' view of one alarm. The spec and status are rebuilt for
// the description (the evaluator does not hold them whole) and owned by it.
struct AlarmDescription {
  std::shared_ptr<const AlarmSpec> spec;
  std::shared_ptr<const AlarmStatus> status;
  std::string alarm_arn;
  absl::Time configuration_updated;
};

class AlarmEvaluator {
 public:
  // `store` and `sink` must outlive the evaluator; neither may be null.
  AlarmEvaluator(MetricStore* store, ActionSink* sink,
                 EvaluatorOptions options = {});
  AlarmEvaluator(const AlarmEvaluator&) = delete;
  AlarmEvaluator& operator=(const AlarmEvaluator&) = delete;
  ~AlarmEvaluator();

  // --- Queries -------------------------------------------------------------

  size_t alarm_count() const { return by_name_.size(); }
  // Distinct interned spec shapes (AlarmSpecPool), for tests and benchmarks.
  size_t shape_count() const { return shapes_.size(); }
  const EvaluatorOptions& options() const { return options_; }

  // The alarm's configuration (rebuilt: a copy), or nullopt when unknown.
  std::optional<AlarmSpec> FindAlarm(absl::string_view name) const;
  // The alarm's state, or nullptr when unknown. The pointer follows the
  // alarm's state and stays valid until the alarm is deleted. An alarm
  // still in its initial status stores none; the first call stores it
  // (about 150 bytes) so that there is something to point to.
  const AlarmStatus* FindStatus(absl::string_view name) const;

  // Every alarm, sorted by name (DescribeAlarms' order).
  std::vector<AlarmDescription> DescribeAlarms() const;

  // History items not yet taken, oldest first. Items of one evaluation keep
  // the order in which they happened.
  const std::vector<AlarmHistoryItem>& history() const { return history_; }

  // --- Mutators ------------------------------------------------------------

  // PutMetricAlarm (spec 4.1). Validates `spec` (AlarmSpec::Validate, plus
  // the evaluation-range override) and returns its error unchanged; nothing
  // changes then. A new name starts in INSUFFICIENT_DATA with "Unchecked:
  // Initial alarm creation"; an existing name has its configuration fully
  // replaced and keeps its state. Writes a ConfigurationUpdate item.
  //
  // ExtendedStatistic alarms (spec 1.4) make the store keep raw samples of
  // their metric from now on (MetricStore::EnableSamples): samples stored
  // before the first such alarm on a metric are not seen by it. Each
  // bucket's value is ComputeExtendedStatistic (nearest-rank percentiles); a
  // bucket with a negative sample or a non-degenerate statistic set has no
  // datapoint. With EvaluateLowSampleCountPercentile `ignore` (spec 3.6,
  // [OPEN]; the spec's recommendation): a bucket whose sample count is below
  // IsLowSampleCount's threshold is removed from the decision (treated as
  // missing); if that leaves fewer than N real datapoints in the range, the
  // alarm keeps its state (no transition, no history); otherwise the
  // remaining datapoints decide as usual.
  absl::Status PutMetricAlarm(AlarmSpec spec, absl::Time now);

  // Makes room for `alarms` alarms in all (live ones included), so that
  // putting that many allocates the per-alarm records once, at their size:
  // without it the records grow (by a quarter past 1024 alarms) and hold up
  // to 25% more memory than they use (docs/benchmarks.md, Memory). Sliding
  // alarms' running windows (Period above 60 s), whose number is known
  // only as alarms are put, grow the same way up to `alarms` at most. Like
  // std::vector::reserve, it changes no behaviour and never shrinks.
  void Reserve(size_t alarms);

  // PutAnomalyDetector (spec 3.8): validates `spec` (kInvalidArgument) and
  // replaces any detector for the same metric and Stat. Bands over that
  // metric and Stat retrain at their next evaluation with its excluded
  // ranges. Writes no history (CloudWatch keeps none for detectors).
  absl::Status PutAnomalyDetector(AnomalyDetectorSpec spec);

  // Every detector put, sorted by Key().
  std::vector<AnomalyDetectorSpec> DescribeAnomalyDetectors() const;

  // DeleteAlarms for one name: kNotFound when unknown. Writes a
  // ConfigurationUpdate (Delete) item.
  absl::Status DeleteAlarm(absl::string_view name, absl::Time now);

  // SetAlarmState (spec 4.3): kNotFound for an unknown alarm; kInvalidArgument
  // when `reason` exceeds 1023 characters, `reason_data` 4000, or
  // `reason_data` is not JSON. A different state is a full transition
  // (history, actions of the new state); the same state changes nothing.
  // The next evaluation recomputes the state as usual.
  absl::Status SetAlarmState(absl::string_view name, AlarmState state,
                             absl::string_view reason,
                             absl::string_view reason_data, absl::Time now);

  // Evaluates every due alarm at `now` (see the schedule above) and applies
  // the results. Sink failures are reported, never undo a transition, and
  // are recorded as failed Action items.
  EvaluationReport Evaluate(absl::Time now);

  // Evaluate, with the hot part sharded over `threads` threads (contiguous
  // slot ranges; threads <= 1 is Evaluate). Each thread decides its standard
  // alarms (verdict masks, spec 3.4) without touching shared state; then the
  // calling thread runs everything else in slot order (transitions, reasons,
  // history, actions, the extended and math paths), so history and action
  // order are byte-identical to Evaluate. The `threads - 1` helper threads
  // are started at the first such call and kept (parked on a condition
  // variable) until the evaluator is destroyed or `threads` changes: worth it
  // for many alarms (1e4+), not for a few hundred. The sink is called only
  // from the calling thread; it must not write to the store during the call.
  EvaluationReport Evaluate(absl::Time now, int threads);

  // Moves out the history items written so far.
  std::vector<AlarmHistoryItem> TakeHistory();

  // The earliest instant any alarm's evaluation range can reach when
  // evaluating at `now` or later; data before it may be dropped from the
  // store (MetricStore::DropBefore). Constant time, from bounds kept as
  // alarms are put; the first call after an update or deletion of an alarm
  // with the longest range (or anomaly-detection Period) walks the alarms
  // once.
  absl::Time RetentionHorizon(absl::Time now) const;

  // --- State export, for snapshots (config/snapshot_io.h) -------------------
  //
  // Implemented in alarm_evaluator_state.cc, away from the evaluation loop.

  // One slot of the dense alarm arrays. Slots are evaluated in slot order,
  // so a restored evaluator keeps them to write history in the same order.
  struct AlarmSlotState {
    bool live = false;  // False: a free slot (everything else unset).
    AlarmSpec spec;
    AlarmStatus status;
    absl::Time configuration_updated;
    absl::Time last_scaling_invocation = absl::InfinitePast();
    int64_t last_slot = INT64_MIN;  // Unix seconds of the last evaluated slot.
  };
  struct State {
    std::vector<AlarmSlotState> slots;
    std::vector<uint32_t> free_slots;        // In reuse order.
    std::vector<AlarmHistoryItem> history;  // Not yet taken.
    std::vector<AnomalyDetectorSpec> anomaly_detectors;  // By Key().
  };

  // Everything Evaluate, PutMetricAlarm and the queries depend on, except
  // the options and the store (exported on its own, MetricStore::ExportState).
  State ExportState() const;

  // Makes an empty evaluator (no alarm was ever put) continue exactly where
  // `state`'s evaluator was. Call after the store's ImportState: alarms
  // intern their metrics. Returns kFailedPrecondition when the evaluator is
  // not empty; kInvalidArgument when a live spec fails PutMetricAlarm's
  // checks, a name repeats, or free_slots does not list exactly the free
  // slots. Everything is checked first: on error nothing changed.
  absl::Status ImportState(State state);

 private:
  // The per-alarm record the evaluation loop reads. Keep it small: it is
  // what a million alarms cost in the hot loop.
  enum class AlarmPath : uint8_t {
    kStandard,  // Statistic on one metric: the hot loop.
    kExtended,  // ExtendedStatistic on one metric (raw samples).
    kMath,      // Metrics list: metric math or anomaly band (spec 1.7, 3.8).
  };
  enum class FastPath : uint8_t { kNone, kMinute, kSliding, kSlidingWide };
  struct HotAlarm {
    double threshold;
    int64_t last_slot;  // Unix seconds of the last evaluated slot.
    MetricIndex metric;
    int32_t period_seconds;
    // Sliding alarms (kSliding, kSlidingWide): 1 + the index of their
    // MetricStore::RunningWindow in windows_; 0 for every other alarm.
    uint32_t window;
    uint16_t n;
    uint16_t m;
    uint16_t r;
    uint8_t granularity_seconds;  // 60, or 10 for high resolution.
    ComparisonOperator op;
    TreatMissingData tmd;
    Statistic statistic;
    uint8_t unit;  // kAnyUnit or a Unit.
    AlarmState state;
    bool live;
    // Which evaluation path the alarm takes. Only kStandard is the hot
    // loop; the others dispatch to EvaluateExtended / EvaluateMath.
    AlarmPath path;
    // Bit (1 << state) is set when that state's action list holds an Auto
    // Scaling policy ARN and actions are enabled: the only thing the loop
    // checks to decide on a re-invocation (spec 4.2).
    uint8_t repeat_states;
    // The standard path's incremental forms (kStandard, one-minute
    // schedule, R <= 64): kMinute for Period 60 (DecideMinute), kSliding
    // for longer periods (DecideSliding), whose masks then hold one verdict
    // per minute; kSlidingWide when those x Period/60 + 1 bits do not
    // fit in 64: they live in wide_pool_[present_mask] instead, and
    // breaching_mask holds the rings' head word (MinuteBits). kNone for
    // free slots (the evaluation loops test kMinute without `live`).
    FastPath fast;
    // Incremental evaluation (kStandard, R <= 64 only): the verdicts of the
    // range evaluated at `last_slot`, one bit per bucket (VerdictMasks), and
    // the store epoch of that read (MetricStore::BeginReadEpoch); 0 = no
    // cache (new or updated alarm, imported state, R > 64).
    uint32_t seen_epoch;
    uint64_t present_mask;
    uint64_t breaching_mask;
  };
  static constexpr uint8_t kAnyUnit = 0xff;

  // What few alarms need (ColdExtra::rare).
  struct RareCold {
    // When Auto Scaling ARNs were last invoked (transition or repeat).
    absl::Time last_scaling_invocation = absl::InfinitePast();
    // Set when the configuration time is not a whole number of nanoseconds
    // within int64 (ColdAlarm::configuration_updated_ns).
    std::optional<absl::Time> configuration_updated;
    std::optional<ExtendedStatistic> extended;  // Parsed ExtendedStatistic.
    // Metrics-list alarms only: the compiled program and the anomaly models
    // (alarm_evaluator_math.cc).
    std::shared_ptr<MathAlarmState> math;
  };
  // What an alarm needs once it has left its initial status, out of line
  // (in extras_, absent until then): one 128-byte heap block.
  struct ColdExtra {
    // Unset while the alarm has its initial status, which is
    // AlarmStatus::Created(ConfigurationUpdated(slot)) (see ColdAlarm).
    std::optional<AlarmStatus> status;
    std::unique_ptr<RareCold> rare;  // Null while default.
  };
  // The per-alarm configuration, everything but the shared shape: 16 bytes.
  // The full AlarmSpec is SpecOf(slot): shape + name + metric + threshold.
  // No ARN: it is derived from the options and the name (ArnOf).
  // The threshold's value and the metric index are not repeated here: the
  // slot's HotAlarm has them (SpecOf reads them there).
  struct ColdAlarm {
    ColdAlarm()
        : shape(0),
          has_extra(false),
          metric_from_store(false),
          configuration_time_rare(false) {}
    // ConfigurationUpdated(slot) in Unix nanoseconds, unless
    // configuration_time_rare (then RareCold::configuration_updated).
    int64_t configuration_updated_ns = 0;
    // In the name arena (NameOf): the name's length byte, then its bytes.
    uint32_t name_offset = 0;
    // In shapes_. 29 bits: the pool reuses ids, so they stay below the
    // number of live alarms plus one, which PutMetricAlarm and ImportState
    // keep below kMaxAlarms.
    uint32_t shape : 29;
    // extras_ holds the slot's ColdExtra. Mutable: FindStatus stores the
    // initial status on demand.
    mutable uint32_t has_extra : 1;
    // True: the spec's metric is the store's metric(hot.metric) (the shape's is
    // cleared); false: the shape holds it (Metrics-list alarms, and metrics
    // whose dimensions are not in the store's canonical order).
    uint32_t metric_from_store : 1;
    uint32_t configuration_time_rare : 1;
  };
  // Live alarms at most (ColdAlarm::shape's range): at over 100 bytes an
  // alarm, more would take over 50 GB.
  static constexpr size_t kMaxAlarms = (size_t{1} << 29) - 2;

  // Evaluates alarm `slot` whose evaluation anchor (Unix seconds, the slot
  // start) is `anchor`. Precondition: anchor > hot_[slot].last_slot.
  void EvaluateOne(uint32_t slot, absl::Time now, int64_t anchor,
                   EvaluationReport* report);
  // The ExtendedStatistic path of EvaluateOne, kept apart so that the
  // standard path stays as it was.
  void EvaluateExtended(uint32_t slot, absl::Time now, absl::Time first,
                        absl::Duration period, EvaluationReport* report);
  // The Metrics-list path (alarm_evaluator_math.cc): fetches every
  // MetricStat entry over the evaluation range, runs the expression, and
  // decides on the returned series (threshold) or band (spec 3.8, 3.9).
  void EvaluateMath(uint32_t slot, absl::Time now, int64_t first_s,
                    EvaluationReport* report);
  // Compiles a Metrics-list spec and interns its metrics.
  absl::StatusOr<std::shared_ptr<MathAlarmState>> MakeMathState(
      const AlarmSpec& spec);
  // --- The cold record (one accessor per part, so the loop's code does not
  // depend on how the cold side is stored) ---
  absl::string_view NameOf(uint32_t slot) const {
    const ColdAlarm& c = cold_[slot];
    const char* at = name_chunks_[c.name_offset >> kNameChunkBits].get() +
                     (c.name_offset & (kNameChunk - 1));
    return absl::string_view(at + 1, static_cast<unsigned char>(*at));
  }
  absl::Time ConfigurationUpdated(uint32_t slot) const;
  void SetConfigurationUpdated(uint32_t slot, absl::Time t);
  // The interned shape: the spec without name, threshold value and (when
  // metric_from_store) metric. Fields other than those read as the spec's.
  const AlarmSpec& ShapeOf(uint32_t slot) const {
    return shapes_.Get(cold_[slot].shape);
  }
  // The whole spec, rebuilt.
  AlarmSpec SpecOf(uint32_t slot) const;
  // SpecOf(slot) in a reused buffer (spec_scratch_): the spec a sink call
  // reads. Valid until the next call; sinks do not re-enter (choices row
  // 80). The buffer of the alarm's shape is rebuilt from the shape only
  // when it last held another one; then just the name, metric and
  // threshold are assigned.
  const AlarmSpec& SpecScratch(uint32_t slot) const;
  // Marks shape `id`'s SpecScratch buffer stale (the pool may free the id
  // and reuse it for another shape).
  void ForgetSpecScratch(uint32_t id) {
    SpecScratchEntry& e = spec_scratch_[id % kSpecScratchEntries];
    if (e.shape == id) e.shape = kNoShape;
  }
  // The threshold SpecOf(slot) carries, as BuildStateReason reads it
  // (value_or(0)): the hot record's when the shape has one, else 0.
  double ReasonThreshold(uint32_t slot) const {
    return ShapeOf(slot).threshold.has_value() ? hot_[slot].threshold : 0.0;
  }
  // The alarm's status (a copy; the initial one is not stored).
  AlarmStatus StatusOf(uint32_t slot) const;
  // The stored status, stored first when it is the initial one.
  AlarmStatus& MutableStatus(uint32_t slot) const;
  // The out-of-line parts, allocated on first use.
  ColdExtra& ExtraOf(uint32_t slot) const;
  RareCold& RareOf(uint32_t slot) const;
  // The rare part, or null when the alarm has none (all defaults).
  const ColdExtra* FindExtra(uint32_t slot) const {
    return cold_[slot].has_extra ? extras_.find(slot)->second.get() : nullptr;
  }
  const RareCold* FindRare(uint32_t slot) const {
    const ColdExtra* x = FindExtra(slot);
    return x == nullptr ? nullptr : x->rare.get();
  }
  // Stores `spec` as slot's configuration (name, shape, metric, threshold),
  // releasing the previous shape when `replace`. `metric` is the interned
  // index of spec.metric (unused for Metrics-list specs).
  void StoreSpec(uint32_t slot, AlarmSpec spec, MetricIndex metric,
                 bool replace);
  // Appends `name` to the name arena for slot.
  void StoreName(uint32_t slot, absl::string_view name);
  // Frees slot's cold record (name bytes become dead, shape released).
  void ClearCold(uint32_t slot);
  // The alarm's ARN, from the evaluator's region and account.
  std::string ArnOf(uint32_t slot) const {
    return AlarmArn(options_.region, options_.account_id, NameOf(slot));
  }
  void Transition(uint32_t slot, AlarmState new_state, std::string reason,
                  std::string reason_data, absl::Time now,
                  EvaluationReport* report,
                  std::vector<double> metric_values = {});
  // Transition's work on views: writes the StateUpdate item (reading the
  // old reason in place), sets the status and runs the new state's actions
  // with one reused StateChange. `reason` and `reason_data` must not point
  // into the alarm's status. `reason_is_clean`: the reason is the
  // evaluator's own (BuildStateReason's), which never needs a JSON escape.
  void ApplyStateChange(uint32_t slot, AlarmState new_state,
                        absl::string_view reason,
                        absl::string_view reason_data, absl::Time now,
                        EvaluationReport* report,
                        absl::Span<const double> metric_values,
                        bool reason_is_clean = false);
  // ArnOf(c) written into `*out` (cleared first).
  void AppendArn(uint32_t slot, std::string* out) const;
  // The spec 4.2 exception: calls the sink again for the Auto Scaling ARNs
  // of the current state's list when 60 s have passed since the last call.
  void RepeatScalingActions(uint32_t slot, absl::Time now,
                            std::vector<double> metric_values,
                            EvaluationReport* report);
  // Runs one action and records its history item and error.
  void RunAction(uint32_t slot, const StateChange& change,
                 EvaluationReport* report);
  // The real datapoints among the N newest of the standard path's
  // `bucket_scratch_`, newest first.
  std::vector<double> RecentValues(const HotAlarm& h) const;
  // The standard path with R <= 64: shifts the alarm's verdict masks by the
  // buckets elapsed since its last evaluation, re-aggregates only the new
  // buckets and those the store reports written since (late data), and
  // decides over the masks. Fills bucket_scratch_ / verdict_scratch_ for
  // the whole range only when a transition or re-invocation needs them.
  void EvaluateStandardIncremental(uint32_t slot, absl::Time now,
                                   int64_t anchor, int64_t previous_slot,
                                   EvaluationReport* report);
  // The hot half of EvaluateStandardIncremental: updates the masks of
  // hot_[slot] and decides, touching nothing but that record and reading the
  // store (so shards may run it concurrently). `scratch` holds 64 sets.
  // Returns true when the cold half must run (a transition, or an Auto
  // Scaling re-invocation); `*from` is the first re-aggregated bucket.
  bool DecideStandard(HotAlarm& h, int64_t anchor, int64_t previous_slot,
                      StatisticSet* scratch, Decision* d, int* from) const;
  // The common case of the standard path, kept to a few dozen
  // instructions: a Period-60 alarm evaluated one minute after its previous
  // evaluation, whose metric has no late data and whose new minute the
  // store's tail holds (MetricStore::MinuteQuery::NewCell). Updates
  // hot_[slot] and returns kMinuteDone (state kept, nothing else to do) or
  // kMinuteCold (FinishStandard must run with `*d`), or kMinuteSlow without
  // touching anything (then DecideStandard). Reads only the record and the store, so
  // shards may run it concurrently.
  enum MinuteResult { kMinuteDone, kMinuteCold, kMinuteSlow };
  // What DecideMinute reads besides the alarm's record, fixed for one
  // round and held in a local by the loops (their one-byte stores to the
  // records would otherwise make the compiler reload members).
  struct MinutePass {
    MetricStore::MinuteQuery q;  // The minute before the anchor; retaken
                                 // after any cold work (MakeMinutePass).
    int64_t anchor;              // The one-minute anchor (Unix seconds).
    uint32_t epoch;              // eval_epoch_.
    // The largest R whose range [anchor - R x 60, anchor) is still on
    // cells the store has (eval_dropped_before_), -1..64.
    int max_r;
  };
  // After eval_epoch_ and eval_dropped_before_ are set.
  MinutePass MakeMinutePass(int64_t anchor60) const;
  // `range_kept`: the caller knows that pass.max_r >= h.r (every range of
  // the minute path on cells the store has: that test is skipped).
  MinuteResult DecideMinute(const MinutePass& pass, HotAlarm& h, Decision* d,
                            bool range_kept) const;
  // DecideMinute's counterpart for sliding buckets (kSliding and
  // kSlidingWide: per-minute verdicts; same results), for an evaluation at
  // `anchor` one minute after the previous one: with no late data before
  // that and nothing dropped under the range, the new window comes from
  // the alarm's running window (MetricStore::AggregateRunningWindowAt) and
  // is shifted in; otherwise kMinuteSlow, touching nothing (then
  // DecideSliding).
  // Out of line: the Period-60 loop pays one test for it.
  // `q` is the store's query for the minute before `anchor`
  // (MetricStore::PrepareMinute(anchor - 60)): the steady step
  // (MetricStore::StepRunningWindowMinute) takes the entering minute from
  // the minute tail.
  MinuteResult DecideSlidingMinute(const MetricStore::MinuteQuery& q,
                                   int64_t anchor, HotAlarm& h,
                                   Decision* d) const;
  // Whether the serial loop's sliding step takes `h` this round: a
  // sliding alarm (which implies a live slot: DeleteAlarm clears `fast`)
  // last evaluated at `previous60`, one minute before the anchor.
  static bool IsSteadySliding(const HotAlarm& h, int64_t previous60) {
    return (h.fast == FastPath::kSliding ||
            h.fast == FastPath::kSlidingWide) &&
           h.last_slot == previous60;
  }
  // A sliding alarm's period in minutes, s. Unsigned: GCC divides the
  // signed int32 by 60 with an idiv in the sliding loop; periods are
  // positive.
  static int SlidingSteps(const HotAlarm& h) {
    return static_cast<int>(static_cast<uint32_t>(h.period_seconds) / 60u);
  }
  // The serial loop's step for a sliding alarm one minute after its
  // previous evaluation (the caller checked IsSteadySliding):
  // inline, the store's StepRunningWindowMinute and the shift of the new
  // window's verdict (kSliding; kSlidingWide calls ShiftInSlidingWide);
  // DecideSlidingMinute for everything else. Same results and contract as
  // DecideSlidingMinute.
  MinuteResult DecideSlidingSteady(const MinutePass& pass, HotAlarm& h,
                                   Decision* d) const;
  // The new window's verdict from its statistic set `set`, shifted into
  // the alarm's per-minute masks, and the decision (DecideSlidingMinute's
  // second half; h.last_slot and h.seen_epoch are updated here).
  MinuteResult ShiftInSlidingMinute(int64_t anchor, const StatisticSet& set,
                                    HotAlarm& h, Decision* d) const;
  // Its kSlidingWide part, out of line.
  MinuteResult ShiftInSlidingWide(uint64_t present_now, uint64_t breach_now,
                                  HotAlarm& h, Decision* d) const;
  // The decision when the N newest buckets are not all present and
  // non-breaching; `quiet`: no minute of the masks breaches and the newest
  // window has a datapoint.
  MinuteResult DecideSlidingMasks(bool quiet, HotAlarm& h, Decision* d) const;
  // A sliding alarm's window reads its metric's record and the cell that
  // leaves the window, in the heap: asks for the record of the alarm
  // 2 x kSlidingAhead slots after `slot` and, with that record by then in
  // the cache, for the leaving cell of the one kSlidingAhead after, as the
  // Period-60 loop asks for the minute tails (which serve the entering
  // minute too). Called for sliding alarms only, outside SlidingRun (which
  // stages its requests itself: PrefetchSlidingRun).
  // `hot` and `slots` are hot_.data() and hot_.size(), which the loops
  // hold in locals. 8 (the record 16 slots ahead): a sliding step takes
  // 40-70 ns while its cells miss; 4 ahead left part of the misses exposed
  // (back-to-back wall runs at 1e4-1e6 alarms: 0.76x-1.0x the time of 4),
  // 16 ahead gained nothing over 8.
  static constexpr uint32_t kSlidingAhead = 8;
  __attribute__((always_inline)) void PrefetchSliding(const HotAlarm* hot,
                                                    uint32_t slots,
                                                    uint32_t slot) const {
    if (slot + 2 * kSlidingAhead < slots) {
      const HotAlarm& far = hot[slot + 2 * kSlidingAhead];
      if (far.window != 0) store_->PrefetchRunningWindowRecord(far.metric);
    }
    if (slot + kSlidingAhead < slots) {
      const HotAlarm& next = hot[slot + kSlidingAhead];
      if (next.window != 0) {
        store_->PrefetchRunningWindowCells(
            next.metric, windows_[next.window - 1], next.period_seconds);
      }
    }
  }
  // SlidingRun's requests, in two stages since each address depends on a
  // line the stage before fetched: for the alarm 2 x kSlidingAhead slots
  // ahead, every line its step reads whose address its hot record gives
  // (the metric's record, its minute tail and the copy of the entering
  // minute, its RunningWindow, a kSlidingWide alarm's wide_pool_ entry);
  // for the one kSlidingAhead ahead, whose record, window and entry are in
  // by then, the cell that leaves its window and its rings.
  // Stage one asks without testing that the alarm slides: a request never
  // faults (integer arithmetic, no out-of-range pointer), and a stray line
  // costs less than the branch. The last 2 x kSlidingAhead slots of the
  // round are not asked for.
  __attribute__((always_inline)) void PrefetchSlidingRun(
      const MetricStore::MinuteQuery& q, const HotAlarm* hot, uint32_t slots,
      uint32_t slot) const {
    if (slot + 2 * kSlidingAhead >= slots) return;
    const HotAlarm& far = hot[slot + 2 * kSlidingAhead];
    q.Prefetch(far.metric);
    store_->PrefetchRunningWindowRecord(far.metric);
    PrefetchAddress(reinterpret_cast<uintptr_t>(windows_.data()) +
                    (uintptr_t{far.window} - 1) *
                        sizeof(MetricStore::RunningWindow));
    if (far.fast == FastPath::kSlidingWide) {
      PrefetchAddress(reinterpret_cast<uintptr_t>(&wide_pool_[far.present_mask]));
    }
    const HotAlarm& next = hot[slot + kSlidingAhead];
    if (next.window != 0) {
      store_->PrefetchRunningWindowCells(
          next.metric, windows_[next.window - 1], next.period_seconds);
    }
    if (next.fast == FastPath::kSlidingWide) {
      // Its rings, one heap block of up to 128 bytes (present words first,
      // which every step writes).
      const uintptr_t rings =
          reinterpret_cast<uintptr_t>(wide_pool_[next.present_mask].data());
      PrefetchAddress(rings);
      PrefetchAddress(rings + 63);
    }
  }
  // A read prefetch of the line holding `address` (metrics/prefetch.h).
  static void PrefetchAddress(uintptr_t address) {
    internal::PrefetchLine(address);
  }
  // The serial loop's run of steady sliding alarms from `slot` (which
  // IsSteadySliding takes): steps every one DecideSlidingSteady leaves
  // kMinuteDone and returns the first slot it does not step over (`slots`
  // at the end), with `*result` its DecideSlidingSteady result, or
  // kMinuteSlow when that slot is not steady sliding (then undecided).
  // Out of line, so that the Period-60 loop keeps its registers.
  template <bool kPrefetch>
  __attribute__((noinline)) uint32_t SlidingRun(const MinutePass& pass,
                                                HotAlarm* hot, uint32_t slots,
                                                uint32_t slot, Decision* d,
                                                MinuteResult* result) const;
  // The Period-60 loop: decides (DecideMinute) the steady Period-60 alarms
  // of slots [slot, end) in order and returns the first slot it does not
  // step over (`end` when every one was kMinuteDone), with `*result` that
  // slot's DecideMinute result, or kMinuteSlow when it does not take it
  // (then undecided); `*result` is untouched when it returns `end`. kAsk:
  // asks for the tail of the alarm kMinuteAhead slots on (which must
  // exist: end <= slots - kMinuteAhead). Out of line, as SlidingRun: its
  // loop then keeps the round's values in registers (inlined into
  // EvaluateRound it spilled them; ~4 instructions an evaluation).
  static constexpr uint32_t kMinuteAhead = 8;
  // Rounds of at least this many alarms ask for tails ahead (Evaluate).
  static constexpr size_t kPrefetchFrom = 4096;
  template <bool kAsk>
  __attribute__((noinline)) uint32_t MinuteRun(
      const MinutePass& pass, HotAlarm* hot, uint32_t slot, uint32_t end,
      int64_t previous60, Decision* d, MinuteResult* result) const;
  // MinuteRun over [slot, end), asking for tails ahead (MinuteRun<true>)
  // while before `ask_end` and without asking after it (ask_end <= slots -
  // kMinuteAhead; 0 never asks): the serial loop's and each shard's run.
  uint32_t MinuteRuns(const MinutePass& pass, HotAlarm* hot, uint32_t slot,
                      uint32_t ask_end, uint32_t end, int64_t previous60,
                      Decision* d, MinuteResult* result) const {
    if (slot < ask_end) {
      const uint32_t asked = std::min(ask_end, end);
      slot = MinuteRun<true>(pass, hot, slot, asked, previous60, d, result);
      if (slot != asked) return slot;
    }
    return MinuteRun<false>(pass, hot, slot, end, previous60, d, result);
  }
  // MinuteRun's loop; kRangeKept: pass.max_r >= max_minute_r_
  // (DecideMinute's range_kept).
  template <bool kAsk, bool kRangeKept>
  uint32_t MinuteLoop(const MinutePass& pass, HotAlarm* hot, uint32_t slot,
                      uint32_t end, int64_t previous60, Decision* d,
                      MinuteResult* result) const;
  // Evaluate's loop over every slot, with or without prefetching the
  // metrics' tails ahead; returns the evaluations it made through
  // DecideMinute and DecideSlidingMinute (the others count in `report`).
  template <bool kPrefetch>
  int EvaluateRound(absl::Time now, int64_t anchor60, int64_t anchor10,
                    EvaluationReport* report);
  // Evaluate's loop for an alarm DecideMinute does not take: whatever its
  // path needs at the anchors of this call (nothing when not due). True
  // when it did cold work (a transition, a re-invocation or a non-standard
  // path), which may have run a sink that wrote to the store.
  bool EvaluateOther(uint32_t slot, absl::Time now, int64_t anchor60,
                     int64_t anchor10, EvaluationReport* report);
  // Sliding buckets (Period P of s > 1 minutes, evaluated every minute): the
  // R buckets at anchor a are the windows [a - (k+1)P, a - kP), and the one
  // of age k + 1 was the newest window k x s evaluations earlier. The alarm
  // keeps the verdict of its newest window minute by minute (bit j: the
  // window ending j minutes before the last evaluation) for j <= (R-1) s,
  // so an evaluation one minute after the previous one aggregates one
  // window instead of R, unless cells were written since into an older
  // window (late data) or dropped under it: then every window is rebuilt.
  // Same contract as DecideStandard.
  bool DecideSliding(HotAlarm& h, int64_t anchor, int64_t previous_slot,
                     StatisticSet* scratch, Decision* d) const;
  // The alarm's R-bucket verdicts (VerdictMasks) from its record: the masks
  // themselves, or for sliding buckets every s-th minute's verdict.
  VerdictMasks RangeMasks(const HotAlarm& h) const;
  // The per-minute verdicts of a sliding alarm (alarm_evaluator.cc).
  class MinuteBits;
  MinuteBits BitsOf(HotAlarm& h) const;
  // Whether the alarm reads SampleCount/Sum from the store's running totals
  // (MetricStore::AggregateCountSumAt): standard SampleCount, Sum and
  // Average alarms whose window spans more than 15 minutes, except sliding
  // ones (HotAlarm::window), which keep their own window's totals: their
  // metrics no longer pay the totals' upkeep every minute (~185 of a
  // P3600 evaluation's instructions), and a rebuild after late data walks
  // the windows' cells instead of searching. Shorter windows walk their few
  // cells, which costs less than keeping the totals.
  static bool UsesRunningTotals(const HotAlarm& h) {
    return h.path == AlarmPath::kStandard && h.window == 0 &&
           h.period_seconds > 900 &&
           (h.statistic == Statistic::kAverage ||
            h.statistic == Statistic::kSum ||
            h.statistic == Statistic::kSampleCount);
  }
  // Takes or returns wide_pool_ entries (MakeHot; update and delete), and
  // windows_ entries (ReleaseWide returns both).
  uint64_t AcquireWide(size_t words);
  uint32_t AcquireWindow();
  void ReleaseWide(HotAlarm& h);
  // Grows bucket_scratch_ and verdict_scratch_ to at least `r` entries.
  void EnsureScratch(size_t r) {
    if (bucket_scratch_.size() < r) bucket_scratch_.resize(r);
    if (verdict_scratch_.size() < r) verdict_scratch_.resize(r);
  }
  // The cold half: re-aggregates the range into bucket_scratch_ and runs
  // the transition or re-invocation decided by DecideStandard.
  void FinishStandard(uint32_t slot, absl::Time now, int64_t anchor,
                      const Decision& d, EvaluationReport* report);
  // Builds the reason from bucket_scratch_ / verdict_scratch_ and applies
  // the transition (the cold part of the standard path).
  void TransitionFromBuckets(uint32_t slot, const Decision& d, absl::Time now,
                             int64_t first_s, EvaluationReport* report);
  HotAlarm MakeHot(const AlarmSpec& spec, AlarmState state);

  // The helper threads of Evaluate(now, threads) (alarm_evaluator.cc).
  class ShardPool;
  std::unique_ptr<ShardPool> pool_;

  MetricStore* store_;
  ActionSink* sink_;
  EvaluatorOptions options_;
  std::vector<HotAlarm> hot_;
  // At least the largest R of any kMinute alarm there is (MakeHot raises
  // it; it is not lowered when alarms go): MinuteRun skips DecideMinute's
  // test of the range against dropped cells when the store keeps this
  // many minutes before the anchor.
  int max_minute_r_ = 0;
  // Per-minute verdicts of sliding alarms whose history does not fit in
  // their record (present words, then breaching words); each alarm owns its
  // entry, so shards write them concurrently without sharing.
  mutable std::vector<std::vector<uint64_t>> wide_pool_;
  std::vector<uint32_t> wide_free_;
  // The newest window of each sliding alarm (HotAlarm::window): its end,
  // cell count and integer totals, so that a minute costs the cells leaving
  // and entering the window (MetricStore::AggregateRunningWindowAt). Its
  // read epoch is the alarm's HotAlarm::seen_epoch (every evaluation that
  // sets that aggregates the window). Each alarm owns its entry, as with
  // wide_pool_; 16 bytes per sliding alarm, none for the others.
  mutable std::vector<MetricStore::RunningWindow> windows_;
  std::vector<uint32_t> windows_free_;
  // The largest Reserve(alarms): windows_ never grows past it.
  size_t reserved_alarms_ = 0;
  // A deque, not a vector: it grows by 512-byte blocks, so a million alarms
  // do not pay for up to twice their cold records in growth slack.
  std::deque<ColdAlarm> cold_;
  // The ColdExtra of the slots that have one (ColdAlarm::has_extra): kept
  // apart so that alarms still in their initial status do not pay a pointer.
  // Mutable: FindStatus stores the initial status on demand.
  mutable absl::flat_hash_map<uint32_t, std::unique_ptr<ColdExtra>> extras_;
  std::vector<uint32_t> free_slots_;
  // The name arena: every live alarm's name, each after its length byte
  // (Validate() bounds names to 1-255 characters), back to back in 4 KiB
  // chunks (a name never straddles two; fixed chunks waste at most 255
  // bytes each, where one growing string would waste up to half its
  // capacity).
  // ColdAlarm::name_offset is chunk << kNameChunkBits | offset in chunk.
  // Deleted names stay until dead_name_bytes_ is half of name_end_ (then
  // ClearCold compacts).
  static constexpr uint32_t kNameChunkBits = 12;
  static constexpr uint32_t kNameChunk = uint32_t{1} << kNameChunkBits;
  std::vector<std::unique_ptr<char[]>> name_chunks_;
  uint32_t name_end_ = 0;  // Offset of the next free byte.
  size_t dead_name_bytes_ = 0;
  // Live slots, found by name: hashed and compared through the arena.
  struct SlotName {
    const AlarmEvaluator* e;
    absl::string_view operator()(uint32_t slot) const { return e->NameOf(slot); }
  };
  using NameIndex = internal::AlarmNameIndex<SlotName>;
  NameIndex by_name_;
  AlarmSpecPool shapes_;
  std::vector<AlarmHistoryItem> history_;
  // PutAnomalyDetector's configurations by AnomalyDetectorSpec::Key(), with
  // a version bumped on every put so that models trained with an older
  // configuration retrain.
  struct AnomalyDetectorEntry {
    AnomalyDetectorSpec spec;
    std::vector<ExcludedTimeRange> excluded;  // In Unix seconds.
    uint64_t version = 0;
  };
  absl::flat_hash_map<std::string, AnomalyDetectorEntry> anomaly_detectors_;
  uint64_t anomaly_detector_version_ = 0;
  // RetentionHorizon's bounds over the live alarms, so that a caller asking
  // every minute does not walk every alarm: per evaluation granularity
  // ([0]: one-minute anchors, [1]: 10-second ones), the longest range R x
  // Period and the longest Period of an anomaly-detection alarm (whose
  // model trains on the window before its retrain boundary); kNoBound when
  // there is none. A put raises them; an update or deletion of an alarm
  // that reaches one of them (so may have set it) marks them stale, and the
  // next RetentionHorizon recomputes them (exact either way).
  struct HorizonBounds {
    static constexpr int64_t kNoBound = -1;  // Ranges and Periods are > 0.
    int64_t range[2] = {kNoBound, kNoBound};
    int64_t anomaly_period[2] = {kNoBound, kNoBound};
  };
  // `slot`'s contribution: its granularity's index, range and anomaly
  // Period (kNoBound when it is not an anomaly-detection alarm). Precondition:
  // the slot is live and its shape stored.
  void HorizonTermsOf(uint32_t slot, int* g, int64_t* range,
                      int64_t* anomaly_period) const;
  // Folds live `slot` into horizon_ (after a put stored it).
  void RaiseHorizon(uint32_t slot) const;  // horizon_ is mutable.
  // Before live `slot` is updated or deleted: marks horizon_ stale when
  // the slot reaches one of its bounds.
  void ForgetHorizon(uint32_t slot);
  mutable HorizonBounds horizon_;
  mutable bool horizon_stale_ = false;
  // Read once per Evaluate call: the store's epoch (BeginReadEpoch) and its
  // retention horizon (dropped_before_seconds).
  uint32_t eval_epoch_ = 0;
  int64_t eval_dropped_before_ = INT64_MIN;
  // Reused per evaluation to avoid allocation.
  std::vector<StatisticSet> bucket_scratch_;
  std::vector<BucketVerdict> verdict_scratch_;
  std::vector<SampleDistribution> sample_scratch_;
  std::vector<WeightedValue> sorted_scratch_;
  // Reused by every transition (TransitionFromBuckets, ApplyStateChange):
  // the range, the reason texts, the recent values and the StateChange.
  std::vector<RangeBucket> range_scratch_;
  std::string reason_scratch_;
  std::string reason_data_scratch_;
  std::vector<double> recent_scratch_;
  StateChange change_scratch_;
  // SpecScratch's buffers, one per shape id modulo kSpecScratchEntries:
  // the shape last copied there (kNoShape: none) and whether its metric
  // was replaced by an alarm's metric from the store.
  static constexpr uint32_t kNoShape = UINT32_MAX;
  static constexpr size_t kSpecScratchEntries = 8;
  struct SpecScratchEntry {
    uint32_t shape = kNoShape;
    bool metric_from_store = false;
    AlarmSpec spec;
  };
  mutable SpecScratchEntry spec_scratch_[kSpecScratchEntries];
};

}  // namespace cwalarm

#endif  // CWALARM_ALARM_ALARM_EVALUATOR_H_
