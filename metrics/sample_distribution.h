// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The raw samples of one bucket, kept for the extended statistics
// (percentiles, trimmed means, ...; spec 1.4), which unlike the standard
// statistics cannot be computed from a StatisticSet.
//
// A SampleDistribution is a weighted multiset of values (a `Values`/`Counts`
// datum adds each value with its count, which CloudWatch allows to be
// fractional). It has two representations:
//
//  * exact: the values themselves. A distribution holding at most
//    `kMaxExactDistinctValues` (1024) distinct values is always exact, so
//    every statistic computed from it is exact.
//  * sketch: beyond that bound it switches, irreversibly, to a log-bucketed
//    quantile sketch in the style of DDSketch (Masson, Rim, Lee, VLDB 2019).
//    Positive values fall into buckets (gamma^(i-1), gamma^i] with
//    gamma = (1 + a) / (1 - a), a = `kSketchRelativeAccuracy` = 1 %, and are
//    represented by 2 gamma^i / (gamma + 1), clamped to the exact minimum and
//    maximum. Guarantee: the sketch is the exact multiset in which every
//    value v has been replaced by a value within a * |v| of it (zero stays
//    zero), provided the positive values of the distribution span a ratio
//    max/min of at most gamma^(kMaxSketchBuckets - 1) (about 1e35; the
//    range 1e-9..1e9 needs 2 073 buckets). Consequently every percentile is
//    within 1 % (relative) of the exact percentile, trimmed/winsorized means
//    and trimmed sums are within 1 %, and counts with absolute bounds are
//    exact except for samples within 1 % of a bound. Beyond that span the
//    lowest buckets are collapsed into one: the guarantee then holds for
//    every value above the collapsed range (the low end loses accuracy
//    first, as in DDSketch's "collapsing lowest" variant).
//
// Memory: exact mode holds at most 2 x 1024 entries of 16 bytes (it compacts
// equal values when 2048 entries accumulate); sketch mode at most 4096
// counts of 8 bytes. So a distribution never exceeds about 32 KiB plus a
// few words, however many samples it absorbs.
//
// Availability (spec 1.4): a distribution that has absorbed a negative value
// or a statistic set not in one of the two degenerate shapes (SampleCount 1
// with Min = Max = Sum, or Min = Max with Sum = Min x SampleCount) can no
// longer give an extended statistic; it drops its values (freeing memory)
// and `available()` stays false, through merges too. Zero (and -0.0) is a
// valid, non-negative sample.
//
//   SampleDistribution d;
//   d.Add(12.5);
//   d.Add(40.0, /*weight=*/3);
//   std::vector<WeightedValue> sorted;
//   d.SortedInto(&sorted);  // {12.5, 1}, {40, 3}
//
// Thread-safety: a value type; const methods are safe concurrently.
// Copyable and movable.

#ifndef CWALARM_METRICS_SAMPLE_DISTRIBUTION_H_
#define CWALARM_METRICS_SAMPLE_DISTRIBUTION_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "metrics/statistic.h"

namespace cwalarm {

// A distribution stays exact while it has at most this many distinct values.
inline constexpr size_t kMaxExactDistinctValues = 1024;
// Relative accuracy of the sketch: every value is moved by at most 1 %.
inline constexpr double kSketchRelativeAccuracy = 0.01;
// Most buckets a sketch keeps (memory bound: 4096 x 8 bytes).
inline constexpr int kMaxSketchBuckets = 4096;

// One value and how many samples have it (a positive, possibly fractional
// count).
struct WeightedValue {
  double value = 0;
  double weight = 0;
};

// Why a distribution cannot give extended statistics (spec 1.4).
enum class Unavailability : uint8_t {
  kNone,             // Available.
  kNegativeSample,   // Some sample was negative.
  kStatisticSet,     // A non-degenerate statistic set was merged in.
};

class SampleDistribution {
 public:
  SampleDistribution() = default;
  SampleDistribution(const SampleDistribution&) = default;
  SampleDistribution& operator=(const SampleDistribution&) = default;
  SampleDistribution(SampleDistribution&&) = default;
  SampleDistribution& operator=(SampleDistribution&&) = default;

