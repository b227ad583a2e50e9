// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// MetricStore::ExportState / ImportState (issue 8 snapshots): a restored
// store answers every query as the original (standard cells and raw
// samples, exact or sketched), and bad state is refused
// without leaving anything half-loaded.

#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/datapoint.h"
#include "metrics/metric_id.h"
#include "metrics/metric_store.h"
#include "metrics/sample_distribution.h"
#include "metrics/statistic.h"
#include "metrics/unit.h"
#include "tests/testing/status_matchers.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::IsOk;
using ::cwalarm_testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1710590400);

MetricDatum Datum(const char* name, absl::Time t, double v, Unit unit) {
  MetricDatum d;
  d.metric = {"Test/App", name, {{"Host", "h-1"}}};
  d.timestamp = t;
  d.value = v;
  d.unit = unit;
  d.storage_resolution = 1;
  return d;
}

TEST(MetricStoreStateTest, RestoredStoreAggregatesLikeTheOriginal) {
  MetricStore original;
  for (int i = 0; i < 50; ++i) {
    ASSERT_THAT(original.Put(Datum("Latency", kT0 + absl::Seconds(7 * i), i,
                                   i % 3 ? Unit::kMilliseconds : Unit::kCount),
                             "d"),
                IsOk());
    ASSERT_THAT(original.Put(Datum("Errors", kT0 + absl::Seconds(13 * i),
                                   0.5 * i, Unit::kCount),
                             "d"),
                IsOk());
  }
  absl::StatusOr<std::vector<MetricStore::MetricState>> state =
      original.ExportState();
  ASSERT_THAT(state.status(), IsOk());
  MetricStore restored;
  ASSERT_THAT(restored.ImportState(*state), IsOk());
  ASSERT_EQ(restored.metric_count(), original.metric_count());
  for (MetricIndex m = 0; m < original.metric_count(); ++m) {
    for (std::optional<Unit> unit :
         {std::optional<Unit>(), std::optional<Unit>(Unit::kCount),
          std::optional<Unit>(Unit::kMilliseconds)}) {
      std::vector<StatisticSet> a(40), b(40);
      original.AggregateBuckets(m, unit, kT0 - absl::Seconds(60),
                                absl::Seconds(20), absl::MakeSpan(a));
      restored.AggregateBuckets(m, unit, kT0 - absl::Seconds(60),
                                absl::Seconds(20), absl::MakeSpan(b));
      for (size_t k = 0; k < a.size(); ++k) {
        EXPECT_EQ(a[k].sample_count, b[k].sample_count);
        EXPECT_EQ(a[k].sum, b[k].sum);
        EXPECT_EQ(a[k].minimum, b[k].minimum);
        EXPECT_EQ(a[k].maximum, b[k].maximum);
      }
    }
  }
  // Interning finds the restored metrics at their old indices.
  EXPECT_EQ(restored.Intern(Datum("Errors", kT0, 0, Unit::kCount).metric),
            original.Intern(Datum("Errors", kT0, 0, Unit::kCount).metric));
}

TEST(MetricStoreStateTest, ImportIntoANonEmptyStoreIsFailedPrecondition) {
  MetricStore store;
  ASSERT_THAT(store.Put(Datum("Latency", kT0, 1, Unit::kCount), "d"), IsOk());
  EXPECT_THAT(store.ImportState({}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("not empty")));
}

TEST(MetricStoreStateTest, UnsortedCellsAreRefusedAndNothingIsLoaded) {
  MetricStore::MetricState m;
  m.id = {"Test/App", "Latency", {}};
  m.units.push_back({Unit::kCount, {20, 10}, {StatisticSet::Of(1), StatisticSet::Of(2)}});
  MetricStore store;
  EXPECT_THAT(store.ImportState({m}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("strictly increasing")));
  EXPECT_EQ(store.metric_count(), 0u);
}

TEST(MetricStoreStateTest, RepeatedMetricIsRefused) {
  MetricStore::MetricState m;
  m.id = {"Test/App", "Latency", {}};
  MetricStore store;
  EXPECT_THAT(store.ImportState({m, m}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("appears twice")));
  EXPECT_EQ(store.metric_count(), 0u);
}

// The samples of every bucket, sorted, as exact bits: equal only when the
// distributions are the same.
std::vector<std::vector<std::pair<double, double>>> SampleBuckets(
    const MetricStore& store, MetricIndex m, std::optional<Unit> unit) {
  std::vector<SampleDistribution> buckets(30);
  store.AggregateSampleBuckets(m, unit, kT0 - absl::Seconds(60),
                               absl::Seconds(10), absl::MakeSpan(buckets));
  std::vector<std::vector<std::pair<double, double>>> out;
  std::vector<WeightedValue> sorted;
  for (const SampleDistribution& d : buckets) {
    d.SortedInto(&sorted);
    out.emplace_back();
    for (const WeightedValue& v : sorted) out.back().push_back({v.value, v.weight});
    out.back().push_back({d.total_weight(), d.available() ? 1.0 : 0.0});
  }
  return out;
}

