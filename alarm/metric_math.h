// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The metric-math expression language of metric-math and anomaly-detection
// alarms (spec 1.7, 3.8, 3.9; issue 6): a hand-written parser, an AST per
// `Expression` entry of the alarm's `Metrics` list, and an evaluator over
// series aligned on one grid of buckets. The alarm evaluator supplies the
// MetricStat entries' bucket values; this layer never reads a clock or a
// store.
//
//   absl::StatusOr<MathProgram> program = MathProgram::Compile({
//       {"errors", std::nullopt, false, 60},
//       {"requests", std::nullopt, false, 60},
//       {"rate", "100 * errors / requests", true, 0}});
//   absl::StatusOr<MathResult> r = program->Evaluate(
//       "rate", grid, {{"errors", e}, {"requests", q}}, /*band=*/{});
//
// Grammar (blanks are spaces, tabs and newlines; function names and the
// keywords AND, OR, REPEAT, LINEAR are upper-case only, Ids start with a
// lower-case letter):
//
//   expr    := or
//   or      := and { ("OR" | "||") and }
//   and     := cmp { ("AND" | "&&") cmp }
//   cmp     := add { ("==" | "!=" | "<=" | ">=" | "<" | ">") add }
//   add     := mul { ("+" | "-") mul }
//   mul     := unary { ("*" | "/") unary }
//   unary   := "-" unary | pow
//   pow     := primary [ "^" unary ]                 (right-associative)
//   primary := NUMBER | STRING | Id | "REPEAT" | "LINEAR"
//            | FUNCTION "(" [ expr { "," expr } ] ")"
//            | "(" expr ")" | "[" expr { "," expr } "]"
//
// NUMBER is decimal (`3`, `0.5`, `1e-3`); STRING is double- or single-quoted
// (a backslash escapes the next character) and is only allowed as the
// argument of METRICS. REPEAT and LINEAR are only allowed as FILL's second
// argument. Precedence is not documented by CloudWatch; cwalarm uses the
// usual one above (docs/choices.md), so `-2 ^ 2` is -4 and
// `m1 > 15 AND m2 > 15` compares before AND.
//
// Values are scalars, time series (one value per grid bucket, NaN = no
// datapoint), arrays of time series (`[m1, m2]`, `METRICS()`) and bands
// (ANOMALY_DETECTION_BAND: an array of two series, upper then lower). The
// rules of spec 3.9 and the functions are described in docs/metric_math.md;
// every choice made where CloudWatch's documentation is silent is a row of
// docs/choices.md and a comment in metric_math.cc.
//
// Errors are kInvalidArgument and start with the entry they are about:
//   Metrics[2].Expression "m1 +": column 5: expected an operand after '+'
//   Metrics[0].Id "M1": an Id must start with a lower-case letter ...
//
// Thread-safety: a MathProgram is an immutable value once compiled; Evaluate
// is const and safe to call concurrently (the BandFunction it is given must
// be too if it is shared).

#ifndef CWALARM_ALARM_METRIC_MATH_H_
#define CWALARM_ALARM_METRIC_MATH_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cwalarm {

// Limits of spec 1.7.
inline constexpr int kMaxMathIdLength = 255;
inline constexpr int kMaxMathExpressionLength = 2048;
// How deeply parentheses, brackets, calls and unary minus may nest in one
// expression. CloudWatch documents no limit; this one keeps recursion
// bounded (docs/choices.md).
inline constexpr int kMaxMathNesting = 100;

// The grid every series of one evaluation lives on: `size` buckets, bucket i
// covering [first_unix_seconds + i * period_seconds, + period_seconds)
// (oldest first). The evaluator passes the alarm's whole fetched evaluation
// range, so range-dependent functions (AVG of a series, RUNNING_SUM, ...) see
// what CloudWatch's alarm fetch sees (spec 3.9).
struct MathGrid {
  int64_t first_unix_seconds = 0;
  int64_t period_seconds = 60;
  int size = 0;
};

// One series on the grid: values[i] is bucket i; NaN means "no datapoint".
struct MathSeries {
  std::vector<double> values;
};

// The result of the returned entry: a single series, or a band (from
// ANOMALY_DETECTION_BAND) with lower/upper series.
struct MathResult {
  bool is_band = false;
  MathSeries values;        // when !is_band
  MathSeries lower, upper;  // when is_band
};

