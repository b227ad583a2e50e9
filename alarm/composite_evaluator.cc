// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "alarm/composite_evaluator.h"

#include <algorithm>
#include <cassert>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "alarm/alarm_spec.h"
#include "alarm/cw_format.h"
#include "alarm/json_writer.h"

namespace cwalarm {
namespace {

constexpr size_t kMaxHistorySummary = 255;

const std::vector<std::string>& ActionsFor(const CompositeAlarmSpec& spec,
                                           AlarmState state) {
  switch (state) {
    case AlarmState::kOk:
      return spec.ok_actions;
    case AlarmState::kAlarm:
      return spec.alarm_actions;
    case AlarmState::kInsufficientData:
      break;
  }
  return spec.insufficient_data_actions;
}

void Remove(std::vector<std::string>* v, absl::string_view value) {
  v->erase(std::remove(v->begin(), v->end(), value), v->end());
}

}  // namespace

CompositeEvaluator::CompositeEvaluator(ActionSink* sink,
                                       CompositeEvaluatorOptions options)
    : sink_(sink), options_(std::move(options)) {
  assert(sink_ != nullptr);
}

std::string CompositeEvaluator::KeyOf(absl::string_view name_or_arn) const {
  std::string prefix = AlarmArn(options_.region, options_.account_id, "");
  if (absl::StartsWith(name_or_arn, prefix) &&
      name_or_arn.size() > prefix.size()) {
    return std::string(name_or_arn.substr(prefix.size()));
  }
  return std::string(name_or_arn);
}

std::string CompositeEvaluator::ArnOf(absl::string_view key) const {
  if (absl::StartsWith(key, "arn:")) return std::string(key);
  return AlarmArn(options_.region, options_.account_id, key);
}

absl::Status CompositeEvaluator::CheckTime(absl::Time now) {
  if (now < now_) {
    return absl::InvalidArgumentError(
        absl::StrCat("composite alarms: instant ", FormatIsoTimestamp(now),
                     " is before ", FormatIsoTimestamp(now_),
                     ", already processed (time must not go backwards)"));
  }
  now_ = now;
  return absl::OkStatus();
}

std::optional<CompositeAlarmDescription> CompositeEvaluator::FindAlarm(
    absl::string_view name) const {
  auto it = composites_.find(std::string(name));
  if (it == composites_.end()) return std::nullopt;
  const Composite& c = it->second;
  return CompositeAlarmDescription{&c.spec, &c.status, &c.suppression, c.arn,
                                   c.configuration_updated};
}

std::vector<CompositeAlarmDescription> CompositeEvaluator::DescribeAlarms()
    const {
  std::vector<CompositeAlarmDescription> out;
  out.reserve(composites_.size());
  for (const auto& [name, c] : composites_) {
    out.push_back(CompositeAlarmDescription{&c.spec, &c.status, &c.suppression,
                                            c.arn, c.configuration_updated});
  }
  std::sort(out.begin(), out.end(),
            [](const CompositeAlarmDescription& a,
               const CompositeAlarmDescription& b) {
              return a.spec->alarm_name < b.spec->alarm_name;
            });
  return out;
}

std::vector<AlarmHistoryItem> CompositeEvaluator::TakeHistory() {
  std::vector<AlarmHistoryItem> out = std::move(history_);
  history_.clear();
  return out;
}

absl::Status CompositeEvaluator::OnAlarmState(absl::string_view name_or_arn,
                                              AlarmState state,
                                              absl::Time timestamp) {
  absl::Status s = AdvanceTo(timestamp);
  if (!s.ok()) return s;
  std::string key = KeyOf(name_or_arn);
  if (composites_.contains(key)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "alarm \"", key,
        "\": is a composite alarm of this evaluator; its state is computed "
        "from its rule (use SetAlarmState to force it)"));
  }
  auto [it, inserted] = nodes_.try_emplace(key);
  Node& node = it->second;
  if (inserted || node.state != state) {
    node.state = state;
    node.since = timestamp;
    if (!inserted) Propagate(key, timestamp);
  }
  return absl::OkStatus();
}

