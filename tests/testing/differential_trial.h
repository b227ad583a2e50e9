// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The differential trial shared by tests/reference_evaluator_property_test.cc
// (fixed seeds, std::mt19937_64) and tests/fuzz/differential_fuzzer.cc
// (choices from the fuzzer's bytes): random alarms and a random history fed
// to AlarmEvaluator and ReferenceEvaluator on the same schedule; every
// history item (all fields), every report and every final status must be
// identical.
//
//   std::string mismatch =
//       cwalarm_testing::RunDifferentialTrial(seed, std::mt19937_64(seed));
//
// Values are multiples of 0.5 of small magnitude so that every sum is exact
// whatever the summation order (the two sides sum in different orders, and
// CloudWatch does not specify one). Not thread-safe; each call is
// independent. Test-only.

#ifndef CWALARM_TESTS_TESTING_DIFFERENTIAL_TRIAL_H_
#define CWALARM_TESTS_TESTING_DIFFERENTIAL_TRIAL_H_

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "actions/recording_sink.h"
#include "alarm/alarm_evaluator.h"
#include "alarm/alarm_history.h"
#include "alarm/alarm_spec.h"
#include "alarm/reference_evaluator.h"
#include "alarm/threshold.h"
#include "metrics/datapoint.h"
#include "metrics/metric_id.h"
#include "metrics/metric_store.h"
#include "metrics/statistic.h"
#include "metrics/unit.h"

namespace cwalarm_testing {

using ::cwalarm::AlarmEvaluator;
using ::cwalarm::AlarmHistoryItem;
using ::cwalarm::AlarmSpec;
using ::cwalarm::AlarmStatus;
using ::cwalarm::ComparisonOperator;
using ::cwalarm::ComparisonOperatorName;
using ::cwalarm::Dimension;
using ::cwalarm::EvaluationReport;
using ::cwalarm::HistoryItemTypeName;
using ::cwalarm::MetricDatum;
using ::cwalarm::MetricId;
using ::cwalarm::MetricStore;
using ::cwalarm::RecordingSink;
using ::cwalarm::ReferenceEvaluator;
using ::cwalarm::Statistic;
using ::cwalarm::StatisticName;
using ::cwalarm::StatisticSet;
using ::cwalarm::TreatMissingData;
using ::cwalarm::TreatMissingDataName;
using ::cwalarm::Unit;
using ::cwalarm::UnitName;

inline constexpr int64_t kStart = 1767225600;  // 2026-01-01T00:00:00Z.
inline constexpr char kTopic[] = "arn:aws:sns:us-east-1:123456789012:ops";

// Random choices for one trial. `Urbg` is a UniformRandomBitGenerator:
// std::mt19937_64 in the property test, the fuzzer's bytes in
// tests/fuzz/differential_fuzzer.cc.
template <typename Urbg>
class Trial {
 public:
  Trial(uint64_t seed, Urbg rng) : seed_(seed), rng_(std::move(rng)) {}

  int Uniform(int lo, int hi) {  // Inclusive.
    return std::uniform_int_distribution<int>(lo, hi)(rng_);
  }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  double HalfStep(int lo, int hi) { return Uniform(2 * lo, 2 * hi) / 2.0; }

  MetricId Metric(int which, bool reversed_dimensions) {
    MetricId id;
    id.metric_namespace = dynamo_ && which == 0 ? "AWS/DynamoDB" : "Test/App";
    id.metric_name = which == 0 ? "Latency" : "Errors";
    std::vector<Dimension> dims = {{"Host", "h-1"}, {"Az", "use1-az1"}};
    if (reversed_dimensions) std::swap(dims[0], dims[1]);
    id.dimensions = dims;
    return id;
  }

