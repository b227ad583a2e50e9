// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "alarm/alarm_evaluator.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "alarm/evaluation_window.h"
#include "metrics/metric_id.h"
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
    : store_(store),
      sink_(sink),
      options_(std::move(options)),
      by_name_(SlotName{this}) {
  assert(store_ != nullptr && sink_ != nullptr);
}

// --- The cold record --------------------------------------------------------

AlarmSpec AlarmEvaluator::SpecOf(uint32_t slot) const {
  const ColdAlarm& c = cold_[slot];
  AlarmSpec spec = ShapeOf(slot);
  spec.alarm_name = std::string(NameOf(slot));
  if (c.metric_from_store) spec.metric = store_->metric(hot_[slot].metric);
  if (spec.threshold.has_value()) spec.threshold = hot_[slot].threshold;
  return spec;
}

const AlarmSpec& AlarmEvaluator::SpecScratch(uint32_t slot) const {
  const ColdAlarm& c = cold_[slot];
  SpecScratchEntry& e = spec_scratch_[c.shape % kSpecScratchEntries];
  AlarmSpec& spec = e.spec;
  if (e.shape != c.shape) {
    // By assignment: the strings and vectors keep their capacity.
    spec = ShapeOf(slot);
    e.shape = c.shape;
    e.metric_from_store = false;
  }
  // What SpecOf replaces in the shape; the rest is the shape's.
  const absl::string_view name = NameOf(slot);
  spec.alarm_name.assign(name.data(), name.size());
  if (c.metric_from_store) {
    store_->CopyMetric(hot_[slot].metric, &spec.metric);
    e.metric_from_store = true;
  } else if (e.metric_from_store) {
    // Alarms of one shape all take their metric from the store or none
    // does (the shape holds the metric otherwise); kept so that the buffer
    // never carries another alarm's metric.
    spec.metric = ShapeOf(slot).metric;
    e.metric_from_store = false;
  }
  if (spec.threshold.has_value()) spec.threshold = hot_[slot].threshold;
  return spec;
}

AlarmStatus AlarmEvaluator::StatusOf(uint32_t slot) const {
  const ColdExtra* x = FindExtra(slot);
  if (x != nullptr && x->status.has_value()) return *x->status;
  return AlarmStatus::Created(ConfigurationUpdated(slot));
}

AlarmEvaluator::ColdExtra& AlarmEvaluator::ExtraOf(uint32_t slot) const {
  const ColdAlarm& c = cold_[slot];
  std::unique_ptr<ColdExtra>& x = extras_[slot];
  if (x == nullptr) x = std::make_unique<ColdExtra>();
  c.has_extra = true;
  return *x;
}

AlarmEvaluator::RareCold& AlarmEvaluator::RareOf(uint32_t slot) const {
  ColdExtra& x = ExtraOf(slot);
  if (x.rare == nullptr) x.rare = std::make_unique<RareCold>();
  return *x.rare;
}

AlarmStatus& AlarmEvaluator::MutableStatus(uint32_t slot) const {
  ColdExtra& x = ExtraOf(slot);
  if (!x.status.has_value()) {
    x.status = AlarmStatus::Created(ConfigurationUpdated(slot));
  }
  return *x.status;
}

absl::Time AlarmEvaluator::ConfigurationUpdated(uint32_t slot) const {
  const ColdAlarm& c = cold_[slot];
  if (c.configuration_time_rare) return *FindRare(slot)->configuration_updated;
  return absl::FromUnixNanos(c.configuration_updated_ns);
}

void AlarmEvaluator::SetConfigurationUpdated(uint32_t slot, absl::Time t) {
  ColdAlarm& c = cold_[slot];
  // Exact as int64 nanoseconds for every time a caller is likely to pass
  // (whole nanoseconds within 1677-2262); anything else is kept whole.
  const int64_t ns = absl::ToUnixNanos(t);
  c.configuration_time_rare = absl::FromUnixNanos(ns) != t;
  if (c.configuration_time_rare) {
    RareOf(slot).configuration_updated = t;
  } else {
    c.configuration_updated_ns = ns;
    if (FindRare(slot) != nullptr) RareOf(slot).configuration_updated.reset();
  }
}

namespace {

// Appends `name` (1-255 bytes) to a chunked arena
// (AlarmEvaluator::name_chunks_) after its length byte and returns the
// offset of that byte; `*skipped` grows by the bytes left unused at the end
// of a chunk the entry did not fit in.
uint32_t AppendToArena(std::vector<std::unique_ptr<char[]>>* chunks,
                       uint32_t* end, absl::string_view name, uint32_t bits,
                       size_t* skipped) {
  const uint32_t chunk = uint32_t{1} << bits;
  const uint32_t within = *end & (chunk - 1);
  const size_t entry = 1 + name.size();
  if (within != 0 && within + entry > chunk) {
    *skipped += chunk - within;
    *end += chunk - within;
  }
  if ((*end >> bits) >= chunks->size()) {
    chunks->push_back(std::unique_ptr<char[]>(new char[chunk]));
  }
  const uint32_t offset = *end;
  char* at = (*chunks)[offset >> bits].get() + (offset & (chunk - 1));
  *at = static_cast<char>(static_cast<unsigned char>(name.size()));
  std::copy(name.begin(), name.end(), at + 1);
  *end += static_cast<uint32_t>(entry);
  return offset;
}

}  // namespace

void AlarmEvaluator::StoreName(uint32_t slot, absl::string_view name) {
  static_assert(sizeof(ColdAlarm) <= 16, "ColdAlarm is paid per alarm");
  // Validate() (PutMetricAlarm, ImportState) bounds names to 1-255.
  assert(!name.empty() && name.size() <= 255);
  cold_[slot].name_offset = AppendToArena(&name_chunks_, &name_end_, name,
                                          kNameChunkBits, &dead_name_bytes_);
}

void AlarmEvaluator::StoreSpec(uint32_t slot, AlarmSpec spec,
                               MetricIndex metric, bool replace) {
  ColdAlarm& c = cold_[slot];
  const uint32_t old_shape = c.shape;
  // The name is kept apart (names_); the metric when the store's copy is
  // the same (Intern keeps the canonical dimension order, and a spec whose
  // order differs must describe as it was put); the threshold's value.
  // Precondition: hot_[slot] is the alarm's record (MakeHot), whose
  // `metric` is `metric` and whose `threshold` is the spec's.
  assert(hot_[slot].metric == metric);
  spec.alarm_name.clear();
  c.metric_from_store =
      !spec.HasMetricsList() &&
      SameMetricAsPut(store_->metric(metric), spec.metric);
  if (c.metric_from_store) spec.metric = MetricId();
  if (spec.threshold.has_value()) spec.threshold = 0.0;
  const uint32_t shape = shapes_.Intern(std::move(spec));
  assert(shape < (uint32_t{1} << 29));  // kMaxAlarms.
  c.shape = shape;
  if (replace) {
    ForgetSpecScratch(old_shape);
    shapes_.Release(old_shape);
  }
}

void AlarmEvaluator::ClearCold(uint32_t slot) {
  ColdAlarm& c = cold_[slot];
  ForgetSpecScratch(c.shape);
  shapes_.Release(c.shape);
  if (c.has_extra) extras_.erase(slot);
  dead_name_bytes_ += 1 + NameOf(slot).size();
  c = ColdAlarm();
  // Compact the arena once half of it is dead, so that churn (put, delete,
  // put) does not grow it without bound. Offsets change; the names (and so
  // by_name_'s hashes) do not.
  if (dead_name_bytes_ > 4 * kNameChunk && dead_name_bytes_ * 2 > name_end_) {
    std::vector<std::unique_ptr<char[]>> chunks;
    uint32_t end = 0;
    size_t skipped = 0;
    by_name_.ForEach([&](uint32_t live) {
      const uint32_t offset =
          AppendToArena(&chunks, &end, NameOf(live), kNameChunkBits, &skipped);
      cold_[live].name_offset = offset;
    });
    name_chunks_.swap(chunks);
    name_end_ = end;
    dead_name_bytes_ = skipped;
  }
}

std::optional<AlarmSpec> AlarmEvaluator::FindAlarm(
    absl::string_view name) const {
  const uint32_t slot = by_name_.Find(name);
  if (slot == NameIndex::kNone) return std::nullopt;
  return SpecOf(slot);
}

const AlarmStatus* AlarmEvaluator::FindStatus(absl::string_view name) const {
  const uint32_t slot = by_name_.Find(name);
  return slot == NameIndex::kNone ? nullptr : &MutableStatus(slot);
}

std::vector<AlarmDescription> AlarmEvaluator::DescribeAlarms() const {
  std::vector<AlarmDescription> out;
  out.reserve(by_name_.size());
  by_name_.ForEach([&](uint32_t slot) {
    out.push_back(AlarmDescription{
        std::make_shared<const AlarmSpec>(SpecOf(slot)),
        std::make_shared<const AlarmStatus>(StatusOf(slot)), ArnOf(slot),
        ConfigurationUpdated(slot)});
  });
  std::sort(out.begin(), out.end(),
            [](const AlarmDescription& a, const AlarmDescription& b) {
              return a.spec->alarm_name < b.spec->alarm_name;
            });
  return out;
}

namespace {

// The fields of a kSlidingWide alarm's ring word (see MinuteBits), and the
// word of empty rings of `words` words (<= 8) for `bits` (<= 512) ages.
constexpr int kRingCountShift = 16;
constexpr int kRingMaskShift = 32;
constexpr int kRingBitsShift = 48;
uint64_t WideRingWord(size_t words, int64_t bits) {
  return (uint64_t{64 * words - 1} << kRingMaskShift) |
         (static_cast<uint64_t>(bits) << kRingBitsShift);
}

}  // namespace

