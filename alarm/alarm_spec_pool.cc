// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "alarm/alarm_spec_pool.h"

#include <utility>

#include "absl/hash/hash.h"

namespace cwalarm {
namespace {

// A field added to AlarmSpec (or to the structs it holds) must be compared
// in SameAlarmSpec, or two alarms differing only in it would share one
// spec. These sizes are libstdc++ x86-64's; they fail the build there when
// a struct changes, as a reminder.
#if defined(__GLIBCXX__) && defined(__x86_64__)
static_assert(sizeof(Tag) == 64, "compare the new Tag field below");
static_assert(sizeof(MetricStat) == 144, "compare the new MetricStat field");
static_assert(sizeof(MetricDataQuery) == 336,
              "compare the new MetricDataQuery field below");
static_assert(sizeof(AlarmSpec) == 488,
              "compare the new AlarmSpec field in SameAlarmSpec");
#endif

bool SameMetricStat(const MetricStat& a, const MetricStat& b) {
  return SameMetricAsPut(a.metric, b.metric) && a.period == b.period && a.stat == b.stat &&
         a.unit == b.unit;
}

bool SameQuery(const MetricDataQuery& a, const MetricDataQuery& b) {
  if (a.metric_stat.has_value() != b.metric_stat.has_value()) return false;
  if (a.metric_stat.has_value() &&
      !SameMetricStat(*a.metric_stat, *b.metric_stat)) {
    return false;
  }
  return a.id == b.id && a.expression == b.expression && a.label == b.label &&
         a.return_data == b.return_data && a.period == b.period &&
         a.account_id == b.account_id;
}

bool SameTags(const std::vector<Tag>& a, const std::vector<Tag>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].key != b[i].key || a[i].value != b[i].value) return false;
  }
  return true;
}

// A hash over the fields that usually tell shapes apart; SameAlarmSpec
// decides.
size_t HashOf(const AlarmSpec& s) {
  return absl::HashOf(
      s.alarm_name, s.alarm_description, s.actions_enabled, s.ok_actions,
      s.alarm_actions, s.insufficient_data_actions, s.metric.metric_namespace,
      s.metric.metric_name, s.metric.dimensions.size(), s.statistic,
      s.extended_statistic, s.period, s.unit, s.metrics.size(),
      s.threshold_metric_id, s.evaluation_periods, s.datapoints_to_alarm,
      s.threshold.has_value(), s.comparison_operator, s.treat_missing_data,
      s.evaluate_low_sample_count_percentile, s.evaluation_range,
      s.tags.size());
}

}  // namespace

bool SameMetricAsPut(const MetricId& a, const MetricId& b) {
  return a.metric_namespace == b.metric_namespace &&
         a.metric_name == b.metric_name && a.dimensions == b.dimensions;
}

bool SameAlarmSpec(const AlarmSpec& a, const AlarmSpec& b) {
  if (a.metrics.size() != b.metrics.size()) return false;
  for (size_t i = 0; i < a.metrics.size(); ++i) {
    if (!SameQuery(a.metrics[i], b.metrics[i])) return false;
  }
  return a.alarm_name == b.alarm_name &&
         a.alarm_description == b.alarm_description &&
         a.actions_enabled == b.actions_enabled &&
         a.ok_actions == b.ok_actions && a.alarm_actions == b.alarm_actions &&
         a.insufficient_data_actions == b.insufficient_data_actions &&
         SameMetricAsPut(a.metric, b.metric) &&
         a.statistic == b.statistic &&
         a.extended_statistic == b.extended_statistic &&
         a.period == b.period && a.unit == b.unit &&
         a.threshold_metric_id == b.threshold_metric_id &&
         a.evaluation_periods == b.evaluation_periods &&
         a.datapoints_to_alarm == b.datapoints_to_alarm &&
         a.threshold == b.threshold &&
         a.comparison_operator == b.comparison_operator &&
         a.treat_missing_data == b.treat_missing_data &&
         a.evaluate_low_sample_count_percentile ==
             b.evaluate_low_sample_count_percentile &&
         a.evaluation_range == b.evaluation_range && SameTags(a.tags, b.tags);
}

AlarmSpecPool::AlarmSpecPool() : index_(0, Hash{this}, Eq{this}) {}

uint32_t AlarmSpecPool::Intern(AlarmSpec spec) {
  const size_t hash = HashOf(spec);
  auto it = index_.find(Probe{&spec, hash});
  if (it != index_.end()) {
    ++entries_[*it]->refs;
    return *it;
  }
  uint32_t id;
  if (!free_ids_.empty()) {
    id = free_ids_.back();
    free_ids_.pop_back();
  } else {
    id = static_cast<uint32_t>(entries_.size());
    entries_.emplace_back();
  }
  entries_[id] = std::make_unique<Entry>(Entry{std::move(spec), hash, 1});
  index_.insert(id);
  return id;
}

void AlarmSpecPool::Release(uint32_t id) {
  Entry& e = *entries_[id];
  if (--e.refs > 0) return;
  index_.erase(id);
  entries_[id].reset();
  free_ids_.push_back(id);
}

}  // namespace cwalarm
