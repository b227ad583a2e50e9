// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "actions/scaling_policy.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "alarm/cw_format.h"
#include "nlohmann/json.hpp"

namespace cwalarm {
namespace {

using Json = nlohmann::json;

absl::Status Invalid(const ScalingPolicy& p, absl::string_view field,
                     absl::string_view value, absl::string_view rule) {
  return absl::InvalidArgumentError(
      absl::StrCat("policy \"", p.policy_name, "\": ", field, " (", value,
                   "): ", rule, " (ValidationError)"));
}

std::string BoundText(const std::optional<double>& b) {
  return b.has_value() ? FormatJavaDouble(*b) : "null";
}

std::string StepText(const StepAdjustment& s) {
  return absl::StrCat("[", BoundText(s.metric_interval_lower_bound), ", ",
                      BoundText(s.metric_interval_upper_bound), "] -> ",
                      s.scaling_adjustment);
}

absl::Status ValidateSteps(const ScalingPolicy& p) {
  const std::vector<StepAdjustment>& steps = p.step_adjustments;
  int null_lower = 0;
  int null_upper = 0;
  bool negative_lower = false;
  bool positive_upper = false;
  for (size_t i = 0; i < steps.size(); ++i) {
    const StepAdjustment& s = steps[i];
    const std::string field = absl::StrCat("StepAdjustments[", i, "]");
    const auto& lo = s.metric_interval_lower_bound;
    const auto& hi = s.metric_interval_upper_bound;
    if (!lo.has_value() && !hi.has_value()) {
      return Invalid(p, field, StepText(s),
                     "a step cannot have both MetricIntervalLowerBound and "
                     "MetricIntervalUpperBound null");
    }
    if (lo.has_value() && hi.has_value() && !(*hi > *lo)) {
      return Invalid(p, field, StepText(s),
                     "MetricIntervalUpperBound must be greater than "
                     "MetricIntervalLowerBound");
    }
    if (p.adjustment_type == AdjustmentType::kExactCapacity &&
        s.scaling_adjustment < 0) {
      return Invalid(p, absl::StrCat(field, ".ScalingAdjustment"),
                     absl::StrCat(s.scaling_adjustment),
                     "must be non-negative with ExactCapacity");
    }
    if (!lo.has_value()) ++null_lower;
    if (!hi.has_value()) ++null_upper;
    if (lo.has_value() && *lo < 0) negative_lower = true;
    if (hi.has_value() && *hi > 0) positive_upper = true;
  }
  if (null_lower > 1) {
    return Invalid(p, "StepAdjustments", absl::StrCat(null_lower, " steps"),
                   "at most one step may have a null MetricIntervalLowerBound");
  }
  if (null_upper > 1) {
    return Invalid(p, "StepAdjustments", absl::StrCat(null_upper, " steps"),
                   "at most one step may have a null MetricIntervalUpperBound");
  }
  if (negative_lower && null_lower == 0) {
    return Invalid(p, "StepAdjustments", "a negative lower bound",
                   "when a step has a negative MetricIntervalLowerBound, one "
                   "step must have a null MetricIntervalLowerBound");
  }
  if (positive_upper && null_upper == 0) {
    return Invalid(p, "StepAdjustments", "a positive upper bound",
                   "when a step has a positive MetricIntervalUpperBound, one "
                   "step must have a null MetricIntervalUpperBound");
  }
  // Sorted by lower bound (null = -infinity), consecutive steps must touch.
  std::vector<size_t> order(steps.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  auto lower = [&](size_t i) {
    return steps[i].metric_interval_lower_bound.value_or(-kInf);
  };
  auto upper = [&](size_t i) {
    return steps[i].metric_interval_upper_bound.value_or(kInf);
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return lower(a) < lower(b); });
  for (size_t k = 0; k + 1 < order.size(); ++k) {
    const size_t a = order[k];
    const size_t b = order[k + 1];
    if (upper(a) == lower(b)) continue;
    const std::string pair =
        absl::StrCat("StepAdjustments[", a, "] ", StepText(steps[a]),
                     " and StepAdjustments[", b, "] ", StepText(steps[b]));
    return Invalid(p, "StepAdjustments", pair,
                   upper(a) < lower(b)
                       ? "step intervals must not leave a gap (each upper "
                         "bound must equal the next step's lower bound)"
                       : "step intervals must not overlap");
  }
  return absl::OkStatus();
}

// Reads an optional member of `object`; `path` names it in errors.
template <typename T>
absl::Status ReadOptional(const Json& object, const char* key,
                          const std::string& path, std::optional<T>* out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return absl::OkStatus();
  const std::string where = absl::StrCat(path, key);
  if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": expected a string, got ", it->dump()));
    }
    *out = it->template get<std::string>();
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": expected true or false, got ", it->dump()));
    }
    *out = it->template get<bool>();
  } else if constexpr (std::is_same_v<T, int>) {
    if (!it->is_number_integer() ||
        it->template get<int64_t>() < std::numeric_limits<int>::min() ||
        it->template get<int64_t>() > std::numeric_limits<int>::max()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": expected an integer, got ", it->dump()));
    }
    *out = static_cast<int>(it->template get<int64_t>());
  } else {
    if (!it->is_number() || !std::isfinite(it->template get<double>())) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": expected a number, got ", it->dump()));
    }
    *out = it->template get<double>();
  }
  return absl::OkStatus();
}