  AlarmSpec RandomAlarm(int index) {
    static const int kPeriods[] = {10, 30, 60, 300, 3600};
    AlarmSpec s;
    s.alarm_name = absl::StrCat("alarm-", index);
    s.metric = Metric(Uniform(0, 1), Chance(0.5));
    s.statistic = static_cast<Statistic>(Uniform(0, 4));
    s.period = absl::Seconds(kPeriods[Uniform(0, 4)]);
    s.evaluation_periods = Uniform(1, 5);
    if (Chance(0.6)) s.datapoints_to_alarm = Uniform(1, s.evaluation_periods);
    s.threshold = HalfStep(-2, 12);
    s.comparison_operator = static_cast<ComparisonOperator>(Uniform(0, 3));
    if (Chance(0.8)) {
      s.treat_missing_data = static_cast<TreatMissingData>(Uniform(0, 3));
    }
    if (Chance(0.4)) s.unit = Chance(0.5) ? Unit::kMilliseconds : Unit::kCount;
    if (Chance(0.7)) s.alarm_actions = {kTopic};
    if (Chance(0.5)) s.ok_actions = {kTopic};
    if (Chance(0.3)) s.insufficient_data_actions = {kTopic};
    s.actions_enabled = Chance(0.85);
    return s;
  }

  MetricDatum RandomDatum(absl::Time now, int64_t max_period) {
    static const Unit kUnits[] = {Unit::kMilliseconds, Unit::kCount,
                                  Unit::kNone};
    MetricDatum d;
    d.metric = Metric(Uniform(0, 1), Chance(0.5));
    d.unit = kUnits[Uniform(0, Chance(0.8) ? 0 : 2)];
    // Mostly current, sometimes late by up to three long periods, rarely a
    // little in the future (spec 3.2.3 allows two hours).
    int64_t delay = Uniform(0, 59);
    if (Chance(0.15)) delay = Uniform(0, static_cast<int>(3 * max_period));
    if (Chance(0.03)) delay = -Uniform(1, 600);
    d.timestamp = now - absl::Seconds(delay) - absl::Milliseconds(Uniform(0, 999));
    switch (Uniform(0, 3)) {
      case 0:
      case 1:
        d.value = HalfStep(-4, 16);
        break;
      case 2: {
        int k = Uniform(1, 4);
        bool counts = Chance(0.6);
        for (int i = 0; i < k; ++i) {
          d.values.push_back(HalfStep(-4, 16));
          if (counts) d.counts.push_back(Uniform(0, 3));
        }
        break;
      }
      default: {
        double lo = HalfStep(-4, 8);
        double hi = lo + HalfStep(0, 8);
        int n = Uniform(1, 6);
        StatisticSet set;
        set.sample_count = n;
        set.minimum = lo;
        set.maximum = hi;
        set.sum = n == 1 ? lo : lo + hi + (n - 2) * lo;
        if (n == 1) set.maximum = lo;
        d.statistic_values = set;
        break;
      }
    }
    return d;
  }

  uint64_t seed_;
  Urbg rng_;
  bool dynamo_ = false;
};

inline std::string Describe(const AlarmSpec& s) {
  return absl::StrCat(
      s.alarm_name, " {", s.metric.metric_namespace, "/", s.metric.metric_name,
      " stat=", StatisticName(s.statistic.value_or(Statistic::kAverage)),
      " P=", absl::ToInt64Seconds(s.period), " N=", s.evaluation_periods,
      " M=", s.datapoints_to_alarm ? absl::StrCat(*s.datapoints_to_alarm) : "unset",
      " op=", ComparisonOperatorName(s.comparison_operator),
      " T=", s.threshold.value_or(0), " tmd=",
      s.treat_missing_data ? TreatMissingDataName(*s.treat_missing_data) : "unset",
      " unit=", s.unit ? UnitName(*s.unit) : "unset",
      " actions_enabled=", s.actions_enabled, "}");
}

inline std::string Describe(const AlarmHistoryItem& h) {
  return absl::StrCat("[", h.alarm_name, " ", h.alarm_type, " ",
                      absl::FormatTime(h.timestamp, absl::UTCTimeZone()), " ",
                      HistoryItemTypeName(h.type), "]\n    summary: ", h.summary,
                      "\n    data: ", h.data);
}

inline bool Same(const AlarmHistoryItem& a, const AlarmHistoryItem& b) {
  return a.alarm_name == b.alarm_name && a.alarm_type == b.alarm_type &&
         a.timestamp == b.timestamp && a.type == b.type &&
         a.summary == b.summary && a.data == b.data;
}

// "" when `a` and `b` hold the same items in the same order; otherwise the
// first difference: the sizes, or the first unequal item and both items.
inline std::string FirstHistoryDifference(
    const std::vector<AlarmHistoryItem>& a,
    const std::vector<AlarmHistoryItem>& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (!Same(a[i], b[i])) {
      return absl::StrCat("item ", i, "\n", Describe(a[i]), "\n",
                          Describe(b[i]));
    }
  }
  if (a.size() != b.size()) {
    return absl::StrCat(a.size(), " items against ", b.size());
  }
  return "";
}

