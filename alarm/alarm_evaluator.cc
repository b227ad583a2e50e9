// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "alarm/alarm_evaluator.h"

#include <algorithm>
#include <cassert>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "alarm/evaluation_window.h"
#include "metrics/period.h"

namespace cwalarm {
namespace {

// The largest multiple of `m` (> 0) that is <= x, also for negative x.
int64_t FloorToMultiple(int64_t x, int64_t m) {
  int64_t q = x / m;
  if (x % m < 0) --q;
  return q * m;
}


const std::vector<std::string>& ActionsFor(const AlarmSpec& spec,
                                           AlarmState state) {
  switch (state) {
    case AlarmState::kOk:
      return spec.ok_actions;
    case AlarmState::kAlarm:
      return spec.alarm_actions;
    case AlarmState::kInsufficientData:
      return spec.insufficient_data_actions;
  }
  return spec.ok_actions;
}

}  // namespace

AlarmEvaluator::AlarmEvaluator(MetricStore* store, ActionSink* sink,
                               EvaluatorOptions options)
    : store_(store), sink_(sink), options_(std::move(options)) {
  assert(store_ != nullptr && sink_ != nullptr);
}

const AlarmSpec* AlarmEvaluator::FindAlarm(absl::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &cold_[it->second].spec;
}

const AlarmStatus* AlarmEvaluator::FindStatus(absl::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &cold_[it->second].status;
}

std::vector<AlarmDescription> AlarmEvaluator::DescribeAlarms() const {
  std::vector<AlarmDescription> out;
  out.reserve(by_name_.size());
  for (const auto& [name, slot] : by_name_) {
    const ColdAlarm& c = cold_[slot];
    out.push_back(AlarmDescription{&c.spec, &c.status, ArnOf(c),
                                   c.configuration_updated});
  }
  std::sort(out.begin(), out.end(),
            [](const AlarmDescription& a, const AlarmDescription& b) {
              return a.spec->alarm_name < b.spec->alarm_name;
            });
  return out;
}

AlarmEvaluator::HotAlarm AlarmEvaluator::MakeHot(const AlarmSpec& spec,
                                                 AlarmState state) {
  HotAlarm h{};
  h.threshold = spec.threshold.value_or(0);
  h.last_slot = INT64_MIN;
  // Metrics-list alarms intern their MetricStat metrics in MakeMathState.
  h.metric = spec.HasMetricsList() ? 0 : store_->Intern(spec.metric);
  const absl::Duration period = spec.EffectivePeriod();
  h.period_seconds = static_cast<int32_t>(absl::ToInt64Seconds(period));
  h.granularity_seconds = static_cast<int32_t>(
      absl::ToInt64Seconds(EvaluationGranularity(period)));
  h.n = static_cast<uint16_t>(spec.evaluation_periods);
  h.m = static_cast<uint16_t>(spec.EffectiveDatapointsToAlarm());
  h.r = static_cast<uint16_t>(
      options_.evaluation_range.value_or(spec.EffectiveEvaluationRange()));
  h.op = spec.comparison_operator;
  h.tmd = spec.EffectiveTreatMissingData();
  h.statistic = spec.statistic.value_or(Statistic::kAverage);
  h.unit = spec.unit.has_value() ? static_cast<uint8_t>(*spec.unit) : kAnyUnit;
  h.state = state;
  h.live = true;
  h.path = spec.HasMetricsList()                ? AlarmPath::kMath
           : spec.extended_statistic.has_value() ? AlarmPath::kExtended
                                                 : AlarmPath::kStandard;
  h.repeat_states = 0;
  // No cached verdicts: the first evaluation aggregates the whole range.
  h.seen_epoch = 0;
  h.present_mask = 0;
  h.breaching_mask = 0;
  if (spec.actions_enabled) {
    for (AlarmState state : {AlarmState::kOk, AlarmState::kAlarm,
                             AlarmState::kInsufficientData}) {
      for (const std::string& arn : ActionsFor(spec, state)) {
        if (IsAutoScalingPolicyArn(arn)) {
          h.repeat_states |= static_cast<uint8_t>(1u << static_cast<int>(state));
        }
      }
    }
  }
  // Raw samples are kept only for metrics an extended statistic needs.
  if (h.path == AlarmPath::kExtended) store_->EnableSamples(h.metric);
  return h;
}

absl::Status AlarmEvaluator::PutMetricAlarm(AlarmSpec spec, absl::Time now) {
  absl::Status status = spec.Validate();
  if (!status.ok()) return status;
  std::optional<ExtendedStatistic> extended;
  if (spec.extended_statistic.has_value()) {
    // Validate() accepted it, so it parses.
    absl::StatusOr<ExtendedStatistic> parsed =
        ParseExtendedStatistic(*spec.extended_statistic);
    if (!parsed.ok()) return parsed.status();
    extended = *std::move(parsed);
  }
  std::shared_ptr<MathAlarmState> math;
  if (spec.HasMetricsList()) {
    absl::StatusOr<std::shared_ptr<MathAlarmState>> made = MakeMathState(spec);
    if (!made.ok()) return made.status();
    math = *std::move(made);
  }
  if (options_.evaluation_range.has_value() &&
      *options_.evaluation_range < spec.evaluation_periods) {
    return absl::InvalidArgumentError(absl::StrCat(
        "alarm \"", spec.alarm_name, "\": evaluation range (",
        *options_.evaluation_range, ") must be at least EvaluationPeriods (",
        spec.evaluation_periods, ") (spec 3.3)"));
  }
  if (spec.evaluation_periods > UINT16_MAX ||
      options_.evaluation_range.value_or(spec.EffectiveEvaluationRange()) >
          UINT16_MAX) {
    // Validate() bounds P x N to seven days, i.e. at most 60480 periods of
    // 10 s; a larger explicit range is refused rather than truncated.
    return absl::InvalidArgumentError(absl::StrCat(
        "alarm \"", spec.alarm_name, "\": evaluation range must not exceed ",
        UINT16_MAX, " buckets"));
  }
  auto it = by_name_.find(spec.alarm_name);
  if (it != by_name_.end()) {
    // Update: configuration fully replaced, state kept (spec 4.1).
    uint32_t slot = it->second;
    ColdAlarm& c = cold_[slot];
    HotAlarm h = MakeHot(spec, c.status.state);
    h.last_slot = hot_[slot].last_slot;
    hot_[slot] = h;
    // Tags in an update request are ignored (spec 1.2, 4.1): the alarm keeps
    // the tags it was created with.
    spec.tags = std::move(c.spec.tags);
    c.spec = std::move(spec);
    c.extended = std::move(extended);
    c.math = std::move(math);
    c.configuration_updated = now;
    history_.push_back(MakeConfigurationItem(ConfigurationChange::kUpdate,
                                             c.spec, ArnOf(c), now));
    return absl::OkStatus();
  }
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(hot_.size());
    hot_.emplace_back();
    cold_.emplace_back();
  }
  hot_[slot] = MakeHot(spec, AlarmState::kInsufficientData);
  ColdAlarm& c = cold_[slot];
  c.status = AlarmStatus::Created(now);
  c.configuration_updated = now;
  c.spec = std::move(spec);
  c.extended = std::move(extended);
  c.math = std::move(math);
  by_name_.emplace(c.spec.alarm_name, slot);
  history_.push_back(MakeConfigurationItem(ConfigurationChange::kCreate, c.spec,
                                           ArnOf(c), now));
  return absl::OkStatus();
}

