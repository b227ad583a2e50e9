// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// EC2 Auto Scaling simple and step scaling policies as an alarm drives them
// (spec 6.6): the policy in the shape `aws autoscaling put-scaling-policy
// --cli-input-json` accepts, its validation, step selection relative to the
// breach threshold, and the adjustment arithmetic (percent rounding,
// MinAdjustmentMagnitude, [MinSize, MaxSize] clamping).
//
// Pipeline: alarm -> ActionSink (AutoScalingSink) -> ScalingGroup, which
// calls SelectStep and ComputeDesiredCapacity from here. Everything here is
// pure: no clock, no group state.
//
//   absl::StatusOr<std::vector<ScalingPolicy>> p = ParseScalingPolicies(json);
//   absl::StatusOr<StepAdjustment> s = SelectStep(policy, {62.0}, 50.0);
//   int next = ComputeDesiredCapacity(AdjustmentType::kPercentChangeInCapacity,
//                                     /*adjustment=*/10, /*current=*/10,
//                                     std::nullopt, /*min=*/1, /*max=*/20);  // 11
//
// The JSON parser lives here rather than in config/ because the policy's
// only shape is Auto Scaling's own JSON (no proto, no text form), and the
// type should own its validation (STYLE 4).
//
// Thread-safety: pure functions and plain values; safe from any thread.

#ifndef CWALARM_ACTIONS_SCALING_POLICY_H_
#define CWALARM_ACTIONS_SCALING_POLICY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace cwalarm {

// Auto Scaling's PolicyType. Target tracking and predictive policies are
// not driven by user alarms and are refused by the parser.
enum class PolicyType { kSimpleScaling, kStepScaling };

// Auto Scaling's AdjustmentType (spec 6.6).
enum class AdjustmentType {
  kChangeInCapacity,
  kExactCapacity,
  kPercentChangeInCapacity,
};

// How step scaling aggregates the alarm's recent datapoints before picking a
// step (spec 6.6). Auto Scaling's default is Average.
enum class MetricAggregationType { kAverage, kMinimum, kMaximum };

// Auto Scaling's spelling: "SimpleScaling", "ChangeInCapacity", "Average".
absl::string_view PolicyTypeName(PolicyType type);
absl::string_view AdjustmentTypeName(AdjustmentType type);
absl::string_view MetricAggregationTypeName(MetricAggregationType type);

// One step. Bounds are relative to the alarm's threshold (d = metric -
// threshold); absent means -infinity (lower) / +infinity (upper). Which end
// is closed depends on the side of the threshold: see SelectStep.
struct StepAdjustment {
  std::optional<double> metric_interval_lower_bound;
  std::optional<double> metric_interval_upper_bound;
  int scaling_adjustment = 0;
};

// PutScalingPolicy's input, for SimpleScaling and StepScaling.
struct ScalingPolicy {
  std::string auto_scaling_group_name;  // Required.
  std::string policy_name;              // Required.
  PolicyType policy_type = PolicyType::kSimpleScaling;
  AdjustmentType adjustment_type = AdjustmentType::kChangeInCapacity;
  // SimpleScaling only (required there).
  std::optional<int> scaling_adjustment;
  // SimpleScaling only: the cooldown after this policy's activity; unset
  // means the group's default cooldown.
  std::optional<absl::Duration> cooldown;
  // StepScaling only (at least one step required there).
  std::vector<StepAdjustment> step_adjustments;
  // StepScaling only: warm-up of the instances it launches; unset means the
  // group's default instance warm-up.
  std::optional<absl::Duration> estimated_instance_warmup;
  // StepScaling only; unset means Average.
  std::optional<MetricAggregationType> metric_aggregation_type;
  // PercentChangeInCapacity only; >= 1.
  std::optional<int> min_adjustment_magnitude;
  bool enabled = true;

