// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The simulated Auto Scaling group (spec 6.6): simple-scaling cooldown,
// step-scaling warm-up, activity causes and the capacity timeline, over
// invocations every minute for hours (the alarm's re-invocation, spec 4.2).

#include "actions/scaling_group.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "actions/scaling_policy.h"
#include "alarm/alarm_state.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::IsOk;
using ::cwalarm_testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Outcome = PolicyExecution::Outcome;

constexpr std::optional<double> kNull = std::nullopt;

absl::Time T0() {
  return absl::FromCivil(absl::CivilSecond(2024, 1, 12, 16, 42, 0),
                         absl::UTCTimeZone());
}
absl::Time Min(int m) { return T0() + absl::Minutes(m); }

ScalingGroup Group(int min, int max, int desired,
                   absl::Duration launch = absl::Minutes(2)) {
  ScalingGroupConfig c;
  c.name = "web";
  c.min_size = min;
  c.max_size = max;
  c.desired_capacity = desired;
  c.instance_launch_time = launch;
  absl::StatusOr<ScalingGroup> g = ScalingGroup::Create(c, T0());
  EXPECT_THAT(g.status(), IsOk());
  return *std::move(g);
}

ScalingPolicy Simple(const char* name, int adjustment,
                     absl::Duration cooldown = absl::Minutes(5)) {
  ScalingPolicy p;
  p.auto_scaling_group_name = "web";
  p.policy_name = name;
  p.policy_type = PolicyType::kSimpleScaling;
  p.adjustment_type = AdjustmentType::kChangeInCapacity;
  p.scaling_adjustment = adjustment;
  p.cooldown = cooldown;
  return p;
}

ScalingPolicy StepOut(absl::Duration warmup = absl::Minutes(5)) {
  ScalingPolicy p;
  p.auto_scaling_group_name = "web";
  p.policy_name = "step-out";
  p.policy_type = PolicyType::kStepScaling;
  p.adjustment_type = AdjustmentType::kChangeInCapacity;
  p.step_adjustments = {{0, 10, 1}, {10, kNull, 3}};
  p.estimated_instance_warmup = warmup;
  return p;
}

ScalingPolicy StepIn() {
  ScalingPolicy p;
  p.auto_scaling_group_name = "web";
  p.policy_name = "step-in";
  p.policy_type = PolicyType::kStepScaling;
  p.adjustment_type = AdjustmentType::kChangeInCapacity;
  p.step_adjustments = {{kNull, 0, -1}};
  return p;
}

std::vector<int> ActivityMinutes(const ScalingGroup& g) {
  std::vector<int> out;
  for (const ScalingActivity& a : g.activities()) {
    out.push_back(static_cast<int>((a.start_time - T0()) / absl::Minutes(1)));
  }
  return out;
}

// Invokes `policy` once a minute in [from, to) with one datapoint `metric`
// against threshold 50, as an alarm staying in ALARM does.
void EveryMinute(ScalingGroup* g, const char* policy, int from, int to,
                 double metric) {
  for (int m = from; m < to; ++m) {
    std::vector<double> values = {metric};
    absl::StatusOr<PolicyExecution> e =
        g->ExecutePolicy(policy, "cpu", AlarmState::kAlarm, values, 50, Min(m));
    ASSERT_THAT(e.status(), IsOk()) << "minute " << m;
  }
}

TEST(ScalingGroupTest, ActivityCauseIsAutoScalingsText) {
  ScalingGroup g = Group(0, 10, 0);
  ScalingPolicy p = Simple("ScaleOutLondon", 4);
  ASSERT_THAT(g.AddPolicy(p), IsOk());
  absl::StatusOr<PolicyExecution> e = g.ExecutePolicy(
      "ScaleOutLondon", "ScaleOut", AlarmState::kAlarm, {}, std::nullopt,
      T0() + absl::Seconds(2));
  ASSERT_THAT(e.status(), IsOk());
  EXPECT_EQ(e->outcome, Outcome::kActivity);
  ASSERT_EQ(g.activities().size(), 1u);
  EXPECT_EQ(g.activities()[0].cause,
            "At 2024-01-12T16:42:02Z a monitor alarm ScaleOut in state ALARM "
            "triggered policy ScaleOutLondon changing the desired capacity "
            "from 0 to 4.");
  EXPECT_EQ(g.activities()[0].end_time, T0() + absl::Seconds(122));
}

// --- Simple scaling: cooldown ------------------------------------------------

struct CooldownCase {
  const char* rule;
  int adjustment;
  absl::Duration launch;
  absl::Duration cooldown;
  int minutes;
  std::vector<int> activity_minutes;
  int final_capacity;
};