absl::Status AlarmEvaluator::DeleteAlarm(absl::string_view name,
                                         absl::Time now) {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) {
    return absl::NotFoundError(
        absl::StrCat("alarm \"", name, "\": DeleteAlarms: no such alarm"));
  }
  uint32_t slot = it->second;
  by_name_.erase(it);
  ColdAlarm& c = cold_[slot];
  history_.push_back(
      MakeConfigurationItem(ConfigurationChange::kDelete, c.spec, ArnOf(c),
                            now));
  hot_[slot].live = false;
  c = ColdAlarm();
  free_slots_.push_back(slot);
  return absl::OkStatus();
}

absl::Status AlarmEvaluator::SetAlarmState(absl::string_view name,
                                           AlarmState state,
                                           absl::string_view reason,
                                           absl::string_view reason_data,
                                           absl::Time now) {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) {
    // CloudWatch answers ResourceNotFound with no message (spec 2).
    return absl::NotFoundError(absl::StrCat(
        "alarm \"", name, "\": SetAlarmState: no such alarm (ResourceNotFound)"));
  }
  absl::Status valid = ValidateSetAlarmState(name, reason, reason_data);
  if (!valid.ok()) return valid;
  uint32_t slot = it->second;
  if (!ChangesState(cold_[slot].status, state)) return absl::OkStatus();
  EvaluationReport ignored;
  Transition(slot, state, std::string(reason), std::string(reason_data), now,
             &ignored);
  return absl::OkStatus();
}