  MetricAggregationType EffectiveMetricAggregationType() const {
    return metric_aggregation_type.value_or(MetricAggregationType::kAverage);
  }
};

// Checks PutScalingPolicy's rules and returns kInvalidArgument with a
// message `policy "NAME": FIELD (VALUE): rule (ValidationError)` for the
// first violation:
// * names present; SimpleScaling has ScalingAdjustment and no
//   StepAdjustments / MetricAggregationType / EstimatedInstanceWarmup;
//   StepScaling has StepAdjustments and no ScalingAdjustment / Cooldown;
// * ExactCapacity adjustments are >= 0; MinAdjustmentMagnitude only with
//   PercentChangeInCapacity, and >= 1; Cooldown and warm-up >= 0;
// * the step set (spec 6.6): a step cannot have both bounds null; upper >
//   lower; at most one null lower and one null upper bound; a negative
//   lower bound needs a step with a null lower bound and a positive upper
//   bound one with a null upper bound; sorted by lower bound the steps
//   touch (each upper equals the next lower): no gaps, no overlaps.
absl::Status ValidateScalingPolicy(const ScalingPolicy& policy);

// Parses one policy object or a JSON array of them, in the shape of
// `put-scaling-policy --cli-input-json` (keys AutoScalingGroupName,
// PolicyName, PolicyType, AdjustmentType, ScalingAdjustment, Cooldown,
// StepAdjustments[{MetricIntervalLowerBound, MetricIntervalUpperBound,
// ScalingAdjustment}], MinAdjustmentMagnitude, EstimatedInstanceWarmup,
// MetricAggregationType, Enabled; durations in seconds) and validates each.
// Unknown keys are an error (a typo would otherwise silently change the
// policy). Returns kInvalidArgument naming the JSON path (`[1].StepAdjustments
// [0].ScalingAdjustment: ...`) or the validation message.
absl::StatusOr<std::vector<ScalingPolicy>> ParseScalingPolicies(
    absl::string_view json);

// The aggregated metric value step scaling compares: the Average, Minimum or
// Maximum of `values`. Precondition: `values` is not empty.
double AggregateMetricValues(MetricAggregationType type,
                             absl::Span<const double> values);

// The step for `metric_value` (already aggregated) and `breach_threshold`
// (spec 6.6). With d = metric_value - breach_threshold: above the threshold
// (d > 0) a step matches when lower <= d < upper; below (d < 0) when lower
// < d <= upper. At d == 0 the above rule is tried first, then the below
// rule ([INFERRED]: the spec's example has 50 in both [0,10) and (-10,0],
// and a policy's steps lie on one side). Returns kFailedPrecondition with
// CloudWatch's history text `No step adjustment found for metric value
// [v1, v2] and breach threshold T` when no step matches (`values` are the
// datapoints as given, Java-formatted).
absl::StatusOr<StepAdjustment> SelectStep(const ScalingPolicy& policy,
                                          absl::Span<const double> values,
                                          double breach_threshold);

// Percent-change rounding (spec 6.6): raw >= 1 -> floor; 0 < raw < 1 -> 1;
// 0 -> 0; -1 < raw < 0 -> -1; raw <= -1 -> toward zero (ceil).
int RoundPercentAdjustment(double raw);

// The capacity a policy asks for, before warm-up and cooldown (spec 6.6):
// ChangeInCapacity current + adjustment; ExactCapacity adjustment;
// PercentChangeInCapacity current + RoundPercentAdjustment(current *
// adjustment / 100), raised to +-min_adjustment_magnitude when the rounded
// change is non-zero and smaller in magnitude. The result is clamped to
// [min_size, max_size]. Precondition: min_size <= max_size.
int ComputeDesiredCapacity(AdjustmentType type, int adjustment, int current,
                           std::optional<int> min_adjustment_magnitude,
                           int min_size, int max_size);

}  // namespace cwalarm

#endif  // CWALARM_ACTIONS_SCALING_POLICY_H_