AlarmEvaluator::HotAlarm AlarmEvaluator::MakeHot(const AlarmSpec& spec,
                                                 AlarmState state) {
  // The evaluation loop streams one record per alarm: keep it a cache line.
  static_assert(sizeof(HotAlarm) <= 64, "HotAlarm must stay within 64 bytes");
  HotAlarm h{};
  h.threshold = spec.threshold.value_or(0);
  h.last_slot = INT64_MIN;
  // Metrics-list alarms intern their MetricStat metrics in MakeMathState.
  h.metric = spec.HasMetricsList() ? 0 : store_->Intern(spec.metric);
  const absl::Duration period = spec.EffectivePeriod();
  h.period_seconds = static_cast<int32_t>(absl::ToInt64Seconds(period));
  h.granularity_seconds = static_cast<uint8_t>(
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
  const bool incremental = h.path == AlarmPath::kStandard &&
                           h.granularity_seconds == 60 && h.r <= 64;
  // Sliding buckets keep one verdict per minute of periods: up to 512
  // (Period 3600 with R up to 9; Period 300 with R up to 64). Longer ones
  // (a day's Period) would pay more to rebuild that history than to
  // re-aggregate their R buckets every minute, which they keep doing.
  const int64_t sliding_bits =
      (int64_t{h.r} - 1) * (h.period_seconds / 60) + 1;
  h.fast = FastPath::kNone;
  if (incremental && h.period_seconds == 60) {
    h.fast = FastPath::kMinute;
    max_minute_r_ = std::max(max_minute_r_, int{h.r});
  } else if (incremental && sliding_bits <= 64) {
    h.fast = FastPath::kSliding;
  } else if (incremental && sliding_bits <= 512) {
    h.fast = FastPath::kSlidingWide;
  }
  // No cached verdicts: the first evaluation aggregates the whole range.
  h.seen_epoch = 0;
  h.present_mask = 0;
  h.breaching_mask = 0;
  if (h.fast == FastPath::kSlidingWide) {
    // Two rings of a power of two of words each; their head is in
    // breaching_mask (MinuteBits).
    size_t words = 2;
    while (64 * words < static_cast<size_t>(sliding_bits)) words *= 2;
    h.present_mask = AcquireWide(2 * words);
    h.breaching_mask = WideRingWord(words, sliding_bits);
  }
  h.window = 0;
  if (h.fast == FastPath::kSliding || h.fast == FastPath::kSlidingWide) {
    h.window = AcquireWindow() + 1;
  }
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
  // Raw samples are kept only for metrics an extended statistic needs, and
  // running totals only for those a long-period SampleCount, Sum or Average
  // alarm reads (DecideStandard).
  if (h.path == AlarmPath::kExtended) store_->EnableSamples(h.metric);
  if (UsesRunningTotals(h)) store_->EnableRunningTotals(h.metric);
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
  if (uint64_t{name_end_} + 2 * kNameChunk > UINT32_MAX) {
    // Arena offsets are 32-bit: about 16 million names of 255 characters.
    return absl::ResourceExhaustedError(absl::StrCat(
        "alarm \"", spec.alarm_name, "\": PutMetricAlarm: the evaluator holds "
        "4 GiB of alarm names"));
  }
  const uint32_t existing = by_name_.Find(spec.alarm_name);
  if (existing != NameIndex::kNone) {
    // Update: configuration fully replaced, state kept (spec 4.1).
    const uint32_t slot = existing;
    // The initial status is dated by configuration_updated, which changes
    // now: store it first.
    const AlarmStatus& status = MutableStatus(slot);
    ForgetHorizon(slot);  // While its record and shape are the old ones.
    HotAlarm h = MakeHot(spec, status.state);
    h.last_slot = hot_[slot].last_slot;
    ReleaseWide(hot_[slot]);
    hot_[slot] = h;
    // Tags in an update request are ignored (spec 1.2, 4.1): the alarm keeps
    // the tags it was created with.
    spec.tags = ShapeOf(slot).tags;
    SetConfigurationUpdated(slot, now);
    history_.push_back(MakeConfigurationItem(ConfigurationChange::kUpdate,
                                             spec, ArnOf(slot), now));
    if (extended.has_value() || math != nullptr || FindRare(slot) != nullptr) {
      RareCold& rare = RareOf(slot);
      rare.extended = std::move(extended);
      rare.math = std::move(math);
    }
    StoreSpec(slot, std::move(spec), h.metric, /*replace=*/true);
    RaiseHorizon(slot);
    return absl::OkStatus();
  }
  if (by_name_.size() >= kMaxAlarms) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "alarm \"", spec.alarm_name, "\": PutMetricAlarm: the evaluator holds ",
        kMaxAlarms, " alarms, its limit"));
  }
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(hot_.size());
    // The records grow as the store's do (internal::NextPerMetricCapacity,
    // docs/choices.md row 93): by a quarter past 1024, so that alarms put
    // one by one without Reserve leave at most ~20% of hot_ unused instead
    // of up to half.
    if (hot_.size() == hot_.capacity()) {
      hot_.reserve(internal::NextPerMetricCapacity(hot_.capacity()));
    }
    hot_.emplace_back();
    cold_.emplace_back();
  }
  hot_[slot] = MakeHot(spec, AlarmState::kInsufficientData);
  SetConfigurationUpdated(slot, now);  // The initial status is dated by it.
  if (extended.has_value() || math != nullptr) {
    RareCold& rare = RareOf(slot);
    rare.extended = std::move(extended);
    rare.math = std::move(math);
  }
  StoreName(slot, spec.alarm_name);
  by_name_.Insert(slot);
  history_.push_back(MakeConfigurationItem(ConfigurationChange::kCreate, spec,
                                           ArnOf(slot), now));
  StoreSpec(slot, std::move(spec), hot_[slot].metric, /*replace=*/false);
  RaiseHorizon(slot);
  return absl::OkStatus();
}

void AlarmEvaluator::Reserve(size_t alarms) {
  hot_.reserve(alarms);
  by_name_.Reserve(alarms);
  // Which alarms slide is known only as they are put: AcquireWindow grows
  // windows_ by doubling, but never past this many.
  reserved_alarms_ = std::max(reserved_alarms_, alarms);
}

absl::Status AlarmEvaluator::DeleteAlarm(absl::string_view name,
                                         absl::Time now) {
  const uint32_t slot = by_name_.Find(name);
  if (slot == NameIndex::kNone) {
    return absl::NotFoundError(
        absl::StrCat("alarm \"", name, "\": DeleteAlarms: no such alarm"));
  }
  by_name_.Erase(slot);  // While the arena still holds its name.
  history_.push_back(MakeConfigurationItem(
      ConfigurationChange::kDelete, SpecOf(slot), ArnOf(slot), now));
  ForgetHorizon(slot);
  hot_[slot].live = false;
  ReleaseWide(hot_[slot]);
  // A free slot never takes the minute path (the loops test `fast` alone).
  hot_[slot].fast = FastPath::kNone;
  ClearCold(slot);
  free_slots_.push_back(slot);
  return absl::OkStatus();
}

absl::Status AlarmEvaluator::SetAlarmState(absl::string_view name,
                                           AlarmState state,
                                           absl::string_view reason,
                                           absl::string_view reason_data,
                                           absl::Time now) {
  const uint32_t slot = by_name_.Find(name);
  if (slot == NameIndex::kNone) {
    // CloudWatch answers ResourceNotFound with no message (spec 2).
    return absl::NotFoundError(absl::StrCat(
        "alarm \"", name, "\": SetAlarmState: no such alarm (ResourceNotFound)"));
  }
  absl::Status valid = ValidateSetAlarmState(name, reason, reason_data);
  if (!valid.ok()) return valid;
  if (!ChangesState(StatusOf(slot), state)) return absl::OkStatus();
  EvaluationReport ignored;
  Transition(slot, state, std::string(reason), std::string(reason_data), now,
             &ignored);
  return absl::OkStatus();
}

template <bool kPrefetch>
uint32_t AlarmEvaluator::SlidingRun(const MinutePass& pass, HotAlarm* hot,
                                    uint32_t slots, uint32_t slot, Decision* d,
                                    MinuteResult* result) const {
  const int64_t previous60 = pass.anchor - 60;
  for (; slot < slots; ++slot) {
    HotAlarm& h = hot[slot];
    if (!IsSteadySliding(h, previous60)) {
      *result = kMinuteSlow;
      return slot;
    }
    // Whatever the round's size (unlike the Period-60 loop's tails): a
    // sliding window's leaving cell is Period/60 cells behind the newest,
    // in each metric's own heap vectors, and a few periods of history of a
    // thousand metrics (Period 3600: 40 bytes a minute, megabytes in all)
    // outgrow the core's caches.
    PrefetchSlidingRun(pass.q, hot, slots, slot);
    const MinuteResult r = DecideSlidingSteady(pass, h, d);
    if (r != kMinuteDone) {
      *result = r;
      return slot;
    }
  }
  *result = kMinuteSlow;
  return slot;
}

template <bool kAsk>
uint32_t AlarmEvaluator::MinuteRun(
    const MinutePass& pass, HotAlarm* hot, uint32_t slot, uint32_t end,
    int64_t previous60, Decision* d, MinuteResult* result) const {
  // The store usually keeps at least as many minutes before the anchor as
  // the longest range of a Period-60 alarm (a caller dropping data at
  // RetentionHorizon keeps that many): then no alarm's range reaches a
  // dropped cell, and that loop does not test it.
  if (pass.max_r >= max_minute_r_) {
    return MinuteLoop<kAsk, true>(pass, hot, slot, end, previous60, d,
                                  result);
  }
  return MinuteLoop<kAsk, false>(pass, hot, slot, end, previous60, d,
                                 result);
}