EvaluationReport AlarmEvaluator::Evaluate(absl::Time now) {
  EvaluationReport report;
  // The two evaluation anchors (spec 3.1, 3.2.1), computed once per call in
  // whole seconds: the loop below then does integer arithmetic only.
  const int64_t now_s = absl::ToUnixSeconds(now);  // Rounds down.
  const int64_t anchor60 = FloorToMultiple(now_s, 60);
  const int64_t anchor10 = FloorToMultiple(now_s, 10);
  eval_epoch_ = store_->BeginReadEpoch();
  eval_dropped_before_ = store_->dropped_before_seconds();
  for (uint32_t slot = 0; slot < hot_.size(); ++slot) {
    const HotAlarm& h = hot_[slot];
    if (!h.live) continue;
    const int64_t anchor = h.granularity_seconds == 60 ? anchor60 : anchor10;
    if (anchor <= h.last_slot) continue;
    EvaluateOne(slot, now, anchor, &report);
  }
  return report;
}

void AlarmEvaluator::EvaluateOne(uint32_t slot, absl::Time now,
                                 int64_t anchor, EvaluationReport* report) {
  HotAlarm& h = hot_[slot];
  const int64_t previous_slot = h.last_slot;
  h.last_slot = anchor;
  ++report->evaluated;

  // The R sliding buckets ending at the evaluation anchor, oldest first
  // (spec 3.2.1): bucket k (0 = newest) is [end-(k+1)P, end-kP).
  const int64_t first_s = anchor - int64_t{h.r} * h.period_seconds;
  if (h.path == AlarmPath::kMath) {
    EvaluateMath(slot, now, first_s, report);
    return;
  }
  if (h.path == AlarmPath::kExtended) {
    EvaluateExtended(slot, now, absl::FromUnixSeconds(first_s),
                     absl::Seconds(h.period_seconds), report);
    return;
  }
  // Scratch buffers only grow, so alarms with different R do not pay for
  // re-initialising them; the spans below give each alarm its R entries.
  if (bucket_scratch_.size() < h.r || verdict_scratch_.size() < h.r) {
    bucket_scratch_.resize(h.r);
    verdict_scratch_.resize(h.r);
  }
  if (h.r <= 64) {
    EvaluateStandardIncremental(slot, now, anchor, previous_slot, report);
    return;
  }
  // R > 64: the whole range, every time.
  const absl::Span<StatisticSet> buckets(bucket_scratch_.data(), h.r);
  const absl::Span<BucketVerdict> verdicts(verdict_scratch_.data(), h.r);
  std::optional<Unit> unit;
  if (h.unit != kAnyUnit) unit = static_cast<Unit>(h.unit);
  store_->AggregateBucketsAt(h.metric, unit, first_s, h.period_seconds,
                             buckets);
  for (int i = 0; i < h.r; ++i) {
    const StatisticSet& set = buckets[i];
    if (set.empty()) {
      verdicts[i] = BucketVerdict::kMissing;
      continue;
    }
    double v = *ComputeStatistic(h.statistic, set);
    verdicts[i] = IsBreaching(h.op, v, h.threshold)
                      ? BucketVerdict::kBreaching
                      : BucketVerdict::kNotBreaching;
  }
  Decision d = Decide(verdicts, h.n, h.m, h.tmd);
  if (!d.state.has_value() || *d.state == h.state) {
    // The state persists: only Auto Scaling ARNs run again (spec 4.2).
    if (h.repeat_states & (1u << static_cast<int>(h.state))) {
      RepeatScalingActions(slot, now, RecentValues(h), report);
    }
    return;
  }

  // A change: build the reason from the same buckets (cold path).
  TransitionFromBuckets(slot, d, now, first_s, report);
}

