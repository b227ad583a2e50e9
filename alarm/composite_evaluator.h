// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// CompositeEvaluator: holds composite alarms (spec 5), is told when other
// alarms change state, re-evaluates the composites that depend on them,
// applies transitions, writes history and runs actions through an
// ActionSink, subject to actions suppression (spec 5.4, composite_alarm.h).
//
// Pipeline: the driver runs AlarmEvaluator::Evaluate(t), then reports each
// metric alarm's StateUpdate to OnAlarmState(name, new state, t) -> every
// composite whose rule names that alarm is re-evaluated (AlarmRule, no
// re-parsing) -> on a change: reason `{childArn} transitioned to {STATE} at
// {long date}` + StateUpdate history (AlarmType "CompositeAlarm") -> actions
// now, or withheld/suppressed -> changes cascade to composites of composites.
// AdvanceTo(t) ends wait / extension periods and runs what they withheld.
//
//   RecordingSink sink;
//   CompositeEvaluator composites(&sink);
//   composites.OnAlarmState("cpu-high", AlarmState::kOk, t0);   // register
//   composites.PutCompositeAlarm(spec, t0);          // evaluates at creation
//   composites.OnAlarmState("cpu-high", AlarmState::kAlarm, t1);
//   composites.AdvanceTo(t2);
//   std::vector<AlarmHistoryItem> items = composites.TakeHistory();
//
// Rules followed (spec 5.3, 4.2):
// * A composite is INSUFFICIENT_DATA only until its first evaluation (at
//   PutCompositeAlarm) or via SetAlarmState; after that rule TRUE -> ALARM,
//   FALSE -> OK.
// * An evaluation whose result equals the current state changes nothing:
//   no history, no action, and reason / reason data keep naming the child
//   that caused the last transition.
// * Reason data is `{"triggeringAlarms":[{"arn","state":{"value",
//   "timestamp"}}]}`: the one child that caused a transition, or every
//   child (in rule order) at creation and update.
// * Children are named by alarm name or by ARN; an ARN of this evaluator's
//   region and account means the alarm of that name. Every child and the
//   suppressor must be known when the composite is put: metric alarms
//   become known through OnAlarmState, composites through
//   PutCompositeAlarm.
// * Cycles are refused at PutCompositeAlarm ([OPEN]-ish: CloudWatch accepts
//   them and stops evaluating the cycle; we refuse with kInvalidArgument
//   naming the cycle, so no alarm is ever stuck).
// * Actions: only on a state change and only with ActionsEnabled; one
//   ActionSink call and one Action history item per ARN of the new state's
//   list. Actions a suppression withholds are recorded as Action history
//   items whose HistoryData has `"actionState":"Suppressed"` and the
//   `actionsSuppressedBy` / `actionsSuppressedReason` of that moment; they
//   are never silently dropped. When a wait or extension period ends, the
//   actions of the current state run (Action items at the expiry instant).
// * StateUpdatedTimestamp changes on every transition and on every change of
//   ActionsSuppressedBy (spec 4.4: "any state update" for composites).
//
// Time: every mutator takes the instant it happens at and first runs
// AdvanceTo(that instant); instants must not go backwards. Nothing here
// reads a clock.
//
// Thread-safety: not thread-safe; callers serialise all calls. Not copyable
// or movable (sinks get pointers into it during calls).

#ifndef CWALARM_ALARM_COMPOSITE_EVALUATOR_H_
#define CWALARM_ALARM_COMPOSITE_EVALUATOR_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "alarm/action_sink.h"
#include "alarm/alarm_history.h"
#include "alarm/alarm_rule.h"
#include "alarm/alarm_state.h"
#include "alarm/alarm_state_machine.h"
#include "alarm/composite_alarm.h"

namespace cwalarm {

struct CompositeEvaluatorOptions {
  // Used in ARNs (the composites' and their children's) and by sinks.
  std::string region = "us-east-1";
  std::string account_id = "123456789012";
};

// DescribeAlarms' view of one composite.
struct CompositeAlarmDescription {
  const CompositeAlarmSpec* spec;
  const AlarmStatus* status;
  const SuppressionStatus* suppression;
  std::string alarm_arn;
  absl::Time configuration_updated;
};

class CompositeEvaluator {
 public:
  // `sink` must outlive the evaluator and not be null.
  explicit CompositeEvaluator(ActionSink* sink,
                              CompositeEvaluatorOptions options = {});
  CompositeEvaluator(const CompositeEvaluator&) = delete;
  CompositeEvaluator& operator=(const CompositeEvaluator&) = delete;