class SimpleScalingCooldownTest : public ::testing::TestWithParam<CooldownCase> {};

TEST_P(SimpleScalingCooldownTest, WaitsForTheActivityAndTheCooldown) {
  const CooldownCase& c = GetParam();
  ScalingGroup g = Group(1, 10, 5, c.launch);
  ASSERT_THAT(g.AddPolicy(Simple("p", c.adjustment, c.cooldown)), IsOk());
  EveryMinute(&g, "p", 0, c.minutes, 90);
  EXPECT_EQ(ActivityMinutes(g), c.activity_minutes) << c.rule;
  EXPECT_EQ(g.desired_capacity(), c.final_capacity) << c.rule;
}

INSTANTIATE_TEST_SUITE_P(
    Spec66, SimpleScalingCooldownTest,
    ::testing::Values(
        // Launch 2 min + cooldown 5 min: one activity every 7 minutes, for
        // three hours, until MaxSize stops it (then NoChange, no cooldown).
        CooldownCase{"scale-out: cooldown starts when the launch completes",
                     1, absl::Minutes(2), absl::Minutes(5), 180,
                     {0, 7, 14, 21, 28}, 10},
        // Scale-in completes at once: cooldown alone spaces activities.
        CooldownCase{"scale-in: cooldown starts at the activity", -1,
                     absl::Minutes(2), absl::Minutes(3), 180, {0, 3, 6, 9}, 1},
        // No launch time, no cooldown: every minute.
        CooldownCase{"zero cooldown: every invocation acts", 2,
                     absl::ZeroDuration(), absl::ZeroDuration(), 5,
                     {0, 1, 2}, 10},
        // Cooldown 0: the pending launch (90 s) alone delays the next one.
        CooldownCase{"pending launch blocks even after the cooldown", 1,
                     absl::Seconds(90), absl::Seconds(0), 6, {0, 2, 4}, 8}));

TEST(SimpleScalingTest, GroupDefaultCooldownAppliesWhenThePolicyHasNone) {
  ScalingGroup g = Group(1, 10, 2, absl::ZeroDuration());
  ScalingPolicy p = Simple("p", 1);
  p.cooldown.reset();  // The group's 300 s.
  ASSERT_THAT(g.AddPolicy(p), IsOk());
  EveryMinute(&g, "p", 0, 16, 90);
  EXPECT_THAT(ActivityMinutes(g), ElementsAre(0, 5, 10, 15));
  EXPECT_EQ(g.executions()[1].outcome, Outcome::kCooldown);
}

TEST(SimpleScalingTest, ClampedNoChangeDoesNotStartACooldown) {
  ScalingGroup g = Group(1, 3, 3, absl::ZeroDuration());
  ASSERT_THAT(g.AddPolicy(Simple("out", 1)), IsOk());
  ASSERT_THAT(g.AddPolicy(Simple("in", -1)), IsOk());
  EveryMinute(&g, "out", 0, 1, 90);
  EXPECT_EQ(g.executions()[0].outcome, Outcome::kNoChange);
  EveryMinute(&g, "in", 1, 2, 10);
  EXPECT_THAT(ActivityMinutes(g), ElementsAre(1));
}

// --- Step scaling: warm-up ----------------------------------------------------

TEST(StepScalingTest, RepeatedBreachInTheSameStepLaunchesOnceDuringWarmUp) {
  // Warm-up 5 min: the warming instance covers the next invocations of the
  // same +1 step; when it has warmed up, the next one adds another.
  ScalingGroup g = Group(1, 20, 2, absl::Minutes(1));
  ASSERT_THAT(g.AddPolicy(StepOut()), IsOk());
  EveryMinute(&g, "step-out", 0, 12, 55);
  EXPECT_THAT(ActivityMinutes(g), ElementsAre(0, 5, 10));
  EXPECT_EQ(g.desired_capacity(), 5);
  EXPECT_EQ(g.executions()[1].outcome, Outcome::kNoChange);
  EXPECT_EQ(g.executions()[1].step_adjustment, 1);
}