void AlarmEvaluator::TransitionFromBuckets(uint32_t slot, const Decision& d,
                                           absl::Time now, int64_t first_s,
                                           EvaluationReport* report) {
  const HotAlarm& h = hot_[slot];
  // Buffers reused by every transition: no allocation once warm.
  range_scratch_.resize(h.r);
  for (int i = 0; i < h.r; ++i) {
    RangeBucket& b = range_scratch_[i];
    b.start = absl::FromUnixSeconds(first_s + int64_t{i} * h.period_seconds);
    const std::optional<double> v =
        ComputeStatistic(h.statistic, bucket_scratch_[i]);
    b.present = v.has_value();
    b.value = v.value_or(0);
    b.sample_count = bucket_scratch_[i].sample_count;
    b.breaching = verdict_scratch_[i] == BucketVerdict::kBreaching;
  }
  BuildStateReasonInto(cold_[slot].spec, range_scratch_, d, *d.state, now,
                       options_.reason_form, &reason_scratch_,
                       &reason_data_scratch_);
  // RecentValues: the real datapoints among the N newest, newest first.
  recent_scratch_.clear();
  for (int i = h.r - 1; i >= 0 && i >= h.r - h.n; --i) {
    if (range_scratch_[i].present) {
      recent_scratch_.push_back(range_scratch_[i].value);
    }
  }
  ApplyStateChange(slot, *d.state, reason_scratch_, reason_data_scratch_, now,
                   report, recent_scratch_);
}

bool AlarmEvaluator::DecideStandard(HotAlarm& h, int64_t anchor,
                                    int64_t previous_slot,
                                    StatisticSet* scratch, Decision* d,
                                    int* from_out) const {
  const int r = h.r;
  const int64_t period = h.period_seconds;
  const int64_t first_s = anchor - int64_t{r} * period;
  const uint64_t range_bits = r == 64 ? ~uint64_t{0} : (uint64_t{1} << r) - 1;
  // Oldest-first index of the first bucket to re-aggregate; buckets before
  // it keep their cached verdicts (shifted). `from = 0` recomputes all.
  int from = 0;
  // Never evaluated (INT64_MIN): no elapsed time, and no signed overflow
  // (found by the alarm JSON, text-proto and differential fuzzers).
  const int64_t elapsed =
      previous_slot == INT64_MIN ? 0 : anchor - previous_slot;
  if (h.seen_epoch != 0 && previous_slot != INT64_MIN && elapsed > 0 &&
      (elapsed == period || elapsed % period == 0) &&
      first_s >= eval_dropped_before_) {
    // One period per evaluation is the common case: no division.
    const int64_t shift = elapsed == period ? 1 : elapsed / period;
    if (shift < r) {
      from = r - static_cast<int>(shift);  // The new buckets.
      // Cells written since the cached read (late data, spec 3.7): every
      // bucket from the one holding the earliest such cell is recomputed.
      const int64_t changed =
          store_->EarliestCellWrittenSince(h.metric, h.seen_epoch);
      if (changed == MetricStore::kUnknownChange || changed < first_s) {
        // Unknown, or the earliest write is before the range: later writes
        // of the same epoch may still fall anywhere in it.
        from = 0;
      } else if (changed < previous_slot) {
        from = std::min(from, static_cast<int>((changed - first_s) / period));
      }
      // (When the earliest write is at or after previous_slot, every write
      // lies in the new buckets.)
      h.present_mask = (h.present_mask << shift) & range_bits;
      h.breaching_mask = (h.breaching_mask << shift) & range_bits;
    }
  }
  // Bits of buckets [from, r): ages 1 .. r - from, bits 0 .. r - from - 1.
  const int fresh = r - from;
  const uint64_t fresh_bits =
      fresh == 64 ? ~uint64_t{0} : (uint64_t{1} << fresh) - 1;
  uint64_t present = h.present_mask & ~fresh_bits;
  uint64_t breaching = h.breaching_mask & ~fresh_bits;
  if (fresh > 0) {
    std::optional<Unit> unit;
    if (h.unit != kAnyUnit) unit = static_cast<Unit>(h.unit);
    const absl::Span<StatisticSet> sets(scratch, static_cast<size_t>(fresh));
    // A bucket of several cells (Period 300, 3600 sliding by a minute, so
    // the masks cannot shift): SampleCount, Sum and Average from the store's
    // running totals, which give exactly what the walk over the cells
    // gives, or say they cannot (then the walk).
    const bool count_sum = h.statistic == Statistic::kAverage ||
                           h.statistic == Statistic::kSum ||
                           h.statistic == Statistic::kSampleCount;
    if (!(count_sum && period > 60 &&
          store_->AggregateCountSumAt(h.metric, unit, first_s + from * period,
                                      period, sets))) {
      store_->AggregateBucketsAt(h.metric, unit, first_s + from * period,
                                 period, sets);
    }
    for (int k = 0; k < fresh; ++k) {
      const StatisticSet& set = scratch[k];
      if (set.empty()) continue;
      const uint64_t bit = uint64_t{1} << (fresh - 1 - k);
      present |= bit;
      if (IsBreaching(h.op, *ComputeStatistic(h.statistic, set), h.threshold)) {
        breaching |= bit;
      }
    }
  }
  h.present_mask = present;
  h.breaching_mask = breaching;
  h.seen_epoch = eval_epoch_;
  *d = DecideMasks(VerdictMasks{present, breaching}, r, h.n, h.m, h.tmd);
  *from_out = from;
  const bool changes = d->state.has_value() && *d->state != h.state;
  return changes || (h.repeat_states & (1u << static_cast<int>(h.state)));
}

