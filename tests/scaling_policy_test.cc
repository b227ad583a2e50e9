// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Scaling policies (spec 6.6): adjustment types, percent rounding branches,
// MinAdjustmentMagnitude, clamping, step selection with the open/closed
// ends above and below the threshold, step-set validation, JSON parsing and
// the "No step adjustment found" text.

#include "actions/scaling_policy.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::IsOk;
using ::cwalarm_testing::StatusIs;
using ::testing::HasSubstr;

constexpr std::optional<double> kNull = std::nullopt;

StepAdjustment Step(std::optional<double> lo, std::optional<double> hi,
                    int adj) {
  return {lo, hi, adj};
}

// The spec's worked example: threshold 50 %, PercentChangeInCapacity.
ScalingPolicy ScaleOutPercent() {
  ScalingPolicy p;
  p.auto_scaling_group_name = "web";
  p.policy_name = "scale-out";
  p.policy_type = PolicyType::kStepScaling;
  p.adjustment_type = AdjustmentType::kPercentChangeInCapacity;
  p.step_adjustments = {Step(0, 10, 0), Step(10, 20, 10), Step(20, kNull, 30)};
  return p;
}

ScalingPolicy ScaleInPercent() {
  ScalingPolicy p = ScaleOutPercent();
  p.policy_name = "scale-in";
  p.step_adjustments = {Step(-10, 0, 0), Step(-20, -10, -10),
                        Step(kNull, -20, -30)};
  return p;
}

// --- Percent rounding -------------------------------------------------------

struct RoundingCase {
  const char* rule;
  double raw;
  int expected;
};

class RoundPercentTest : public ::testing::TestWithParam<RoundingCase> {};

TEST_P(RoundPercentTest, RoundsAsAutoScalingDoes) {
  EXPECT_EQ(RoundPercentAdjustment(GetParam().raw), GetParam().expected)
      << GetParam().rule;
}

INSTANTIATE_TEST_SUITE_P(
    Spec66, RoundPercentTest,
    ::testing::Values(
        RoundingCase{"raw > 1 rounds down (12.7 -> 12)", 12.7, 12},
        RoundingCase{"raw exactly 1 stays 1", 1.0, 1},
        RoundingCase{"raw just above 1 rounds down", 1.99, 1},
        RoundingCase{"0 < raw < 1 becomes 1 (0.67 -> 1)", 0.67, 1},
        RoundingCase{"tiny positive becomes 1", 0.0001, 1},
        RoundingCase{"zero stays zero", 0.0, 0},
        RoundingCase{"-1 < raw < 0 becomes -1 (-0.58 -> -1)", -0.58, -1},
        RoundingCase{"raw exactly -1 stays -1", -1.0, -1},
        RoundingCase{"raw < -1 rounds toward zero (-6.67 -> -6)", -6.67, -6},
        RoundingCase{"raw < -1 rounds toward zero (-3.9 -> -3)", -3.9, -3}));

// --- Adjustment types, MinAdjustmentMagnitude, clamping ---------------------

struct CapacityCase {
  const char* rule;
  AdjustmentType type;
  int adjustment;
  int current;
  std::optional<int> min_magnitude;
  int min_size;
  int max_size;
  int expected;
};

class ComputeDesiredCapacityTest
    : public ::testing::TestWithParam<CapacityCase> {};

TEST_P(ComputeDesiredCapacityTest, Computes) {
  const CapacityCase& c = GetParam();
  EXPECT_EQ(ComputeDesiredCapacity(c.type, c.adjustment, c.current,
                                   c.min_magnitude, c.min_size, c.max_size),
            c.expected)
      << c.rule;
}

constexpr AdjustmentType kChange = AdjustmentType::kChangeInCapacity;
constexpr AdjustmentType kExact = AdjustmentType::kExactCapacity;
constexpr AdjustmentType kPercent = AdjustmentType::kPercentChangeInCapacity;