  // --- Queries -------------------------------------------------------------

  size_t alarm_count() const { return composites_.size(); }

  // The composite's description, or nullopt when `name` is not a composite.
  // Pointers stay valid until the composite is deleted or put again.
  std::optional<CompositeAlarmDescription> FindAlarm(
      absl::string_view name) const;

  // Every composite, sorted by name.
  std::vector<CompositeAlarmDescription> DescribeAlarms() const;

  // History items not yet taken, oldest first.
  const std::vector<AlarmHistoryItem>& history() const { return history_; }

  // Sink failures so far: `alarm "x": action ARN: <message>`.
  const std::vector<absl::Status>& action_errors() const {
    return action_errors_;
  }

  // --- Mutators ------------------------------------------------------------

  // Tells the evaluator that alarm `name_or_arn` (not a composite of this
  // evaluator) is in `state` since `timestamp` (its StateTransitioned
  // time). The first call registers the alarm; later calls with the same
  // state change nothing; a new state re-evaluates every composite whose
  // rule names it, cascading through nested composites, and updates the
  // suppression mode of composites it suppresses. Returns kInvalidArgument
  // when `name_or_arn` is a composite here or when `timestamp` is before an
  // instant already seen.
  absl::Status OnAlarmState(absl::string_view name_or_arn, AlarmState state,
                            absl::Time timestamp);

  // Forgets a non-composite alarm registered through OnAlarmState (call it
  // when the metric alarm is deleted). Returns kNotFound when `name_or_arn`
  // is unknown or is a composite (use DeleteAlarm), and kFailedPrecondition
  // naming the composites when a rule names it or it is a suppressor.
  absl::Status ForgetAlarm(absl::string_view name_or_arn, absl::Time now);

  // PutCompositeAlarm. Validates `spec` (CompositeAlarmSpec::Validate) and
  // returns its error unchanged. Then kInvalidArgument when a child or the
  // suppressor is unknown (`alarms [x, y] in the alarm rule do not exist`),
  // when a child is already named by 150 other composites (spec 5.1),
  // when the name is a known non-composite alarm, or when the rule would
  // close a cycle (`alarm rule creates a cycle: a -> b -> a`). Nothing
  // changes on error. A new composite starts in INSUFFICIENT_DATA with
  // "Unchecked: Initial alarm creation", writes a ConfigurationUpdate item
  // and is evaluated at once: `{arn} was created and its alarm rule
  // evaluates to {STATE}`. An existing one has its configuration replaced
  // and keeps its state, writes a ConfigurationUpdate (Update) item, drops
  // any active suppression episode when ActionsSuppressor changed, and is
  // re-evaluated (`{arn} was updated and its alarm rule evaluates to
  // {STATE}` on a change, our wording).
  absl::Status PutCompositeAlarm(CompositeAlarmSpec spec, absl::Time now);

  // DeleteAlarms for one composite. kNotFound when unknown;
  // kFailedPrecondition when another composite's rule names it or uses it
  // as suppressor. Writes a ConfigurationUpdate (Delete) item.
  absl::Status DeleteAlarm(absl::string_view name, absl::Time now);

  // SetAlarmState on a composite (spec 4.3): kNotFound for an unknown
  // composite; kInvalidArgument for a reason over 1023 characters, reason
  // data over 4000 or not JSON. A different state is a full transition
  // (history, actions subject to suppression, cascades to parents); the
  // state stays until a child changes state or the composite is put again.
  absl::Status SetAlarmState(absl::string_view name, AlarmState state,
                             absl::string_view reason,
                             absl::string_view reason_data, absl::Time now);

  // Ends every wait / extension period whose end is <= `now`, in order of
  // their ends (ties by name), running the actions of each composite's
  // current state. Returns kInvalidArgument when `now` is before an instant
  // already seen.
  absl::Status AdvanceTo(absl::Time now);