void AlarmEvaluator::FinishStandard(uint32_t slot, absl::Time now,
                                    int64_t anchor, const Decision& d,
                                    EvaluationReport* report) {
  const HotAlarm& h = hot_[slot];
  const int r = h.r;
  const int64_t first_s = anchor - int64_t{r} * h.period_seconds;
  // A transition or a re-invocation needs every bucket's statistic set.
  std::optional<Unit> unit;
  if (h.unit != kAnyUnit) unit = static_cast<Unit>(h.unit);
  store_->AggregateBucketsAt(
      h.metric, unit, first_s, h.period_seconds,
      absl::Span<StatisticSet>(bucket_scratch_.data(), static_cast<size_t>(r)));
  const uint64_t present = h.present_mask;
  const uint64_t breaching = h.breaching_mask;
  for (int i = 0; i < r; ++i) {
    const uint64_t bit = uint64_t{1} << (r - 1 - i);
    verdict_scratch_[i] = !(present & bit)   ? BucketVerdict::kMissing
                          : (breaching & bit) ? BucketVerdict::kBreaching
                                              : BucketVerdict::kNotBreaching;
#ifndef NDEBUG
    // The cached verdicts must be what a full re-aggregation gives.
    const std::optional<double> v =
        ComputeStatistic(h.statistic, bucket_scratch_[i]);
    assert(v.has_value() == ((present & bit) != 0));
    assert(!v.has_value() ||
           IsBreaching(h.op, *v, h.threshold) == ((breaching & bit) != 0));
#endif
  }
  if (!d.state.has_value() || *d.state == h.state) {
    // The state persists: only Auto Scaling ARNs run again (spec 4.2).
    RepeatScalingActions(slot, now, RecentValues(h), report);
    return;
  }
  TransitionFromBuckets(slot, d, now, first_s, report);
}

void AlarmEvaluator::EvaluateStandardIncremental(uint32_t slot, absl::Time now,
                                                 int64_t anchor,
                                                 int64_t previous_slot,
                                                 EvaluationReport* report) {
  Decision d;
  int from = 0;
  if (DecideStandard(hot_[slot], anchor, previous_slot, bucket_scratch_.data(),
                     &d, &from)) {
    FinishStandard(slot, now, anchor, d, report);
  }
}