INSTANTIATE_TEST_SUITE_P(
    Spec66, ComputeDesiredCapacityTest,
    ::testing::Values(
        CapacityCase{"change adds", kChange, 2, 4, std::nullopt, 1, 10, 6},
        CapacityCase{"change subtracts", kChange, -3, 4, std::nullopt, 0, 10, 1},
        CapacityCase{"change clamps to MaxSize", kChange, 5, 8, std::nullopt, 1,
                     10, 10},
        CapacityCase{"change clamps to MinSize", kChange, -5, 3, std::nullopt,
                     2, 10, 2},
        CapacityCase{"exact sets", kExact, 7, 3, std::nullopt, 1, 10, 7},
        CapacityCase{"exact zero", kExact, 0, 3, std::nullopt, 0, 10, 0},
        CapacityCase{"exact clamps to MaxSize", kExact, 50, 3, std::nullopt, 1,
                     10, 10},
        CapacityCase{"exact clamps to MinSize", kExact, 0, 3, std::nullopt, 1,
                     10, 1},
        CapacityCase{"percent > 1 floors: 127% of 10 = 12.7 -> 12", kPercent,
                     127, 10, std::nullopt, 0, 100, 22},
        CapacityCase{"percent (0,1) -> 1: 10% of 3 = 0.3", kPercent, 10, 3,
                     std::nullopt, 0, 100, 4},
        CapacityCase{"percent (-1,0) -> -1: -10% of 3", kPercent, -10, 3,
                     std::nullopt, 0, 100, 2},
        CapacityCase{"percent < -1 toward zero: -30% of 13 = -3.9 -> -3",
                     kPercent, -30, 13, std::nullopt, 0, 100, 10},
        CapacityCase{"percent zero step changes nothing", kPercent, 0, 10, 2, 0,
                     100, 10},
        CapacityCase{"MinAdjustmentMagnitude raises: 25% of 4 = 1, min 2",
                     kPercent, 25, 4, 2, 0, 100, 6},
        CapacityCase{"MinAdjustmentMagnitude raises decreases too", kPercent,
                     -25, 4, 2, 0, 100, 2},
        CapacityCase{"MinAdjustmentMagnitude below the change is ignored",
                     kPercent, 50, 10, 2, 0, 100, 15},
        CapacityCase{"percent clamps to MaxSize", kPercent, 100, 8, std::nullopt,
                     1, 10, 10},
        CapacityCase{"percent clamps to MinSize", kPercent, -90, 8,
                     std::nullopt, 3, 10, 3},
        CapacityCase{"percent of an empty group is 0", kPercent, 50, 0,
                     std::nullopt, 0, 10, 0}));

// --- Step selection ---------------------------------------------------------

struct StepCase {
  const char* rule;
  bool scale_out;  // ScaleOutPercent() or ScaleInPercent().
  double metric;
  std::optional<int> expected;  // nullopt: no step.
};

class SelectStepTest : public ::testing::TestWithParam<StepCase> {};

TEST_P(SelectStepTest, PicksTheStepRelativeToTheThreshold) {
  const StepCase& c = GetParam();
  ScalingPolicy p = c.scale_out ? ScaleOutPercent() : ScaleInPercent();
  std::vector<double> values = {c.metric};
  absl::StatusOr<StepAdjustment> s = SelectStep(p, values, 50);
  if (c.expected.has_value()) {
    ASSERT_THAT(s.status(), IsOk()) << c.rule;
    EXPECT_EQ(s->scaling_adjustment, *c.expected) << c.rule;
  } else {
    EXPECT_THAT(s.status(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                     HasSubstr("No step adjustment found")))
        << c.rule;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Spec66, SelectStepTest,
    ::testing::Values(
        StepCase{"above: lower bound closed (50 in [0,10))", true, 50, 0},
        StepCase{"above: inside the first step", true, 59.9, 0},
        StepCase{"above: upper bound open (60 not in [0,10))", true, 60, 10},
        StepCase{"above: 70 opens [20,inf)", true, 70, 30},
        StepCase{"above: null upper bound is +inf", true, 1e9, 30},
        StepCase{"above: below every step", true, 49.9, std::nullopt},
        StepCase{"below: upper bound closed (50 in (-10,0])", false, 50, 0},
        StepCase{"below: lower bound open (40 not in (-10,0])", false, 40,
                 -10},
        StepCase{"below: just above 40", false, 40.1, 0},
        StepCase{"below: 30 is in (-inf,-20]", false, 30, -30},
        StepCase{"below: 30.1 is in (-20,-10]", false, 30.1, -10},
        StepCase{"below: null lower bound is -inf", false, -1e9, -30},
        StepCase{"below: above every step", false, 50.1, std::nullopt}));

TEST(SelectStepTest, AggregatesWithMetricAggregationType) {
  ScalingPolicy p = ScaleOutPercent();
  std::vector<double> values = {55, 75};  // Average 65 -> [10,20).
  EXPECT_EQ(SelectStep(p, values, 50)->scaling_adjustment, 10);
  p.metric_aggregation_type = MetricAggregationType::kMaximum;  // 75.
  EXPECT_EQ(SelectStep(p, values, 50)->scaling_adjustment, 30);
  p.metric_aggregation_type = MetricAggregationType::kMinimum;  // 55.
  EXPECT_EQ(SelectStep(p, values, 50)->scaling_adjustment, 0);
}

TEST(SelectStepTest, NoMatchingStepUsesCloudWatchsHistoryText) {
  ScalingPolicy p = ScaleOutPercent();
  p.step_adjustments = {Step(0, kNull, 1)};
  std::vector<double> values = {0.14282611394791225, 0.14367561052112202};
  EXPECT_THAT(SelectStep(p, values, 85).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "No step adjustment found for metric value "
                       "[0.14282611394791225, 0.14367561052112202] and "
                       "breach threshold 85.0"));
}