absl::Status CheckKeys(const Json& object, const std::string& path,
                       std::initializer_list<const char*> known) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (std::none_of(known.begin(), known.end(),
                     [&](const char* k) { return it.key() == k; })) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, it.key(), ": unknown key (expected one of ",
          absl::StrJoin(known.begin(), known.end(), ", "), ")"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ScalingPolicy> ParseOne(const Json& j, const std::string& path) {
  if (!j.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.empty() ? "policy" : path, ": expected an object"));
  }
  absl::Status s = CheckKeys(
      j, path,
      {"AutoScalingGroupName", "PolicyName", "PolicyType", "AdjustmentType",
       "ScalingAdjustment", "Cooldown", "StepAdjustments",
       "MinAdjustmentMagnitude", "EstimatedInstanceWarmup",
       "MetricAggregationType", "Enabled", "MinAdjustmentStep"});
  if (!s.ok()) return s;
  ScalingPolicy p;
  std::optional<std::string> group, name, type, adjustment, aggregation;
  std::optional<int> cooldown, warmup, min_step;
  std::optional<bool> enabled;
  for (absl::Status r :
       {ReadOptional(j, "AutoScalingGroupName", path, &group),
        ReadOptional(j, "PolicyName", path, &name),
        ReadOptional(j, "PolicyType", path, &type),
        ReadOptional(j, "AdjustmentType", path, &adjustment),
        ReadOptional(j, "MetricAggregationType", path, &aggregation),
        ReadOptional(j, "ScalingAdjustment", path, &p.scaling_adjustment),
        ReadOptional(j, "Cooldown", path, &cooldown),
        ReadOptional(j, "EstimatedInstanceWarmup", path, &warmup),
        ReadOptional(j, "MinAdjustmentMagnitude", path,
                     &p.min_adjustment_magnitude),
        ReadOptional(j, "MinAdjustmentStep", path, &min_step),
        ReadOptional(j, "Enabled", path, &enabled)}) {
    if (!r.ok()) return r;
  }
  p.auto_scaling_group_name = group.value_or("");
  p.policy_name = name.value_or("");
  // MinAdjustmentStep is the deprecated spelling of MinAdjustmentMagnitude.
  if (!p.min_adjustment_magnitude.has_value()) {
    p.min_adjustment_magnitude = min_step;
  }
  if (type.has_value()) {
    if (*type == "SimpleScaling") {
      p.policy_type = PolicyType::kSimpleScaling;
    } else if (*type == "StepScaling") {
      p.policy_type = PolicyType::kStepScaling;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          path, "PolicyType: \"", *type,
          "\" is not supported (SimpleScaling or StepScaling; target "
          "tracking and predictive policies are not driven by user alarms)"));
    }
  }
  if (adjustment.has_value()) {
    if (*adjustment == "ChangeInCapacity") {
      p.adjustment_type = AdjustmentType::kChangeInCapacity;
    } else if (*adjustment == "ExactCapacity") {
      p.adjustment_type = AdjustmentType::kExactCapacity;
    } else if (*adjustment == "PercentChangeInCapacity") {
      p.adjustment_type = AdjustmentType::kPercentChangeInCapacity;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          path, "AdjustmentType: \"", *adjustment,
          "\" must be ChangeInCapacity, ExactCapacity or "
          "PercentChangeInCapacity"));
    }
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        path, "AdjustmentType: required for SimpleScaling and StepScaling"));
  }
  if (aggregation.has_value()) {
    if (*aggregation == "Average") {
      p.metric_aggregation_type = MetricAggregationType::kAverage;
    } else if (*aggregation == "Minimum") {
      p.metric_aggregation_type = MetricAggregationType::kMinimum;
    } else if (*aggregation == "Maximum") {
      p.metric_aggregation_type = MetricAggregationType::kMaximum;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(path, "MetricAggregationType: \"", *aggregation,
                       "\" must be Average, Minimum or Maximum"));
    }
  }
  if (cooldown.has_value()) p.cooldown = absl::Seconds(*cooldown);
  if (warmup.has_value()) p.estimated_instance_warmup = absl::Seconds(*warmup);
  p.enabled = enabled.value_or(true);
  auto steps = j.find("StepAdjustments");
  if (steps != j.end() && !steps->is_null()) {
    if (!steps->is_array()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, "StepAdjustments: expected an array"));
    }
    for (size_t i = 0; i < steps->size(); ++i) {
      const Json& sj = (*steps)[i];
      const std::string sp = absl::StrCat(path, "StepAdjustments[", i, "].");
      if (!sj.is_object()) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, "StepAdjustments[", i, "]: expected an object"));
      }
      s = CheckKeys(sj, sp,
                    {"MetricIntervalLowerBound", "MetricIntervalUpperBound",
                     "ScalingAdjustment"});
      if (!s.ok()) return s;
      StepAdjustment step;
      std::optional<int> adj;
      for (absl::Status r :
           {ReadOptional(sj, "MetricIntervalLowerBound", sp,
                         &step.metric_interval_lower_bound),
            ReadOptional(sj, "MetricIntervalUpperBound", sp,
                         &step.metric_interval_upper_bound),
            ReadOptional(sj, "ScalingAdjustment", sp, &adj)}) {
        if (!r.ok()) return r;
      }
      if (!adj.has_value()) {
        return absl::InvalidArgumentError(
            absl::StrCat(sp, "ScalingAdjustment: required"));
      }
      step.scaling_adjustment = *adj;
      p.step_adjustments.push_back(step);
    }
  }
  s = ValidateScalingPolicy(p);
  if (!s.ok()) {
    return absl::InvalidArgumentError(
        path.empty() ? std::string(s.message())
                     : absl::StrCat(path.substr(0, path.size() - 1), ": ",
                                    s.message()));
  }
  return p;
}

}  // namespace