EvaluationReport AlarmEvaluator::Evaluate(absl::Time now, int threads) {
  const size_t slots = hot_.size();
  if (threads <= 1 || slots < 2) return Evaluate(now);
  const size_t shards = std::min(static_cast<size_t>(threads), slots);
  const int64_t now_s = absl::ToUnixSeconds(now);
  const int64_t anchor60 = FloorToMultiple(now_s, 60);
  const int64_t anchor10 = FloorToMultiple(now_s, 10);
  eval_epoch_ = store_->BeginReadEpoch();
  eval_dropped_before_ = store_->dropped_before_seconds();
  // What the calling thread still has to do, per shard, in slot order:
  // the cold half of a standard alarm (with its decision), or a whole
  // non-standard evaluation (`standard` false).
  struct Work {
    uint32_t slot;
    bool standard;
    Decision d;
  };
  struct Shard {
    std::vector<Work> work;
    int evaluated = 0;
  };
  std::vector<Shard> results(shards);
  auto run = [&](size_t shard) {
    const uint32_t begin = static_cast<uint32_t>(slots * shard / shards);
    const uint32_t end = static_cast<uint32_t>(slots * (shard + 1) / shards);
    StatisticSet scratch[64];
    Shard& out = results[shard];
    for (uint32_t slot = begin; slot < end; ++slot) {
      HotAlarm& h = hot_[slot];
      if (!h.live) continue;
      const int64_t anchor = h.granularity_seconds == 60 ? anchor60 : anchor10;
      if (anchor <= h.last_slot) continue;
      if (h.path != AlarmPath::kStandard || h.r > 64) {
        out.work.push_back(Work{slot, false, Decision()});
        continue;
      }
      const int64_t previous_slot = h.last_slot;
      h.last_slot = anchor;
      ++out.evaluated;
      Decision d;
      int from = 0;
      if (DecideStandard(h, anchor, previous_slot, scratch, &d, &from)) {
        out.work.push_back(Work{slot, true, d});
      }
    }
  };
  std::vector<std::thread> workers;
  workers.reserve(shards - 1);
  for (size_t t = 1; t < shards; ++t) workers.emplace_back(run, t);
  run(0);
  for (std::thread& w : workers) w.join();

  EvaluationReport report;
  for (const Shard& shard : results) {
    report.evaluated += shard.evaluated;
    for (const Work& w : shard.work) {
      const HotAlarm& h = hot_[w.slot];
      const int64_t anchor = h.granularity_seconds == 60 ? anchor60 : anchor10;
      if (w.standard) {
        if (bucket_scratch_.size() < h.r || verdict_scratch_.size() < h.r) {
          bucket_scratch_.resize(h.r);
          verdict_scratch_.resize(h.r);
        }
        FinishStandard(w.slot, now, anchor, w.d, &report);
      } else {
        EvaluateOne(w.slot, now, anchor, &report);
      }
    }
  }
  return report;
}

std::vector<double> AlarmEvaluator::RecentValues(const HotAlarm& h) const {
  std::vector<double> out;
  for (int i = h.r - 1; i >= 0 && i >= h.r - h.n; --i) {
    std::optional<double> v = ComputeStatistic(h.statistic, bucket_scratch_[i]);
    if (v.has_value()) out.push_back(*v);
  }
  return out;
}

void AlarmEvaluator::EvaluateExtended(uint32_t slot, absl::Time now,
                                      absl::Time first, absl::Duration period,
                                      EvaluationReport* report) {
  HotAlarm& h = hot_[slot];
  const ColdAlarm& c = cold_[slot];
  assert(c.extended.has_value());
  const ExtendedStatistic& statistic = *c.extended;
  std::optional<Unit> unit;
  if (h.unit != kAnyUnit) unit = static_cast<Unit>(h.unit);
  sample_scratch_.resize(h.r);
  verdict_scratch_.resize(h.r);
  store_->AggregateSampleBuckets(h.metric, unit, first, period,
                                 absl::MakeSpan(sample_scratch_));
  // Spec 3.6 [OPEN], the spec's recommendation: per bucket, a low-sample
  // bucket is removed from the decision.
  const bool ignore_low =
      c.spec.evaluate_low_sample_count_percentile.value_or("evaluate") ==
      "ignore";
  std::vector<std::optional<double>> values(h.r);
  int low = 0;
  int real = 0;
  for (int i = 0; i < h.r; ++i) {
    const SampleDistribution& samples = sample_scratch_[i];
    values[i] = ComputeExtendedStatistic(statistic, samples,
                                         PercentileEstimator::kNearestRank,
                                         &sorted_scratch_);
    if (values[i].has_value() && ignore_low &&
        IsLowSampleCount(statistic, samples.total_weight())) {
      values[i].reset();
      ++low;
    }
    if (values[i].has_value()) ++real;
    verdict_scratch_[i] = !values[i].has_value() ? BucketVerdict::kMissing
                          : IsBreaching(h.op, *values[i], h.threshold)
                              ? BucketVerdict::kBreaching
                              : BucketVerdict::kNotBreaching;
  }
  std::vector<double> recent;
  for (int i = h.r - 1; i >= 0 && i >= h.r - h.n; --i) {
    if (values[i].has_value()) recent.push_back(*values[i]);
  }
  const bool repeat = h.repeat_states & (1u << static_cast<int>(h.state));
  // Removing low-sample buckets left the decision undetermined: keep the
  // state rather than let fill-ins or the missing-data rules decide.
  if (low > 0 && real < h.n) {
    if (repeat) RepeatScalingActions(slot, now, std::move(recent), report);
    return;
  }
  Decision d = Decide(verdict_scratch_, h.n, h.m, h.tmd);
  if (!d.state.has_value() || *d.state == h.state) {
    if (repeat) RepeatScalingActions(slot, now, std::move(recent), report);
    return;
  }

  std::vector<RangeBucket> range(h.r);
  for (int i = 0; i < h.r; ++i) {
    range[i].start = first + i * period;
    range[i].present = values[i].has_value();
    range[i].value = values[i].value_or(0);
    range[i].sample_count = sample_scratch_[i].total_weight();
    range[i].breaching = verdict_scratch_[i] == BucketVerdict::kBreaching;
  }
  StateReason reason = BuildStateReason(c.spec, range, d, *d.state, now,
                                        options_.reason_form);
  Transition(slot, *d.state, std::move(reason.reason),
             std::move(reason.reason_data), now, report, std::move(recent));
}