template <bool kAsk, bool kRangeKept>
inline __attribute__((always_inline)) uint32_t AlarmEvaluator::MinuteLoop(
    const MinutePass& pass, HotAlarm* hot, uint32_t slot, uint32_t end,
    int64_t previous60, Decision* d, MinuteResult* result) const {
  // A copy whose address does not escape: the records' stores cannot
  // alias it, so its fields need no reload after them.
  const MinutePass p = pass;
  HotAlarm* const last = hot + end;
  for (HotAlarm* h = hot + slot; h != last; ++h) {
    if (kAsk) p.q.Prefetch(h[kMinuteAhead].metric);
    // kMinute implies a live slot (DeleteAlarm clears `fast`).
    if (h->fast != FastPath::kMinute || h->last_slot != previous60) {
      *result = kMinuteSlow;
      return static_cast<uint32_t>(h - hot);
    }
    const MinuteResult r = DecideMinute(p, *h, d, kRangeKept);
    if (r != kMinuteDone) {
      *result = r;
      return static_cast<uint32_t>(h - hot);
    }
  }
  return end;
}

template <bool kPrefetch>
int AlarmEvaluator::EvaluateRound(absl::Time now, int64_t anchor60,
                                  int64_t anchor10, EvaluationReport* report) {
  MinutePass pass = MakeMinutePass(anchor60);
  // The records' base, in a local like the pass: both are retaken after
  // any cold work (which may run a sink: a sink must not re-enter the
  // evaluator, but it may write to the store).
  HotAlarm* hot = hot_.data();
  const uint32_t slots = static_cast<uint32_t>(hot_.size());
  int minute_evaluated = 0;  // A local: cold work writes `report`.
  const int64_t previous60 = anchor60 - 60;
  // Written by DecideMinute and DecideSlidingSteady before every
  // kMinuteCold, read only then: one for the whole loop.
  Decision d;
  // Slots are evaluated in order. Two inner loops without cold calls take
  // the steady minutes: one for Period-60 alarms, one for sliding alarms
  // (longer periods, evaluated every minute), so that a run of either
  // kind stays in its loop with what it reads in registers. Each stops at
  // the first alarm it does not take or that needs more; a run of the
  // other kind continues in its loop, and anything else is handled by the
  // rest of the outer loop, one alarm at a time.
  // The Period-60 loop asks for the tail of the alarm kMinuteAhead slots
  // on (kPrefetch) up to `ahead_end`, and runs without asking after it, so
  // that the request needs no clamp to the last slot.
  const uint32_t ahead_end = slots > kMinuteAhead ? slots - kMinuteAhead : 0;
  uint32_t slot = 0;
  while (slot < slots) {
    MinuteResult result = kMinuteSlow;
    uint32_t first = slot;
    slot = MinuteRuns(pass, hot, slot, kPrefetch ? ahead_end : 0, slots,
                      previous60, &d, &result);
    // Every alarm the inner loop stepped over was evaluated (kMinuteDone).
    minute_evaluated += static_cast<int>(slot - first);
    if (slot == slots) break;
    if (IsSteadySliding(hot[slot], previous60)) {
      // Here only when the Period-60 loop stopped at a sliding alarm (it
      // takes no other kind), so result is kMinuteSlow and `d` unused.
      first = slot;
      slot = SlidingRun<kPrefetch>(pass, hot, slots, slot, &d, &result);
      minute_evaluated += static_cast<int>(slot - first);
      if (slot == slots) break;
      // A steady Period-60 alarm: back to its loop. The sliding run stops
      // at one without deciding it (it is not sliding).
      const HotAlarm& next = hot[slot];
      if (next.fast == FastPath::kMinute && next.last_slot == previous60) {
        continue;
      }
    }
    // Either loop's last alarm, decided (kMinuteDone never stops a loop)
    // or not (kMinuteSlow: EvaluateOther, which also finds whether it is
    // due at all).
    if (result != kMinuteSlow) {
      ++minute_evaluated;
      if (result == kMinuteCold) {
        EnsureScratch(hot[slot].r);
        FinishStandard(slot, now, anchor60, d, report);
        pass = MakeMinutePass(anchor60);
        hot = hot_.data();
      }
    } else if (EvaluateOther(slot, now, anchor60, anchor10, report)) {
      pass = MakeMinutePass(anchor60);
      hot = hot_.data();
    }
    ++slot;
  }
  return minute_evaluated;
}

EvaluationReport AlarmEvaluator::Evaluate(absl::Time now) {
  EvaluationReport report;
  // The two evaluation anchors (spec 3.1, 3.2.1), computed once per call in
  // whole seconds: the loop then does integer arithmetic only.
  const int64_t now_s = absl::ToUnixSeconds(now);  // Rounds down.
  const int64_t anchor60 = FloorToMultiple(now_s, 60);
  const int64_t anchor10 = FloorToMultiple(now_s, 10);
  eval_epoch_ = store_->BeginReadEpoch();
  eval_dropped_before_ = store_->dropped_before_seconds();
  // The loop asks for each metric's tail a few alarms ahead (the one record
  // of an evaluation that is not in slot order). That pays once the tails
  // and cell copies (~48 bytes a metric) outgrow the core's caches; below
  // kPrefetchFrom alarms they stay cached from round to round and the
  // requests cost ~12 instructions an evaluation for nothing. Two copies
  // of the loop: a test inside it cost more than the requests (spills).
  const int minute_evaluated =
      hot_.size() >= kPrefetchFrom
          ? EvaluateRound<true>(now, anchor60, anchor10, &report)
          : EvaluateRound<false>(now, anchor60, anchor10, &report);
  report.evaluated += minute_evaluated;
  return report;
}

bool AlarmEvaluator::EvaluateOther(uint32_t slot, absl::Time now,
                                   int64_t anchor60, int64_t anchor10,
                                   EvaluationReport* report) {
  HotAlarm& h = hot_[slot];
  if (h.window != 0) {
    PrefetchSliding(hot_.data(), static_cast<uint32_t>(hot_.size()), slot);
  }
  if (!h.live) return false;
  const int64_t anchor = h.granularity_seconds == 60 ? anchor60 : anchor10;
  if (anchor <= h.last_slot) return false;
  if (h.path != AlarmPath::kStandard || h.r > 64) {
    EvaluateOne(slot, now, anchor, report);
    return true;
  }
  if ((h.fast == FastPath::kSliding || h.fast == FastPath::kSlidingWide) &&
      h.last_slot == anchor - 60) {
    // A sliding alarm one minute on: DecideSlidingMinute, without the
    // calls of the general path (DecideStandard tries it too).
    Decision d;
    const MinuteResult result =
        DecideSlidingMinute(store_->PrepareMinute(anchor - 60), anchor, h, &d);
    if (result != kMinuteSlow) {
      ++report->evaluated;
      if (result == kMinuteDone) return false;
      EnsureScratch(h.r);
      FinishStandard(slot, now, anchor, d, report);
      return true;
    }
  }
  // The standard path, as EvaluateStandardIncremental, without the calls.
  const int64_t previous_slot = h.last_slot;
  h.last_slot = anchor;
  ++report->evaluated;
  EnsureScratch(h.r);
  Decision d;
  int from = 0;
  if (DecideStandard(h, anchor, previous_slot, bucket_scratch_.data(), &d,
                     &from)) {
    FinishStandard(slot, now, anchor, d, report);
    return true;
  }
  return false;
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
  EnsureScratch(h.r);
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
  // The reason reads the shape and the threshold only: no spec rebuilt.
  BuildStateReasonInto(ShapeOf(slot), ReasonThreshold(slot), range_scratch_,
                       d, *d.state, now, options_.reason_form,
                       &reason_scratch_, &reason_data_scratch_);
  // RecentValues: the real datapoints among the N newest, newest first.
  recent_scratch_.clear();
  for (int i = h.r - 1; i >= 0 && i >= h.r - h.n; --i) {
    if (range_scratch_[i].present) {
      recent_scratch_.push_back(range_scratch_[i].value);
    }
  }
  ApplyStateChange(slot, *d.state, reason_scratch_, reason_data_scratch_, now,
                   report, recent_scratch_, /*reason_is_clean=*/true);
}

uint64_t AlarmEvaluator::AcquireWide(size_t words) {
  uint32_t index;
  if (!wide_free_.empty()) {
    index = wide_free_.back();
    wide_free_.pop_back();
  } else {
    index = static_cast<uint32_t>(wide_pool_.size());
    wide_pool_.emplace_back();
  }
  wide_pool_[index].assign(words, 0);
  return index;
}

uint32_t AlarmEvaluator::AcquireWindow() {
  uint32_t index;
  if (!windows_free_.empty()) {
    index = windows_free_.back();
    windows_free_.pop_back();
  } else {
    index = static_cast<uint32_t>(windows_.size());
    if (windows_.size() == windows_.capacity()) {
      // Grown as hot_ is (PutMetricAlarm), capped at the alarms Reserve
      // announced (when more are to come): a load of N sliding alarms after
      // Reserve(N) ends with N windows and no slack.
      size_t grow = internal::NextPerMetricCapacity(windows_.capacity());
      if (reserved_alarms_ > windows_.size()) {
        grow = std::min(grow, reserved_alarms_);
      }
      windows_.reserve(grow);
    }
    windows_.emplace_back();
  }
  windows_[index] = MetricStore::RunningWindow();
  return index;
}

void AlarmEvaluator::ReleaseWide(HotAlarm& h) {
  if (h.window != 0) {
    windows_free_.push_back(h.window - 1);
    h.window = 0;
  }
  if (h.fast != FastPath::kSlidingWide) return;
  wide_pool_[h.present_mask] = std::vector<uint64_t>();
  wide_free_.push_back(static_cast<uint32_t>(h.present_mask));
  h.fast = FastPath::kNone;
  h.present_mask = 0;
}

