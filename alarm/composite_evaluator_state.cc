// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// CompositeEvaluator::ExportState / ImportState (snapshots, issue 8). Kept
// out of composite_evaluator.cc so that file stays about evaluation, as
// alarm_evaluator_state.cc does for AlarmEvaluator.

#include <algorithm>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "alarm/alarm_rule.h"
#include "alarm/composite_evaluator.h"

namespace cwalarm {

CompositeEvaluator::State CompositeEvaluator::ExportState() const {
  State out;
  out.options = options_;
  out.nodes.reserve(nodes_.size());
  for (const auto& [key, n] : nodes_) {
    out.nodes.push_back(
        NodeState{key, n.state, n.since, n.composite, n.parents, n.suppresses});
  }
  std::sort(out.nodes.begin(), out.nodes.end(),
            [](const NodeState& a, const NodeState& b) { return a.key < b.key; });
  out.composites.reserve(composites_.size());
  for (const auto& [name, c] : composites_) {
    out.composites.push_back(CompositeState{c.spec, c.status, c.previous_state,
                                            c.suppression,
                                            c.configuration_updated});
  }
  std::sort(out.composites.begin(), out.composites.end(),
            [](const CompositeState& a, const CompositeState& b) {
              return a.spec.alarm_name < b.spec.alarm_name;
            });
  out.history = history_;
  out.now = now_;
  return out;
}

absl::Status CompositeEvaluator::ImportState(State state) {
  if (!nodes_.empty() || !composites_.empty() || !history_.empty() ||
      now_ != absl::InfinitePast()) {
    return absl::FailedPreconditionError(
        "CompositeEvaluator::ImportState: the evaluator is not empty");
  }
  if (state.options.region != options_.region ||
      state.options.account_id != options_.account_id) {
    return absl::FailedPreconditionError(absl::StrCat(
        "CompositeEvaluator::ImportState: the state is of region ",
        state.options.region, " account ", state.options.account_id,
        ", this evaluator of region ", options_.region, " account ",
        options_.account_id, " (alarm ARNs would change)"));
  }
  auto invalid = [](absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("CompositeEvaluator::ImportState: ", what));
  };

  // Check everything before changing anything.
  absl::flat_hash_map<std::string, const NodeState*> nodes;
  for (const NodeState& n : state.nodes) {
    if (!nodes.emplace(n.key, &n).second) {
      return invalid(absl::StrCat("node \"", n.key, "\" appears twice"));
    }
  }
  struct Parsed {
    AlarmRule rule;
    std::vector<std::string> children;
    std::string suppressor;
  };
  absl::flat_hash_map<std::string, Parsed> parsed;
  // What the nodes' lists must hold, derived from the rules (Link's logic).
  absl::flat_hash_map<std::string, std::vector<std::string>> parents;
  absl::flat_hash_map<std::string, std::vector<std::string>> suppresses;
  for (const CompositeState& c : state.composites) {
    const std::string& name = c.spec.alarm_name;
    absl::Status valid = c.spec.Validate();
    if (!valid.ok()) return valid;
    auto node = nodes.find(name);
    if (node == nodes.end() || !node->second->composite) {
      return invalid(absl::StrCat("composite \"", name,
                                  "\" has no composite node"));
    }
    absl::StatusOr<AlarmRule> rule = AlarmRule::Parse(c.spec.alarm_rule);
    if (!rule.ok()) return rule.status();
    Parsed p{*std::move(rule), {}, {}};
    absl::flat_hash_set<std::string> seen;
    for (const std::string& ref : p.rule.children()) {
      p.children.push_back(KeyOf(ref));
      if (!nodes.contains(p.children.back())) {
        return invalid(absl::StrCat("composite \"", name, "\" names \"", ref,
                                    "\", which is not a node"));
      }
      if (seen.insert(p.children.back()).second) {
        parents[p.children.back()].push_back(name);
      }
    }
    if (c.spec.actions_suppressor.has_value()) {
      p.suppressor = KeyOf(*c.spec.actions_suppressor);
      if (p.suppressor == name || !nodes.contains(p.suppressor)) {
        return invalid(absl::StrCat("composite \"", name,
                                    "\" has an unknown suppressor \"",
                                    *c.spec.actions_suppressor, "\""));
      }
      suppresses[p.suppressor].push_back(name);
    }
    if (!parsed.emplace(name, std::move(p)).second) {
      return invalid(absl::StrCat("composite \"", name, "\" appears twice"));
    }
  }
  for (const NodeState& n : state.nodes) {
    if (n.composite && !parsed.contains(n.key)) {
      return invalid(absl::StrCat("node \"", n.key,
                                  "\" is a composite that does not exist"));
    }
    auto same = [](std::vector<std::string> a, std::vector<std::string> b) {
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
      return a == b;
    };
    auto p = parents.find(n.key);
    auto s = suppresses.find(n.key);
    if (!same(n.parents, p == parents.end() ? std::vector<std::string>()
                                            : p->second) ||
        !same(n.suppresses, s == suppresses.end() ? std::vector<std::string>()
                                                  : s->second)) {
      return invalid(absl::StrCat(
          "node \"", n.key,
          "\": its parents / suppressed composites do not match the rules"));
    }
  }
  // The rules must be acyclic (PutCompositeAlarm refuses cycles), or
  // propagation would never end.
  absl::flat_hash_map<std::string, int> color;  // 1 on the path, 2 done.
  std::function<bool(const std::string&)> cyclic =
      [&](const std::string& key) -> bool {
    auto it = parsed.find(key);
    if (it == parsed.end()) return false;
    int& c = color[key];
    if (c == 1) return true;
    if (c == 2) return false;
    c = 1;
    for (const std::string& child : it->second.children) {
      if (cyclic(child)) return true;
    }
    color[key] = 2;
    return false;
  };
  for (const CompositeState& c : state.composites) {
    if (cyclic(c.spec.alarm_name)) {
      return invalid(absl::StrCat("the rules of \"", c.spec.alarm_name,
                                  "\" form a cycle"));
    }
  }

  for (NodeState& n : state.nodes) {
    Node& node = nodes_[n.key];
    node.state = n.state;
    node.since = n.since;
    node.composite = n.composite;
    node.parents = std::move(n.parents);
    node.suppresses = std::move(n.suppresses);
  }
  for (CompositeState& c : state.composites) {
    const std::string name = c.spec.alarm_name;
    Parsed& p = parsed.at(name);
    composites_.emplace(
        name, Composite{std::move(c.spec), std::move(p.rule),
                        std::move(p.children), std::move(p.suppressor),
                        std::move(c.status), c.previous_state, c.suppression,
                        ArnOf(name), c.configuration_updated});
  }
  history_ = std::move(state.history);
  now_ = state.now;
  return absl::OkStatus();
}

}  // namespace cwalarm
