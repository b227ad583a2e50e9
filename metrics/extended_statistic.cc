// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "metrics/extended_statistic.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace cwalarm {
namespace {

constexpr int kMaxDecimals = 10;

struct Keyword {
  absl::string_view text;
  ExtendedStatisticKind kind;
  bool ranged;  // Upper case with "(a:b)"; otherwise a single number.
};

constexpr Keyword kKeywords[] = {
    {"p", ExtendedStatisticKind::kPercentile, false},
    {"tm", ExtendedStatisticKind::kTrimmedMean, false},
    {"wm", ExtendedStatisticKind::kWinsorizedMean, false},
    {"tc", ExtendedStatisticKind::kTrimmedCount, false},
    {"ts", ExtendedStatisticKind::kTrimmedSum, false},
    {"TM", ExtendedStatisticKind::kTrimmedMean, true},
    {"WM", ExtendedStatisticKind::kWinsorizedMean, true},
    {"TC", ExtendedStatisticKind::kTrimmedCount, true},
    {"TS", ExtendedStatisticKind::kTrimmedSum, true},
    {"PR", ExtendedStatisticKind::kPercentileRank, true},
};

class Parser {
 public:
  explicit Parser(absl::string_view text) : text_(text) {}

  absl::StatusOr<ExtendedStatistic> Parse() {
    ExtendedStatistic out;
    out.text = std::string(text_);
    if (text_ == "IQM") {
      out.kind = ExtendedStatisticKind::kTrimmedMean;
      out.lower = StatisticBound{25, true};
      out.upper = StatisticBound{75, true};
      return out;
    }
    const Keyword* keyword = nullptr;
    size_t best_prefix = 0;
    for (const Keyword& k : kKeywords) {
      size_t n = 0;
      while (n < k.text.size() && n < text_.size() && text_[n] == k.text[n]) ++n;
      if (n == k.text.size()) keyword = &k;
      best_prefix = std::max(best_prefix, n);
    }
    {  // "IQM" itself was handled above; a partial match still counts.
      size_t n = 0;
      while (n < 3 && n < text_.size() && text_[n] == "IQM"[n]) ++n;
      best_prefix = std::max(best_prefix, n);
    }
    if (keyword == nullptr) {
      return ErrorAt(best_prefix,
                     "expected p, tm, wm, tc, ts, TM(, WM(, TC(, TS(, PR( or "
                     "IQM (spec 1.4; case matters)");
    }
    out.kind = keyword->kind;
    pos_ = keyword->text.size();
    if (!keyword->ranged) {
      const size_t start = pos_;
      absl::StatusOr<double> x = Number();
      if (!x.ok()) return x.status();
      if (*x > 100) {
        return ErrorAt(start, absl::StrCat("percentage ", text_.substr(start, pos_ - start),
                                           " is above 100"));
      }
      if (pos_ != text_.size()) return ErrorAt(pos_, "expected end of input");
      if (out.kind == ExtendedStatisticKind::kPercentile) {
        out.percentile = *x;
      } else {
        out.upper = StatisticBound{*x, true};
      }
      return out;
    }
    if (!Consume('(')) return ErrorAt(pos_, "expected '('");
    const size_t lower_start = pos_;
    absl::StatusOr<std::optional<StatisticBound>> lower = Bound(':');
    if (!lower.ok()) return lower.status();
    if (!Consume(':')) return ErrorAt(pos_, "expected ':'");
    absl::StatusOr<std::optional<StatisticBound>> upper = Bound(')');
    if (!upper.ok()) return upper.status();
    if (!Consume(')')) return ErrorAt(pos_, "expected ')'");
    if (pos_ != text_.size()) return ErrorAt(pos_, "expected end of input");
    if (lower->has_value() && upper->has_value() &&
        (*lower)->percent == (*upper)->percent &&
        (*lower)->value > (*upper)->value) {
      return ErrorAt(lower_start,
                     "the lower bound must not exceed the upper bound");
    }
    out.lower = *lower;
    out.upper = *upper;
    return out;
  }

 private:
  absl::Status ErrorAt(size_t pos, absl::string_view what) const {
    std::string where =
        pos < text_.size()
            ? absl::StrCat("character ", pos + 1, " ('", text_.substr(pos, 1), "')")
            : absl::StrCat("character ", pos + 1, " (end of input)");
    return absl::InvalidArgumentError(
        absl::StrCat("ExtendedStatistic \"", text_, "\": ", where, ": ", what));
  }