// The per-minute verdicts of a sliding alarm by age (age j: the window
// ending j minutes before its last evaluation), for ages below `bits`;
// every bit of an age at or past `bits` is zero. kSliding: the record's
// two words, age j at bit j, shifted up each minute. kSlidingWide: two
// rings of `words` words (a power of two) in wide_pool_[present_mask], and
// in breaching_mask the ring word: the position of age 0 (bits 0-15), how
// many ages breach (16-31), the rings' position mask 64 x words - 1
// (32-47) and `bits` (48-63). A minute moves the head and clears two bits
// instead of shifting every word of both masks; whether any age breaches
// is a test of the count instead of an OR over the ring; and the steady
// step (ShiftInSlidingWide) finds all it needs in the hot record.
class AlarmEvaluator::MinuteBits {
 public:
  // The ring word's fields (kSlidingWide).
  static constexpr uint64_t kHeadBits = 0xffff;
  static constexpr int kCountShift = kRingCountShift;
  static constexpr int kMaskShift = kRingMaskShift;
  static constexpr int kBitsShift = kRingBitsShift;

  MinuteBits(uint64_t* present, uint64_t* breaching, uint64_t* head,
             int words, int bits)
      : present_(present),
        breaching_(breaching),
        head_(head),
        words_(words),
        bits_(bits) {}
  bool Present(int age) const { return Test(present_, Pos(age)); }
  bool Breaching(int age) const { return Test(breaching_, Pos(age)); }
  // Sets age `age` (< bits) to the given verdict.
  void Assign(int age, bool present, bool breach) {
    const int p = Pos(age);
    const uint64_t bit = uint64_t{1} << (p & 63);
    if (head_ != nullptr) {
      // Keep the breaching count: minus the old bit, plus the new one.
      const uint64_t old = (breaching_[p >> 6] >> (p & 63)) & 1;
      *head_ = *head_ - (old << kCountShift) +
               (uint64_t{breach} << kCountShift);
    }
    present_[p >> 6] = (present_[p >> 6] & ~bit) | (present ? bit : 0);
    breaching_[p >> 6] = (breaching_[p >> 6] & ~bit) | (breach ? bit : 0);
  }
  // One minute on: every age grows by one, the one reaching `bits` is
  // dropped, and age 0 is cleared (missing until assigned).
  void Advance() {
    if (head_ == nullptr) {
      const uint64_t keep = ~uint64_t{0} >> (64 - bits_);
      *present_ = (*present_ << 1) & keep;
      *breaching_ = (*breaching_ << 1) & keep;
      return;
    }
    *head_ = (*head_ & ~kHeadBits) | ((*head_ + 1) & Mask());
    Assign(bits_, false, false);  // The age that leaves (bits <= 64 words).
    Assign(0, false, false);
  }
  void Clear() {
    for (int i = 0; i < words_; ++i) present_[i] = breaching_[i] = 0;
    // Head and count; the mask and `bits` stay.
    if (head_ != nullptr) *head_ &= ~uint64_t{0xffffffff};
  }
  // Whether any age breaches.
  bool AnyBreaching() const {
    if (head_ != nullptr) return ((*head_ >> kCountShift) & 0xffff) != 0;
    return *breaching_ != 0;
  }
  // Whether ages 0, steps, ..., (n - 1) steps all have a datapoint and none
  // breaches.
  bool NewestSteady(int n, int steps) const {
    uint64_t all = 1;
    for (int k = 0, j = 0; k < n; ++k, j += steps) {
      const int p = Pos(j);
      all &= (present_[p >> 6] & ~breaching_[p >> 6]) >> (p & 63);
    }
    return all != 0;
  }

 private:
  uint64_t Mask() const { return 64 * static_cast<uint64_t>(words_) - 1; }
  int Pos(int age) const {
    if (head_ == nullptr) return age;
    return static_cast<int>((*head_ - static_cast<uint64_t>(age)) & Mask());
  }
  static bool Test(const uint64_t* w, int p) {
    return (w[p >> 6] >> (p & 63)) & 1;
  }
  uint64_t* present_;
  uint64_t* breaching_;
  uint64_t* head_;  // The ring word; null for kSliding.
  int words_;
  int bits_;
};

inline AlarmEvaluator::MinuteBits AlarmEvaluator::BitsOf(HotAlarm& h) const {
  const int bits = (h.r - 1) * SlidingSteps(h) + 1;
  if (h.fast != FastPath::kSlidingWide) {
    return MinuteBits(&h.present_mask, &h.breaching_mask, nullptr, 1, bits);
  }
  std::vector<uint64_t>& w = wide_pool_[h.present_mask];
  const int words = static_cast<int>(w.size() / 2);
  return MinuteBits(w.data(), w.data() + words, &h.breaching_mask, words,
                    bits);
}

namespace {

// The steady state of most alarms: the N newest buckets all have a
// datapoint and none breaches. That is spec 3.4 step 1 with B = 0, so OK:
// what DecideMasks concludes, without counting bits.
inline bool AllPresentNoneBreaching(VerdictMasks m, int n) {
  const uint64_t newest_n = n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
  return (m.present & newest_n) == newest_n && (m.breaching & newest_n) == 0;
}
// Population count (the build does not assume the POPCNT instruction, and
// __builtin_popcountll would then be a library call): the SWAR sum.
inline int PopcountNewest(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
  return static_cast<int>((x * 0x0101010101010101ull) >> 56);
}
// Bits 0, s, 2s, ... of a word, for s in [1, 64] (entry 0 unused).
constexpr std::array<uint64_t, 65> MakeEveryStep() {
  std::array<uint64_t, 65> masks{};
  for (int s = 1; s <= 64; ++s) {
    for (int j = 0; j < 64; j += s) masks[s] |= uint64_t{1} << j;
  }
  return masks;
}
constexpr std::array<uint64_t, 65> kEveryStep = MakeEveryStep();
// The verdict bits of a one-word sliding alarm's N newest range buckets:
// bits 0, s, ..., (N-1) s (s = Period / 60 minutes; (N-1) s < 64 since N
// <= R and s + 1 <= 64), without a loop over N.
inline uint64_t NewestBucketBits(int n, int steps) {
  const int top = (n - 1) * steps;  // In [0, 63].
  return kEveryStep[std::min(steps, 64)] & (~uint64_t{0} >> (63 - top));
}
// The k low bits of a word, k in [0, 64]: a load instead of the shift
// and its count (the minute path takes the masks of R and N this way).
constexpr std::array<uint64_t, 65> MakeLowBits() {
  std::array<uint64_t, 65> masks{};
  for (int k = 1; k <= 64; ++k) masks[k] = ~uint64_t{0} >> (64 - k);
  return masks;
}
constexpr std::array<uint64_t, 65> kLowBits = MakeLowBits();
inline Decision SteadyOk(int n) {
  Decision d;
  d.state = AlarmState::kOk;
  d.basis = DecisionBasis::kRealData;
  d.used_real = n;
  return d;
}

// The newest bucket's verdict as DecideMinute shifts it in: bit 0 set when
// `set` has a datapoint, bit 1 when that datapoint also breaches, i.e.
// IsBreaching(op, StatisticOfNonEmpty(statistic, set), threshold). One
// switch over statistic and operator together: a single dispatch (one
// indirect jump) where the two switches took two, with each case's
// statistic and comparison known at compile time. Operators outside the
// four static ones never breach (IsBreaching's default), as do statistics
// outside the enum (StatisticOfNonEmpty's NaN).
template <Statistic kStatistic, ComparisonOperator kOp>
inline __attribute__((always_inline)) unsigned BreachBit(
    const StatisticSet& set, double threshold) {
  return IsBreaching(kOp, StatisticOfNonEmpty(kStatistic, set), threshold)
             ? 2u
             : 0u;
}
static_assert(static_cast<unsigned>(Statistic::kMaximum) < 8 &&
                  static_cast<unsigned>(
                      ComparisonOperator::kGreaterThanUpperThreshold) < 8,
              "NewestVerdict keys statistic x 8 + operator");
inline __attribute__((always_inline)) unsigned NewestVerdict(
    Statistic statistic, ComparisonOperator op, const StatisticSet& set,
    double threshold) {
  if (set.empty()) return 0;
  using S = Statistic;
  using O = ComparisonOperator;
  constexpr O kGe = O::kGreaterThanOrEqualToThreshold;
  constexpr O kGt = O::kGreaterThanThreshold;
  constexpr O kLt = O::kLessThanThreshold;
  constexpr O kLe = O::kLessThanOrEqualToThreshold;
  constexpr auto key = [](S s, O o) {
    return static_cast<unsigned>(s) * 8 + static_cast<unsigned>(o);
  };
  unsigned breach = 0;
  switch (static_cast<unsigned>(statistic) * 8 + static_cast<unsigned>(op)) {
#define CWALARM_VERDICT_CASES(stat)                                   \
  case key(stat, kGe):                                                \
    breach = BreachBit<stat, kGe>(set, threshold);                    \
    break;                                                            \
  case key(stat, kGt):                                                \
    breach = BreachBit<stat, kGt>(set, threshold);                    \
    break;                                                            \
  case key(stat, kLt):                                                \
    breach = BreachBit<stat, kLt>(set, threshold);                    \
    break;                                                            \
  case key(stat, kLe):                                                \
    breach = BreachBit<stat, kLe>(set, threshold);                    \
    break;
    CWALARM_VERDICT_CASES(S::kSampleCount)
    CWALARM_VERDICT_CASES(S::kAverage)
    CWALARM_VERDICT_CASES(S::kSum)
    CWALARM_VERDICT_CASES(S::kMinimum)
    CWALARM_VERDICT_CASES(S::kMaximum)
#undef CWALARM_VERDICT_CASES
    default:
      break;
  }
  return 1u | breach;
}

}  // namespace

