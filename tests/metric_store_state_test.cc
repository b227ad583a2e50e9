// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// MetricStore::ExportState / ImportState (issue 8 snapshots): a restored
// store answers every query as the original, and bad state is refused
// without leaving anything half-loaded.

#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/datapoint.h"
#include "metrics/metric_id.h"
#include "metrics/metric_store.h"
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

TEST(MetricStoreStateTest, RawSamplesAreNotExportedYet) {
  MetricStore store;
  MetricIndex m = store.Intern(Datum("Latency", kT0, 1, Unit::kCount).metric);
  store.EnableSamples(m);
  EXPECT_THAT(store.ExportState().status(),
              StatusIs(absl::StatusCode::kUnimplemented,
                       HasSubstr("raw samples")));
}

}  // namespace
}  // namespace cwalarm