void AlarmEvaluator::Transition(uint32_t slot, AlarmState new_state,
                                std::string reason, std::string reason_data,
                                absl::Time now, EvaluationReport* report,
                                std::vector<double> metric_values) {
  ApplyStateChange(slot, new_state, reason, reason_data, now, report,
                   metric_values);
}

void AlarmEvaluator::ApplyStateChange(uint32_t slot, AlarmState new_state,
                                      absl::string_view reason,
                                      absl::string_view reason_data,
                                      absl::Time now, EvaluationReport* report,
                                      absl::Span<const double> metric_values) {
  ColdAlarm& c = cold_[slot];
  AlarmStatus& status = c.status;
  const AlarmState old_state = status.state;
  assert(ChangesState(status, new_state));
  // The StateUpdate item reads the old reason where it is, before the new
  // one replaces it (ApplyTransition's rule, spec 4.4, without the copies a
  // StateTransition makes).
  history_.push_back(MakeStateUpdateItem(c.spec.alarm_name, old_state,
                                         status.reason, status.reason_data,
                                         new_state, reason, reason_data, now));
  status.state = new_state;
  // assign keeps the status strings' capacity: once an alarm has
  // transitioned, its reasons are rewritten in place.
  status.reason.assign(reason.data(), reason.size());
  status.reason_data.assign(reason_data.data(), reason_data.size());
  // Metric alarms have no EvaluationState, so both timestamps move together.
  status.state_updated = now;
  status.state_transitioned = now;
  hot_[slot].state = new_state;
  ++report->transitions;
  if (!c.spec.actions_enabled) return;
  const std::vector<std::string>& arns = ActionsFor(c.spec, new_state);
  if (arns.empty()) return;
  // One StateChange for every ARN of the list, in a buffer kept across
  // transitions (its strings keep their capacity).
  StateChange& change = change_scratch_;
  change.alarm = &c.spec;
  change.composite = nullptr;
  AppendArn(c, &change.alarm_arn);
  change.region.assign(options_.region);
  change.account_id.assign(options_.account_id);
  change.alarm_configuration_updated = c.configuration_updated;
  change.old_state = old_state;
  change.new_state = new_state;
  change.new_reason.assign(status.reason);
  change.new_reason_data.assign(status.reason_data);
  change.timestamp = now;
  change.repeated = false;
  change.invoked_at = now;
  change.metric_values.assign(metric_values.begin(), metric_values.end());
  change.breach_threshold = c.spec.threshold;
  // Each ARN runs independently; a failure is recorded and reported but
  // never undoes the transition (spec 4.2, STYLE 4).
  for (const std::string& arn : arns) {
    change.action.assign(arn);
    if (IsAutoScalingPolicyArn(arn)) {
      c.last_scaling_invocation = AlignDown(now, absl::Minutes(1));
    }
    RunAction(slot, change, report);
  }
}

void AlarmEvaluator::AppendArn(const ColdAlarm& c, std::string* out) const {
  // AlarmArn's text, written into a reused string.
  out->clear();
  out->append("arn:aws:cloudwatch:");
  out->append(options_.region);
  out->push_back(':');
  out->append(options_.account_id);
  out->append(":alarm:");
  out->append(c.spec.alarm_name);
}