VerdictMasks AlarmEvaluator::RangeMasks(const HotAlarm& h) const {
  if (h.fast != FastPath::kSliding && h.fast != FastPath::kSlidingWide) {
    return VerdictMasks{h.present_mask, h.breaching_mask};
  }
  const int steps = SlidingSteps(h);
  if (h.fast == FastPath::kSliding) {  // One word each: every s-th bit.
    VerdictMasks m;
    uint64_t p = h.present_mask;
    uint64_t b = h.breaching_mask;
    for (int k = 0; k < h.r; ++k, p >>= steps, b >>= steps) {
      m.present |= (p & 1) << k;
      m.breaching |= (b & 1) << k;
    }
    return m;
  }
  const MinuteBits bits = BitsOf(const_cast<HotAlarm&>(h));
  VerdictMasks m;
  for (int k = 0; k < h.r; ++k) {
    m.present |= uint64_t{bits.Present(k * steps)} << k;
    m.breaching |= uint64_t{bits.Breaching(k * steps)} << k;
  }
  return m;
}

bool AlarmEvaluator::DecideSliding(HotAlarm& h, int64_t anchor,
                                   int64_t previous_slot,
                                   StatisticSet* scratch, Decision* d) const {
  const int r = h.r;
  const int64_t period = h.period_seconds;
  const int steps = static_cast<int>(period / 60);
  const int bits = (r - 1) * steps + 1;
  MinuteBits minutes = BitsOf(h);
  std::optional<Unit> unit;
  if (h.unit != kAnyUnit) unit = static_cast<Unit>(h.unit);
  // Running totals (two searches a window) pay off over a walk for long
  // windows only; MakeHot enables them for exactly these alarms, which no
  // longer include sliding ones (they keep a running window, so this is
  // false here unless an alarm has none).
  const bool count_sum = UsesRunningTotals(h);
  // `count` consecutive windows of one period, the newest ending at `end`,
  // into scratch[0, count) (oldest first).
  auto aggregate = [&](int64_t end, int count) {
    const absl::Span<StatisticSet> sets(scratch, static_cast<size_t>(count));
    const int64_t first = end - count * period;
    if (!(count_sum &&
          store_->AggregateCountSumAt(h.metric, unit, first, period, sets))) {
      if (count == 1) {
        store_->AggregateWindowAt(h.metric, unit, first, period, scratch);
      } else {
        store_->AggregateBucketsAt(h.metric, unit, first, period, sets);
      }
    }
  };
  // The newest window, from the alarm's running window (the cells leaving
  // and entering since the previous minute; the store re-walks when it
  // cannot tell). Minimum and Maximum take the window's cells from its
  // cursor: no search, but a walk (choice: no running extremes, whose
  // upkeep when the extreme leaves would cost more code than the few cells
  // of a P300 window).
  auto newest = [&]() {
    if (h.window == 0) {
      aggregate(anchor, 1);
      return;
    }
    const bool extremes = h.statistic == Statistic::kMinimum ||
                          h.statistic == Statistic::kMaximum;
    // h.seen_epoch is the read epoch of the window's last aggregation:
    // every evaluation that sets it aggregates the window too.
    store_->AggregateRunningWindowAt(h.metric, unit, anchor - period, period,
                                     extremes, h.seen_epoch,
                                     &windows_[h.window - 1], scratch);
  };
  auto verdict = [&](const StatisticSet& set, bool* breach) {
    if (set.empty()) return false;
    *breach = IsBreaching(h.op, *ComputeStatistic(h.statistic, set), h.threshold);
    return true;
  };
  // After the shift, window j ends at anchor - 60 j. A cell written since
  // the cached read, at or after `changed`, lies only in windows that end
  // after it: the `redo` newest ones (just the new window when every write
  // is at or after previous_slot, the common case).
  int redo = bits;
  if (h.seen_epoch != 0 && previous_slot != INT64_MIN &&
      anchor - previous_slot == 60 &&
      anchor - int64_t{r} * period >= eval_dropped_before_) {
    const int64_t changed =
        store_->EarliestCellWrittenSince(h.metric, h.seen_epoch);
    if (changed == MetricStore::kNoChange || changed >= previous_slot) {
      redo = 1;
    } else if (changed != MetricStore::kUnknownChange) {
      redo = static_cast<int>(
          std::min<int64_t>(bits, (anchor - changed + 59) / 60));
    }
  }
  if (redo <= 2 * r) {
    minutes.Advance();
    for (int j = 0; j < redo; ++j) {
      if (j == 0) {
        newest();
      } else {
        aggregate(anchor - 60 * int64_t{j}, 1);
      }
      bool breach = false;
      const bool present = verdict(scratch[0], &breach);
      minutes.Assign(j, present, present && breach);
    }
  } else {
    // Every window j in [0, bits): for each offset o < s, the windows
    // ending at anchor - 60 o - k P are consecutive buckets.
    minutes.Clear();
    for (int o = 0; o < steps && o < bits; ++o) {
      const int count = (bits - 1 - o) / steps + 1;  // <= r <= 64.
      aggregate(anchor - 60 * int64_t{o}, count);
      for (int i = 0; i < count; ++i) {
        const int j = o + (count - 1 - i) * steps;
        bool breach = false;
        if (verdict(scratch[i], &breach)) minutes.Assign(j, true, breach);
      }
    }
    // Start the running window here too, so that the next minute takes
    // DecideSlidingMinute's short step rather than a walk (the set is the
    // newest window's again, bit for bit: its verdict stands).
    if (h.window != 0) newest();
  }
  h.seen_epoch = eval_epoch_;
  const bool repeat = (h.repeat_states & (1u << static_cast<int>(h.state))) != 0;
  if (h.fast == FastPath::kSliding) {
    // The steady test straight on the verdict word: the N newest range
    // buckets are bits 0, s, ..., (N-1) s, so AllPresentNoneBreaching of
    // RangeMasks without gathering the bits.
    const uint64_t newest_n = NewestBucketBits(h.n, steps);
    if ((h.present_mask & newest_n) == newest_n &&
        (h.breaching_mask & newest_n) == 0) {
      if (h.state == AlarmState::kOk && !repeat) return false;
      *d = SteadyOk(h.n);
      return true;
    }
  }
  if (h.fast == FastPath::kSlidingWide) {
    // The same test on the wide rings, reading the N newest buckets' bits
    // only (RangeMasks gathers all R of both masks).
    if (minutes.NewestSteady(h.n, steps)) {
      if (h.state == AlarmState::kOk && !repeat) return false;
      *d = SteadyOk(h.n);
      return true;
    }
  }
  const VerdictMasks masks = RangeMasks(h);
  if (AllPresentNoneBreaching(masks, h.n)) {
    if (h.state == AlarmState::kOk && !repeat) return false;
    *d = SteadyOk(h.n);
    return true;
  }
  *d = DecideMasks(masks, r, h.n, h.m, h.tmd);
  const bool changes = d->state.has_value() && *d->state != h.state;
  return changes || repeat;
}