TEST(StepScalingTest, HigherStepDuringWarmUpAddsOnlyTheDifference) {
  ScalingGroup g = Group(1, 20, 2, absl::Minutes(1));
  ASSERT_THAT(g.AddPolicy(StepOut()), IsOk());
  EveryMinute(&g, "step-out", 0, 1, 55);   // +1: 2 -> 3, one warming.
  EveryMinute(&g, "step-out", 1, 2, 65);   // +3 on 2 = 5: adds 2.
  EveryMinute(&g, "step-out", 2, 5, 65);   // 3 warming cover +3.
  ASSERT_EQ(g.activities().size(), 2u);
  EXPECT_EQ(g.activities()[1].from_capacity, 3);
  EXPECT_EQ(g.activities()[1].to_capacity, 5);
  EXPECT_EQ(g.WarmingAt(Min(2)), 3);
  EXPECT_EQ(g.desired_capacity(), 5);
  // The first instance warms until minute 5, the other two until 6.
  EXPECT_EQ(g.WarmingAt(Min(5)), 2);
  EXPECT_EQ(g.WarmingAt(Min(6)), 0);
}

TEST(StepScalingTest, ScaleInWaitsForWarmingInstances) {
  ScalingGroup g = Group(1, 20, 4, absl::Minutes(1));
  ASSERT_THAT(g.AddPolicy(StepOut(absl::Minutes(3))), IsOk());
  ASSERT_THAT(g.AddPolicy(StepIn()), IsOk());
  EveryMinute(&g, "step-out", 0, 1, 55);  // 4 -> 5, warming until 3.
  EveryMinute(&g, "step-in", 1, 6, 40);   // Blocked at 1, 2; acts 3, 4, 5.
  EXPECT_EQ(g.executions()[1].outcome, Outcome::kWarmingUp);
  EXPECT_EQ(g.executions()[2].outcome, Outcome::kWarmingUp);
  EXPECT_THAT(ActivityMinutes(g), ElementsAre(0, 3, 4, 5));
  EXPECT_EQ(g.desired_capacity(), 2);
}

TEST(StepScalingTest, DefaultWarmUpIsTheGroupsThenTheCooldown) {
  ScalingGroupConfig c;
  c.name = "web";
  c.min_size = 1;
  c.max_size = 20;
  c.desired_capacity = 2;
  c.default_cooldown = absl::Minutes(4);
  absl::StatusOr<ScalingGroup> g = ScalingGroup::Create(c, T0());
  ASSERT_THAT(g.status(), IsOk());
  ScalingPolicy p = StepOut();
  p.estimated_instance_warmup.reset();
  ASSERT_THAT(g->AddPolicy(p), IsOk());
  EveryMinute(&*g, "step-out", 0, 9, 55);
  EXPECT_THAT(ActivityMinutes(*g), ElementsAre(0, 4, 8));

  c.default_instance_warmup = absl::Minutes(2);
  g = ScalingGroup::Create(c, T0());
  ASSERT_THAT(g->AddPolicy(p), IsOk());
  EveryMinute(&*g, "step-out", 0, 5, 55);
  EXPECT_THAT(ActivityMinutes(*g), ElementsAre(0, 2, 4));
}

TEST(StepScalingTest, SpecWorkedExampleThroughTheGroup) {
  // 10 -> 11 -> 14 -> 13 -> 10 (spec 6.6), each step after the warm-up.
  ScalingGroup g = Group(1, 100, 10, absl::ZeroDuration());
  ScalingPolicy out;
  out.auto_scaling_group_name = "web";
  out.policy_name = "out";
  out.policy_type = PolicyType::kStepScaling;
  out.adjustment_type = AdjustmentType::kPercentChangeInCapacity;
  out.step_adjustments = {{0, 10, 0}, {10, 20, 10}, {20, kNull, 30}};
  out.estimated_instance_warmup = absl::Minutes(1);
  ScalingPolicy in = out;
  in.policy_name = "in";
  in.step_adjustments = {{-10, 0, 0}, {-20, -10, -10}, {kNull, -20, -30}};
  ASSERT_THAT(g.AddPolicy(out), IsOk());
  ASSERT_THAT(g.AddPolicy(in), IsOk());
  EveryMinute(&g, "out", 0, 1, 60);
  EveryMinute(&g, "out", 1, 2, 70);
  EveryMinute(&g, "in", 2, 3, 40);
  EveryMinute(&g, "in", 3, 4, 30);
  EveryMinute(&g, "out", 4, 5, 55);
  EveryMinute(&g, "in", 5, 6, 45);
  std::vector<int> capacities;
  for (const ScalingActivity& a : g.activities()) {
    capacities.push_back(a.to_capacity);
  }
  EXPECT_THAT(capacities, ElementsAre(11, 14, 13, 10));
  EXPECT_EQ(g.desired_capacity(), 10);
}