TEST(SelectStepTest, NoDatapointsIsNoStep) {
  EXPECT_THAT(SelectStep(ScaleOutPercent(), {}, 50).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "No step adjustment found for metric value [] and "
                       "breach threshold 50.0"));
}

// The spec's worked example: 10 -> 11 -> 14 -> 13 -> 10, and 40 < m < 60
// leaves the capacity alone.
TEST(ScalingPolicyTest, WorkedExampleTenElevenFourteenThirteenTen) {
  int capacity = 10;
  auto apply = [&](const ScalingPolicy& p, double metric) {
    std::vector<double> values = {metric};
    absl::StatusOr<StepAdjustment> s = SelectStep(p, values, 50);
    EXPECT_THAT(s.status(), IsOk()) << metric;
    if (!s.ok()) return;
    capacity = ComputeDesiredCapacity(p.adjustment_type, s->scaling_adjustment,
                                      capacity, p.min_adjustment_magnitude, 0,
                                      100);
  };
  apply(ScaleOutPercent(), 60);
  EXPECT_EQ(capacity, 11);
  apply(ScaleOutPercent(), 70);
  EXPECT_EQ(capacity, 14);
  apply(ScaleInPercent(), 40);
  EXPECT_EQ(capacity, 13);
  apply(ScaleInPercent(), 30);
  EXPECT_EQ(capacity, 10);
  apply(ScaleOutPercent(), 55);
  apply(ScaleInPercent(), 45);
  EXPECT_EQ(capacity, 10);
}

// --- Validation -------------------------------------------------------------

struct InvalidCase {
  const char* rule;
  std::vector<StepAdjustment> steps;
  const char* message;
};

class StepSetValidationTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(StepSetValidationTest, RejectsWithAClearMessage) {
  ScalingPolicy p = ScaleOutPercent();
  p.step_adjustments = GetParam().steps;
  EXPECT_THAT(ValidateScalingPolicy(p),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(GetParam().message)))
      << GetParam().rule;
}

INSTANTIATE_TEST_SUITE_P(
    Spec66, StepSetValidationTest,
    ::testing::Values(
        InvalidCase{"both bounds null", {Step(kNull, kNull, 1)},
                    "a step cannot have both MetricIntervalLowerBound and "
                    "MetricIntervalUpperBound null"},
        InvalidCase{"upper equal to lower", {Step(10, 10, 1)},
                    "StepAdjustments[0] ([10.0, 10.0] -> 1): "
                    "MetricIntervalUpperBound must be greater than"},
        InvalidCase{"upper below lower", {Step(10, 5, 1), Step(5, kNull, 2)},
                    "must be greater than"},
        InvalidCase{"two null lower bounds",
                    {Step(kNull, -10, -2), Step(kNull, 0, -1)},
                    "at most one step may have a null MetricIntervalLowerBound"},
        InvalidCase{"two null upper bounds",
                    {Step(0, kNull, 1), Step(10, kNull, 2)},
                    "at most one step may have a null MetricIntervalUpperBound"},
        InvalidCase{"negative lower bound without a null lower bound",
                    {Step(-20, -10, -2), Step(-10, 0, -1)},
                    "one step must have a null MetricIntervalLowerBound"},
        InvalidCase{"positive upper bound without a null upper bound",
                    {Step(0, 10, 1), Step(10, 20, 2)},
                    "one step must have a null MetricIntervalUpperBound"},
        InvalidCase{"gap between steps",
                    {Step(0, 10, 1), Step(15, kNull, 2)},
                    "StepAdjustments[0] [0.0, 10.0] -> 1 and StepAdjustments[1] "
                    "[15.0, null] -> 2): step intervals must not leave a gap"},
        InvalidCase{"overlapping steps",
                    {Step(0, 20, 1), Step(10, kNull, 2)},
                    "step intervals must not overlap"},
        InvalidCase{"null upper bound not last is an overlap",
                    {Step(0, kNull, 1), Step(10, 20, 2)},
                    "must not overlap"},
        InvalidCase{"gap below zero",
                    {Step(kNull, -20, -2), Step(-10, 0, -1)},
                    "must not leave a gap"}));

