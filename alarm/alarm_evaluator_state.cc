// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// AlarmEvaluator::ExportState / ImportState (snapshots, issue 8). Kept out of
// alarm_evaluator.cc so the evaluation loop's file stays about evaluation.

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "alarm/alarm_evaluator.h"

namespace cwalarm {

AlarmEvaluator::State AlarmEvaluator::ExportState() const {
  State out;
  out.slots.resize(hot_.size());
  for (size_t i = 0; i < hot_.size(); ++i) {
    if (!hot_[i].live) continue;
    AlarmSlotState& s = out.slots[i];
    const uint32_t slot = static_cast<uint32_t>(i);
    s.live = true;
    s.spec = SpecOf(slot);
    s.status = StatusOf(slot);
    s.configuration_updated = ConfigurationUpdated(slot);
    if (const RareCold* rare = FindRare(slot)) {
      s.last_scaling_invocation = rare->last_scaling_invocation;
    }
    s.last_slot = hot_[i].last_slot;
  }
  out.free_slots = free_slots_;
  out.history = history_;
  out.anomaly_detectors = DescribeAnomalyDetectors();
  return out;
}

absl::Status AlarmEvaluator::ImportState(State state) {
  if (!hot_.empty() || !history_.empty() || name_end_ != 0) {
    return absl::FailedPreconditionError(
        "AlarmEvaluator::ImportState: the evaluator is not empty");
  }
  // Check everything before changing anything.
  absl::flat_hash_set<std::string> names;
  std::vector<std::optional<ExtendedStatistic>> extended(state.slots.size());
  size_t dead = 0;
  for (size_t i = 0; i < state.slots.size(); ++i) {
    const AlarmSlotState& s = state.slots[i];
    if (!s.live) {
      ++dead;
      continue;
    }
    absl::Status valid = s.spec.Validate();
    if (!valid.ok()) return valid;
    const int r =
        options_.evaluation_range.value_or(s.spec.EffectiveEvaluationRange());
    if (r < s.spec.evaluation_periods || r > UINT16_MAX) {
      return absl::InvalidArgumentError(absl::StrCat(
          "alarm \"", s.spec.alarm_name, "\": evaluation range ", r,
          " is outside [EvaluationPeriods, ", UINT16_MAX, "]"));
    }
    if (s.spec.extended_statistic.has_value()) {
      absl::StatusOr<ExtendedStatistic> parsed =
          ParseExtendedStatistic(*s.spec.extended_statistic);
      if (!parsed.ok()) return parsed.status();
      extended[i] = *std::move(parsed);
    }
    if (!names.insert(s.spec.alarm_name).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "alarm \"", s.spec.alarm_name, "\": appears twice in the state"));
    }
  }
  // The name arena (32-bit offsets) holds each name after its length byte
  // and leaves at most 255 bytes of each 4 KiB chunk unused (< 1/15).
  size_t name_bytes = 0;
  for (const AlarmSlotState& s : state.slots) {
    if (s.live) name_bytes += 1 + s.spec.alarm_name.size();
  }
  if (name_bytes + name_bytes / 15 + kNameChunk > UINT32_MAX) {
    return absl::ResourceExhaustedError(
        "AlarmEvaluator::ImportState: more than 4 GiB of alarm names");
  }
  if (state.slots.size() - dead > kMaxAlarms) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "AlarmEvaluator::ImportState: more than ", kMaxAlarms, " alarms"));
  }
  std::vector<uint32_t> sorted_free = state.free_slots;
  std::sort(sorted_free.begin(), sorted_free.end());
  bool free_ok = sorted_free.size() == dead &&
                 std::adjacent_find(sorted_free.begin(), sorted_free.end()) ==
                     sorted_free.end();
  for (uint32_t f : sorted_free) {
    free_ok = free_ok && f < state.slots.size() && !state.slots[f].live;
  }
  if (!free_ok) {
    return absl::InvalidArgumentError(
        "AlarmEvaluator::ImportState: free_slots must list exactly the free "
        "slots");
  }
  for (const AnomalyDetectorSpec& d : state.anomaly_detectors) {
    absl::Status valid = d.Validate();
    if (!valid.ok()) return valid;
  }

  hot_.resize(state.slots.size());
  cold_.resize(state.slots.size());
  horizon_stale_ = true;  // RetentionHorizon recomputes its bounds.
  for (size_t i = 0; i < state.slots.size(); ++i) {
    AlarmSlotState& s = state.slots[i];
    if (!s.live) {
      hot_[i] = HotAlarm{};
      hot_[i].live = false;
      continue;
    }
    // Metrics-list alarms compile their program and intern their metrics
    // (Validate() above accepted the spec, so this succeeds); anomaly models
    // retrain at their first evaluation from the restored store.
    std::shared_ptr<MathAlarmState> math;
    if (s.spec.HasMetricsList()) {
      absl::StatusOr<std::shared_ptr<MathAlarmState>> made = MakeMathState(s.spec);
      if (!made.ok()) return made.status();
      math = *std::move(made);
    }
    HotAlarm h = MakeHot(s.spec, s.status.state);
    h.last_slot = s.last_slot;
    hot_[i] = h;
    const uint32_t slot = static_cast<uint32_t>(i);
    SetConfigurationUpdated(slot, s.configuration_updated);
    // Stored out of line only when they differ from what a new alarm has
    // (ColdExtra), so a restored evaluator holds what the original held.
    const AlarmStatus initial = AlarmStatus::Created(s.configuration_updated);
    const bool initial_status =
        s.status.state == initial.state && s.status.reason == initial.reason &&
        s.status.reason_data == initial.reason_data &&
        s.status.state_updated == initial.state_updated &&
        s.status.state_transitioned == initial.state_transitioned;
    if (!initial_status) ExtraOf(slot).status = std::move(s.status);
    if (s.last_scaling_invocation != absl::InfinitePast() ||
        extended[i].has_value() || math != nullptr) {
      RareCold& rare = RareOf(slot);
      rare.last_scaling_invocation = s.last_scaling_invocation;
      rare.extended = std::move(extended[i]);
      rare.math = std::move(math);
    }
    StoreName(slot, s.spec.alarm_name);
    by_name_.Insert(slot);
    StoreSpec(slot, std::move(s.spec), h.metric, /*replace=*/false);
  }
  free_slots_ = std::move(state.free_slots);
  history_ = std::move(state.history);
  for (AnomalyDetectorSpec& d : state.anomaly_detectors) {
    absl::Status put = PutAnomalyDetector(std::move(d));
    if (!put.ok()) return put;  // Validated above: cannot happen.
  }
  return absl::OkStatus();
}

}  // namespace cwalarm