// One MetricDataQuery as the math layer sees it.
struct MathQuery {
  std::string id;
  // nullopt: a MetricStat entry (data supplied at evaluation).
  std::optional<std::string> expression;
  bool return_data = true;
  // MetricStat entries: its Period (PERIOD(m)); expressions: 0.
  int64_t period_seconds = 0;
};

// Supplies ANOMALY_DETECTION_BAND(m, k): the band of entry `metric_id` (whose
// grid values are `metric`) with width k. Must return a band (is_band) whose
// series have grid.size values; a non-OK status is returned by Evaluate
// unchanged.
using BandFunction = std::function<absl::StatusOr<MathResult>(
    absl::string_view metric_id, const MathSeries& metric, double k,
    const MathGrid& grid)>;

namespace math_internal {
struct CompiledEntry;
}  // namespace math_internal

// A compiled Metrics list. Copyable and movable (the compiled expressions are
// shared, immutable).
class MathProgram {
 public:
  // Parses every expression and checks: Ids (spec 1.7: letters, digits,
  // underscore, first character a lower-case letter, 1-255 characters),
  // unique Ids, expressions of 1-2048 characters, every referenced Id exists,
  // no cycles between expressions (an expression may not name itself),
  // SEARCH refused ("SEARCH is not supported in alarms"), unknown and
  // lower-case function names refused, arity and argument kinds checked
  // (METRICS takes a string literal; PERIOD the Id of a MetricStat entry;
  // ANOMALY_DETECTION_BAND an Id and a positive number literal). Does not check
  // the list limits of spec 1.7 (entry counts, ReturnData): AlarmSpec does.
  // Errors: kInvalidArgument, the first problem in list order, e.g.
  // `Metrics[2].Expression "m1 +": column 5: expected an operand after '+'`.
  static absl::StatusOr<MathProgram> Compile(std::vector<MathQuery> queries);

  MathProgram(const MathProgram&) = default;
  MathProgram& operator=(const MathProgram&) = default;
  MathProgram(MathProgram&&) = default;
  MathProgram& operator=(MathProgram&&) = default;
  ~MathProgram();

  // The entries, in list order, as given to Compile.
  const std::vector<MathQuery>& queries() const { return queries_; }

  // True when entry `id` is an expression whose top level is
  // ANOMALY_DETECTION_BAND(x, k); fills `*metric_id` with x and `*k` with k
  // (2 when omitted). Either pointer may be null.
  bool IsAnomalyBand(absl::string_view id, std::string* metric_id,
                     double* k) const;

  // Evaluates entry `id` on `grid`. `inputs` maps each MetricStat entry id to
  // its series (grid.size values); only entries the evaluation reaches must
  // be present. `band` may be empty when no reached entry uses
  // ANOMALY_DETECTION_BAND. The entry must yield one series or a band: a
  // scalar, or an array of several series, is an error naming the entry (an
  // empty array, e.g. REMOVE_EMPTY of series without data, is a series with
  // no datapoint). NaN and +/-inf in the final result become NaN (no
  // datapoint).
  // Errors: kNotFound for an unknown `id`; kInvalidArgument for a bad grid
  // (period <= 0, size < 0), a missing or wrongly sized input, and an
  // expression whose value kinds do not fit (`MAX(5)`, arrays on both sides
  // of an operator, ...); kFailedPrecondition when ANOMALY_DETECTION_BAND is
  // reached and `band` is empty; the band function's own error unchanged.
  absl::StatusOr<MathResult> Evaluate(
      absl::string_view id, const MathGrid& grid,
      const absl::flat_hash_map<std::string, MathSeries>& inputs,
      const BandFunction& band) const;

 private:
  MathProgram() = default;

  std::vector<MathQuery> queries_;
  // One per query, same index; null for MetricStat entries.
  std::vector<std::shared_ptr<const math_internal::CompiledEntry>> compiled_;
  absl::flat_hash_map<std::string, int> index_;
  // Per query: how many references (and METRICS() calls) can reach it.
  std::vector<int> uses_;
};

}  // namespace cwalarm

#endif  // CWALARM_ALARM_METRIC_MATH_H_
