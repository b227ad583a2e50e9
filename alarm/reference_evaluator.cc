// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "alarm/reference_evaluator.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "alarm/evaluation_window.h"
#include "alarm/state_reason.h"
#include "alarm/threshold.h"

namespace cwalarm {
namespace {

// floor(t / g) * g in whole seconds, also before the epoch.
int64_t FloorSeconds(absl::Time t, int64_t g) {
  int64_t s = absl::ToUnixSeconds(t);  // Rounds toward negative infinity.
  int64_t q = s / g;
  if (s % g != 0 && s < 0) --q;
  return q * g;
}

// One bucket's aggregate, computed directly from raw samples.
struct Bucket {
  double count = 0;
  double sum = 0;
  double min = 0;
  double max = 0;
};

std::optional<double> StatisticOf(Statistic statistic, const Bucket& b) {
  if (!(b.count > 0)) return std::nullopt;  // No sample: a missing datapoint.
  switch (statistic) {
    case Statistic::kSampleCount:
      return b.count;
    case Statistic::kAverage:
      return b.sum / b.count;
    case Statistic::kSum:
      return b.sum;
    case Statistic::kMinimum:
      return b.min;
    case Statistic::kMaximum:
      return b.max;
  }
  return std::nullopt;
}

bool Breaches(ComparisonOperator op, double v, double t) {
  switch (op) {
    case ComparisonOperator::kGreaterThanOrEqualToThreshold:
      return v >= t;
    case ComparisonOperator::kGreaterThanThreshold:
      return v > t;
    case ComparisonOperator::kLessThanThreshold:
      return v < t;
    case ComparisonOperator::kLessThanOrEqualToThreshold:
      return v <= t;
    default:
      return false;  // Band operators need a model; not evaluated here.
  }
}

const std::vector<std::string>& ActionsOf(const AlarmSpec& spec,
                                          AlarmState state) {
  if (state == AlarmState::kOk) return spec.ok_actions;
  if (state == AlarmState::kAlarm) return spec.alarm_actions;
  return spec.insufficient_data_actions;
}

// What spec 3.4 proposes, with the counts the reason text needs.
struct Proposal {
  bool keep_current = false;
  AlarmState state = AlarmState::kOk;
  Decision decision;  // Filled for BuildStateReason only.
};

// Spec 3.4, line by line. `range` is oldest first; each entry is nullopt
// (missing) or whether the datapoint breaches.
Proposal Decide34(const std::vector<std::optional<bool>>& range, int n, int m,
                  TreatMissingData tmd) {
  const int r = static_cast<int>(range.size());
  // real := buckets with values, in time order; age(i) = r - i.
  std::vector<int> real;
  for (int i = 0; i < r; ++i) {
    if (range[i].has_value()) real.push_back(i);
  }
  auto count_breaching = [&](const std::vector<int>& s) {
    int b = 0;
    for (int i : s) b += *range[i] ? 1 : 0;
    return b;
  };
  Proposal p;
  // 1. |real| >= N: the N most recent real datapoints decide.
  if (static_cast<int>(real.size()) >= n) {
    std::vector<int> s(real.end() - n, real.end());
    int b = count_breaching(s);
    p.state = b >= m ? AlarmState::kAlarm : AlarmState::kOk;
    p.decision.basis = DecisionBasis::kRealData;
    p.decision.used_real = n;
    p.decision.breaching = b;
    return p;
  }
  // 2. F fill-ins are needed.
  const int f = n - static_cast<int>(real.size());
  const int b_real = count_breaching(real);
  p.decision.used_real = static_cast<int>(real.size());
  p.decision.breaching = b_real;
  // 3.
  if (tmd == TreatMissingData::kBreaching ||
      tmd == TreatMissingData::kNotBreaching) {
    int b = b_real + (tmd == TreatMissingData::kBreaching ? f : 0);
    p.state = b >= m ? AlarmState::kAlarm : AlarmState::kOk;
    p.decision.basis = DecisionBasis::kFilled;
    p.decision.fill_count = f;
    p.decision.breaching = b;
    return p;
  }
  const bool missing = tmd == TreatMissingData::kMissing;
  if (real.empty()) {
    p.decision.basis = DecisionBasis::kNoData;
    if (missing) {
      p.state = AlarmState::kInsufficientData;
    } else {
      p.keep_current = true;
    }
    return p;
  }
  p.decision.basis = DecisionBasis::kPartialData;
  if (b_real >= m) {
    p.state = AlarmState::kAlarm;
    return p;
  }
  const bool all_breaching = b_real == static_cast<int>(real.size());
  const int oldest_age = r - real.front();
  if (all_breaching && oldest_age >= m) {
    p.decision.basis = DecisionBasis::kPrematureAlarm;
    if (missing) {
      p.state = AlarmState::kAlarm;
    } else {
      p.keep_current = true;
    }
    return p;
  }
  p.state = AlarmState::kOk;
  return p;
}

}  // namespace

ReferenceEvaluator::ReferenceEvaluator(ActionSink* sink,
                                       EvaluatorOptions options)
    : sink_(sink), options_(std::move(options)) {
  assert(sink_ != nullptr);
}

ReferenceEvaluator::Alarm* ReferenceEvaluator::Find(absl::string_view name) {
  for (Alarm& a : alarms_) {
    if (a.spec.alarm_name == name) return &a;
  }
  return nullptr;
}

const AlarmStatus* ReferenceEvaluator::FindStatus(
    absl::string_view name) const {
  for (const Alarm& a : alarms_) {
    if (a.spec.alarm_name == name) return &a.status;
  }
  return nullptr;
}

absl::Status ReferenceEvaluator::PutMetricAlarm(AlarmSpec spec,
                                                absl::Time now) {
  absl::Status status = spec.Validate();
  if (!status.ok()) return status;
  if (spec.extended_statistic.has_value()) {
    return absl::UnimplementedError(absl::StrCat(
        "alarm \"", spec.alarm_name,
        "\": ExtendedStatistic is not evaluated by the reference evaluator"));
  }
  if (options_.evaluation_range.has_value() &&
      *options_.evaluation_range < spec.evaluation_periods) {
    return absl::InvalidArgumentError(absl::StrCat(
        "alarm \"", spec.alarm_name, "\": evaluation range (",
        *options_.evaluation_range, ") must be at least EvaluationPeriods (",
        spec.evaluation_periods, ") (spec 3.3)"));
  }
  if (Alarm* a = Find(spec.alarm_name)) {
    // Configuration replaced, state kept (spec 4.1).
    a->spec = std::move(spec);
    a->metric_key = a->spec.metric.Key();
    a->configuration_updated = now;
    history_.push_back(MakeConfigurationItem(ConfigurationChange::kUpdate,
                                             a->spec, a->arn, now));
    return absl::OkStatus();
  }
  Alarm a;
  a.arn = AlarmArn(options_.region, options_.account_id, spec.alarm_name);
  a.metric_key = spec.metric.Key();
  a.status = AlarmStatus::Created(now);
  a.configuration_updated = now;
  a.last_slot = INT64_MIN;
  a.spec = std::move(spec);
  history_.push_back(MakeConfigurationItem(ConfigurationChange::kCreate,
                                           a.spec, a.arn, now));
  alarms_.push_back(std::move(a));
  return absl::OkStatus();
}

absl::Status ReferenceEvaluator::DeleteAlarm(absl::string_view name,
                                             absl::Time now) {
  for (auto it = alarms_.begin(); it != alarms_.end(); ++it) {
    if (it->spec.alarm_name != name) continue;
    history_.push_back(MakeConfigurationItem(ConfigurationChange::kDelete,
                                             it->spec, it->arn, now));
    alarms_.erase(it);
    return absl::OkStatus();
  }
  return absl::NotFoundError(
      absl::StrCat("alarm \"", name, "\": DeleteAlarms: no such alarm"));
}

absl::Status ReferenceEvaluator::PutMetricData(const MetricDatum& datum,
                                               absl::string_view context) {
  absl::Status status = ValidateMetricDatum(datum, context);
  if (!status.ok()) return status;
  Sample s{};
  s.metric_key = datum.metric.Key();
  // Standard-resolution data is kept at its minute (spec 1.5): a
  // high-resolution alarm sees it only in the bucket holding the minute's
  // start. Written out here rather than shared, so the oracle stays
  // independent of the store.
  s.timestamp = datum.storage_resolution == 1
                    ? datum.timestamp
                    : absl::FromUnixSeconds(
                          absl::ToUnixSeconds(datum.timestamp) -
                          ((absl::ToUnixSeconds(datum.timestamp) % 60) + 60) % 60);
  s.unit = datum.unit;
  if (datum.value.has_value()) {
    s.value = *datum.value;
    s.count = 1;
    samples_.push_back(s);
  } else if (datum.statistic_values.has_value()) {
    const StatisticSet& v = *datum.statistic_values;
    if (!(v.sample_count > 0)) return absl::OkStatus();  // No sample.
    s.is_set = true;
    s.set_count = v.sample_count;
    s.set_sum = v.sum;
    s.set_min = v.minimum;
    s.set_max = v.maximum;
    samples_.push_back(s);
  } else {
    for (size_t i = 0; i < datum.values.size(); ++i) {
      s.value = datum.values[i];
      s.count = datum.counts.empty() ? 1.0 : datum.counts[i];
      if (s.count > 0) samples_.push_back(s);  // Count 0: no sample.
    }
  }
  return absl::OkStatus();
}

EvaluationReport ReferenceEvaluator::Evaluate(absl::Time now) {
  EvaluationReport report;
  for (Alarm& a : alarms_) EvaluateOne(a, now, &report);
  return report;
}

void ReferenceEvaluator::EvaluateOne(Alarm& alarm, absl::Time now,
                                     EvaluationReport* report) {
  const AlarmSpec& spec = alarm.spec;
  const int64_t p = absl::ToInt64Seconds(spec.period);
  // Spec 3.1: every minute for P >= 60, every 10 s for 10/20/30-s periods;
  // E = now floored to that granularity (spec 3.2.1).
  const int64_t e = FloorSeconds(now, p >= 60 ? 60 : 10);
  if (e <= alarm.last_slot) return;
  alarm.last_slot = e;
  ++report->evaluated;

  const int n = spec.evaluation_periods;
  const int m = spec.datapoints_to_alarm.value_or(n);
  // Spec 3.3: R = N + max(floor(N/3), 2) unless configured.
  const int r = options_.evaluation_range.value_or(
      spec.evaluation_range.value_or(n + std::max(n / 3, 2)));
  // Spec 3.4 notes: AWS/DynamoDB behaves as ignore whatever is configured.
  const TreatMissingData tmd =
      spec.metric.metric_namespace == "AWS/DynamoDB"
          ? TreatMissingData::kIgnore
          : spec.treat_missing_data.value_or(TreatMissingData::kMissing);
  const double threshold = spec.threshold.value_or(0);
  const Statistic statistic = spec.statistic.value_or(Statistic::kAverage);

  // Bucket j (0 = oldest) covers [E - (R-j)P, E - (R-j-1)P), spec 3.2.1.
  std::vector<Bucket> buckets(r);
  for (int j = 0; j < r; ++j) {
    const absl::Time start = absl::FromUnixSeconds(e - (r - j) * p);
    const absl::Time end = absl::FromUnixSeconds(e - (r - j - 1) * p);
    Bucket& b = buckets[j];
    for (const Sample& s : samples_) {
      if (s.metric_key != alarm.metric_key) continue;
      // Spec 3.2.4: a Unit selects exactly that unit; no Unit takes all.
      if (spec.unit.has_value() && s.unit != *spec.unit) continue;
      if (s.timestamp < start || s.timestamp >= end) continue;
      const double c = s.is_set ? s.set_count : s.count;
      const double sum = s.is_set ? s.set_sum : s.value * s.count;
      const double lo = s.is_set ? s.set_min : s.value;
      const double hi = s.is_set ? s.set_max : s.value;
      if (b.count > 0) {
        b.min = std::min(b.min, lo);
        b.max = std::max(b.max, hi);
      } else {
        b.min = lo;
        b.max = hi;
      }
      b.count += c;
      b.sum += sum;
    }
  }

  std::vector<std::optional<bool>> verdicts(r);
  std::vector<RangeBucket> range(r);
  for (int j = 0; j < r; ++j) {
    std::optional<double> v = StatisticOf(statistic, buckets[j]);
    range[j].start = absl::FromUnixSeconds(e - (r - j) * p);
    range[j].present = v.has_value();
    range[j].value = v.value_or(0);
    range[j].sample_count = buckets[j].count;
    if (v.has_value()) {
      verdicts[j] = Breaches(spec.comparison_operator, *v, threshold);
      range[j].breaching = *verdicts[j];
    }
  }

  Proposal proposal = Decide34(verdicts, n, m, tmd);
  // Spec 4.2: the same state changes nothing.
  if (proposal.keep_current || proposal.state == alarm.status.state) return;
  StateReason reason = BuildStateReason(spec, range, proposal.decision,
                                        proposal.state, now,
                                        options_.reason_form);
  Transition(alarm, proposal.state, std::move(reason.reason),
             std::move(reason.reason_data), now, report);
}

void ReferenceEvaluator::Transition(Alarm& alarm, AlarmState new_state,
                                    std::string reason,
                                    std::string reason_data, absl::Time now,
                                    EvaluationReport* report) {
  StateTransition t = ApplyTransition(&alarm.status, new_state,
                                      std::move(reason),
                                      std::move(reason_data), now);
  ++report->transitions;
  history_.push_back(MakeStateUpdateItem(alarm.spec.alarm_name, t));
  if (!alarm.spec.actions_enabled) return;
  for (const std::string& arn : ActionsOf(alarm.spec, new_state)) {
    StateChange change;
    change.alarm = &alarm.spec;
    change.alarm_arn = alarm.arn;
    change.region = options_.region;
    change.account_id = options_.account_id;
    change.alarm_configuration_updated = alarm.configuration_updated;
    change.old_state = t.old_state;
    change.new_state = t.new_state;
    change.new_reason = t.new_reason;
    change.new_reason_data = t.new_reason_data;
    change.timestamp = now;
    change.action = arn;
    absl::Status result = sink_->Execute(change);
    ++report->actions;
    history_.push_back(MakeActionItem(alarm.spec.alarm_name, arn, result, now));
    if (!result.ok()) {
      report->action_errors.push_back(absl::Status(
          result.code(), absl::StrCat("alarm \"", alarm.spec.alarm_name,
                                      "\": action ", arn, ": ",
                                      result.message())));
    }
  }
}

void ReferenceEvaluator::DropSamplesBefore(absl::Time horizon) {
  samples_.erase(std::remove_if(samples_.begin(), samples_.end(),
                                [horizon](const Sample& s) {
                                  return s.timestamp < horizon;
                                }),
                 samples_.end());
}

std::vector<AlarmHistoryItem> ReferenceEvaluator::TakeHistory() {
  std::vector<AlarmHistoryItem> out;
  out.swap(history_);
  return out;
}

}  // namespace cwalarm