void AlarmEvaluator::RepeatScalingActions(uint32_t slot, absl::Time now,
                                          std::vector<double> metric_values,
                                          EvaluationReport* report) {
  ColdAlarm& c = cold_[slot];
  // Once per minute, also for high-resolution alarms evaluated every 10 s:
  // compare whole minutes so that an evaluation a little earlier in its
  // minute than the last one still counts as the next minute.
  const absl::Time minute = AlignDown(now, absl::Minutes(1));
  if (minute <= c.last_scaling_invocation) return;
  c.last_scaling_invocation = minute;
  // The reused StateChange (as in ApplyStateChange), filled at the first
  // Auto Scaling ARN.
  StateChange& change = change_scratch_;
  bool filled = false;
  for (const std::string& arn : ActionsFor(c.spec, c.status.state)) {
    if (!IsAutoScalingPolicyArn(arn)) continue;
    if (!filled) {
      filled = true;
      change.alarm = &c.spec;
      change.composite = nullptr;
      AppendArn(c, &change.alarm_arn);
      change.region.assign(options_.region);
      change.account_id.assign(options_.account_id);
      change.alarm_configuration_updated = c.configuration_updated;
      change.old_state = c.status.state;
      change.new_state = c.status.state;
      change.new_reason.assign(c.status.reason);
      change.new_reason_data.assign(c.status.reason_data);
      change.timestamp = c.status.state_updated;
      change.repeated = true;
      change.invoked_at = now;
      change.metric_values.assign(metric_values.begin(), metric_values.end());
      change.breach_threshold = c.spec.threshold;
    }
    change.action.assign(arn);
    ++report->repeated_actions;
    RunAction(slot, change, report);
  }
}

void AlarmEvaluator::RunAction(uint32_t slot, const StateChange& change,
                               EvaluationReport* report) {
  const ColdAlarm& c = cold_[slot];
  absl::Status result = sink_->Execute(change);
  ++report->actions;
  // HistoryData keeps the transition's time (stateUpdateTimestamp); a
  // re-invocation's item is dated when it ran.
  history_.push_back(
      MakeActionItem(c.spec.alarm_name, change.action, result, change.timestamp));
  history_.back().timestamp = change.invoked_at;
  if (!result.ok()) {
    report->action_errors.push_back(absl::Status(
        result.code(), absl::StrCat("alarm \"", c.spec.alarm_name,
                                    "\": action ", change.action, ": ",
                                    result.message())));
  }
}

std::vector<AlarmHistoryItem> AlarmEvaluator::TakeHistory() {
  std::vector<AlarmHistoryItem> out;
  out.swap(history_);
  return out;
}

absl::Time AlarmEvaluator::RetentionHorizon(absl::Time now) const {
  if (now == absl::InfiniteFuture() || now == absl::InfinitePast()) return now;
  // In whole seconds: AlignDown(now, g) is FloorToMultiple of now's whole
  // seconds for the whole-second granularities (60, 10), and each range
  // start is that minus R x Period, as Evaluate computes it.
  const int64_t now_s = absl::ToUnixSeconds(now);  // Rounds down.
  const int64_t anchor60 = FloorToMultiple(now_s, 60);
  const int64_t anchor10 = FloorToMultiple(now_s, 10);
  int64_t horizon_s = INT64_MAX;
  absl::Time horizon = absl::InfiniteFuture();
  for (uint32_t slot = 0; slot < hot_.size(); ++slot) {
    const HotAlarm& h = hot_[slot];
    if (!h.live) continue;
    const int64_t end_s = h.granularity_seconds == 60 ? anchor60 : anchor10;
    horizon_s = std::min(horizon_s,
                         end_s - int64_t{h.r} * int64_t{h.period_seconds});
    if (h.path == AlarmPath::kMath && cold_[slot].spec.IsAnomalyDetection()) {
      // Anomaly models train on the window before the retrain boundary.
      const absl::Time end = absl::FromUnixSeconds(end_s);
      const int64_t interval =
          options_.anomaly_model.retrain_interval_seconds;
      const absl::Time boundary = AlignDown(end, absl::Seconds(interval));
      horizon = std::min(
          horizon, boundary - absl::Seconds(
                                  options_.anomaly_model.training_window_seconds +
                                  h.period_seconds));
    }
  }
  if (horizon_s != INT64_MAX) {
    horizon = std::min(horizon, absl::FromUnixSeconds(horizon_s));
  }
  return horizon == absl::InfiniteFuture() ? now : horizon;
}

}  // namespace cwalarm
