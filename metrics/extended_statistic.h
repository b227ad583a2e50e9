// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// CloudWatch's extended statistics (`ExtendedStatistic` of PutMetricAlarm,
// spec 1.4): the one parser for their grammar, and their computation over
// the samples of one bucket (a SampleDistribution).
//
//   ext    := "p" NUM | ("tm"|"wm"|"tc"|"ts") NUM | "IQM"
//           | ("TM"|"WM"|"TC"|"TS"|"PR") "(" [bound] ":" [bound] ")"
//   bound  := NUM "%" | NUM
//   NUM    := DIGIT+ ["." DIGIT{1,10}]      (no sign, no exponent)
//
// Case matters: `p`, `tm`.. lower case with one number; `TM(..)`.. upper case
// with a range. Percentages (pX, the short forms' X, `NUM%` bounds) lie in
// [0, 100]; when both bounds have the same kind, lower <= upper.
//
//   absl::StatusOr<ExtendedStatistic> s = ParseExtendedStatistic("TM(10%:90%)");
//   std::optional<double> v = ComputeExtendedStatistic(*s, distribution);
//
// Semantics (docs/statistics.md has the worked examples). Let the bucket's
// samples, sorted ascending, occupy the "mass positions" [0, W) where W is
// their total weight (sample count); a sample of weight w after samples of
// total weight c occupies [c, c + w).
//
//  * pX, nearest rank (our choice; CloudWatch's estimator is [OPEN]): the
//    smallest sample value v such that the weight of samples <= v is at least
//    X % of W; p0 is the minimum. `PercentileEstimator::kLinear` offers the
//    interpolated alternative (type 7 of Hyndman & Fan) for comparison.
//  * Absolute bounds `(a:b)`: a sample x is inside iff a < x <= b (lower
//    exclusive, upper inclusive, spec 1.4); an open end does not restrict.
//  * Percentage bounds `(a%:b%)` select by rank: the mass positions in
//    (a/100 W, b/100 W] are inside. A sample straddling a boundary is inside
//    with the fraction of its weight that lies inside, so `tm90` of 10 samples
//    drops exactly the largest and `tm90` of 15 samples drops one and a half
//    samples' worth of the top. Ties are broken by position, so all-equal
//    samples keep their value under any trimming.
//  * Mixed bounds (one absolute, one percentage) apply both rules.
//  * tmX = TM(:X%), wmX = WM(:X%), tcX = TC(:X%), tsX = TS(:X%),
//    IQM = TM(25%:75%).
//  * TM = mean of the inside weight (no datapoint when nothing is inside);
//    TC = inside weight (may be fractional with percentage bounds); TS = sum
//    of inside values (TM x TC, 0 when nothing is inside); PR = 100 x inside
//    weight / W; WM = mean after replacing the weight below the lower bound
//    by the lower boundary value (a, or the value at mass position a% W) and
//    above the upper bound by the upper boundary value (b, or the nearest-
//    rank percentile b).
//
// Availability: every extended statistic gives no datapoint (nullopt) for an
// empty bucket and for a bucket that is not `available()` (a negative sample,
// or a non-degenerate statistic set, spec 1.4 [INFERRED]).
//
// Thread-safety: value types and pure functions.

#ifndef CWALARM_METRICS_EXTENDED_STATISTIC_H_
#define CWALARM_METRICS_EXTENDED_STATISTIC_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "metrics/sample_distribution.h"

namespace cwalarm {

enum class ExtendedStatisticKind : uint8_t {
  kPercentile,      // pX
  kTrimmedMean,     // tmX, TM(a:b), IQM
  kWinsorizedMean,  // wmX, WM(a:b)
  kTrimmedCount,    // tcX, TC(a:b)
  kTrimmedSum,      // tsX, TS(a:b)
  kPercentileRank,  // PR(a:b)
};

// One end of a range: a percentage in [0, 100] (`10%`) or a metric value.
struct StatisticBound {
  double value = 0;
  bool percent = false;
};

// A parsed extended statistic. Ranged kinds use `lower`/`upper` (unset = open
// end); kPercentile uses `percentile`.
struct ExtendedStatistic {
  ExtendedStatisticKind kind = ExtendedStatisticKind::kPercentile;
  double percentile = 0;  // kPercentile: X of pX, in [0, 100].
  std::optional<StatisticBound> lower;
  std::optional<StatisticBound> upper;
  std::string text;  // As written, e.g. "p99.9" (CloudWatch echoes it).

  bool is_percentile() const {
    return kind == ExtendedStatisticKind::kPercentile;
  }
};

// Parses `text` with the grammar above. On failure returns kInvalidArgument
// pointing at the offending character (1-based):
// `ExtendedStatistic "TM(10%:x)": character 8 ('x'): expected a number or ')'`;
// for a missing character it says `end of input`; for a well-formed number
// out of range it points at the number's first character.
absl::StatusOr<ExtendedStatistic> ParseExtendedStatistic(
    absl::string_view text);

// The percentile estimator (spec 1.4 leaves it [OPEN]).
enum class PercentileEstimator : uint8_t {
  kNearestRank,  // Default: an actual sample value (see the file comment).
  kLinear,       // Type 7: interpolates between the samples at ranks
                 // floor(h) and floor(h)+1, h = X/100 (W - 1), 0-based.
};

// Computes `statistic` over `sorted` samples (ascending by value, positive
// weights, as produced by SampleDistribution::SortedInto). Returns nullopt
// when `sorted` is empty, and for TM when nothing is inside the bounds.
std::optional<double> ComputeExtendedStatistic(
    const ExtendedStatistic& statistic, absl::Span<const WeightedValue> sorted,
    PercentileEstimator estimator = PercentileEstimator::kNearestRank);

// Computes `statistic` over `samples`; nullopt when the distribution is
// empty or not available (spec 1.4). p0 and p100 are the exact minimum and
// maximum in sketch mode too; everything else in sketch mode carries the
// error stated in sample_distribution.h. `scratch` (may be null) is reused for
// the sorted view to avoid allocation.
std::optional<double> ComputeExtendedStatistic(
    const ExtendedStatistic& statistic, const SampleDistribution& samples,
    PercentileEstimator estimator = PercentileEstimator::kNearestRank,
    std::vector<WeightedValue>* scratch = nullptr);

// The `EvaluateLowSampleCountPercentile` threshold of spec 3.6: a bucket of
// pX with q = X/100 is "low" when its sample count is below 10 / (1 - q) for
// 0.5 <= q < 1 (p99: 1000, p90: 100, p50: 20) and below 10 / q for
// 0 < q < 0.5 (p10: 100, p1: 1000). Returns that threshold, or 0 when the
// rule does not apply: p0 and p100 (the exact minimum and maximum, never
// low: our choice, spec [OPEN]) and every non-percentile statistic (spec
// [OPEN]; the documentation names percentiles only).
double LowSampleCountThreshold(const ExtendedStatistic& statistic);

// True when `sample_count` is below LowSampleCountThreshold(statistic)
// (compared with a relative tolerance of 1e-12, so that p90's threshold is
// exactly 100 despite binary rounding).
bool IsLowSampleCount(const ExtendedStatistic& statistic, double sample_count);

}  // namespace cwalarm

#endif  // CWALARM_METRICS_EXTENDED_STATISTIC_H_