  // Moves out the history items written so far.
  std::vector<AlarmHistoryItem> TakeHistory();

  // --- State export, for snapshots (config/snapshot_io.h) -------------------
  //
  // Implemented in composite_evaluator_state.cc.

  const CompositeEvaluatorOptions& options() const { return options_; }

  // Any alarm a rule or suppressor names: a registered metric alarm or a
  // composite. `parents` and `suppresses` keep their order: propagation
  // follows it, so a restored evaluator writes history in the same order.
  struct NodeState {
    std::string key;
    AlarmState state = AlarmState::kInsufficientData;
    absl::Time since;
    bool composite = false;
    std::vector<std::string> parents;
    std::vector<std::string> suppresses;
  };
  struct CompositeState {
    CompositeAlarmSpec spec;
    AlarmStatus status;
    AlarmState previous_state = AlarmState::kInsufficientData;
    SuppressionStatus suppression;
    absl::Time configuration_updated;
  };
  struct State {
    CompositeEvaluatorOptions options;
    std::vector<NodeState> nodes;            // Sorted by key.
    std::vector<CompositeState> composites;  // Sorted by name.
    std::vector<AlarmHistoryItem> history;   // Not yet taken, oldest first.
    absl::Time now = absl::InfinitePast();   // Latest instant seen.
  };

  // Everything the mutators and queries depend on, except action_errors()
  // (a diagnostic list, like EvaluationReport's, which is not state).
  State ExportState() const;

  // Makes an evaluator on which no mutator was ever called continue exactly
  // where `state`'s evaluator was. kFailedPrecondition when this evaluator
  // was used, or when `state.options` differ from its own (region and
  // account are in every ARN); kInvalidArgument when a composite's spec
  // fails Validate, a name repeats, a rule child or suppressor is not a
  // node, the nodes' parents / suppresses lists do not match the rules, or
  // the rules form a cycle. Everything is checked first: on error nothing
  // changed.
  absl::Status ImportState(State state);

 private:
  // Any alarm a rule or a suppressor may name: a registered metric alarm or
  // a composite.
  struct Node {
    AlarmState state = AlarmState::kInsufficientData;
    absl::Time since;  // When it entered `state`.
    bool composite = false;
    std::vector<std::string> parents;     // Composites whose rule names it.
    std::vector<std::string> suppresses;  // Composites it suppresses.
  };

  struct Composite {
    CompositeAlarmSpec spec;
    AlarmRule rule;
    std::vector<std::string>
        children;            // Node keys, parallel to rule.children().
    std::string suppressor;  // Node key, or empty.
    AlarmStatus status;
    AlarmState previous_state = AlarmState::kInsufficientData;
    SuppressionStatus suppression;
    std::string arn;
    absl::Time configuration_updated;
  };

  std::string KeyOf(absl::string_view name_or_arn) const;
  std::string ArnOf(absl::string_view key) const;
  absl::Status CheckTime(absl::Time now);
  void Unlink(const std::string& name, const Composite& c);
  void Link(const std::string& name, const Composite& c);
  // Re-evaluates `name` because child `trigger` changed (empty trigger:
  // creation / update, `verb` "created" / "updated"); true on a change.
  bool Evaluate(const std::string& name, const std::string& trigger,
                absl::string_view verb, absl::Time now);
  void Transition(const std::string& name, AlarmState new_state,
                  std::string reason, std::string reason_data, absl::Time now);
  // Propagates a state change of node `key` to parents and suppressed.
  void Propagate(const std::string& key, absl::Time now);
  void RunActions(Composite& c, absl::Time now);
  void RecordSuppressed(Composite& c, absl::Time now);
  void SetMode(Composite& c, const SuppressionStatus& before, absl::Time now);

  ActionSink* sink_;
  CompositeEvaluatorOptions options_;
  absl::flat_hash_map<std::string, Node> nodes_;
  absl::node_hash_map<std::string, Composite> composites_;  // Stable.
  std::vector<AlarmHistoryItem> history_;
  std::vector<absl::Status> action_errors_;
  absl::Time now_ = absl::InfinitePast();
};

}  // namespace cwalarm

#endif  // CWALARM_ALARM_COMPOSITE_EVALUATOR_H_
