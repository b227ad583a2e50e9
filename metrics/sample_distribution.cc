// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "metrics/sample_distribution.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

namespace cwalarm {
namespace {

const double kGamma =
    (1 + kSketchRelativeAccuracy) / (1 - kSketchRelativeAccuracy);
const double kInvLogGamma = 1 / std::log(kGamma);

int BucketIndex(double value) {
  return static_cast<int>(std::ceil(std::log(value) * kInvLogGamma));
}

// The value that is within kSketchRelativeAccuracy of every value of bucket
// (gamma^(i-1), gamma^i].
double Representative(int index) {
  return 2 * std::pow(kGamma, index) / (kGamma + 1);
}

// Clients compute Sum = Minimum x SampleCount in floating point, so an exact
// comparison would reject honest degenerate sets.
bool NearlyEqual(double a, double b) {
  return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

}  // namespace

void SampleDistribution::MarkUnavailable(Unavailability why) {
  if (unavailability_ == Unavailability::kNone) unavailability_ = why;
  // Nothing will ever be computed from the values again: free them.
  std::vector<WeightedValue>().swap(exact_);
  std::vector<double>().swap(counts_);
  zero_weight_ = 0;
}

void SampleDistribution::Add(double value, double weight) {
  if (!(weight > 0)) return;
  total_weight_ += weight;
  if (!available()) return;
  if (value < 0) {
    MarkUnavailable(Unavailability::kNegativeSample);
    return;
  }
  if (value == 0) value = 0;  // -0.0 is zero.
  minimum_ = std::min(minimum_, value);
  maximum_ = std::max(maximum_, value);
  if (sketch_) {
    SketchAdd(value, weight);
  } else {
    AddExact(value, weight);
  }
}

void SampleDistribution::AddStatisticSet(const StatisticSet& set) {
  if (set.empty()) return;
  if (set.minimum == set.maximum &&
      NearlyEqual(set.sum, set.minimum * set.sample_count)) {
    Add(set.minimum, set.sample_count);
    return;
  }
  total_weight_ += set.sample_count;
  MarkUnavailable(Unavailability::kStatisticSet);
}

void SampleDistribution::Merge(const SampleDistribution& other) {
  if (!other.available()) {
    total_weight_ += other.total_weight_;
    MarkUnavailable(other.unavailability_);
    return;
  }
  if (!available()) {
    total_weight_ += other.total_weight_;
    return;
  }
  if (other.empty()) return;
  if (!other.sketch_) {
    for (const WeightedValue& v : other.exact_) Add(v.value, v.weight);
    return;
  }
  if (!sketch_) ToSketch();
  total_weight_ += other.total_weight_;
  minimum_ = std::min(minimum_, other.minimum_);
  maximum_ = std::max(maximum_, other.maximum_);
  zero_weight_ += other.zero_weight_;
  for (size_t i = 0; i < other.counts_.size(); ++i) {
    if (other.counts_[i] > 0) {
      SketchAddIndex(other.offset_ + static_cast<int>(i), other.counts_[i]);
    }
  }
}

void SampleDistribution::AddExact(double value, double weight) {
  exact_.push_back(WeightedValue{value, weight});
  if (exact_.size() < 2 * kMaxExactDistinctValues) return;
  CompactExact();
  if (exact_.size() > kMaxExactDistinctValues) ToSketch();
}

void SampleDistribution::CompactExact() {
  std::sort(exact_.begin(), exact_.end(),
            [](const WeightedValue& a, const WeightedValue& b) {
              return a.value < b.value;
            });
  size_t out = 0;
  for (size_t i = 0; i < exact_.size(); ++i) {
    if (out > 0 && exact_[out - 1].value == exact_[i].value) {
      exact_[out - 1].weight += exact_[i].weight;
    } else {
      exact_[out++] = exact_[i];
    }
  }
  exact_.resize(out);
}

void SampleDistribution::ToSketch() {
  sketch_ = true;
  std::vector<WeightedValue> values;
  values.swap(exact_);
  for (const WeightedValue& v : values) SketchAdd(v.value, v.weight);
}

void SampleDistribution::SketchAdd(double value, double weight) {
  if (value == 0) {
    zero_weight_ += weight;
    return;
  }
  SketchAddIndex(BucketIndex(value), weight);
}

void SampleDistribution::SketchAddIndex(int index, double weight) {
  if (counts_.empty()) {
    offset_ = index;
    counts_.assign(1, weight);
    return;
  }
  const int lo = offset_;
  const int hi = offset_ + static_cast<int>(counts_.size()) - 1;
  if (index > hi) {
    // Growing upwards past the bucket budget collapses the lowest buckets
    // into the lowest one kept (DDSketch "collapsing lowest").
    const int new_lo = std::max(lo, index - kMaxSketchBuckets + 1);
    if (new_lo > lo) {
      const size_t drop =
          std::min(static_cast<size_t>(new_lo - lo), counts_.size());
      double collapsed = 0;
      for (size_t i = 0; i < drop; ++i) collapsed += counts_[i];
      counts_.erase(counts_.begin(),
                    counts_.begin() + static_cast<std::ptrdiff_t>(drop));
      offset_ = new_lo;
      if (counts_.empty()) counts_.push_back(0);
      counts_[0] += collapsed;
    }
    counts_.resize(static_cast<size_t>(index - offset_ + 1), 0.0);
    counts_[static_cast<size_t>(index - offset_)] += weight;
  } else if (index < lo) {
    // Growing downwards past the budget lands in the lowest bucket kept.
    const int new_lo = std::max(index, hi - kMaxSketchBuckets + 1);
    if (new_lo < lo) {
      counts_.insert(counts_.begin(), static_cast<size_t>(lo - new_lo), 0.0);
      offset_ = new_lo;
    }
    counts_[static_cast<size_t>(std::max(index, new_lo) - offset_)] += weight;
  } else {
    counts_[static_cast<size_t>(index - lo)] += weight;
    return;
  }
  // Geometric growth may overshoot the memory bound stated in the header.
  if (counts_.capacity() > static_cast<size_t>(kMaxSketchBuckets)) {
    counts_.shrink_to_fit();
  }
}

void SampleDistribution::SortedInto(std::vector<WeightedValue>* out) const {
  out->clear();
  if (!available() || empty()) return;
  if (!sketch_) {
    out->assign(exact_.begin(), exact_.end());
    std::sort(out->begin(), out->end(),
              [](const WeightedValue& a, const WeightedValue& b) {
                return a.value < b.value;
              });
    size_t n = 0;
    for (size_t i = 0; i < out->size(); ++i) {
      if (n > 0 && (*out)[n - 1].value == (*out)[i].value) {
        (*out)[n - 1].weight += (*out)[i].weight;
      } else {
        (*out)[n++] = (*out)[i];
      }
    }
    out->resize(n);
    return;
  }
  if (zero_weight_ > 0) out->push_back(WeightedValue{0, zero_weight_});
  for (size_t i = 0; i < counts_.size(); ++i) {
    if (!(counts_[i] > 0)) continue;
    // Clamping to the exact extremes only reduces the error, and makes p0
    // and p100 exact.
    double v = Representative(offset_ + static_cast<int>(i));
    v = std::min(std::max(v, minimum_), maximum_);
    out->push_back(WeightedValue{v, counts_[i]});
  }
}

SampleDistribution::State SampleDistribution::ExportState() const {
  State s;
  s.total_weight = total_weight_;
  s.minimum = minimum_;
  s.maximum = maximum_;
  s.unavailability = unavailability_;
  s.sketch = sketch_;
  s.exact = exact_;
  s.counts = counts_;
  s.offset = offset_;
  s.zero_weight = zero_weight_;
  return s;
}

bool SampleDistribution::FromState(State s, SampleDistribution* out,
                                   std::string* error) {
  auto fail = [&](const char* why) {
    *error = why;
    return false;
  };
  auto weight_ok = [](double w) { return std::isfinite(w) && w >= 0; };
  if (!weight_ok(s.total_weight)) return fail("total weight is not >= 0");
  switch (s.unavailability) {
    case Unavailability::kNone:
    case Unavailability::kNegativeSample:
    case Unavailability::kStatisticSet:
      break;
    default:
      return fail("unknown unavailability");
  }
  if (s.unavailability != Unavailability::kNone &&
      (!s.exact.empty() || !s.counts.empty() || s.zero_weight != 0)) {
    return fail("an unavailable distribution keeps no values");
  }
  if (s.exact.size() >= 2 * kMaxExactDistinctValues) {
    return fail("too many exact entries");
  }
  if (s.counts.size() > static_cast<size_t>(kMaxSketchBuckets)) {
    return fail("too many sketch buckets");
  }
  if (!s.sketch && (!s.counts.empty() || s.zero_weight != 0)) {
    return fail("sketch counts in an exact distribution");
  }
  if (s.sketch && !s.exact.empty()) {
    return fail("exact values in a sketch");
  }
  if (!weight_ok(s.zero_weight)) return fail("zero weight is not >= 0");
  // Bucket indices of finite doubles are within about +-40000 (gamma^i with
  // gamma = 1.0202); anything far beyond is damage, and would overflow int.
  if (s.offset < -(1 << 20) || s.offset > (1 << 20)) {
    return fail("sketch offset out of range");
  }
  for (const WeightedValue& v : s.exact) {
    if (!(std::isfinite(v.value) && v.value >= 0) || !(weight_ok(v.weight))) {
      return fail("an exact value or weight is negative or not finite");
    }
  }
  for (double c : s.counts) {
    if (!weight_ok(c)) return fail("a sketch count is negative or not finite");
  }
  if (std::isnan(s.minimum) || std::isnan(s.maximum)) {
    return fail("minimum or maximum is NaN");
  }
  SampleDistribution d;
  d.total_weight_ = s.total_weight;
  d.minimum_ = s.minimum;
  d.maximum_ = s.maximum;
  d.unavailability_ = s.unavailability;
  d.sketch_ = s.sketch;
  d.exact_ = std::move(s.exact);
  d.counts_ = std::move(s.counts);
  d.offset_ = s.offset;
  d.zero_weight_ = s.zero_weight;
  *out = std::move(d);
  return true;
}

size_t SampleDistribution::MemoryBytes() const {
  return exact_.capacity() * sizeof(WeightedValue) +
         counts_.capacity() * sizeof(double);
}

}  // namespace cwalarm
