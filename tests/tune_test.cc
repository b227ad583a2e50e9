// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests of `cwalarm tune` (tools/tune.h): every variant agrees with the same
// alarm replayed on its own, and the grid flags parse strictly.

#include "tools/tune.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "alarm/alarm_state.h"
#include "config/config_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tools/replay.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::StatusIs;
using ::testing::HasSubstr;

ReplayOptions FixedSchedule() {
  ReplayOptions options;
  options.from = absl::FromUnixSeconds(1710590400);           // 12:00
  options.to = absl::FromUnixSeconds(1710590400 + 150 * 60);  // 14:30
  return options;
}

TEST(TuneTest, EveryVariantAgreesWithItsOwnReplay) {
  absl::StatusOr<std::vector<AlarmSpec>> alarms =
      LoadAlarmsFile("examples/cpu_alarm.json");
  ASSERT_TRUE(alarms.ok()) << alarms.status();
  absl::StatusOr<std::vector<TimedDatum>> data =
      LoadMetricsFile("examples/cpu_metrics.csv");
  ASSERT_TRUE(data.ok()) << data.status();

  TuneGrid grid;
  ASSERT_TRUE(ParseThresholdRange("20:95:7.5", &grid).ok());
  ASSERT_TRUE(ParseDatapointsList("1/1,2/3,3/5,5/5", &grid).ok());
  absl::StatusOr<std::vector<TuneResult>> results =
      TuneAlarm(alarms->front(), grid, FixedSchedule(), *data);
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 11u * 4u);

  int fired_somewhere = 0;
  for (const TuneResult& r : *results) {
    SCOPED_TRACE(absl::StrCat("threshold ", r.threshold, " ",
                              r.datapoints_to_alarm, "/",
                              r.evaluation_periods));
    AlarmSpec spec = alarms->front();
    spec.threshold = r.threshold;
    spec.evaluation_periods = r.evaluation_periods;
    spec.datapoints_to_alarm = r.datapoints_to_alarm;
    absl::StatusOr<ReplayRun> alone =
        ReplayData(FixedSchedule(), {spec}, *data, /*record_buckets=*/false);
    ASSERT_TRUE(alone.ok()) << alone.status();
    const AlarmTrace& trace = alone->alarms.front();
    int fired = 0;
    std::optional<absl::Time> first;
    absl::Duration in_alarm;
    AlarmState state = trace.initial_state;
    absl::Time since = alone->instants.front();
    for (const ReplayTransition& t : trace.transitions) {
      if (state == AlarmState::kAlarm) in_alarm += t.at - since;
      if (t.new_state == AlarmState::kAlarm) {
        ++fired;
        if (!first) first = t.at;
      }
      state = t.new_state;
      since = t.at;
    }
    if (state == AlarmState::kAlarm) in_alarm += alone->instants.back() - since;
    EXPECT_EQ(r.times_fired, fired);
    EXPECT_EQ(r.first_fired, first);
    EXPECT_EQ(r.time_in_alarm, in_alarm);
    fired_somewhere += fired > 0;
  }
  // The grid spans both outcomes, so the comparison is not vacuous.
  EXPECT_GT(fired_somewhere, 0);
  EXPECT_LT(fired_somewhere, static_cast<int>(results->size()));
}

TEST(TuneTest, RunTunePrintsOneRowPerVariant) {
  ReplayOptions options = FixedSchedule();
  options.alarms_path = "examples/cpu_alarm.json";
  options.metrics_path = "examples/cpu_metrics.csv";
  TuneGrid grid;
  ASSERT_TRUE(ParseThresholdRange("70:90:10", &grid).ok());
  std::string out;
  ASSERT_TRUE(RunTune(options, grid, "", &out).ok());
  EXPECT_THAT(out, HasSubstr("threshold  datapoints  fired  time in ALARM"));
  // 80 with 3/5 is the bundled alarm: one ALARM at 12:42, back OK at 13:01.
  EXPECT_THAT(out, HasSubstr("     80.0         3/5      1          0h19m  "
                             "2024-03-16T12:42:00Z"));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2 + 3);
}

TEST(TuneTest, ThresholdStepsDoNotDrift) {
  absl::StatusOr<std::vector<AlarmSpec>> alarms =
      LoadAlarmsFile("examples/cpu_alarm.json");
  ASSERT_TRUE(alarms.ok());
  TuneGrid grid;
  ASSERT_TRUE(ParseThresholdRange("62.8:63.1:0.1", &grid).ok());
  absl::StatusOr<std::vector<TuneResult>> results =
      TuneAlarm(alarms->front(), grid, FixedSchedule(),
                *LoadMetricsFile("examples/cpu_metrics.csv"));
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 4u);
  EXPECT_EQ((*results)[2].threshold, 63.0);
  EXPECT_EQ((*results)[3].threshold, 63.1);
}

TEST(TuneTest, GridFlagsParseStrictly) {
  TuneGrid grid;
  EXPECT_THAT(ParseThresholdRange("60:95", &grid),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("expected LO:HI:STEP")));
  EXPECT_THAT(
      ParseThresholdRange("95:60:5", &grid),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("LO <= HI")));
  EXPECT_THAT(ParseThresholdRange("0:1:0", &grid),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("STEP must be positive")));
  EXPECT_THAT(ParseDatapointsList("3/5,6/5", &grid),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--datapoints \"6/5\"")));
  EXPECT_TRUE(ParseDatapointsList("1/1,3/5", &grid).ok());
  EXPECT_EQ(grid.datapoints.size(), 2u);
}

}  // namespace
}  // namespace cwalarm