absl::Status CompositeEvaluator::ForgetAlarm(absl::string_view name_or_arn,
                                             absl::Time now) {
  absl::Status s = AdvanceTo(now);
  if (!s.ok()) return s;
  const std::string key = KeyOf(name_or_arn);
  auto it = nodes_.find(key);
  if (it == nodes_.end() || it->second.composite) {
    return absl::NotFoundError(absl::StrCat(
        "alarm \"", key, "\": not a registered non-composite alarm"));
  }
  if (!it->second.parents.empty() || !it->second.suppresses.empty()) {
    std::vector<std::string> users = it->second.parents;
    users.insert(users.end(), it->second.suppresses.begin(),
                 it->second.suppresses.end());
    return absl::FailedPreconditionError(absl::StrCat(
        "alarm \"", key, "\": cannot be forgotten while composite alarms [",
        absl::StrJoin(users, ", "),
        "] name it in their rule or as suppressor"));
  }
  nodes_.erase(it);
  return absl::OkStatus();
}

void CompositeEvaluator::Link(const std::string& name, const Composite& c) {
  absl::flat_hash_set<std::string> seen;
  for (const std::string& child : c.children) {
    if (seen.insert(child).second) nodes_[child].parents.push_back(name);
  }
  if (!c.suppressor.empty()) nodes_[c.suppressor].suppresses.push_back(name);
}

void CompositeEvaluator::Unlink(const std::string& name, const Composite& c) {
  for (const std::string& child : c.children) {
    auto it = nodes_.find(child);
    if (it != nodes_.end()) Remove(&it->second.parents, name);
  }
  if (!c.suppressor.empty()) {
    auto it = nodes_.find(c.suppressor);
    if (it != nodes_.end()) Remove(&it->second.suppresses, name);
  }
}

absl::Status CompositeEvaluator::PutCompositeAlarm(CompositeAlarmSpec spec,
                                                   absl::Time now) {
  absl::Status s = AdvanceTo(now);
  if (!s.ok()) return s;
  s = spec.Validate();
  if (!s.ok()) return s;
  absl::StatusOr<AlarmRule> rule = AlarmRule::Parse(spec.alarm_rule);
  assert(rule.ok());
  const std::string name = spec.alarm_name;
  auto node_it = nodes_.find(name);
  if (node_it != nodes_.end() && !node_it->second.composite) {
    return absl::InvalidArgumentError(absl::StrCat(
        "alarm \"", name, "\": AlarmName (", name,
        "): a metric alarm of that name exists (ValidationError)"));
  }

  std::vector<std::string> children;
  std::vector<std::string> missing;
  for (const std::string& ref : rule->children()) {
    children.push_back(KeyOf(ref));
    if (!nodes_.contains(children.back())) missing.push_back(ref);
  }
  if (!missing.empty()) {
    // [INFERRED] wording of CloudWatch's refusal of unknown children.
    return absl::InvalidArgumentError(
        absl::StrCat("alarm \"", name, "\": AlarmRule (", spec.alarm_rule,
                     "): Could not save the composite alarm as alarms [",
                     absl::StrJoin(missing, ", "),
                     "] in the alarm rule do not exist (ValidationError)"));
  }
  for (const std::string& child : children) {
    const std::vector<std::string>& parents = nodes_.at(child).parents;
    const bool already =
        std::find(parents.begin(), parents.end(), name) != parents.end();
    if (!already &&
        parents.size() >= static_cast<size_t>(kMaxCompositeParents)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "alarm \"", name, "\": AlarmRule (", spec.alarm_rule, "): alarm \"",
          child, "\" is already named by ", kMaxCompositeParents,
          " composite alarms, the limit (spec 5.1) (LimitExceeded)"));
    }
  }
  std::string suppressor;
  if (spec.actions_suppressor.has_value()) {
    suppressor = KeyOf(*spec.actions_suppressor);
    if (suppressor == name) {
      return absl::InvalidArgumentError(absl::StrCat(
          "alarm \"", name, "\": ActionsSuppressor (", *spec.actions_suppressor,
          "): an alarm cannot suppress its own actions (ValidationError)"));
    }
    if (!nodes_.contains(suppressor)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "alarm \"", name, "\": ActionsSuppressor (", *spec.actions_suppressor,
          "): no such alarm (ValidationError)"));
    }
  }

  // Cycle check: can any child reach `name` through composite rules? The
  // new rule replaces the stored one for `name`.
  std::vector<std::string> path = {name};
  absl::flat_hash_set<std::string> visited;
  std::function<bool(const std::string&)> reaches =
      [&](const std::string& key) -> bool {
    path.push_back(key);
    if (key == name) return true;
    auto it = composites_.find(key);
    if (it != composites_.end() && visited.insert(key).second) {
      for (const std::string& child : it->second.children) {
        if (reaches(child)) return true;
      }
    }
    path.pop_back();
    return false;
  };
  for (const std::string& child : children) {
    if (reaches(child)) {
      // Spec 5.3: CloudWatch accepts cycles and stops evaluating them; we
      // refuse them so that no alarm silently stops.
      return absl::InvalidArgumentError(absl::StrCat(
          "alarm \"", name, "\": AlarmRule (", spec.alarm_rule,
          "): the alarm rule creates a cycle: ", absl::StrJoin(path, " -> "),
          " (cwalarm refuses cycles; CloudWatch would stop evaluating them)"));
    }
  }

  auto existing = composites_.find(name);
  const bool update = existing != composites_.end();
  if (!update) {
    Composite c{std::move(spec),
                *std::move(rule),
                std::move(children),
                std::move(suppressor),
                AlarmStatus::Created(now),
                AlarmState::kInsufficientData,
                SuppressionStatus{},
                ArnOf(name),
                now};
    Node& node = nodes_[name];
    node.composite = true;
    node.state = c.status.state;
    node.since = now;
    existing = composites_.emplace(name, std::move(c)).first;
  } else {
    Composite& c = existing->second;
    Unlink(name, c);
    const bool suppressor_changed = c.suppressor != suppressor;
    c.spec = std::move(spec);
    c.rule = *std::move(rule);
    c.children = std::move(children);
    c.suppressor = std::move(suppressor);
    c.configuration_updated = now;
    if (suppressor_changed &&
        c.suppression.mode != ActionsSuppressedBy::kNone) {
      // Spec 5.4: a replaced suppressor discards the active episode. The
      // withheld actions were recorded as suppressed when withheld.
      SuppressionStatus before = c.suppression;
      c.suppression = SuppressionStatus{};
      SetMode(c, before, now);
    }
  }
  Composite& c = existing->second;
  Link(name, c);

  AlarmHistoryItem item;
  item.alarm_name = name;
  item.alarm_type = "CompositeAlarm";
  item.timestamp = now;
  item.type = HistoryItemType::kConfigurationUpdate;
  item.summary =
      absl::StrCat("Alarm \"", name, "\" ", update ? "updated" : "created");
  if (item.summary.size() > kMaxHistorySummary) {
    item.summary = item.summary.substr(0, kMaxHistorySummary - 3) + "...";
  }
  JsonWriter w;
  w.BeginObject();
  w.Key("version");
  w.String("1.0");
  w.Key("type");
  w.String(update ? "Update" : "Create");
  w.Key(update ? "updatedAlarm" : "createdAlarm");
  WriteHistoryCompositeConfiguration(c.spec, c.arn, now, &w);
  w.EndObject();
  item.data = w.Release();
  history_.push_back(std::move(item));

  if (Evaluate(name, "", update ? "updated" : "created", now)) {
    Propagate(name, now);
  }
  return absl::OkStatus();
}