TEST(MetricStoreStateTest, RawSamplesRoundTripExactSketchAndUnavailable) {
  MetricStore original;
  const MetricIndex latency =
      original.Intern(Datum("Latency", kT0, 1, Unit::kMilliseconds).metric);
  original.EnableSamples(latency);
  // Enabled but never given data: must stay enabled after a restore.
  const MetricIndex idle =
      original.Intern(Datum("Idle", kT0, 1, Unit::kCount).metric);
  original.EnableSamples(idle);
  // Cell kT0: a few exact values in two units.
  for (int i = 0; i < 20; ++i) {
    ASSERT_THAT(original.Put(Datum("Latency", kT0 + absl::Seconds(i % 10),
                                   1.5 * i, i % 4 ? Unit::kMilliseconds
                                                  : Unit::kCount),
                             "d"),
                IsOk());
  }
  // Cell kT0 + 10 s: 3000 distinct values, so the distribution is a sketch.
  for (int i = 0; i < 3000; ++i) {
    ASSERT_THAT(original.Put(Datum("Latency", kT0 + absl::Seconds(10),
                                   1 + 0.37 * i, Unit::kMilliseconds),
                             "d"),
                IsOk());
  }
  // Cell kT0 + 20 s: a negative sample makes it unavailable (spec 1.4).
  ASSERT_THAT(original.Put(Datum("Latency", kT0 + absl::Seconds(20), -3,
                                 Unit::kMilliseconds),
                           "d"),
              IsOk());
  absl::StatusOr<std::vector<MetricStore::MetricState>> state =
      original.ExportState();
  ASSERT_THAT(state.status(), IsOk());
  ASSERT_EQ(state->size(), 2u);
  EXPECT_TRUE((*state)[0].samples_enabled);
  bool sketched = false;
  for (const MetricStore::UnitSamplesState& u : (*state)[0].sample_units) {
    for (const SampleDistribution& d : u.cells) sketched |= !d.exact();
  }
  EXPECT_TRUE(sketched);  // The 3000 distinct values became a sketch.
  EXPECT_TRUE((*state)[1].samples_enabled);
  MetricStore restored;
  ASSERT_THAT(restored.ImportState(*state), IsOk());
  EXPECT_TRUE(restored.samples_enabled(idle));
  for (std::optional<Unit> unit :
       {std::optional<Unit>(), std::optional<Unit>(Unit::kCount),
        std::optional<Unit>(Unit::kMilliseconds)}) {
    EXPECT_EQ(SampleBuckets(restored, latency, unit),
              SampleBuckets(original, latency, unit));
  }
  // Both continue alike: later samples merge into the restored cells.
  for (MetricStore* s : {&original, &restored}) {
    for (int i = 0; i < 50; ++i) {
      ASSERT_THAT(s->Put(Datum("Latency", kT0 + absl::Seconds(10), 7.25 * i,
                               Unit::kMilliseconds),
                         "d"),
                  IsOk());
      ASSERT_THAT(s->Put(Datum("Idle", kT0 + absl::Seconds(i), i, Unit::kCount),
                         "d"),
                  IsOk());
    }
  }
  EXPECT_EQ(SampleBuckets(restored, latency, std::nullopt),
            SampleBuckets(original, latency, std::nullopt));
  EXPECT_EQ(SampleBuckets(restored, idle, std::nullopt),
            SampleBuckets(original, idle, std::nullopt));
}

TEST(MetricStoreStateTest, BadRawSampleStateIsRefusedAndNothingIsLoaded) {
  MetricStore::MetricState m;
  m.id = {"Test/App", "Latency", {}};
  m.sample_units.push_back({Unit::kCount, {10}, {SampleDistribution()}});
  MetricStore store;
  EXPECT_THAT(store.ImportState({m}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("samples are not enabled")));
  m.samples_enabled = true;
  m.sample_units[0].starts = {15};
  EXPECT_THAT(store.ImportState({m}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("raw-sample cells must be aligned")));
  EXPECT_EQ(store.metric_count(), 0u);
}

TEST(SampleDistributionStateTest, InconsistentStatesAreRefused) {
  struct Case {
    const char* name;
    void (*damage)(SampleDistribution::State*);
    const char* error;
  };
  const Case kCases[] = {
      {"negative exact value",
       [](SampleDistribution::State* s) { s->exact.push_back({-1, 1}); },
       "negative or not finite"},
      {"sketch counts while exact",
       [](SampleDistribution::State* s) { s->counts.push_back(1); },
       "sketch counts in an exact distribution"},
      {"too many exact entries",
       [](SampleDistribution::State* s) {
         s->exact.assign(2 * kMaxExactDistinctValues, {1, 1});
       },
       "too many exact entries"},
      {"values kept while unavailable",
       [](SampleDistribution::State* s) {
         s->unavailability = Unavailability::kNegativeSample;
         s->exact.push_back({1, 1});
       },
       "keeps no values"},
      {"sketch offset no value can produce",
       [](SampleDistribution::State* s) { s->offset = 1 << 30; },
       "sketch offset out of range"},
      {"NaN weight",
       [](SampleDistribution::State* s) {
         s->total_weight = std::numeric_limits<double>::quiet_NaN();
       },
       "total weight"},
  };
  for (const Case& c : kCases) {
    SampleDistribution d;
    d.Add(4, 2);
    SampleDistribution::State state = d.ExportState();
    c.damage(&state);
    SampleDistribution out;
    out.Add(9);
    std::string error;
    EXPECT_FALSE(SampleDistribution::FromState(state, &out, &error)) << c.name;
    EXPECT_THAT(error, HasSubstr(c.error)) << c.name;
    EXPECT_EQ(out.total_weight(), 1) << c.name << ": out was changed";
  }
  SampleDistribution d;
  d.Add(4, 2);
  SampleDistribution out;
  std::string error;
  ASSERT_TRUE(SampleDistribution::FromState(d.ExportState(), &out, &error));
  EXPECT_EQ(out.total_weight(), 2);
}

}  // namespace
}  // namespace cwalarm