// Runs one trial whose choices come from `rng`; returns "" or a description
// of the first mismatch. `seed` only labels the report; odd seeds also
// exercise retention: once every alarm exists, the store drops what no alarm
// can reach (the reference keeps everything).
template <typename Urbg>
std::string RunDifferentialTrial(uint64_t seed, Urbg rng) {
  Trial<Urbg> t(seed, std::move(rng));
  t.dynamo_ = t.Chance(0.2);
  const bool drop = seed % 2 == 1;
  MetricStore store;
  RecordingSink fast_sink, ref_sink;
  AlarmEvaluator fast(&store, &fast_sink);
  ReferenceEvaluator ref(&ref_sink);

  absl::Time now = absl::FromUnixSeconds(kStart + t.Uniform(0, 3599));
  std::vector<AlarmSpec> specs;
  const int alarm_count = t.Uniform(1, 4);
  int64_t max_period = 60;
  bool high_res = false;
  for (int i = 0; i < alarm_count; ++i) {
    specs.push_back(t.RandomAlarm(i));
    max_period = std::max(max_period, absl::ToInt64Seconds(specs.back().period));
    high_res |= specs.back().period < absl::Seconds(60);
  }
  // Some data before the alarms exist (spec 3.1: it is used).
  const double publish = 0.1 + 0.8 * t.Uniform(0, 10) / 10.0;
  // Ticks long enough for the longest range to fill and drain.
  const int64_t step = high_res ? 10 : t.Uniform(0, 1) ? 30 : 60;
  const int ticks = static_cast<int>(
      std::min<int64_t>(400, (9 * max_period) / step + 40));
  std::vector<std::string> log;
  auto fail = [&](const std::string& what) {
    std::string out = absl::StrCat("seed ", seed, ": ", what, "\n  alarms:\n");
    for (const AlarmSpec& s : specs) absl::StrAppend(&out, "    ", Describe(s), "\n");
    absl::StrAppend(&out, "  last events:\n");
    for (size_t i = log.size() > 12 ? log.size() - 12 : 0; i < log.size(); ++i) {
      absl::StrAppend(&out, "    ", log[i], "\n");
    }
    return out;
  };

  int created = 0;
  bool outage = false;
  for (int tick = 0; tick < ticks; ++tick) {
    now += absl::Seconds(step) + absl::Milliseconds(t.Uniform(0, 999)) -
           absl::Milliseconds(t.Uniform(0, 999));
    // Alarms appear over the first ticks; sometimes one is reconfigured.
    if (created < alarm_count && t.Chance(0.3)) {
      const AlarmSpec& s = specs[created++];
      absl::Status a = fast.PutMetricAlarm(s, now);
      absl::Status b = ref.PutMetricAlarm(s, now);
      if (a.ok() != b.ok()) return fail(absl::StrCat("PutMetricAlarm: ", a.ToString(), " vs ", b.ToString()));
      log.push_back(absl::StrCat(absl::FormatTime(now, absl::UTCTimeZone()), " put ", Describe(s)));
    } else if (!drop && created > 0 && t.Chance(0.01)) {
      int i = t.Uniform(0, created - 1);
      AlarmSpec s = t.RandomAlarm(i);
      specs.push_back(s);
      (void)fast.PutMetricAlarm(s, now);
      (void)ref.PutMetricAlarm(s, now);
      log.push_back(absl::StrCat(absl::FormatTime(now, absl::UTCTimeZone()), " update ", Describe(s)));
    }
    if (t.Chance(0.03)) outage = !outage;
    int data = outage ? 0 : (t.Chance(publish) ? t.Uniform(1, 3) : 0);
    for (int k = 0; k < data; ++k) {
      MetricDatum d = t.RandomDatum(now, max_period);
      int copies = t.Chance(0.1) ? 2 : 1;  // Duplicates are separate samples.
      for (int c = 0; c < copies; ++c) {
        absl::Status a = store.Put(d, "MetricData[0]");
        absl::Status b = ref.PutMetricData(d, "MetricData[0]");
        if (a.ToString() != b.ToString()) return fail(absl::StrCat("Put: ", a.ToString(), " vs ", b.ToString()));
      }
      log.push_back(absl::StrCat(
          absl::FormatTime(now, absl::UTCTimeZone()), " data ",
          d.metric.metric_name, " @", absl::FormatTime(d.timestamp, absl::UTCTimeZone()),
          " ", UnitName(d.unit), " value=", d.value ? absl::StrCat(*d.value) : "-",
          " values=[", absl::StrJoin(d.values, ","), "] counts=[",
          absl::StrJoin(d.counts, ","), "] set=",
          d.statistic_values ? absl::StrCat(d.statistic_values->sample_count, "/",
                                            d.statistic_values->sum, "/",
                                            d.statistic_values->minimum, "/",
                                            d.statistic_values->maximum)
                             : "-",
          copies == 2 ? " (twice)" : ""));
    }
    if (t.Chance(0.9)) {
      EvaluationReport a = fast.Evaluate(now);
      EvaluationReport b = ref.Evaluate(now);
      if (drop && created == alarm_count) {
        store.DropBefore(fast.RetentionHorizon(now));
      }
      std::vector<AlarmHistoryItem> ha = fast.TakeHistory();
      std::vector<AlarmHistoryItem> hb = ref.TakeHistory();
      for (size_t i = 0; i < std::max(ha.size(), hb.size()); ++i) {
        if (i >= ha.size() || i >= hb.size() || !Same(ha[i], hb[i])) {
          return fail(absl::StrCat(
              "history differs at evaluation ",
              absl::FormatTime(now, absl::UTCTimeZone()), ", item ", i,
              "\n  AlarmEvaluator:     ",
              i < ha.size() ? Describe(ha[i]) : "(none)",
              "\n  ReferenceEvaluator: ",
              i < hb.size() ? Describe(hb[i]) : "(none)"));
        }
      }
      if (a.evaluated != b.evaluated || a.transitions != b.transitions ||
          a.actions != b.actions) {
        return fail(absl::StrCat("reports differ: evaluated ", a.evaluated, "/",
                                 b.evaluated, " transitions ", a.transitions,
                                 "/", b.transitions));
      }
    }
  }
  for (int i = 0; i < created; ++i) {
    std::string name = absl::StrCat("alarm-", i);
    const AlarmStatus* a = fast.FindStatus(name);
    const AlarmStatus* b = ref.FindStatus(name);
    if (a == nullptr || b == nullptr || a->state != b->state ||
        a->reason != b->reason || a->reason_data != b->reason_data ||
        a->state_updated != b->state_updated ||
        a->state_transitioned != b->state_transitioned) {
      return fail(absl::StrCat("final status of ", name, " differs"));
    }
  }
  if (fast_sink.actions().size() != ref_sink.actions().size()) {
    return fail("sinks received different numbers of actions");
  }
  return "";
}

}  // namespace cwalarm_testing

#endif  // CWALARM_TESTS_TESTING_DIFFERENTIAL_TRIAL_H_