  // --- Queries -------------------------------------------------------------

  // Total weight of every sample absorbed (also counted when unavailable).
  double total_weight() const { return total_weight_; }
  bool empty() const { return !(total_weight_ > 0); }
  Unavailability unavailability() const { return unavailability_; }
  bool available() const { return unavailability_ == Unavailability::kNone; }
  // False once the distribution has switched to the sketch.
  bool exact() const { return !sketch_; }
  // Exact smallest / largest sample (+inf / -inf when empty). Meaningful
  // only while available.
  double minimum() const { return minimum_; }
  double maximum() const { return maximum_; }

  // Replaces `*out` with the samples in ascending order of value, equal
  // values merged; in sketch mode, one entry per non-empty bucket with its
  // representative value. Empty when the distribution is empty or
  // unavailable. `out` is reused to avoid allocation; must not be null.
  void SortedInto(std::vector<WeightedValue>* out) const;

  // Heap bytes held (for tests and benchmarks).
  size_t MemoryBytes() const;

  // --- Mutators ------------------------------------------------------------

  // Adds `value` with `weight` samples. Preconditions: value finite; weight
  // finite; a weight <= 0 adds nothing. A negative value makes the
  // distribution unavailable (kNegativeSample).
  void Add(double value, double weight = 1);

  // Adds a published statistic set: as `Minimum` with weight `SampleCount`
  // when Minimum = Maximum and Sum = Minimum x SampleCount (relative
  // tolerance 1e-9, since clients round the sum), which covers both
  // degenerate shapes of spec 1.4; otherwise makes the distribution
  // unavailable (kStatisticSet). An empty set adds nothing.
  void AddStatisticSet(const StatisticSet& set);

  // Adds every sample of `other`. Unavailability is sticky: the result is
  // unavailable when either side is (the first reason is kept).
  void Merge(const SampleDistribution& other);

  // Empties the distribution and makes it available and exact again.
  void Clear() { *this = SampleDistribution(); }

  // --- State export, for snapshots (config/snapshot_io.h) -------------------

  // The representation itself, field by field, so that a restored
  // distribution continues bit for bit (the same later compactions, sketch
  // switch and floating-point sums) as the saved one would.
  struct State {
    double total_weight = 0;
    double minimum = std::numeric_limits<double>::infinity();
    double maximum = -std::numeric_limits<double>::infinity();
    Unavailability unavailability = Unavailability::kNone;
    bool sketch = false;
    std::vector<WeightedValue> exact;  // Exact mode, in stored order.
    std::vector<double> counts;        // Sketch mode.
    int32_t offset = 0;
    double zero_weight = 0;
  };
  State ExportState() const;

  // Builds the distribution ExportState described. Returns false, with a
  // short reason in `*error`, when `state` breaks the representation's
  // invariants (more than 2 x kMaxExactDistinctValues - 1 exact entries or
  // kMaxSketchBuckets counts, values in the wrong mode, a negative or
  // non-finite value or weight, an unknown unavailability, a sketch offset
  // no finite value can produce); `*out` is then
  // unchanged. Neither pointer may be null.
  static bool FromState(State state, SampleDistribution* out,
                        std::string* error);

 private:
  void MarkUnavailable(Unavailability why);
  void AddExact(double value, double weight);
  void CompactExact();
  void ToSketch();
  void SketchAdd(double value, double weight);
  void SketchAddIndex(int index, double weight);

  double total_weight_ = 0;
  double minimum_ = std::numeric_limits<double>::infinity();
  double maximum_ = -std::numeric_limits<double>::infinity();
  Unavailability unavailability_ = Unavailability::kNone;
  bool sketch_ = false;
  // Exact mode: unsorted entries, compacted (sorted, equal values merged)
  // when 2 x kMaxExactDistinctValues accumulate.
  std::vector<WeightedValue> exact_;
  // Sketch mode: counts_[i] is the weight of bucket index offset_ + i;
  // zero_weight_ the weight of samples equal to zero.
  std::vector<double> counts_;
  int32_t offset_ = 0;
  double zero_weight_ = 0;
};

}  // namespace cwalarm

#endif  // CWALARM_METRICS_SAMPLE_DISTRIBUTION_H_