absl::Status CompositeEvaluator::DeleteAlarm(absl::string_view name,
                                             absl::Time now) {
  absl::Status s = AdvanceTo(now);
  if (!s.ok()) return s;
  auto it = composites_.find(std::string(name));
  if (it == composites_.end()) {
    return absl::NotFoundError(
        absl::StrCat("alarm \"", name,
                     "\": DeleteAlarms: no such composite alarm "
                     "(ResourceNotFound)"));
  }
  const Node& node = nodes_[it->first];
  if (!node.parents.empty() || !node.suppresses.empty()) {
    std::vector<std::string> users = node.parents;
    users.insert(users.end(), node.suppresses.begin(), node.suppresses.end());
    return absl::FailedPreconditionError(absl::StrCat(
        "alarm \"", name, "\": cannot be deleted while composite alarms [",
        absl::StrJoin(users, ", "),
        "] name it in their rule or as suppressor"));
  }
  Composite& c = it->second;
  Unlink(it->first, c);
  AlarmHistoryItem item;
  item.alarm_name = c.spec.alarm_name;
  item.alarm_type = "CompositeAlarm";
  item.timestamp = now;
  item.type = HistoryItemType::kConfigurationUpdate;
  item.summary = absl::StrCat("Alarm \"", c.spec.alarm_name, "\" deleted");
  JsonWriter w;
  w.BeginObject();
  w.Key("version");
  w.String("1.0");
  w.Key("type");
  w.String("Delete");
  w.Key("deletedAlarm");
  WriteHistoryCompositeConfiguration(c.spec, c.arn, c.configuration_updated,
                                     &w);
  w.EndObject();
  item.data = w.Release();
  history_.push_back(std::move(item));
  nodes_.erase(it->first);
  composites_.erase(it);
  return absl::OkStatus();
}

