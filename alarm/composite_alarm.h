// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// A composite alarm definition (PutCompositeAlarm, spec 5.1) with its
// validation, and the pure actions-suppression state machine of spec 5.4.
// CompositeEvaluator (composite_evaluator.h) holds composites and drives
// both; this file has no state of its own.
//
//   CompositeAlarmSpec spec;
//   spec.alarm_name = "service-down";
//   spec.alarm_rule = "ALARM(cpu-high) AND NOT ALARM(deploying)";
//   spec.actions_suppressor = "maintenance";
//   spec.actions_suppressor_wait_period = absl::Seconds(120);
//   spec.actions_suppressor_extension_period = absl::Seconds(180);
//   absl::Status s = spec.Validate();
//
// Suppression (spec 5.4, W = wait period, E = extension period, S = the
// suppressor alarm). `SuppressionStatus` is the mode; the functions below
// are its transitions, each taking the instant it happens at:
//
//   mode        event                                   new mode / effect
//   none        composite changes state, S in ALARM     Alarm; suppressed
//   none        composite changes state, S not ALARM    WaitPeriod to t+W
//                                                       (W = 0: run now)
//   WaitPeriod  composite changes state again           WaitPeriod to t'+W
//   WaitPeriod  S goes to ALARM                         Alarm (wait dropped)
//   WaitPeriod  t+W reached, S not in ALARM             none; run actions
//   Alarm       composite changes state                 Alarm; suppressed
//   Alarm       S leaves ALARM at t                     ExtensionPeriod to t+E
//   Extension   S goes back to ALARM                    Alarm ([OPEN]: ours)
//   Extension   composite changes state at t'           WaitPeriod to t'+W
//   Extension   t+E reached                             none; run actions
//   any         ActionsSuppressor replaced by an update none (dropped)
//
// "Run actions" at an expiry means the actions of the composite's *current*
// state. [OPEN] in the spec: whether they run when the composite is back in
// the state it had before the suppressed episode began. We say yes, as the
// table reads (and as Example 6, wait after extension, requires); the state
// it was in before the episode is kept in `announced` for callers who want
// to decide otherwise.
// A period that ends at t has ended for events at t (expiry first).
//
// Thread-safety: value types and pure functions.

#ifndef CWALARM_ALARM_COMPOSITE_ALARM_H_
#define CWALARM_ALARM_COMPOSITE_ALARM_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "alarm/alarm_spec.h"
#include "alarm/alarm_state.h"
#include "alarm/alarm_state_machine.h"
#include "alarm/json_writer.h"

namespace cwalarm {

// ActionsSuppressor is 1..1600 characters (spec 5.1).
inline constexpr int kMaxActionsSuppressorLength = 1600;
// One alarm may be named by at most this many composites' rules (spec 5.1).
inline constexpr int kMaxCompositeParents = 150;

struct CompositeAlarmSpec {
  // --- Identity and description -------------------------------------------
  std::string alarm_name;                        // Required, 1-255.
  std::optional<std::string> alarm_description;  // 0-1024.
  std::string alarm_rule;                        // Required, 1-10240 (5.2).
  // --- Actions ---------------------------------------------------------------
  // SNS, Lambda, SSM, Incident Manager and investigation ARNs; composites
  // cannot run EC2 or Auto Scaling actions (spec 5.3, 6.1). At most 5 each.
  bool actions_enabled = true;
  std::vector<std::string> ok_actions;
  std::vector<std::string> alarm_actions;
  std::vector<std::string> insufficient_data_actions;
  // --- Actions suppression (spec 5.4) ---------------------------------------
  // The suppressor: an alarm name or ARN, 1-1600 characters. When set, both
  // periods are required; they are whole seconds, >= 0. Unset: no
  // suppression, and the periods must be unset too.
  std::optional<std::string> actions_suppressor;
  std::optional<absl::Duration> actions_suppressor_wait_period;
  std::optional<absl::Duration> actions_suppressor_extension_period;
  std::vector<Tag> tags;  // At most 50; kept, never interpreted.