absl::string_view PolicyTypeName(PolicyType type) {
  return type == PolicyType::kStepScaling ? "StepScaling" : "SimpleScaling";
}

absl::string_view AdjustmentTypeName(AdjustmentType type) {
  switch (type) {
    case AdjustmentType::kChangeInCapacity:
      return "ChangeInCapacity";
    case AdjustmentType::kExactCapacity:
      return "ExactCapacity";
    case AdjustmentType::kPercentChangeInCapacity:
      return "PercentChangeInCapacity";
  }
  return "ChangeInCapacity";
}

absl::string_view MetricAggregationTypeName(MetricAggregationType type) {
  switch (type) {
    case MetricAggregationType::kAverage:
      return "Average";
    case MetricAggregationType::kMinimum:
      return "Minimum";
    case MetricAggregationType::kMaximum:
      return "Maximum";
  }
  return "Average";
}

absl::Status ValidateScalingPolicy(const ScalingPolicy& p) {
  if (p.policy_name.empty()) {
    return Invalid(p, "PolicyName", "", "is required");
  }
  if (p.auto_scaling_group_name.empty()) {
    return Invalid(p, "AutoScalingGroupName", "", "is required");
  }
  if (p.policy_type == PolicyType::kSimpleScaling) {
    if (!p.scaling_adjustment.has_value()) {
      return Invalid(p, "ScalingAdjustment", "null",
                     "is required for SimpleScaling");
    }
    if (!p.step_adjustments.empty()) {
      return Invalid(p, "StepAdjustments",
                     absl::StrCat(p.step_adjustments.size(), " steps"),
                     "only valid for StepScaling");
    }
    if (p.metric_aggregation_type.has_value()) {
      return Invalid(p, "MetricAggregationType",
                     MetricAggregationTypeName(*p.metric_aggregation_type),
                     "only valid for StepScaling");
    }
    if (p.estimated_instance_warmup.has_value()) {
      return Invalid(p, "EstimatedInstanceWarmup",
                     absl::FormatDuration(*p.estimated_instance_warmup),
                     "only valid for StepScaling");
    }
    if (p.adjustment_type == AdjustmentType::kExactCapacity &&
        *p.scaling_adjustment < 0) {
      return Invalid(p, "ScalingAdjustment",
                     absl::StrCat(*p.scaling_adjustment),
                     "must be non-negative with ExactCapacity");
    }
  } else {
    if (p.step_adjustments.empty()) {
      return Invalid(p, "StepAdjustments", "[]",
                     "at least one step is required for StepScaling");
    }
    if (p.scaling_adjustment.has_value()) {
      return Invalid(p, "ScalingAdjustment", absl::StrCat(*p.scaling_adjustment),
                     "only valid for SimpleScaling");
    }
    if (p.cooldown.has_value()) {
      return Invalid(p, "Cooldown", absl::FormatDuration(*p.cooldown),
                     "only valid for SimpleScaling");
    }
  }
  if (p.min_adjustment_magnitude.has_value()) {
    if (p.adjustment_type != AdjustmentType::kPercentChangeInCapacity) {
      return Invalid(p, "MinAdjustmentMagnitude",
                     absl::StrCat(*p.min_adjustment_magnitude),
                     "only valid with AdjustmentType PercentChangeInCapacity");
    }
    if (*p.min_adjustment_magnitude < 1) {
      return Invalid(p, "MinAdjustmentMagnitude",
                     absl::StrCat(*p.min_adjustment_magnitude),
                     "must be at least 1");
    }
  }
  if (p.cooldown.has_value() && *p.cooldown < absl::ZeroDuration()) {
    return Invalid(p, "Cooldown", absl::FormatDuration(*p.cooldown),
                   "must not be negative");
  }
  if (p.estimated_instance_warmup.has_value() &&
      *p.estimated_instance_warmup < absl::ZeroDuration()) {
    return Invalid(p, "EstimatedInstanceWarmup",
                   absl::FormatDuration(*p.estimated_instance_warmup),
                   "must not be negative");
  }
  if (p.policy_type == PolicyType::kStepScaling) return ValidateSteps(p);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ScalingPolicy>> ParseScalingPolicies(
    absl::string_view json) {
  Json j = Json::parse(json.begin(), json.end(), nullptr,
                       /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return absl::InvalidArgumentError(
        "scaling policies: not valid JSON (expected a put-scaling-policy "
        "object or an array of them)");
  }
  std::vector<ScalingPolicy> out;
  if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) {
      absl::StatusOr<ScalingPolicy> p = ParseOne(j[i], absl::StrCat("[", i, "]."));
      if (!p.ok()) return p.status();
      out.push_back(*std::move(p));
    }
  } else {
    absl::StatusOr<ScalingPolicy> p = ParseOne(j, "");
    if (!p.ok()) return p.status();
    out.push_back(*std::move(p));
  }
  for (size_t i = 0; i < out.size(); ++i) {
    for (size_t k = 0; k < i; ++k) {
      if (out[i].auto_scaling_group_name == out[k].auto_scaling_group_name &&
          out[i].policy_name == out[k].policy_name) {
        return absl::InvalidArgumentError(absl::StrCat(
            "[", i, "]: policy \"", out[i].policy_name,
            "\" of group \"", out[i].auto_scaling_group_name,
            "\" is defined twice (also [", k, "])"));
      }
    }
  }
  return out;
}