absl::Status CompositeEvaluator::SetAlarmState(absl::string_view name,
                                               AlarmState state,
                                               absl::string_view reason,
                                               absl::string_view reason_data,
                                               absl::Time now) {
  absl::Status s = AdvanceTo(now);
  if (!s.ok()) return s;
  auto it = composites_.find(std::string(name));
  if (it == composites_.end()) {
    return absl::NotFoundError(
        absl::StrCat("alarm \"", name,
                     "\": SetAlarmState: no such alarm (ResourceNotFound)"));
  }
  absl::Status valid = ValidateSetAlarmState(name, reason, reason_data);
  if (!valid.ok()) return valid;
  if (it->second.status.state == state) return absl::OkStatus();
  std::string key = it->first;
  Transition(key, state, std::string(reason), std::string(reason_data), now);
  Propagate(key, now);
  return absl::OkStatus();
}

absl::Status CompositeEvaluator::AdvanceTo(absl::Time now) {
  absl::Status s = CheckTime(now);
  if (!s.ok()) return s;
  std::vector<std::pair<absl::Time, std::string>> due;
  for (const auto& [name, c] : composites_) {
    if (c.suppression.until <= now) due.emplace_back(c.suppression.until, name);
  }
  std::sort(due.begin(), due.end());
  for (const auto& [until, name] : due) {
    Composite& c = composites_.at(name);
    SuppressionStatus before = c.suppression;
    if (!SuppressionExpire(&c.suppression, until)) continue;
    SetMode(c, before, until);
    // Spec 5.4: the actions of the *current* state ([OPEN] when that is the
    // state before the episode: they run, as the table reads).
    RunActions(c, until);
  }
  return absl::OkStatus();
}