bool AlarmEvaluator::DecideStandard(HotAlarm& h, int64_t anchor,
                                    int64_t previous_slot,
                                    StatisticSet* scratch, Decision* d,
                                    int* from_out) const {
  if (h.fast == FastPath::kSliding || h.fast == FastPath::kSlidingWide) {
    *from_out = 0;
    if (previous_slot == anchor - 60) {
      // The caller has set h.last_slot to anchor already; so does this.
      const MinuteResult result = DecideSlidingMinute(
          store_->PrepareMinute(anchor - 60), anchor, h, d);
      if (result != kMinuteSlow) return result == kMinuteCold;
    }
    return DecideSliding(h, anchor, previous_slot, scratch, d);
  }
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
    // A bucket of many cells (a daily Period sliding by a minute, so the
    // masks cannot shift): SampleCount, Sum and Average from the store's
    // running totals, which give exactly what the walk over the cells
    // gives, or say they cannot (then the walk).
    // (The common cases no longer come here: a Period-60 alarm one minute
    // after its last evaluation takes DecideMinute, and sliding windows of
    // up to 512 minutes DecideSliding.)
    const bool count_sum = UsesRunningTotals(h);
    if (!(count_sum &&
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
  if (AllPresentNoneBreaching(VerdictMasks{present, breaching}, h.n)) {
    *d = SteadyOk(h.n);
  } else {
    *d = DecideMasks(VerdictMasks{present, breaching}, r, h.n, h.m, h.tmd);
  }
  *from_out = from;
  const bool changes = d->state.has_value() && *d->state != h.state;
  return changes || (h.repeat_states & (1u << static_cast<int>(h.state)));
}

AlarmEvaluator::MinutePass AlarmEvaluator::MakeMinutePass(
    int64_t anchor60) const {
  // The largest R with anchor60 - R x 60 >= eval_dropped_before_ (R <= 64
  // on the minute path), without overflow for INT64_MIN.
  const int64_t dropped = eval_dropped_before_;
  int max_r;
  if (dropped > anchor60) {
    max_r = -1;
  } else {
    // anchor60 - dropped, exactly, in [0, 2^64).
    const uint64_t span =
        static_cast<uint64_t>(anchor60) - static_cast<uint64_t>(dropped);
    max_r = static_cast<int>(std::min<uint64_t>(64, span / 60));
  }
  return MinutePass{store_->PrepareMinute(anchor60 - 60), anchor60,
                    eval_epoch_, max_r};
}

// Forced inline into both evaluation loops (GCC and Clang): an
// out-of-line call, its register saves included, was ~15 of the ~190
// instructions of a steady Period-60 evaluation (callgrind).
inline __attribute__((always_inline)) AlarmEvaluator::MinuteResult
AlarmEvaluator::DecideMinute(const MinutePass& pass, HotAlarm& h,
                             Decision* d, bool range_kept) const {
  // Preconditions (the caller's): h.fast is kMinute, h.live, h.last_slot is
  // pass.anchor - 60. The cached verdicts must exist and every bucket of
  // the range must be on cells the store still has.
  const int r = h.r;
  if (h.seen_epoch == 0 || (!range_kept && r > pass.max_r)) {
    return kMinuteSlow;
  }
  static_assert(kAnyUnit == MetricStore::MinuteQuery::kAnyUnit,
                "HotAlarm::unit is handed to the store's query as is");
  StatisticSet set;
  if (!pass.q.NewCell(h.metric, h.unit, h.seen_epoch, &set)) {
    return kMinuteSlow;
  }
  // Shift in the new bucket (bit 0, age 1), as DecideStandard does,
  // without a branch on its verdict. R and N are 1..64
  // (AlarmSpec::Validate; the minute path needs R <= 64).
  const uint64_t range_bits = kLowBits[r];
  const unsigned verdict = NewestVerdict(h.statistic, h.op, set, h.threshold);
  // (Written in two shapes on purpose: as twins, GCC pairs them in one
  // vector register and spills it.)
  const uint64_t present =
      ((h.present_mask << 1) & range_bits) | (verdict & 1u);
  const uint64_t breaching =
      ((h.breaching_mask << 1) | (verdict >> 1)) & range_bits;
  h.present_mask = present;
  h.breaching_mask = breaching;
  // pass.anchor, as one add to memory (the loop then keeps no anchor).
  h.last_slot += 60;
  h.seen_epoch = pass.epoch;
  const auto repeats = [&h] {
    return (h.repeat_states & (1u << static_cast<int>(h.state))) != 0;
  };
  // The steady state of most alarms, decided first: an OK alarm (without
  // a re-invocation on OK) with no breaching bucket in its range and a
  // datapoint in it stays OK (DecideMasks' state, without the call)
  // unless missing data counts as breaching and one of its N newest
  // buckets is missing. With the N newest all present that is spec 3.4
  // step 1 with B = 0 (whatever TreatMissingData). With one missing and
  // missing data not breaching, spec 3.4 concludes OK whenever there is a
  // real datapoint (step 2 notBreaching: 0 >= M fails; missing/ignore:
  // partial data, 0 breaching, and the premature-alarm rule needs every
  // real datapoint to breach).
  // (Every bucket of the range present, the usual case, implies the N
  // newest; tested first as it needs neither N nor TreatMissingData.)
  if (breaching == 0 && h.state == AlarmState::kOk &&
      (h.repeat_states & (1u << static_cast<int>(AlarmState::kOk))) == 0) {
    if (present == range_bits) return kMinuteDone;
    if (present != 0 && (h.tmd != TreatMissingData::kBreaching ||
                         (present & kLowBits[h.n]) == kLowBits[h.n])) {
      return kMinuteDone;
    }
  }
  const uint64_t newest_n = kLowBits[h.n];
  if ((present & newest_n) == newest_n) {
    // The N newest buckets all have a datapoint, so spec 3.4 step 1
    // decides (TreatMissingData irrelevant): ALARM when at least M of them
    // breach, else OK. First none breaching (AllPresentNoneBreaching): OK
    // without counting bits; then all N breaching (N >= M): ALARM without
    // counting either; then the crossing alarms' case, DecideMasks' answer
    // (same Decision fields) without the call and its counts over the
    // whole range.
    if ((breaching & newest_n) == 0) {
      if (h.state == AlarmState::kOk && !repeats()) return kMinuteDone;
      *d = SteadyOk(h.n);
      return kMinuteCold;
    }
    const int b = (breaching & newest_n) == newest_n
                      ? int{h.n}
                      : PopcountNewest(breaching & newest_n);
    const AlarmState s = b >= h.m ? AlarmState::kAlarm : AlarmState::kOk;
    if (s == h.state && !repeats()) return kMinuteDone;
    *d = Decision();
    d->state = s;
    d->basis = DecisionBasis::kRealData;
    d->used_real = h.n;
    d->breaching = b;
    return kMinuteCold;
  }
  const bool repeat = repeats();
  *d = DecideMasks(VerdictMasks{present, breaching}, r, h.n, h.m, h.tmd);
  const bool changes = d->state.has_value() && *d->state != h.state;
  return changes || repeat ? kMinuteCold : kMinuteDone;
}

inline __attribute__((always_inline)) AlarmEvaluator::MinuteResult
AlarmEvaluator::DecideSlidingSteady(const MinutePass& pass, HotAlarm& h,
                                    Decision* d) const {
  const int64_t period = h.period_seconds;
  // Sliding alarms always have a window (MakeHot).
  if (h.seen_epoch != 0 &&
      h.statistic != Statistic::kMinimum &&
      h.statistic != Statistic::kMaximum &&
      pass.anchor - int64_t{h.r} * period >= eval_dropped_before_) {
    MetricStore::RunningWindow& w = windows_[h.window - 1];
    StatisticSet set;
    if (store_->StepRunningWindowMinute(h.metric, h.unit, pass.q, period,
                                        h.seen_epoch, &w, &set)) {
      return ShiftInSlidingMinute(pass.anchor, set, h, d);
    }
  }
  return DecideSlidingMinute(pass.q, pass.anchor, h, d);
}

AlarmEvaluator::MinuteResult AlarmEvaluator::DecideSlidingMinute(
    const MetricStore::MinuteQuery& q, int64_t anchor, HotAlarm& h,
    Decision* d) const {
  // Preconditions (the caller's): h.fast is kSliding or kSlidingWide,
  // h.live, the previous evaluation at anchor - 60. The rest is
  // DecideSliding's test for redo = 1: cached verdicts, the range on cells
  // the store still has, and no cell written since before the previous
  // anchor.
  const int r = h.r;
  const int64_t period = h.period_seconds;
  if (h.seen_epoch == 0 || h.window == 0 ||
      anchor - int64_t{r} * period < eval_dropped_before_) {
    return kMinuteSlow;
  }
  MetricStore::RunningWindow& w = windows_[h.window - 1];
  StatisticSet set;
  // The steady step: the window was aggregated with the verdicts (in
  // epoch h.seen_epoch), so the store's test that nothing was written
  // before its end since is the verdicts' test too. Minimum and Maximum
  // walk the window.
  const bool extremes =
      h.statistic == Statistic::kMinimum || h.statistic == Statistic::kMaximum;
  if (extremes ||
      !store_->StepRunningWindowMinute(h.metric, h.unit, q, period,
                                       h.seen_epoch, &w, &set)) {
    if (!store_->WrittenSinceAtOrAfter(h.metric, h.seen_epoch, anchor - 60)) {
      return kMinuteSlow;
    }
    std::optional<Unit> unit;
    if (h.unit != kAnyUnit) unit = static_cast<Unit>(h.unit);
    store_->AggregateRunningWindowAt(h.metric, unit, anchor - period, period,
                                     extremes, h.seen_epoch, &w, &set);
  }
  return ShiftInSlidingMinute(anchor, set, h, d);
}

inline __attribute__((always_inline)) AlarmEvaluator::MinuteResult
AlarmEvaluator::ShiftInSlidingMinute(int64_t anchor, const StatisticSet& set,
                                     HotAlarm& h, Decision* d) const {
  uint64_t present_now = 0;
  uint64_t breach_now = 0;
  if (!set.empty()) {
    present_now = 1;
    breach_now =
        IsBreaching(h.op, StatisticOfNonEmpty(h.statistic, set), h.threshold);
  }
  h.last_slot = anchor;
  h.seen_epoch = eval_epoch_;
  if (h.fast != FastPath::kSliding) {
    return ShiftInSlidingWide(present_now, breach_now, h, d);
  }
  // Shift in the new window (bit 0), as DecideSliding does: bits <= 64,
  // one word each.
  const int steps = SlidingSteps(h);
  const int bits = (h.r - 1) * steps + 1;
  const uint64_t keep = ~uint64_t{0} >> (64 - bits);
  const uint64_t present = ((h.present_mask << 1) & keep) | present_now;
  const uint64_t breaching = ((h.breaching_mask << 1) & keep) | breach_now;
  h.present_mask = present;
  h.breaching_mask = breaching;
  // The N newest range buckets are bits 0, s, ..., (N-1) s.
  const uint64_t newest_n = NewestBucketBits(h.n, steps);
  if ((present & newest_n) == newest_n && (breaching & newest_n) == 0) {
    if (h.state == AlarmState::kOk &&
        !(h.repeat_states & (1u << static_cast<int>(h.state)))) {
      return kMinuteDone;
    }
    *d = SteadyOk(h.n);
    return kMinuteCold;
  }
  return DecideSlidingMasks(breaching == 0 && present_now != 0, h, d);
}

inline __attribute__((always_inline)) AlarmEvaluator::MinuteResult
AlarmEvaluator::ShiftInSlidingWide(
    uint64_t present_now, uint64_t breach_now, HotAlarm& h,
    Decision* d) const {
  // MinuteBits::Advance and Assign(0, ...) on the rings, with the ring word
  // (head, breaching count, mask, bits) in a register.
  const uint64_t ring = h.breaching_mask;
  const uint64_t mask = (ring >> MinuteBits::kMaskShift) & 0xffff;
  const uint64_t bits = ring >> MinuteBits::kBitsShift;
  const uint64_t head = (ring + 1) & mask;
  uint64_t breaching_count = (ring >> MinuteBits::kCountShift) & 0xffff;
  uint64_t* const present = wide_pool_[h.present_mask].data();
  uint64_t* const breaching = present + (mask + 1) / 64;
  const uint64_t leaving = (head - bits) & mask;
  const uint64_t leaving_bit = uint64_t{1} << (leaving & 63);
  present[leaving >> 6] &= ~leaving_bit;
  if (breaching_count != 0) {  // Else the breaching ring is all clear.
    breaching_count -= (breaching[leaving >> 6] >> (leaving & 63)) & 1;
    breaching[leaving >> 6] &= ~leaving_bit;
  }
  // Age `bits` and older are clear, so the new head's bits are (it is the
  // position that just left when the ring holds exactly `bits`).
  present[head >> 6] |= present_now << (head & 63);
  if (breach_now != 0) {
    breaching[head >> 6] |= uint64_t{1} << (head & 63);
    ++breaching_count;
  }
  h.breaching_mask = (ring & ~uint64_t{0xffffffff}) |
                     (breaching_count << MinuteBits::kCountShift) | head;
#ifndef NDEBUG
  uint64_t counted = 0;
  for (uint64_t i = 0; i <= mask / 64; ++i) {
    counted += PopcountNewest(breaching[i]);
  }
  assert(counted == breaching_count);
#endif
  const bool repeat =
      (h.repeat_states & (1u << static_cast<int>(h.state))) != 0;
  // An OK alarm none of whose minutes breaches, the newest with a
  // datapoint, stays OK unless missing data breaches (DecideSlidingMasks'
  // quiet case, which also holds when the N newest are all present): the
  // ring's breaching count instead of the N bits' test below.
  const bool quiet = breaching_count == 0 && present_now != 0;
  if (quiet && h.state == AlarmState::kOk && !repeat &&
      h.tmd != TreatMissingData::kBreaching) {
    return kMinuteDone;
  }
  // MinuteBits::NewestSteady.
  const int steps = SlidingSteps(h);
  uint64_t all = 1;
  for (int k = 0, j = 0; k < h.n; ++k, j += steps) {
    const uint64_t p = (head - static_cast<uint64_t>(j)) & mask;
    all &= (present[p >> 6] & ~breaching[p >> 6]) >> (p & 63);
  }
  if (all != 0) {
    if (h.state == AlarmState::kOk && !repeat) return kMinuteDone;
    *d = SteadyOk(h.n);
    return kMinuteCold;
  }
  return DecideSlidingMasks(quiet, h, d);
}

AlarmEvaluator::MinuteResult AlarmEvaluator::DecideSlidingMasks(
    bool quiet, HotAlarm& h, Decision* d) const {
  const bool repeat =
      (h.repeat_states & (1u << static_cast<int>(h.state))) != 0;
  // No window of the history breaches and the newest has a datapoint, so
  // the range has a real datapoint and none breaching: an OK alarm stays
  // OK unless missing data counts as breaching (DecideMinute's reasoning,
  // spec 3.4), without gathering the range's bits.
  if (quiet && h.tmd != TreatMissingData::kBreaching &&
      h.state == AlarmState::kOk && !repeat) {
    return kMinuteDone;
  }
  *d = DecideMasks(RangeMasks(h), h.r, h.n, h.m, h.tmd);
  const bool changes = d->state.has_value() && *d->state != h.state;
  return changes || repeat ? kMinuteCold : kMinuteDone;
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
  const VerdictMasks masks = RangeMasks(h);
  const uint64_t present = masks.present;
  const uint64_t breaching = masks.breaching;
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

// Helper threads parked between Evaluate(now, threads) calls: Run(task)
// runs task(1) .. task(n-1) on them and task(0) on the caller, and returns
// when all are done. Starting threads per call cost ~50-100 us a round,
// a visible share of a round of 1e4-1e5 alarms.
class AlarmEvaluator::ShardPool {
 public:
  explicit ShardPool(size_t shards) : shards_(shards) {
    for (size_t i = 1; i < shards; ++i) {
      workers_.emplace_back([this, i] { Work(i); });
    }
  }
  ~ShardPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    start_.notify_all();
    for (std::thread& w : workers_) w.join();
  }
  size_t shards() const { return shards_; }

  void Run(const std::function<void(size_t)>& task) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      task_ = &task;
      pending_ = shards_ - 1;
      ++generation_;
    }
    start_.notify_all();
    task(0);
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [this] { return pending_ == 0; });
    task_ = nullptr;
  }

 private:
  void Work(size_t shard) {
    uint64_t seen = 0;
    while (true) {
      const std::function<void(size_t)>* task;
      {
        std::unique_lock<std::mutex> lock(mu_);
        start_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        task = task_;
      }
      (*task)(shard);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (--pending_ == 0) done_.notify_one();
      }
    }
  }

  const size_t shards_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable start_;
  std::condition_variable done_;
  const std::function<void(size_t)>* task_ = nullptr;
  size_t pending_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
};