  // Checks the rules of spec 5.1 and parses the rule (AlarmRule::Parse).
  // Returns kInvalidArgument `alarm "<name>": <Field> (<value>): <rule>
  // (ValidationError)`; for a rule error the value is the rule text
  // (shortened to 80 characters) and the rule names the position and what
  // was expected. The first violated rule is reported. Existence of the
  // children and the suppressor, and cycles, are checked by
  // CompositeEvaluator::PutCompositeAlarm, which knows the other alarms.
  absl::Status Validate() const;
};

// --- Actions suppression
// ------------------------------------------------------

enum class ActionsSuppressedBy : uint8_t {
  kNone,
  kWaitPeriod,
  kExtensionPeriod,
  kAlarm,
};

// "WaitPeriod", "ExtensionPeriod", "Alarm", or "" for kNone.
absl::string_view ActionsSuppressedByName(ActionsSuppressedBy mode);

// `Actions suppressed by WaitPeriod` (spec 5.1's example), `... by
// ExtensionPeriod`, `... by Alarm`; "" for kNone.
std::string ActionsSuppressedReason(ActionsSuppressedBy mode);

struct SuppressionStatus {
  ActionsSuppressedBy mode = ActionsSuppressedBy::kNone;
  // End of the WaitPeriod / ExtensionPeriod (exclusive: the period has ended
  // at `until`); InfiniteFuture in the other modes.
  absl::Time until = absl::InfiniteFuture();
  // The composite's state when the episode began (its last announced
  // state); meaningful while mode != kNone.
  AlarmState announced = AlarmState::kInsufficientData;
};

// The composite changed from `old_state` at `now`. Returns true iff the
// transition's actions run now (no suppression applies); otherwise the
// caller records them as suppressed with the returned mode's reason.
bool SuppressionOnTransition(SuppressionStatus* s, AlarmState old_state,
                             bool suppressor_in_alarm, absl::Duration wait,
                             absl::Time now);

// The suppressor entered (`in_alarm`) or left ALARM at `now`.
void SuppressionOnSuppressorChange(SuppressionStatus* s, bool in_alarm,
                                   absl::Duration extension, absl::Time now);

// Ends a WaitPeriod / ExtensionPeriod whose `until` <= `now`. Returns true
// iff one ended; the caller then runs the actions of the current state
// (see the file comment). Precondition for a
// WaitPeriod: the suppressor is not in ALARM (else the mode is kAlarm).
bool SuppressionExpire(SuppressionStatus* s, absl::Time now);

// --- JSON
// ---------------------------------------------------------------------

// Writes one DescribeAlarms `CompositeAlarm` object (ISO 8601 timestamps):
// ActionsEnabled, AlarmActions, AlarmArn, AlarmConfigurationUpdatedTimestamp,
// AlarmDescription (when set), AlarmName, AlarmRule, InsufficientDataActions,
// OKActions, StateReason, StateReasonData (when set), StateUpdatedTimestamp,
// StateValue, StateTransitionedTimestamp, ActionsSuppressedBy,
// ActionsSuppressedReason, and the ActionsSuppressor fields when set
// (periods as integer seconds), in the order of the DescribeAlarms output
// shape (S-API). ActionsSuppressedBy is omitted in mode kNone.
void WriteCompositeAlarm(const CompositeAlarmSpec& spec,
                         const AlarmStatus& status,
                         const SuppressionStatus& suppression,
                         absl::string_view alarm_arn,
                         absl::Time configuration_updated, JsonWriter* out);

// The camelCase configuration object of ConfigurationUpdate history data
// (`createdAlarm` and friends; spec 4.7) for a composite.
void WriteHistoryCompositeConfiguration(const CompositeAlarmSpec& spec,
                                        absl::string_view alarm_arn,
                                        absl::Time configuration_updated,
                                        JsonWriter* out);

}  // namespace cwalarm

#endif  // CWALARM_ALARM_COMPOSITE_ALARM_H_
