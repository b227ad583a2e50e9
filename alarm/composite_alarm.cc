// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "alarm/composite_alarm.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "alarm/alarm_json.h"
#include "alarm/alarm_rule.h"
#include "alarm/cw_format.h"

namespace cwalarm {
namespace {

absl::Status Invalid(const CompositeAlarmSpec& spec, absl::string_view field,
                     absl::string_view value, absl::string_view rule) {
  return absl::InvalidArgumentError(
      absl::StrCat("alarm \"", spec.alarm_name, "\": ", field, " (", value,
                   "): ", rule, " (ValidationError)"));
}

std::string Shorten(absl::string_view text) {
  if (text.size() <= 80) return std::string(text);
  return absl::StrCat(text.substr(0, 77), "...");
}

bool HasControlCharacter(absl::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

// Spec 6.1: composites take SNS, Lambda, SSM, Incident Manager and
// investigation actions; not EC2 or Auto Scaling.
absl::Status ValidateCompositeAction(const CompositeAlarmSpec& spec,
                                     absl::string_view list, size_t i,
                                     absl::string_view arn) {
  std::string field = absl::StrCat(list, "[", i, "]");
  std::vector<absl::string_view> parts = absl::StrSplit(arn, ':');
  if (parts.size() < 6 || parts[0] != "arn" || parts[2].empty()) {
    return Invalid(spec, field, arn,
                   "an action must be an ARN "
                   "(arn:partition:service:region:account:resource)");
  }
  absl::string_view service = parts[2];
  if (service == "automate" || service == "swf" || service == "autoscaling") {
    return Invalid(spec, field, arn,
                   "composite alarms cannot perform EC2 or Auto Scaling "
                   "actions");
  }
  bool alarm_only =
      service == "ssm" || service == "ssm-incidents" || service == "aiops";
  if (alarm_only && list != "AlarmActions") {
    return Invalid(spec, field, arn,
                   "Systems Manager, Incident Manager and investigation "
                   "actions are only valid in AlarmActions");
  }
  return absl::OkStatus();
}

absl::Status ValidatePeriod(const CompositeAlarmSpec& spec,
                            absl::string_view field,
                            const std::optional<absl::Duration>& period) {
  if (!spec.actions_suppressor.has_value()) {
    if (period.has_value()) {
      return Invalid(spec, field, FormatDuration(*period),
                     "only allowed together with ActionsSuppressor");
    }
    return absl::OkStatus();
  }
  if (!period.has_value()) {
    return Invalid(spec, field, "null",
                   "required when ActionsSuppressor is set (recommended: 60)");
  }
  if (*period < absl::ZeroDuration() ||
      *period != absl::Seconds(absl::ToInt64Seconds(*period))) {
    return Invalid(spec, field, FormatDuration(*period),
                   "must be a whole number of seconds, >= 0");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CompositeAlarmSpec::Validate() const {
  if (alarm_name.empty() || alarm_name.size() > 255) {
    return Invalid(*this, "AlarmName",
                   absl::StrCat(alarm_name.size(), " characters"),
                   "AlarmName must be 1 to 255 characters");
  }
  if (HasControlCharacter(alarm_name)) {
    return Invalid(*this, "AlarmName", alarm_name,
                   "AlarmName must not contain control characters");
  }
  if (alarm_description.has_value() && alarm_description->size() > 1024) {
    return Invalid(*this, "AlarmDescription",
                   absl::StrCat(alarm_description->size(), " characters"),
                   "AlarmDescription must be at most 1024 characters");
  }
  absl::StatusOr<AlarmRule> rule = AlarmRule::Parse(alarm_rule);
  if (!rule.ok()) {
    return Invalid(*this, "AlarmRule", Shorten(alarm_rule),
                   rule.status().message());
  }
  struct List {
    const char* name;
    const std::vector<std::string>* arns;
  };
  for (const List& l :
       {List{"OKActions", &ok_actions}, List{"AlarmActions", &alarm_actions},
        List{"InsufficientDataActions", &insufficient_data_actions}}) {
    if (l.arns->size() > static_cast<size_t>(kMaxActionsPerState)) {
      return Invalid(
          *this, l.name, absl::StrCat(l.arns->size(), " actions"),
          absl::StrCat("at most ", kMaxActionsPerState, " actions per state"));
    }
    for (size_t i = 0; i < l.arns->size(); ++i) {
      absl::Status s = ValidateCompositeAction(*this, l.name, i, (*l.arns)[i]);
      if (!s.ok()) return s;
    }
  }
  if (actions_suppressor.has_value()) {
    const std::string& s = *actions_suppressor;
    if (s.empty() ||
        s.size() > static_cast<size_t>(kMaxActionsSuppressorLength)) {
      return Invalid(*this, "ActionsSuppressor",
                     absl::StrCat(s.size(), " characters"),
                     "ActionsSuppressor must be 1 to 1600 characters");
    }
    if (s == alarm_name ||
        absl::EndsWith(s, absl::StrCat(":alarm:", alarm_name))) {
      return Invalid(*this, "ActionsSuppressor", s,
                     "an alarm cannot suppress its own actions");
    }
  }
  absl::Status s = ValidatePeriod(*this, "ActionsSuppressorWaitPeriod",
                                  actions_suppressor_wait_period);
  if (!s.ok()) return s;
  s = ValidatePeriod(*this, "ActionsSuppressorExtensionPeriod",
                     actions_suppressor_extension_period);
  if (!s.ok()) return s;
  if (tags.size() > 50) {
    return Invalid(*this, "Tags", absl::StrCat(tags.size(), " tags"),
                   "at most 50 tags");
  }
  return absl::OkStatus();
}

absl::string_view ActionsSuppressedByName(ActionsSuppressedBy mode) {
  switch (mode) {
    case ActionsSuppressedBy::kNone:
      return "";
    case ActionsSuppressedBy::kWaitPeriod:
      return "WaitPeriod";
    case ActionsSuppressedBy::kExtensionPeriod:
      return "ExtensionPeriod";
    case ActionsSuppressedBy::kAlarm:
      return "Alarm";
  }
  return "";
}

std::string ActionsSuppressedReason(ActionsSuppressedBy mode) {
  if (mode == ActionsSuppressedBy::kNone) return "";
  return absl::StrCat("Actions suppressed by ", ActionsSuppressedByName(mode));
}

bool SuppressionOnTransition(SuppressionStatus* s, AlarmState old_state,
                             bool suppressor_in_alarm, absl::Duration wait,
                             absl::Time now) {
  switch (s->mode) {
    case ActionsSuppressedBy::kNone:
      s->announced = old_state;
      if (suppressor_in_alarm) {  // Example 4.
        s->mode = ActionsSuppressedBy::kAlarm;
        s->until = absl::InfiniteFuture();
        return false;
      }
      if (wait <= absl::ZeroDuration()) return true;
      s->mode = ActionsSuppressedBy::kWaitPeriod;  // Example 1.
      s->until = now + wait;
      return false;
    case ActionsSuppressedBy::kWaitPeriod:       // Example 3: restart.
    case ActionsSuppressedBy::kExtensionPeriod:  // Example 6: wait again.
      s->mode = ActionsSuppressedBy::kWaitPeriod;
      s->until = now + wait;
      return false;
    case ActionsSuppressedBy::kAlarm:
      return false;
  }
  return false;
}

void SuppressionOnSuppressorChange(SuppressionStatus* s, bool in_alarm,
                                   absl::Duration extension, absl::Time now) {
  if (in_alarm) {
    // Example 2 (during a wait), and, our choice, during an extension.
    if (s->mode == ActionsSuppressedBy::kWaitPeriod ||
        s->mode == ActionsSuppressedBy::kExtensionPeriod) {
      s->mode = ActionsSuppressedBy::kAlarm;
      s->until = absl::InfiniteFuture();
    }
    return;
  }
  if (s->mode == ActionsSuppressedBy::kAlarm) {  // Example 5.
    s->mode = ActionsSuppressedBy::kExtensionPeriod;
    s->until = now + std::max(extension, absl::ZeroDuration());
  }
}

bool SuppressionExpire(SuppressionStatus* s, absl::Time now) {
  if ((s->mode == ActionsSuppressedBy::kWaitPeriod ||
       s->mode == ActionsSuppressedBy::kExtensionPeriod) &&
      s->until <= now) {
    s->mode = ActionsSuppressedBy::kNone;
    s->until = absl::InfiniteFuture();
    return true;
  }
  return false;
}

void WriteCompositeAlarm(const CompositeAlarmSpec& spec,
                         const AlarmStatus& status,
                         const SuppressionStatus& suppression,
                         absl::string_view alarm_arn,
                         absl::Time configuration_updated, JsonWriter* w) {
  w->BeginObject();
  w->Key("ActionsEnabled");
  w->Bool(spec.actions_enabled);
  w->Key("AlarmActions");
  w->StringArray(spec.alarm_actions);
  w->Key("AlarmArn");
  w->String(alarm_arn);
  w->Key("AlarmConfigurationUpdatedTimestamp");
  w->String(FormatIsoTimestamp(configuration_updated));
  if (spec.alarm_description.has_value()) {
    w->Key("AlarmDescription");
    w->String(*spec.alarm_description);
  }
  w->Key("AlarmName");
  w->String(spec.alarm_name);
  w->Key("AlarmRule");
  w->String(spec.alarm_rule);
  w->Key("InsufficientDataActions");
  w->StringArray(spec.insufficient_data_actions);
  w->Key("OKActions");
  w->StringArray(spec.ok_actions);
  w->Key("StateReason");
  w->String(status.reason);
  if (!status.reason_data.empty()) {
    w->Key("StateReasonData");
    w->String(status.reason_data);
  }
  w->Key("StateUpdatedTimestamp");
  w->String(FormatIsoTimestamp(status.state_updated));
  w->Key("StateValue");
  w->String(AlarmStateName(status.state));
  w->Key("StateTransitionedTimestamp");
  w->String(FormatIsoTimestamp(status.state_transitioned));
  if (suppression.mode != ActionsSuppressedBy::kNone) {
    w->Key("ActionsSuppressedBy");
    w->String(ActionsSuppressedByName(suppression.mode));
    w->Key("ActionsSuppressedReason");
    w->String(ActionsSuppressedReason(suppression.mode));
  }
  if (spec.actions_suppressor.has_value()) {
    w->Key("ActionsSuppressor");
    w->String(*spec.actions_suppressor);
    w->Key("ActionsSuppressorWaitPeriod");
    w->Int(absl::ToInt64Seconds(
        spec.actions_suppressor_wait_period.value_or(absl::ZeroDuration())));
    w->Key("ActionsSuppressorExtensionPeriod");
    w->Int(
        absl::ToInt64Seconds(spec.actions_suppressor_extension_period.value_or(
            absl::ZeroDuration())));
  }
  w->EndObject();
}

void WriteHistoryCompositeConfiguration(const CompositeAlarmSpec& spec,
                                        absl::string_view alarm_arn,
                                        absl::Time configuration_updated,
                                        JsonWriter* w) {
  w->BeginObject();
  WriteHistoryAlarmIdentity(spec.alarm_name, spec.alarm_description, alarm_arn,
                            configuration_updated, w);
  w->Key("alarmRule");
  w->String(spec.alarm_rule);
  w->Key("actionsEnabled");
  w->Bool(spec.actions_enabled);
  w->Key("okActions");
  w->StringArray(spec.ok_actions);
  w->Key("alarmActions");
  w->StringArray(spec.alarm_actions);
  w->Key("insufficientDataActions");
  w->StringArray(spec.insufficient_data_actions);
  if (spec.actions_suppressor.has_value()) {
    w->Key("actionsSuppressor");
    w->String(*spec.actions_suppressor);
    w->Key("actionsSuppressorWaitPeriod");
    w->Int(absl::ToInt64Seconds(
        spec.actions_suppressor_wait_period.value_or(absl::ZeroDuration())));
    w->Key("actionsSuppressorExtensionPeriod");
    w->Int(
        absl::ToInt64Seconds(spec.actions_suppressor_extension_period.value_or(
            absl::ZeroDuration())));
  }
  w->EndObject();
}

}  // namespace cwalarm