bool CompositeEvaluator::Evaluate(const std::string& name,
                                  const std::string& trigger,
                                  absl::string_view verb, absl::Time now) {
  Composite& c = composites_.at(name);
  std::vector<AlarmState> states;
  states.reserve(c.children.size());
  for (const std::string& child : c.children) {
    states.push_back(nodes_.at(child).state);
  }
  const AlarmState new_state =
      c.rule.Evaluate(states) ? AlarmState::kAlarm : AlarmState::kOk;
  // Spec 5.3 / 4.2: an unchanged result changes nothing, so the reason
  // keeps naming the child that caused the last transition.
  if (!ChangesState(c.status, new_state)) return false;

  // Spec 4.5 #9 and 4.6: the one child that caused the change, or every
  // child at creation / update.
  std::vector<std::string> triggering;
  std::string reason;
  if (!trigger.empty()) {
    const Node& t = nodes_.at(trigger);
    triggering.push_back(trigger);
    reason = absl::StrCat(ArnOf(trigger), " transitioned to ",
                          AlarmStateName(t.state), " at ",
                          FormatLongTimestamp(t.since));
  } else {
    absl::flat_hash_set<std::string> seen;
    for (const std::string& child : c.children) {
      if (seen.insert(child).second) triggering.push_back(child);
    }
    reason =
        absl::StrCat(c.arn, " was ", verb, " and its alarm rule evaluates to ",
                     AlarmStateName(new_state));
  }
  JsonWriter w;
  w.BeginObject();
  w.Key("triggeringAlarms");
  w.BeginArray();
  for (const std::string& key : triggering) {
    const Node& n = nodes_.at(key);
    w.BeginObject();
    w.Key("arn");
    w.String(ArnOf(key));
    w.Key("state");
    w.BeginObject();
    w.Key("value");
    w.String(AlarmStateName(n.state));
    w.Key("timestamp");
    w.String(FormatCwTimestamp(n.since));
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  Transition(name, new_state, std::move(reason), w.Release(), now);
  return true;
}

void CompositeEvaluator::Transition(const std::string& name,
                                    AlarmState new_state, std::string reason,
                                    std::string reason_data, absl::Time now) {
  Composite& c = composites_.at(name);
  c.previous_state = c.status.state;
  StateTransition t = ApplyTransition(&c.status, new_state, std::move(reason),
                                      std::move(reason_data), now);
  AlarmHistoryItem item = MakeStateUpdateItem(name, t);
  item.alarm_type = "CompositeAlarm";
  history_.push_back(std::move(item));
  Node& node = nodes_.at(name);
  node.state = new_state;
  node.since = now;

  if (c.suppressor.empty()) {
    RunActions(c, now);
    return;
  }
  const bool suppressor_in_alarm =
      nodes_.at(c.suppressor).state == AlarmState::kAlarm;
  SuppressionStatus before = c.suppression;
  const bool run_now = SuppressionOnTransition(
      &c.suppression, t.old_state, suppressor_in_alarm,
      c.spec.actions_suppressor_wait_period.value_or(absl::ZeroDuration()),
      now);
  SetMode(c, before, now);
  if (run_now) {
    RunActions(c, now);
  } else {
    RecordSuppressed(c, now);
  }
}

void CompositeEvaluator::Propagate(const std::string& key, absl::Time now) {
  std::deque<std::string> queue = {key};
  while (!queue.empty()) {
    std::string changed = std::move(queue.front());
    queue.pop_front();
    // Copies: evaluation may not add nodes, but keep iteration independent
    // of the vectors it reads.
    const Node node = nodes_.at(changed);
    for (const std::string& name : node.suppresses) {
      Composite& c = composites_.at(name);
      SuppressionStatus before = c.suppression;
      SuppressionOnSuppressorChange(
          &c.suppression, node.state == AlarmState::kAlarm,
          c.spec.actions_suppressor_extension_period.value_or(
              absl::ZeroDuration()),
          now);
      SetMode(c, before, now);
      // An extension period of 0 ends at once.
      SuppressionStatus extended = c.suppression;
      if (SuppressionExpire(&c.suppression, now)) {
        SetMode(c, extended, now);
        RunActions(c, now);
      }
    }
    for (const std::string& parent : node.parents) {
      if (Evaluate(parent, changed, "", now)) queue.push_back(parent);
    }
  }
}

void CompositeEvaluator::SetMode(Composite& c, const SuppressionStatus& before,
                                 absl::Time now) {
  if (before.mode != c.suppression.mode) c.status.state_updated = now;
}

void CompositeEvaluator::RunActions(Composite& c, absl::Time now) {
  if (!c.spec.actions_enabled) return;
  for (const std::string& arn : ActionsFor(c.spec, c.status.state)) {
    StateChange change;
    change.composite = &c.spec;
    change.alarm_arn = c.arn;
    change.region = options_.region;
    change.account_id = options_.account_id;
    change.alarm_configuration_updated = c.configuration_updated;
    change.old_state = c.previous_state;
    change.new_state = c.status.state;
    change.new_reason = c.status.reason;
    change.new_reason_data = c.status.reason_data;
    change.timestamp = c.status.state_transitioned;
    change.action = arn;
    absl::Status result = sink_->Execute(change);
    AlarmHistoryItem item = MakeActionItem(c.spec.alarm_name, arn, result,
                                           c.status.state_transitioned);
    item.alarm_type = "CompositeAlarm";
    item.timestamp = now;
    history_.push_back(std::move(item));
    if (!result.ok()) {
      action_errors_.push_back(absl::Status(
          result.code(),
          absl::StrCat("alarm \"", c.spec.alarm_name, "\": action ", arn, ": ",
                       result.message())));
    }
  }
}

void CompositeEvaluator::RecordSuppressed(Composite& c, absl::Time now) {
  if (!c.spec.actions_enabled) return;
  const std::string reason = ActionsSuppressedReason(c.suppression.mode);
  for (const std::string& arn : ActionsFor(c.spec, c.status.state)) {
    AlarmHistoryItem item;
    item.alarm_name = c.spec.alarm_name;
    item.alarm_type = "CompositeAlarm";
    item.timestamp = now;
    item.type = HistoryItemType::kAction;
    item.summary = absl::StrCat("Suppressed action ", arn, ": ", reason);
    if (item.summary.size() > kMaxHistorySummary) {
      item.summary = item.summary.substr(0, kMaxHistorySummary - 3) + "...";
    }
    JsonWriter w;
    w.BeginObject();
    w.Key("actionState");
    w.String("Suppressed");
    w.Key("notificationResource");
    w.String(arn);
    w.Key("stateUpdateTimestamp");
    w.String(FormatCwTimestamp(c.status.state_transitioned));
    w.Key("actionsSuppressedBy");
    w.String(ActionsSuppressedByName(c.suppression.mode));
    w.Key("actionsSuppressedReason");
    w.String(reason);
    w.EndObject();
    item.data = w.Release();
    history_.push_back(std::move(item));
  }
}

}  // namespace cwalarm