TEST(StepSetValidationTest, AcceptsTheSpecsStepSetsInAnyOrder) {
  ScalingPolicy p = ScaleOutPercent();
  EXPECT_THAT(ValidateScalingPolicy(p), IsOk());
  p.step_adjustments = {Step(20, kNull, 30), Step(0, 10, 0), Step(10, 20, 10)};
  EXPECT_THAT(ValidateScalingPolicy(p), IsOk());
  EXPECT_THAT(ValidateScalingPolicy(ScaleInPercent()), IsOk());
  // One step spanning the threshold.
  p.step_adjustments = {Step(kNull, 0, -1), Step(0, kNull, 1)};
  EXPECT_THAT(ValidateScalingPolicy(p), IsOk());
}

TEST(ScalingPolicyValidationTest, ChecksFieldsPerPolicyType) {
  ScalingPolicy simple;
  simple.auto_scaling_group_name = "web";
  simple.policy_name = "add";
  EXPECT_THAT(ValidateScalingPolicy(simple),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "policy \"add\": ScalingAdjustment (null): is required "
                       "for SimpleScaling (ValidationError)"));
  simple.scaling_adjustment = 1;
  EXPECT_THAT(ValidateScalingPolicy(simple), IsOk());
  simple.min_adjustment_magnitude = 2;
  EXPECT_THAT(ValidateScalingPolicy(simple),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("MinAdjustmentMagnitude (2): only valid with "
                                 "AdjustmentType PercentChangeInCapacity")));
  simple.min_adjustment_magnitude.reset();
  simple.adjustment_type = AdjustmentType::kExactCapacity;
  simple.scaling_adjustment = -1;
  EXPECT_THAT(ValidateScalingPolicy(simple),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("must be non-negative with ExactCapacity")));

  ScalingPolicy step = ScaleOutPercent();
  step.cooldown = absl::Seconds(60);
  EXPECT_THAT(ValidateScalingPolicy(step),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("Cooldown (1m): only valid for SimpleScaling")));
  step.cooldown.reset();
  step.step_adjustments.clear();
  EXPECT_THAT(ValidateScalingPolicy(step),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("at least one step is required")));
  step = ScaleOutPercent();
  step.min_adjustment_magnitude = 0;
  EXPECT_THAT(ValidateScalingPolicy(step),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("MinAdjustmentMagnitude (0): must be at least 1")));
}

// --- JSON -------------------------------------------------------------------

