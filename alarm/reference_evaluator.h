// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// ReferenceEvaluator: the naive metric-alarm evaluator, written straight from
// the spec as a test oracle and as the benchmark baseline for AlarmEvaluator.
//
// It keeps every raw sample it is given (timestamp, unit, and the value with
// its count, or the published statistic set) in one plain vector, and at
// every evaluation re-aggregates the R sliding buckets of each due alarm from
// scratch (spec 3.2), decides with its own literal transcription of spec
// 3.4's pseudo-code (it does not call `Decide`, so the two implementations
// check each other), and applies the transition and history rules of spec
// 4.1/4.2. Only the text is shared with AlarmEvaluator: BuildStateReason,
// ApplyTransition and the Make*Item history builders.
//
//   RecordingSink sink;
//   ReferenceEvaluator oracle(&sink);
//   absl::Status s = oracle.PutMetricAlarm(spec, created_at);
//   s = oracle.PutMetricData(datum, "MetricData[0]");
//   EvaluationReport r = oracle.Evaluate(now);
//   std::vector<AlarmHistoryItem> items = oracle.TakeHistory();
//
// Cost: an evaluation of one alarm is O(total samples), on purpose. Use it on
// small workloads only; AlarmEvaluator is the implementation to deploy.
//
// Differences from AlarmEvaluator that are not semantic: alarms are evaluated
// in creation order (AlarmEvaluator reuses the slots of deleted alarms), no
// data is ever dropped, and SetAlarmState is not offered. Sums are taken over
// raw samples in arrival order, so with values whose sums round, an Average
// or Sum may differ from AlarmEvaluator's (which sums 10-second cells first)
// in the last bit; CloudWatch does not specify a summation order.
//
// Thread-safety: not thread-safe; callers serialise all calls. Not copyable or
// movable.

#ifndef CWALARM_ALARM_REFERENCE_EVALUATOR_H_
#define CWALARM_ALARM_REFERENCE_EVALUATOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "alarm/action_sink.h"
#include "alarm/alarm_evaluator.h"
#include "alarm/alarm_history.h"
#include "alarm/alarm_spec.h"
#include "alarm/alarm_state_machine.h"
#include "metrics/datapoint.h"
#include "metrics/unit.h"

namespace cwalarm {

class ReferenceEvaluator {
 public:
  // `sink` must outlive the evaluator and must not be null. Of `options`,
  // region, account_id, evaluation_range and reason_form are honoured as by
  // AlarmEvaluator.
  explicit ReferenceEvaluator(ActionSink* sink, EvaluatorOptions options = {});
  ReferenceEvaluator(const ReferenceEvaluator&) = delete;
  ReferenceEvaluator& operator=(const ReferenceEvaluator&) = delete;

  // --- Queries -------------------------------------------------------------

  size_t alarm_count() const { return alarms_.size(); }

  // Raw samples stored so far (one per Value, per Values entry with a
  // positive count, per StatisticValues).
  size_t sample_count() const { return samples_.size(); }

  // The alarm's state, or nullptr when unknown. Valid until the next
  // mutating call.
  const AlarmStatus* FindStatus(absl::string_view name) const;

  // --- Mutators ------------------------------------------------------------

  // PutMetricAlarm (spec 4.1). Returns AlarmSpec::Validate's error, or
  // kInvalidArgument when the evaluation-range override is below N, or
  // kUnimplemented for ExtendedStatistic alarms; nothing changes then. A new
  // name starts in INSUFFICIENT_DATA; an existing name keeps its state and
  // its last evaluated slot. Writes a ConfigurationUpdate item.
  absl::Status PutMetricAlarm(AlarmSpec spec, absl::Time now);

  // DeleteAlarms for one name: kNotFound when unknown. Writes a
  // ConfigurationUpdate (Delete) item.
  absl::Status DeleteAlarm(absl::string_view name, absl::Time now);

  // PutMetricData for one datum: validates it (ValidateMetricDatum, error
  // returned prefixed with `context`, nothing stored) and keeps its raw
  // samples. Late data is simply appended: an evaluation sees every sample
  // stored before it, whatever its timestamp.
  absl::Status PutMetricData(const MetricDatum& datum,
                             absl::string_view context);

  // Evaluates every alarm whose slot (now aligned down to 60 s, or 10 s for
  // periods of 10/20/30 s) is later than the one it last evaluated, in
  // creation order, and applies the results exactly as AlarmEvaluator does.
  EvaluationReport Evaluate(absl::Time now);

  // Moves out the history items written so far, oldest first.
  std::vector<AlarmHistoryItem> TakeHistory();

  // Forgets every sample with a timestamp before `horizon` (retention, so
  // that a long benchmark keeps a bounded sample vector). The caller picks a
  // horizon no alarm's evaluation range reaches.
  void DropSamplesBefore(absl::Time horizon);

 private:
  // One raw sample: `count` copies of `value`, or a published statistic set.
  struct Sample {
    std::string metric_key;  // MetricId::Key(): dimension order ignored.
    absl::Time timestamp;
    Unit unit;
    bool is_set;
    double value;
    double count;
    double set_count, set_sum, set_min, set_max;
  };
  struct Alarm {
    AlarmSpec spec;
    std::string metric_key;
    std::string arn;
    AlarmStatus status;
    absl::Time configuration_updated;
    int64_t last_slot;
  };

  void EvaluateOne(Alarm& alarm, absl::Time now, EvaluationReport* report);
  void Transition(Alarm& alarm, AlarmState new_state, std::string reason,
                  std::string reason_data, absl::Time now,
                  EvaluationReport* report);
  Alarm* Find(absl::string_view name);

  ActionSink* sink_;
  EvaluatorOptions options_;
  std::vector<Alarm> alarms_;  // Creation order.
  std::vector<Sample> samples_;
  std::vector<AlarmHistoryItem> history_;
};

}  // namespace cwalarm

#endif  // CWALARM_ALARM_REFERENCE_EVALUATOR_H_