AlarmEvaluator::~AlarmEvaluator() = default;

EvaluationReport AlarmEvaluator::Evaluate(absl::Time now, int threads) {
  const size_t slots = hot_.size();
  if (threads <= 1 || slots < 2) return Evaluate(now);
  const size_t shards = std::min(static_cast<size_t>(threads), slots);
  const int64_t now_s = absl::ToUnixSeconds(now);
  const int64_t anchor60 = FloorToMultiple(now_s, 60);
  const int64_t anchor10 = FloorToMultiple(now_s, 10);
  eval_epoch_ = store_->BeginReadEpoch();
  eval_dropped_before_ = store_->dropped_before_seconds();
  // Shards do no cold work (the calling thread does it afterwards), so the
  // pass and the records' base stay valid for the whole parallel part.
  const MinutePass pass = MakeMinutePass(anchor60);
  HotAlarm* const hot = hot_.data();
  // What the calling thread still has to do, per shard, in slot order:
  // the cold half of a standard alarm (with its decision), or a whole
  // non-standard evaluation (`standard` false).
  struct Work {
    uint32_t slot;
    bool standard;
    Decision d;
  };
  // One cache line each: shards update their own counters and work lists
  // without sharing a line (false sharing cost more than the work).
  struct alignas(64) Shard {
    std::vector<Work> work;
    int evaluated = 0;
  };
  // The threads take chunks of slots from a shared counter rather than one
  // fixed half each: a helper thread that wakes late (futex wake-up of a
  // parked thread, a vCPU the host has descheduled, another process on the
  // core) had made two threads no faster than one at 1e5 alarms, where a
  // round lasts ~1 ms; now the threads that run take its share. Results
  // stay per chunk, so the calling thread's serial part below still goes in
  // slot order. About 16 chunks per thread, at most 4096 slots (1e6 alarms:
  // 245 chunks, one counter increment per ~40 us of work); small rounds get
  // chunks of a few slots, which the sharded tests then exercise.
  const uint32_t chunk = static_cast<uint32_t>(
      std::clamp<size_t>(slots / (shards * 16), 1, 4096));
  const uint32_t chunks = static_cast<uint32_t>((slots + chunk - 1) / chunk);
  std::vector<Shard> results(chunks);
  std::atomic<uint32_t> next_chunk{0};
  // The shards step over steady Period-60 alarms in the serial loop's
  // MinuteRun (which skips its range test when the store keeps every
  // range), asking for tails ahead in rounds of kPrefetchFrom alarms or
  // more, as the serial loop does. MinuteRun<true> asks for the alarm
  // kMinuteAhead slots on, so it runs up to slots - kMinuteAhead at most
  // (ask_end); a chunk's last alarms ask for the next chunk's first.
  const int64_t previous60 = anchor60 - 60;
  const uint32_t ask_end =
      slots >= kPrefetchFrom ? static_cast<uint32_t>(slots - kMinuteAhead) : 0;
  auto run = [&](size_t) {
    StatisticSet scratch[64];
    Decision d;  // Written by MinuteRun before every kMinuteCold.
    while (true) {
      const uint32_t c = next_chunk.fetch_add(1, std::memory_order_relaxed);
      if (c >= chunks) break;
      const uint32_t begin = c * chunk;
      const uint32_t end = static_cast<uint32_t>(
          std::min<size_t>(slots, size_t{begin} + chunk));
      Shard& out = results[c];
      int evaluated = 0;  // Kept in a register; stored once at the end.
      uint32_t slot = begin;
      while (slot < end) {
        MinuteResult result = kMinuteSlow;
        const uint32_t first = slot;
        slot = MinuteRuns(pass, hot, slot, ask_end, end, previous60, &d,
                          &result);
        // Every alarm the run stepped over was evaluated (kMinuteDone).
        evaluated += static_cast<int>(slot - first);
        if (slot == end) break;
        // The run's last alarm: decided (kMinuteDone never stops a run) or
        // not (kMinuteSlow: the general path below).
        const uint32_t at = slot++;
        HotAlarm& h = hot[at];
        if (result != kMinuteSlow) {
          ++evaluated;
          if (result == kMinuteCold) out.work.push_back(Work{at, true, d});
          continue;
        }
        if (!h.live) continue;
        const int64_t anchor =
            h.granularity_seconds == 60 ? anchor60 : anchor10;
        if (anchor <= h.last_slot) continue;
        if (h.path != AlarmPath::kStandard || h.r > 64) {
          out.work.push_back(Work{at, false, Decision()});
          continue;
        }
        const int64_t previous_slot = h.last_slot;
        h.last_slot = anchor;
        ++evaluated;
        Decision standard;
        int from = 0;
        if (DecideStandard(h, anchor, previous_slot, scratch, &standard,
                           &from)) {
          out.work.push_back(Work{at, true, standard});
        }
      }
      out.evaluated = evaluated;
    }
  };
  if (pool_ == nullptr || pool_->shards() != shards) {
    pool_.reset();  // Joins the previous helpers first.
    pool_ = std::make_unique<ShardPool>(shards);
  }
  pool_->Run(std::function<void(size_t)>(run));

  EvaluationReport report;
  for (const Shard& shard : results) {
    report.evaluated += shard.evaluated;
    for (const Work& w : shard.work) {
      const HotAlarm& h = hot_[w.slot];
      const int64_t anchor = h.granularity_seconds == 60 ? anchor60 : anchor10;
      if (w.standard) {
        EnsureScratch(h.r);
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
  const RareCold* rare = FindRare(slot);
  assert(rare != nullptr && rare->extended.has_value());
  const ExtendedStatistic& statistic = *rare->extended;
  std::optional<Unit> unit;
  if (h.unit != kAnyUnit) unit = static_cast<Unit>(h.unit);
  sample_scratch_.resize(h.r);
  verdict_scratch_.resize(h.r);
  store_->AggregateSampleBuckets(h.metric, unit, first, period,
                                 absl::MakeSpan(sample_scratch_));
  // Spec 3.6 [OPEN], the spec's recommendation: per bucket, a low-sample
  // bucket is removed from the decision.
  const bool ignore_low =
      ShapeOf(slot).evaluate_low_sample_count_percentile.value_or("evaluate") ==
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
  StateReason reason = BuildStateReason(SpecOf(slot), range, d, *d.state, now,
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
                                      absl::Span<const double> metric_values,
                                      bool reason_is_clean) {
  AlarmStatus& status = MutableStatus(slot);
  const AlarmState old_state = status.state;
  assert(ChangesState(status, new_state));
  // The StateUpdate item reads the old reason where it is, before the new
  // one replaces it (ApplyTransition's rule, spec 4.4, without the copies a
  // StateTransition makes).
  // Built in place in the history (no item moved).
  history_internal::WriteStateUpdateItem(
      NameOf(slot), old_state, status.reason, status.reason_data, new_state,
      reason, reason_data, now, reason_is_clean, &history_.emplace_back());
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
  const AlarmSpec& shape = ShapeOf(slot);
  if (!shape.actions_enabled) return;
  const std::vector<std::string>& arns = ActionsFor(shape, new_state);
  if (arns.empty()) return;
  // The sinks read the whole spec: rebuilt once per transition with
  // actions, into a reused buffer.
  const AlarmSpec& spec = SpecScratch(slot);
  // One StateChange for every ARN of the list, in a buffer kept across
  // transitions (its strings keep their capacity).
  StateChange& change = change_scratch_;
  change.alarm = &spec;
  change.composite = nullptr;
  AppendArn(slot, &change.alarm_arn);
  change.region.assign(options_.region);
  change.account_id.assign(options_.account_id);
  change.alarm_configuration_updated = ConfigurationUpdated(slot);
  change.old_state = old_state;
  change.new_state = new_state;
  change.new_reason.assign(status.reason);
  change.new_reason_data.assign(status.reason_data);
  change.timestamp = now;
  change.repeated = false;
  change.invoked_at = now;
  change.metric_values.assign(metric_values.begin(), metric_values.end());
  change.breach_threshold = spec.threshold;
  // Each ARN runs independently; a failure is recorded and reported but
  // never undoes the transition (spec 4.2, STYLE 4).
  for (const std::string& arn : arns) {
    change.action.assign(arn);
    if (IsAutoScalingPolicyArn(arn)) {
      RareOf(slot).last_scaling_invocation = AlignDown(now, absl::Minutes(1));
    }
    RunAction(slot, change, report);
  }
}

void AlarmEvaluator::AppendArn(uint32_t slot, std::string* out) const {
  // AlarmArn's text, written into a reused string at its size.
  constexpr absl::string_view kPrefix = "arn:aws:cloudwatch:";
  constexpr absl::string_view kAlarm = ":alarm:";
  const absl::string_view region = options_.region;
  const absl::string_view account = options_.account_id;
  const absl::string_view name = NameOf(slot);
  out->resize(kPrefix.size() + region.size() + 1 + account.size() +
              kAlarm.size() + name.size());
  char* p = &(*out)[0];
  auto put = [&p](absl::string_view text) {
    if (!text.empty()) std::memcpy(p, text.data(), text.size());
    p += text.size();
  };
  put(kPrefix);
  put(region);
  *p++ = ':';
  put(account);
  put(kAlarm);
  put(name);
}

void AlarmEvaluator::RepeatScalingActions(uint32_t slot, absl::Time now,
                                          std::vector<double> metric_values,
                                          EvaluationReport* report) {
  RareCold& x = RareOf(slot);
  // Once per minute, also for high-resolution alarms evaluated every 10 s:
  // compare whole minutes so that an evaluation a little earlier in its
  // minute than the last one still counts as the next minute.
  const absl::Time minute = AlignDown(now, absl::Minutes(1));
  if (minute <= x.last_scaling_invocation) return;
  x.last_scaling_invocation = minute;
  const AlarmStatus& status = MutableStatus(slot);
  const AlarmSpec spec = SpecOf(slot);
  // The reused StateChange (as in ApplyStateChange), filled at the first
  // Auto Scaling ARN.
  StateChange& change = change_scratch_;
  bool filled = false;
  for (const std::string& arn : ActionsFor(spec, status.state)) {
    if (!IsAutoScalingPolicyArn(arn)) continue;
    if (!filled) {
      filled = true;
      change.alarm = &spec;
      change.composite = nullptr;
      AppendArn(slot, &change.alarm_arn);
      change.region.assign(options_.region);
      change.account_id.assign(options_.account_id);
      change.alarm_configuration_updated = ConfigurationUpdated(slot);
      change.old_state = status.state;
      change.new_state = status.state;
      change.new_reason.assign(status.reason);
      change.new_reason_data.assign(status.reason_data);
      change.timestamp = status.state_updated;
      change.repeated = true;
      change.invoked_at = now;
      change.metric_values.assign(metric_values.begin(), metric_values.end());
      change.breach_threshold = spec.threshold;
    }
    change.action.assign(arn);
    ++report->repeated_actions;
    RunAction(slot, change, report);
  }
}

void AlarmEvaluator::RunAction(uint32_t slot, const StateChange& change,
                               EvaluationReport* report) {
  absl::Status result = sink_->Execute(change);
  ++report->actions;
  // HistoryData keeps the transition's time (stateUpdateTimestamp); a
  // re-invocation's item is dated when it ran.
  AlarmHistoryItem& item = history_.emplace_back();
  history_internal::WriteActionItem(NameOf(slot), change.action, result,
                                    change.timestamp, &item);
  item.timestamp = change.invoked_at;
  if (!result.ok()) {
    report->action_errors.push_back(absl::Status(
        result.code(), absl::StrCat("alarm \"", NameOf(slot),
                                    "\": action ", change.action, ": ",
                                    result.message())));
  }
}

std::vector<AlarmHistoryItem> AlarmEvaluator::TakeHistory() {
  std::vector<AlarmHistoryItem> out;
  out.swap(history_);
  // A caller that takes the history every round (a replay, every minute)
  // would otherwise regrow it 1, 2, 4, 8, ... items each round, moving the
  // items at each step: make room for as many as this round had (at most
  // 64, so a burst does not stay reserved).
  if (!out.empty()) history_.reserve(std::min<size_t>(out.size(), 64));
  return out;
}

void AlarmEvaluator::HorizonTermsOf(uint32_t slot, int* g, int64_t* range,
                                    int64_t* anomaly_period) const {
  const HotAlarm& h = hot_[slot];
  *g = h.granularity_seconds == 60 ? 0 : 1;
  *range = int64_t{h.r} * int64_t{h.period_seconds};
  *anomaly_period =
      h.path == AlarmPath::kMath && ShapeOf(slot).IsAnomalyDetection()
          ? int64_t{h.period_seconds}
          : HorizonBounds::kNoBound;
}

void AlarmEvaluator::RaiseHorizon(uint32_t slot) const {
  if (horizon_stale_) return;  // The recomputation will count it.
  int g;
  int64_t range, anomaly_period;
  HorizonTermsOf(slot, &g, &range, &anomaly_period);
  horizon_.range[g] = std::max(horizon_.range[g], range);
  horizon_.anomaly_period[g] =
      std::max(horizon_.anomaly_period[g], anomaly_period);
}

void AlarmEvaluator::ForgetHorizon(uint32_t slot) {
  if (horizon_stale_) return;
  int g;
  int64_t range, anomaly_period;
  HorizonTermsOf(slot, &g, &range, &anomaly_period);
  // Below both bounds, the others still reach them.
  if (range >= horizon_.range[g] ||
      (anomaly_period != HorizonBounds::kNoBound &&
       anomaly_period >= horizon_.anomaly_period[g])) {
    horizon_stale_ = true;
  }
}

absl::Time AlarmEvaluator::RetentionHorizon(absl::Time now) const {
  if (now == absl::InfiniteFuture() || now == absl::InfinitePast()) return now;
  if (horizon_stale_) {
    horizon_ = HorizonBounds();
    horizon_stale_ = false;
    for (uint32_t slot = 0; slot < hot_.size(); ++slot) {
      if (hot_[slot].live) RaiseHorizon(slot);
    }
  }
  // In whole seconds: AlignDown(now, g) is FloorToMultiple of now's whole
  // seconds for the whole-second granularities (60, 10), and each range
  // start is that minus R x Period, as Evaluate computes it; the earliest
  // is the one of the longest range.
  const int64_t now_s = absl::ToUnixSeconds(now);  // Rounds down.
  const int64_t ends[2] = {FloorToMultiple(now_s, 60),
                           FloorToMultiple(now_s, 10)};
  int64_t horizon_s = INT64_MAX;
  absl::Time horizon = absl::InfiniteFuture();
  for (int g = 0; g < 2; ++g) {
    if (horizon_.range[g] != HorizonBounds::kNoBound) {
      horizon_s = std::min(horizon_s, ends[g] - horizon_.range[g]);
    }
    if (horizon_.anomaly_period[g] != HorizonBounds::kNoBound) {
      // Anomaly models train on the window before the retrain boundary;
      // the longest Period reaches furthest back.
      const absl::Time end = absl::FromUnixSeconds(ends[g]);
      const int64_t interval =
          options_.anomaly_model.retrain_interval_seconds;
      const absl::Time boundary = AlignDown(end, absl::Seconds(interval));
      horizon = std::min(
          horizon,
          boundary - absl::Seconds(
                         options_.anomaly_model.training_window_seconds +
                         horizon_.anomaly_period[g]));
    }
  }
  if (horizon_s != INT64_MAX) {
    horizon = std::min(horizon, absl::FromUnixSeconds(horizon_s));
  }
  return horizon == absl::InfiniteFuture() ? now : horizon;
}

}  // namespace cwalarm