  bool Consume(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  // NUM := DIGIT+ ["." DIGIT{1,10}]
  absl::StatusOr<double> Number() {
    const size_t start = pos_;
    while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    if (pos_ == start) return ErrorAt(pos_, "expected a digit");
    if (Consume('.')) {
      const size_t decimals = pos_;
      while (pos_ < text_.size() && IsDigit(text_[pos_])) {
        if (pos_ - decimals == kMaxDecimals) {
          return ErrorAt(pos_, "at most 10 decimals are allowed");
        }
        ++pos_;
      }
      if (pos_ == decimals) return ErrorAt(pos_, "expected a digit after '.'");
    }
    double value = 0;
    if (!absl::SimpleAtod(text_.substr(start, pos_ - start), &value) ||
        !std::isfinite(value)) {
      return ErrorAt(start, "number out of range");
    }
    return value;
  }

  // bound := NUM "%" | NUM, or nothing when the next character is `end`.
  absl::StatusOr<std::optional<StatisticBound>> Bound(char end) {
    if (pos_ < text_.size() && text_[pos_] == end) {
      return std::optional<StatisticBound>();
    }
    const size_t start = pos_;
    if (pos_ >= text_.size() || !IsDigit(text_[pos_])) {
      return ErrorAt(pos_, absl::StrCat("expected a number or '", 
                                        absl::string_view(&end, 1), "'"));
    }
    absl::StatusOr<double> x = Number();
    if (!x.ok()) return x.status();
    StatisticBound b{*x, Consume('%')};
    if (b.percent && b.value > 100) {
      return ErrorAt(start, absl::StrCat("percentage ", text_.substr(start, pos_ - start - 1),
                                         "% is above 100"));
    }
    return std::optional<StatisticBound>(b);
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

double TotalWeight(absl::Span<const WeightedValue> sorted) {
  double w = 0;
  for (const WeightedValue& e : sorted) w += e.weight;
  return w;
}

// Nearest rank: the smallest value whose cumulative weight reaches q W.
// The tolerance absorbs binary rounding of q W (0.9 x 10 must be 9).
double NearestRank(absl::Span<const WeightedValue> sorted, double total,
                   double q) {
  if (q <= 0) return sorted.front().value;
  const double target = q * total * (1 - 1e-12);
  double cum = 0;
  for (const WeightedValue& e : sorted) {
    cum += e.weight;
    if (cum >= target) return e.value;
  }
  return sorted.back().value;
}

// The value at 0-based mass position `pos`: the first sample whose
// cumulative weight exceeds it.
double ValueAtPosition(absl::Span<const WeightedValue> sorted, double total,
                       double pos) {
  const double target = pos + 1e-12 * total;
  double cum = 0;
  for (const WeightedValue& e : sorted) {
    cum += e.weight;
    if (cum > target) return e.value;
  }
  return sorted.back().value;
}

double LinearPercentile(absl::Span<const WeightedValue> sorted, double total,
                        double q) {
  const double h = std::max(0.0, q * (total - 1));
  const double lo = std::floor(h);
  const double v0 = ValueAtPosition(sorted, total, lo);
  const double v1 = ValueAtPosition(sorted, total, std::min(lo + 1, total - 1));
  return v0 + (h - lo) * (v1 - v0);
}

// Rounds a weight that differs from 0 or `w` only by accumulated rounding.
double Snap(double part, double w, double eps) {
  if (part <= eps) return 0;
  if (part >= w - eps) return w;
  return part;
}

std::optional<double> ComputeRanged(const ExtendedStatistic& s,
                                    absl::Span<const WeightedValue> sorted,
                                    double total) {
  const double eps = 1e-9 * total;
  const bool lower_pct = s.lower.has_value() && s.lower->percent;
  const bool upper_pct = s.upper.has_value() && s.upper->percent;
  const bool lower_abs = s.lower.has_value() && !s.lower->percent;
  const bool upper_abs = s.upper.has_value() && !s.upper->percent;
  const double lo_pos = lower_pct ? s.lower->value / 100 * total : 0;
  const double hi_pos = upper_pct ? s.upper->value / 100 * total : total;
  double lower_value = 0;
  double upper_value = 0;
  if (s.kind == ExtendedStatisticKind::kWinsorizedMean) {
    if (s.lower.has_value()) {
      lower_value = lower_abs ? s.lower->value
                              : ValueAtPosition(sorted, total, lo_pos);
    }
    if (s.upper.has_value()) {
      upper_value = upper_abs ? s.upper->value
                              : NearestRank(sorted, total, s.upper->value / 100);
    }
  }
  double inside_weight = 0;
  double inside_sum = 0;
  double winsorized_sum = 0;
  double c0 = 0;
  for (const WeightedValue& e : sorted) {
    const double w = e.weight;
    const double c1 = c0 + w;
    double below = 0;
    double above = 0;
    if (lower_pct) {
      below = Snap(std::min(c1, lo_pos) - c0, w, eps);
    } else if (lower_abs && e.value <= s.lower->value) {
      below = w;  // Absolute lower bounds are exclusive.
    }
    if (upper_pct) {
      above = Snap(c1 - std::max(c0, hi_pos), w, eps);
    } else if (upper_abs && e.value > s.upper->value) {
      above = w;  // Absolute upper bounds are inclusive.
    }
    // With mixed bounds a sample can be both below and above; the lower
    // bound wins, so weight is never counted twice.
    above = std::min(above, w - below);
    const double inside = w - below - above;
    inside_weight += inside;
    inside_sum += inside * e.value;
    winsorized_sum += below * lower_value + above * upper_value + inside * e.value;
    c0 = c1;
  }
  if (inside_weight <= eps) inside_weight = 0;
  switch (s.kind) {
    case ExtendedStatisticKind::kTrimmedMean:
      if (!(inside_weight > 0)) return std::nullopt;
      return inside_sum / inside_weight;
    case ExtendedStatisticKind::kTrimmedCount:
      return inside_weight;
    case ExtendedStatisticKind::kTrimmedSum:
      return inside_weight > 0 ? inside_sum : 0.0;
    case ExtendedStatisticKind::kPercentileRank:
      return 100 * inside_weight / total;
    case ExtendedStatisticKind::kWinsorizedMean:
      return winsorized_sum / total;
    case ExtendedStatisticKind::kPercentile:
      break;
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<ExtendedStatistic> ParseExtendedStatistic(
    absl::string_view text) {
  return Parser(text).Parse();
}

std::optional<double> ComputeExtendedStatistic(
    const ExtendedStatistic& statistic, absl::Span<const WeightedValue> sorted,
    PercentileEstimator estimator) {
  if (sorted.empty()) return std::nullopt;
  const double total = TotalWeight(sorted);
  if (!(total > 0)) return std::nullopt;
  if (statistic.is_percentile()) {
    const double q = statistic.percentile / 100;
    return estimator == PercentileEstimator::kNearestRank
               ? NearestRank(sorted, total, q)
               : LinearPercentile(sorted, total, q);
  }
  return ComputeRanged(statistic, sorted, total);
}

std::optional<double> ComputeExtendedStatistic(
    const ExtendedStatistic& statistic, const SampleDistribution& samples,
    PercentileEstimator estimator, std::vector<WeightedValue>* scratch) {
  if (samples.empty() || !samples.available()) return std::nullopt;
  // The extremes are tracked exactly even in sketch mode.
  if (statistic.is_percentile() && statistic.percentile == 0) {
    return samples.minimum();
  }
  if (statistic.is_percentile() && statistic.percentile == 100) {
    return samples.maximum();
  }
  std::vector<WeightedValue> local;
  std::vector<WeightedValue>* sorted = scratch != nullptr ? scratch : &local;
  samples.SortedInto(sorted);
  return ComputeExtendedStatistic(statistic, *sorted, estimator);
}

double LowSampleCountThreshold(const ExtendedStatistic& statistic) {
  if (!statistic.is_percentile()) return 0;
  const double x = statistic.percentile;
  if (x <= 0 || x >= 100) return 0;
  // 10 / (1 - q) and 10 / q with q = x / 100, kept in percent so that p90
  // gives 1000 / 10 = 100 without the rounding of 1 - 0.9.
  return x >= 50 ? 1000 / (100 - x) : 1000 / x;
}

bool IsLowSampleCount(const ExtendedStatistic& statistic, double sample_count) {
  const double threshold = LowSampleCountThreshold(statistic);
  return threshold > 0 && sample_count < threshold * (1 - 1e-12);
}

}  // namespace cwalarm