TEST(ParseScalingPoliciesTest, ReadsPutScalingPolicyCliInputJson) {
  absl::StatusOr<std::vector<ScalingPolicy>> p = ParseScalingPolicies(R"json([
    {"AutoScalingGroupName": "web", "PolicyName": "out",
     "PolicyType": "StepScaling", "AdjustmentType": "PercentChangeInCapacity",
     "MetricAggregationType": "Maximum", "EstimatedInstanceWarmup": 180,
     "MinAdjustmentMagnitude": 2,
     "StepAdjustments": [
       {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10,
        "ScalingAdjustment": 0},
       {"MetricIntervalLowerBound": 10, "ScalingAdjustment": 30}]},
    {"AutoScalingGroupName": "web", "PolicyName": "in",
     "AdjustmentType": "ChangeInCapacity", "ScalingAdjustment": -1,
     "Cooldown": 600}
  ])json");
  ASSERT_THAT(p.status(), IsOk());
  ASSERT_EQ(p->size(), 2u);
  const ScalingPolicy& out = (*p)[0];
  EXPECT_EQ(out.policy_type, PolicyType::kStepScaling);
  EXPECT_EQ(out.adjustment_type, AdjustmentType::kPercentChangeInCapacity);
  EXPECT_EQ(out.EffectiveMetricAggregationType(),
            MetricAggregationType::kMaximum);
  EXPECT_EQ(out.estimated_instance_warmup, absl::Seconds(180));
  EXPECT_EQ(out.min_adjustment_magnitude, 2);
  ASSERT_EQ(out.step_adjustments.size(), 2u);
  EXPECT_EQ(out.step_adjustments[1].metric_interval_lower_bound, 10);
  EXPECT_FALSE(out.step_adjustments[1].metric_interval_upper_bound.has_value());
  const ScalingPolicy& in = (*p)[1];
  EXPECT_EQ(in.policy_type, PolicyType::kSimpleScaling);  // The default.
  EXPECT_EQ(in.scaling_adjustment, -1);
  EXPECT_EQ(in.cooldown, absl::Seconds(600));
  EXPECT_EQ(in.EffectiveMetricAggregationType(),
            MetricAggregationType::kAverage);
}

struct BadJsonCase {
  const char* json;
  const char* message;
};

class ParseScalingPoliciesErrorTest
    : public ::testing::TestWithParam<BadJsonCase> {};

TEST_P(ParseScalingPoliciesErrorTest, NamesThePathAndTheRule) {
  EXPECT_THAT(ParseScalingPolicies(GetParam().json).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(GetParam().message)));
}

INSTANTIATE_TEST_SUITE_P(
    Json, ParseScalingPoliciesErrorTest,
    ::testing::Values(
        BadJsonCase{"{", "not valid JSON"},
        BadJsonCase{R"([{"AutoScalingGroupName": "g", "PolicyName": "p",
                        "AdjustmentType": "ChangeInCapacity",
                        "ScalingAdjustment": 1, "Colldown": 5}])",
                    "[0].Colldown: unknown key"},
        BadJsonCase{R"({"AutoScalingGroupName": "g", "PolicyName": "p",
                       "AdjustmentType": "ChangeInCapacity",
                       "ScalingAdjustment": 1.5})",
                    "ScalingAdjustment: expected an integer, got 1.5"},
        BadJsonCase{R"({"AutoScalingGroupName": "g", "PolicyName": "p",
                       "PolicyType": "TargetTrackingScaling",
                       "AdjustmentType": "ChangeInCapacity"})",
                    "PolicyType: \"TargetTrackingScaling\" is not supported"},
        BadJsonCase{R"({"AutoScalingGroupName": "g", "PolicyName": "p",
                       "AdjustmentType": "ChangeInCapacit",
                       "ScalingAdjustment": 1})",
                    "must be ChangeInCapacity, ExactCapacity or"},
        BadJsonCase{R"([{"AutoScalingGroupName": "g", "PolicyName": "p",
                        "PolicyType": "StepScaling",
                        "AdjustmentType": "ChangeInCapacity",
                        "StepAdjustments": [{"MetricIntervalLowerBound": 0}]}])",
                    "[0].StepAdjustments[0].ScalingAdjustment: required"},
        BadJsonCase{R"([{"AutoScalingGroupName": "g", "PolicyName": "p",
                        "PolicyType": "StepScaling",
                        "AdjustmentType": "ChangeInCapacity",
                        "StepAdjustments": [
                          {"MetricIntervalLowerBound": 0,
                           "MetricIntervalUpperBound": 5,
                           "ScalingAdjustment": 1},
                          {"MetricIntervalLowerBound": 6,
                           "ScalingAdjustment": 2}]}])",
                    "[0]: policy \"p\": StepAdjustments (StepAdjustments[0] "
                    "[0.0, 5.0] -> 1 and StepAdjustments[1] [6.0, null] -> "
                    "2): step intervals must not leave a gap"},
        BadJsonCase{R"([{"AutoScalingGroupName": "g", "PolicyName": "p",
                        "AdjustmentType": "ChangeInCapacity",
                        "ScalingAdjustment": 1},
                       {"AutoScalingGroupName": "g", "PolicyName": "p",
                        "AdjustmentType": "ChangeInCapacity",
                        "ScalingAdjustment": 2}])",
                    "[1]: policy \"p\" of group \"g\" is defined twice"}));

}  // namespace
}  // namespace cwalarm