TEST(StepScalingTest, NoMatchingStepIsAnErrorAndChangesNothing) {
  ScalingGroup g = Group(1, 10, 2);
  ASSERT_THAT(g.AddPolicy(StepOut()), IsOk());
  std::vector<double> values = {42.5, 40.0};
  EXPECT_THAT(g.ExecutePolicy("step-out", "cpu", AlarmState::kAlarm, values,
                              50, T0())
                  .status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "No step adjustment found for metric value [42.5, "
                       "40.0] and breach threshold 50.0"));
  EXPECT_TRUE(g.executions().empty());
  EXPECT_EQ(g.desired_capacity(), 2);
}

// --- Multi-hour timeline ------------------------------------------------------

TEST(ScalingGroupTimelineTest, SixHoursOfStepScalingOutAndIn) {
  // 2 h breaching in the +1 step (warm-up 10 min, launch 3 min), 1 h
  // quiet, 3 h below the threshold (scale-in every minute down to MinSize).
  ScalingGroup g = Group(2, 8, 2, absl::Minutes(3));
  ASSERT_THAT(g.AddPolicy(StepOut(absl::Minutes(10))), IsOk());
  ASSERT_THAT(g.AddPolicy(StepIn()), IsOk());
  EveryMinute(&g, "step-out", 0, 120, 55);
  EveryMinute(&g, "step-in", 180, 360, 20);
  EXPECT_THAT(ActivityMinutes(g),
              ElementsAre(0, 10, 20, 30, 40, 50,  // 2 -> 8, then MaxSize.
                          180, 181, 182, 183, 184, 185));  // 8 -> 2.
  std::vector<CapacityPoint> t = g.Timeline();
  ASSERT_GE(t.size(), 4u);
  EXPECT_EQ(t[0].time, T0());
  EXPECT_EQ(t[0].desired, 3);  // The first activity is at creation time.
  EXPECT_EQ(t[0].in_service, 2);
  EXPECT_EQ(t[1].time, Min(3));
  EXPECT_EQ(t[1].desired, 3);
  EXPECT_EQ(t[1].in_service, 3);
  EXPECT_EQ(t.back().time, Min(185));
  EXPECT_EQ(t.back().desired, 2);
  EXPECT_EQ(t.back().in_service, 2);
  // The sixth launch: at 50, InService at 53.
  auto at = [&](int minute) {
    CapacityPoint last{};
    for (const CapacityPoint& p : t) {
      if (p.time <= Min(minute)) last = p;
    }
    return std::make_pair(last.desired, last.in_service);
  };
  EXPECT_EQ(at(52), std::make_pair(8, 7));
  EXPECT_EQ(at(53), std::make_pair(8, 8));
  EXPECT_EQ(at(179), std::make_pair(8, 8));
  EXPECT_EQ(at(182), std::make_pair(5, 5));
  EXPECT_EQ(g.InServiceAt(Min(360)), 2);
}

// --- Validation ----------------------------------------------------------------

TEST(ScalingGroupTest, CreateRejectsInconsistentSizes) {
  ScalingGroupConfig c;
  c.name = "web";
  c.min_size = 3;
  c.max_size = 2;
  EXPECT_THAT(ScalingGroup::Create(c, T0()).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "group \"web\": MinSize (3) must be between 0 and "
                       "MaxSize (2)"));
  c.max_size = 5;
  c.desired_capacity = 6;
  EXPECT_THAT(ScalingGroup::Create(c, T0()).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("DesiredCapacity (6) must be between")));
}

TEST(ScalingGroupTest, AddPolicyChecksGroupNameAndDuplicates) {
  ScalingGroup g = Group(1, 10, 2);
  ScalingPolicy p = Simple("p", 1);
  p.auto_scaling_group_name = "db";
  EXPECT_THAT(g.AddPolicy(p), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("does not name group \"web\"")));
  p.auto_scaling_group_name = "web";
  ASSERT_THAT(g.AddPolicy(p), IsOk());
  EXPECT_THAT(g.AddPolicy(p), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(g.ExecutePolicy("nope", "cpu", AlarmState::kAlarm, {}, 50, T0())
                  .status(),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(ScalingGroupTest, DisabledPolicyDoesNothing) {
  ScalingGroup g = Group(1, 10, 2);
  ScalingPolicy p = Simple("p", 1);
  p.enabled = false;
  ASSERT_THAT(g.AddPolicy(p), IsOk());
  EveryMinute(&g, "p", 0, 3, 90);
  EXPECT_TRUE(g.activities().empty());
  EXPECT_EQ(g.executions()[0].outcome, Outcome::kDisabled);
}

}  // namespace
}  // namespace cwalarm