double AggregateMetricValues(MetricAggregationType type,
                             absl::Span<const double> values) {
  assert(!values.empty());
  switch (type) {
    case MetricAggregationType::kMinimum:
      return *std::min_element(values.begin(), values.end());
    case MetricAggregationType::kMaximum:
      return *std::max_element(values.begin(), values.end());
    case MetricAggregationType::kAverage:
      break;
  }
  double sum = 0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

absl::StatusOr<StepAdjustment> SelectStep(const ScalingPolicy& policy,
                                          absl::Span<const double> values,
                                          double breach_threshold) {
  auto not_found = [&] {
    std::vector<std::string> texts;
    for (double v : values) texts.push_back(FormatJavaDouble(v));
    // CloudWatch's alarm-history text (spec 6.6).
    return absl::FailedPreconditionError(absl::StrCat(
        "No step adjustment found for metric value [",
        absl::StrJoin(texts, ", "), "] and breach threshold ",
        FormatJavaDouble(breach_threshold)));
  };
  if (values.empty()) return not_found();
  const double d =
      AggregateMetricValues(policy.EffectiveMetricAggregationType(), values) -
      breach_threshold;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  auto match = [&](bool above) -> const StepAdjustment* {
    for (const StepAdjustment& s : policy.step_adjustments) {
      const double lo = s.metric_interval_lower_bound.value_or(-kInf);
      const double hi = s.metric_interval_upper_bound.value_or(kInf);
      if (above ? (lo <= d && d < hi) : (lo < d && d <= hi)) return &s;
    }
    return nullptr;
  };
  const StepAdjustment* s = nullptr;
  if (d >= 0) s = match(/*above=*/true);
  if (s == nullptr && d <= 0) s = match(/*above=*/false);
  if (s == nullptr) return not_found();
  return *s;
}

int RoundPercentAdjustment(double raw) {
  if (raw >= 1) return static_cast<int>(std::floor(raw));
  if (raw > 0) return 1;
  if (raw == 0) return 0;
  if (raw > -1) return -1;
  return static_cast<int>(std::ceil(raw));
}

int ComputeDesiredCapacity(AdjustmentType type, int adjustment, int current,
                           std::optional<int> min_adjustment_magnitude,
                           int min_size, int max_size) {
  assert(min_size <= max_size);
  int64_t desired = current;
  switch (type) {
    case AdjustmentType::kChangeInCapacity:
      desired = int64_t{current} + adjustment;
      break;
    case AdjustmentType::kExactCapacity:
      desired = adjustment;
      break;
    case AdjustmentType::kPercentChangeInCapacity: {
      int change = RoundPercentAdjustment(static_cast<double>(current) *
                                          adjustment / 100.0);
      // A zero change (a 0 % step, or 0 % of an empty group) stays zero:
      // the magnitude floor only widens changes that happen.
      if (min_adjustment_magnitude.has_value() && change != 0 &&
          std::abs(change) < *min_adjustment_magnitude) {
        change = change > 0 ? *min_adjustment_magnitude
                            : -*min_adjustment_magnitude;
      }
      desired = int64_t{current} + change;
      break;
    }
  }
  return static_cast<int>(
      std::clamp<int64_t>(desired, min_size, max_size));
}

}  // namespace cwalarm
