// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The metric-math expression language (spec 1.7, 3.8, 3.9; issue 6): every
// documented comparison and IF example of spec 3.9, one table per group of
// operators and functions naming the rule each case pins down, parse errors
// with their columns, compile errors and evaluation errors. Case names of the
// error tables are the row ids of docs/errors.md.

#include "alarm/metric_math.h"

#include <cmath>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::IsOk;
using ::cwalarm_testing::StatusIs;
using ::testing::HasSubstr;

// "-" in the spec's examples: no datapoint.
constexpr double _ = std::numeric_limits<double>::quiet_NaN();

using Values = std::vector<double>;
using Inputs = std::vector<std::pair<std::string, Values>>;

std::string Show(const Values& v) {
  std::vector<std::string> parts;
  for (double x : v) parts.push_back(std::isnan(x) ? "-" : absl::StrCat(x));
  return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
}

// NaN-aware, relative tolerance 1e-12.
bool SameValues(const Values& a, const Values& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) != std::isnan(b[i])) return false;
    if (std::isnan(a[i])) continue;
    if (std::fabs(a[i] - b[i]) > 1e-12 * std::max(1.0, std::fabs(b[i]))) {
      return false;
    }
  }
  return true;
}

// The band the tests' BandFunction returns: metric +/- k.
absl::StatusOr<MathResult> PlusMinusK(absl::string_view, const MathSeries& m,
                                      double k, const MathGrid&) {
  MathResult r;
  r.is_band = true;
  for (double x : m.values) {
    r.upper.values.push_back(x + k);
    r.lower.values.push_back(x - k);
  }
  return r;
}

// Compiles MetricStat entries named after `inputs` (Period 60) followed by
// the expression entry "e", and evaluates "e" on a grid of the inputs'
// length.
absl::StatusOr<MathResult> EvaluateExpression(const Inputs& inputs,
                                              const std::string& expression,
                                              int64_t period_seconds = 60) {
  std::vector<MathQuery> queries;
  absl::flat_hash_map<std::string, MathSeries> series;
  int size = 0;
  for (const auto& [id, values] : inputs) {
    queries.push_back({id, std::nullopt, false, period_seconds});
    series[id] = MathSeries{values};
    size = static_cast<int>(values.size());
  }
  queries.push_back({"e", expression, true, 0});
  absl::StatusOr<MathProgram> program = MathProgram::Compile(queries);
  if (!program.ok()) return program.status();
  MathGrid grid{1710590400, period_seconds, size};
  return program->Evaluate("e", grid, series, &PlusMinusK);
}

// One evaluation case: the rule it pins down, the MetricStat series, the
// expression and the expected series.
struct EvalCase {
  const char* rule;
  Inputs inputs;
  std::string expression;
  Values expected;
};

void PrintTo(const EvalCase& c, std::ostream* os) {
  *os << c.rule << ": " << c.expression;
}

class MetricMathEvalTest : public ::testing::TestWithParam<EvalCase> {};

TEST_P(MetricMathEvalTest, YieldsTheDocumentedSeries) {
  const EvalCase& c = GetParam();
  absl::StatusOr<MathResult> r = EvaluateExpression(c.inputs, c.expression);
  ASSERT_THAT(r, IsOk()) << c.rule;
  ASSERT_FALSE(r->is_band) << c.rule;
  EXPECT_TRUE(SameValues(r->values.values, c.expected))
      << c.rule << ": " << c.expression << " gave " << Show(r->values.values)
      << ", expected " << Show(c.expected);
}

// Spec 3.9, the documented examples (S-UG-MATH), verbatim.
const Inputs kCmp = {{"metric1", {30, 20, 0, 0}}, {"metric2", {20, _, 20, _}}};
const Inputs kIf = {{"metric1", {1, 1, 0, 0, _}},
                    {"metric2", {30, _, 0, 0, 30}},
                    {"metric3", {0, 0, 20, _, 20}}};

INSTANTIATE_TEST_SUITE_P(
    Spec39Examples, MetricMathEvalTest,
    ::testing::Values(
        EvalCase{"spec 3.9 comparison example 1 (metric1 < metric2)",
                 kCmp,
                 "metric1 < metric2",
                 {0, 0, 1, 0}},
        EvalCase{"spec 3.9 comparison example 2 (metric1 >= 30)",
                 kCmp,
                 "metric1 >= 30",
                 {1, 0, 0, 0}},
        EvalCase{"spec 3.9 comparison example 3 (AND)",
                 kCmp,
                 "metric1 > 15 AND metric2 > 15",
                 {1, 0, 0, 0}},
        EvalCase{"spec 3.9 IF example 1",
                 kIf,
                 "IF(metric1, metric2, metric3)",
                 {30, 0, 20, _, _}},
        EvalCase{"spec 3.9 IF example 2",
                 kIf,
                 "IF(metric1, 5, metric3)",
                 {5, 5, 20, _, _}},
        EvalCase{"spec 3.9 IF example 3",
                 kIf,
                 "IF(metric1, metric2, 5)",
                 {30, 0, 5, 5, _}},
        EvalCase{"spec 3.9 IF scalar: non-zero scalar gives m2",
                 kIf,
                 "IF(7, metric2, metric3)",
                 {30, _, 0, 0, 30}},
        EvalCase{"spec 3.9 IF scalar: zero gives m3",
                 kIf,
                 "IF(0, metric2, metric3)",
                 {0, 0, 20, _, 20}},
        EvalCase{"spec 3.9 IF scalar: zero, m3 omitted: an empty series",
                 kIf,
                 "IF(0, metric2)",
                 {_, _, _, _, _}}));

// Operators (spec 3.9 and the grammar of metric_math.h).
const Inputs kAr = {{"m1", {1, _, 3, _}}, {"m2", {10, 20, _, _}}};
const Inputs kLogic = {
    {"m1", {1, 0, _, 2, _}}, {"m2", {0, 0, 5, 3, _}}, {"m3", {0, 0, 0, 0, 0}}};

INSTANTIATE_TEST_SUITE_P(
    Operators, MetricMathEvalTest,
    ::testing::Values(
        EvalCase{"spec 3.9 series + series: missing side is 0, both missing "
                 "is missing",
                 kAr,
                 "m1 + m2",
                 {11, 20, 3, _}},
        EvalCase{"spec 3.9 series - series", kAr, "m1 - m2", {-9, -20, 3, _}},
        EvalCase{"spec 3.9 series * series", kAr, "m1 * m2", {10, 0, 0, _}},
        EvalCase{"spec 3.9 division by zero drops the datapoint",
                 kAr,
                 "m2 / m1",
                 {10, _, 0, _}},
        EvalCase{"spec 3.9 series / series, missing divisor is 0: dropped",
                 kAr,
                 "m1 / m2",
                 {0.1, 0, _, _}},
        EvalCase{"spec 3.9 series / scalar zero drops every datapoint",
                 kAr,
                 "m1 / 0",
                 {_, _, _, _}},
        EvalCase{"spec 3.9 series with scalar keeps missing as missing",
                 kAr,
                 "m1 + 1",
                 {2, _, 4, _}},
        EvalCase{"spec 3.9 scalar - series", kAr, "10 - m1", {9, _, 7, _}},
        EvalCase{"exponent", kAr, "m1 ^ 2", {1, _, 9, _}},
        EvalCase{"exponent: scalar base", kAr, "2 ^ m1", {2, _, 8, _}},
        EvalCase{"exponent with NaN result is no datapoint",
                 {{"m1", {-4, 4}}},
                 "m1 ^ 0.5",
                 {_, 2}},
        EvalCase{"unary minus", kAr, "-m1", {-1, _, -3, _}},
        EvalCase{"precedence: * before +", kAr, "m1 + 2 * 3", {7, _, 9, _}},
        EvalCase{"precedence: parentheses", kAr, "(m1 + 2) * 3", {9, _, 15, _}},
        EvalCase{"precedence: ^ is right-associative",
                 kAr,
                 "2 ^ 3 ^ 2 * m1",
                 {512, _, 1536, _}},
        EvalCase{"precedence: unary minus binds looser than ^",
                 kAr,
                 "m1 * 0 + -2 ^ 2",
                 {-4, _, -4, _}},
        EvalCase{"precedence: - and / are left-associative",
                 kAr,
                 "m1 * 12 / 2 / 3 - 1 - 1",
                 {0, _, 4, _}},
        EvalCase{"numbers: decimal and exponent forms",
                 kAr,
                 "m1 * 1e2 + .5 + 2.5E-1",
                 {100.75, _, 300.75, _}},
        EvalCase{"spec 3.9 comparisons between series: missing side is 0",
                 {{"m1", {1, _, 0, _, 2}}, {"m2", {1, 0, _, _, 3}}},
                 "m1 == m2",
                 {1, 1, 1, _, 0}},
        EvalCase{"spec 3.9 != between series",
                 {{"m1", {1, _, 0, _, 2}}, {"m2", {1, 0, _, _, 3}}},
                 "m1 != m2",
                 {0, 0, 0, _, 1}},
        EvalCase{"spec 3.9 <= between series",
                 {{"m1", {1, _, 5, _, 2}}, {"m2", {1, 3, _, _, 1}}},
                 "m1 <= m2",
                 {1, 1, 0, _, 0}},
        EvalCase{"spec 3.9 > between series",
                 {{"m1", {1, _, 5, _, 2}}, {"m2", {1, 3, _, _, 1}}},
                 "m1 > m2",
                 {0, 0, 1, _, 1}},
        EvalCase{"spec 3.9 comparison with a scalar keeps missing",
                 kAr,
                 "m1 > 2",
                 {0, _, 1, _}},
        EvalCase{"spec 3.9 comparison: scalar on the left",
                 kAr,
                 "2 < m1",
                 {0, _, 1, _}},
        EvalCase{"spec 3.9 AND: missing side is 0",
                 kLogic,
                 "m1 AND m2",
                 {0, 0, 0, 1, _}},
        EvalCase{"spec 3.9 && is AND", kLogic, "m1 && m2", {0, 0, 0, 1, _}},
        EvalCase{"spec 3.9 OR: missing side is 0",
                 kLogic,
                 "m1 OR m2",
                 {1, 0, 1, 1, _}},
        EvalCase{"spec 3.9 || is OR", kLogic, "m1 || m2", {1, 0, 1, 1, _}},
        EvalCase{"precedence: AND before OR",
                 kLogic,
                 "m2 OR m1 AND m3",
                 {0, 0, 1, 1, 0}},
        EvalCase{"precedence: parenthesised OR",
                 kLogic,
                 "(m2 OR m1) AND m3",
                 {0, 0, 0, 0, 0}},
        EvalCase{"infinite final values become no datapoint",
                 {{"m1", {1e308, 1}}},
                 "m1 * 10",
                 {_, 10}},
        EvalCase{"array with a scalar: element-wise (FIRST/LAST)",
                 kAr,
                 "LAST([m1, m2] * 2)",
                 {20, 40, _, _}},
        EvalCase{"array with a series: element-wise",
                 kAr,
                 "FIRST(m2 - [m1, m2])",
                 {9, 20, -3, _}}));

// Functions.
const Inputs kRange = {{"m1", {1, _, 3, 8}}, {"z", {0, 0, 0, 0}}};
const Inputs kGaps = {{"m1", {_, 1, _, _, 4, _}}};

INSTANTIATE_TEST_SUITE_P(
    Functions, MetricMathEvalTest,
    ::testing::Values(
        EvalCase{"ABS", {{"m1", {-1.5, _, 2}}}, "ABS(m1)", {1.5, _, 2}},
        EvalCase{"CEIL", {{"m1", {-1.5, _, 2.1}}}, "CEIL(m1)", {-1, _, 3}},
        EvalCase{"FLOOR", {{"m1", {-1.5, _, 2.1}}}, "FLOOR(m1)", {-2, _, 2}},
        EvalCase{"ABS of a scalar", {{"m1", {1, _}}}, "m1 * ABS(-3)", {3, _}},
        EvalCase{"LOG: natural logarithm; of a negative value no datapoint",
                 {{"m1", {1, -1, _, 0}}},
                 "LOG(m1 * 2.718281828459045)",
                 {1, _, _, _}},
        EvalCase{"LOG10; LOG10(0) is -inf: no datapoint",
                 {{"m1", {1000, 0, _}}},
                 "LOG10(m1)",
                 {3, _, _}},
        EvalCase{"SQRT; of a negative value no datapoint",
                 {{"m1", {9, -4, _}}},
                 "SQRT(m1)",
                 {3, _, _}},
        EvalCase{"EXP; overflow is no datapoint",
                 {{"m1", {0, 1000, _}}},
                 "EXP(m1)",
                 {1, _, _}},
        EvalCase{"spec 3.9 TIME_SERIES(s): a dense series",
                 {{"m1", {_, 1}}},
                 "TIME_SERIES(4)",
                 {4, 4}},
        EvalCase{"TIME_SERIES of a scalar expression",
                 {{"m1", {_, 1, 3}}},
                 "TIME_SERIES(MAX(m1) * 2)",
                 {6, 6, 6}},
        EvalCase{"functions apply element-wise to arrays",
                 {{"m1", {-1, 2}}, {"m2", {-3, _}}},
                 "LAST(ABS([m1, m2]))",
                 {3, _}},
        EvalCase{"FILL with a value", kGaps, "FILL(m1, 0)", {0, 1, 0, 0, 4, 0}},
        EvalCase{"FILL with a series",
                 {{"m1", {_, 1, _}}, {"m2", {7, 8, _}}},
                 "FILL(m1, m2)",
                 {7, 1, _}},
        EvalCase{"FILL REPEAT: the most recent value; none before the first",
                 kGaps,
                 "FILL(m1, REPEAT)",
                 {_, 1, 1, 1, 4, 4}},
        EvalCase{"FILL LINEAR: interpolated inside gaps; ends stay missing",
                 kGaps,
                 "FILL(m1, LINEAR)",
                 {_, 1, 2, 3, 4, _}},
        EvalCase{"FILL of an array",
                 {{"m1", {_, 1}}, {"m2", {2, _}}},
                 "LAST(FILL([m1, m2], 5))",
                 {2, 5}},
        EvalCase{"FIRST of an array",
                 {{"m1", {1, 2}}, {"m2", {3, 4}}},
                 "FIRST([m1, m2])",
                 {1, 2}},
        EvalCase{"LAST of an array",
                 {{"m1", {1, 2}}, {"m2", {3, 4}}},
                 "LAST([m1, m2])",
                 {3, 4}},
        EvalCase{"FIRST of a series is the series",
                 {{"m1", {1, 2}}},
                 "FIRST(m1)",
                 {1, 2}},
        EvalCase{"spec 3.9 MAX of a series: scalar over the fetched range",
                 kRange,
                 "z + MAX(m1)",
                 {8, 8, 8, 8}},
        EvalCase{
            "spec 3.9 MIN of a series", kRange, "z + MIN(m1)", {1, 1, 1, 1}},
        EvalCase{"spec 3.9 AVG of a series: present datapoints of the range",
                 kRange,
                 "z + AVG(m1)",
                 {4, 4, 4, 4}},
        EvalCase{"spec 3.9 SUM of a series",
                 kRange,
                 "z + SUM(m1)",
                 {12, 12, 12, 12}},
        EvalCase{"spec 3.9 STDDEV of a series (population)",
                 {{"m1", {2, 4, 4, 4, 5, 5, 7, 9}}},
                 "m1 * 0 + STDDEV(m1)",
                 {2, 2, 2, 2, 2, 2, 2, 2}},
        EvalCase{"AVG of a series without data is no datapoint",
                 {{"m1", {_, _}}, {"z", {0, 0}}},
                 "z + AVG(m1)",
                 {_, _}},
        EvalCase{"MAX of an array: per timestamp across series",
                 {{"m1", {1, _, 5, _}}, {"m2", {3, 2, _, _}}},
                 "MAX([m1, m2])",
                 {3, 2, 5, _}},
        EvalCase{"MIN of an array",
                 {{"m1", {1, _, 5}}, {"m2", {3, 2, _}}},
                 "MIN([m1, m2])",
                 {1, 2, 5}},
        EvalCase{"AVG of an array",
                 {{"m1", {1, _, 5}}, {"m2", {3, 2, _}}},
                 "AVG([m1, m2])",
                 {2, 2, 5}},
        EvalCase{"SUM of an array",
                 {{"m1", {1, _, 5}}, {"m2", {3, 2, _}}},
                 "SUM([m1, m2])",
                 {4, 2, 5}},
        EvalCase{"STDDEV of an array",
                 {{"m1", {1, _}}, {"m2", {3, 2}}},
                 "STDDEV([m1, m2])",
                 {1, 0}},
        EvalCase{"spec 3.9 METRICS(): the MetricStat entries",
                 {{"m1", {1, _}}, {"m2", {3, 2}}},
                 "SUM(METRICS())",
                 {4, 2}},
        EvalCase{"spec 3.9 METRICS(\"s\"): Id substring",
                 {{"errors_a", {1, 2}},
                  {"requests", {100, 100}},
                  {"b_errors", {3, _}}},
                 "SUM(METRICS(\"errors\"))",
                 {4, 2}},
        EvalCase{"METRICS('s') with single quotes",
                 {{"errors_a", {1, 2}}, {"requests", {100, 100}}},
                 "FIRST(METRICS('req'))",
                 {100, 100}},
        EvalCase{"spec 3.9 PERIOD(m): the metric's period",
                 kRange,
                 "z + PERIOD(m1)",
                 {60, 60, 60, 60}},
        EvalCase{"RATE: per second since the previous present datapoint",
                 {{"m1", {10, _, 40, 50}}},
                 "RATE(m1)",
                 {_, _, 0.25, 10.0 / 60}},
        EvalCase{"DIFF: since the previous present datapoint",
                 {{"m1", {10, _, 40, 50}}},
                 "DIFF(m1)",
                 {_, _, 30, 10}},
        EvalCase{"DIFF_TIME: seconds since the previous present datapoint",
                 {{"m1", {10, _, 40, 50}}},
                 "DIFF_TIME(m1)",
                 {_, _, 120, 60}},
        EvalCase{"spec 3.9 RUNNING_SUM over the fetched range",
                 {{"m1", {1, _, 2, 3}}},
                 "RUNNING_SUM(m1)",
                 {1, _, 3, 6}},
        EvalCase{"spec 3.9 REMOVE_EMPTY drops series without data",
                 {{"m1", {_, _}}, {"m2", {1, _}}},
                 "REMOVE_EMPTY([m1, m2])",
                 {1, _}},
        EvalCase{"REMOVE_EMPTY of everything empty: no datapoint",
                 {{"m1", {_, _}}},
                 "REMOVE_EMPTY(m1)",
                 {_, _}},
        EvalCase{"spec 3.9 DATAPOINT_COUNT of a series: scalar over the range",
                 kRange,
                 "z + DATAPOINT_COUNT(m1)",
                 {3, 3, 3, 3}},
        EvalCase{"DATAPOINT_COUNT of an array: per timestamp",
                 {{"m1", {1, _, _}}, {"m2", {3, 2, _}}},
                 "DATAPOINT_COUNT(METRICS())",
                 {2, 1, 0}},
        EvalCase{"IF element-wise over an array condition",
                 {{"m1", {1, 0}}, {"m2", {0, 1}}},
                 "LAST(IF([m1, m2], 10, 20))",
                 {20, 10}},
        EvalCase{"spec 3.8 FIRST of a band is the upper bound",
                 {{"m1", {1, _}}},
                 "FIRST(ANOMALY_DETECTION_BAND(m1, 3))",
                 {4, _}},
        EvalCase{"spec 3.8 LAST of a band is the lower bound",
                 {{"m1", {1, _}}},
                 "LAST(ANOMALY_DETECTION_BAND(m1))",
                 {-1, _}},
        EvalCase{"an array of one series acts as that series",
                 {{"m1", {1, 2}}},
                 "[m1] * 2 + MAX(m1)",
                 {4, 6}}));

TEST(MetricMathTest, ExpressionsNameOtherExpressions) {
  absl::StatusOr<MathProgram> program = MathProgram::Compile({
      {"e2", "e1 * 10 + e1", true, 0},
      {"e1", "m1 + 1", false, 0},
      {"m1", std::nullopt, false, 60},
  });
  ASSERT_THAT(program, IsOk());
  absl::StatusOr<MathResult> r =
      program->Evaluate("e2", MathGrid{0, 60, 2}, {{"m1", {{1, _}}}}, {});
  ASSERT_THAT(r, IsOk());
  EXPECT_TRUE(SameValues(r->values.values, {22, _})) << Show(r->values.values);
}

TEST(MetricMathTest, ErrorRateAlarmOfIssue6) {
  // The issue's example: an error-rate alarm `100*errors/requests`.
  absl::StatusOr<MathProgram> program = MathProgram::Compile({
      {"errors", std::nullopt, false, 60},
      {"requests", std::nullopt, false, 60},
      {"rate", "100*errors/requests", true, 0},
  });
  ASSERT_THAT(program, IsOk());
  EXPECT_EQ(program->queries().size(), 3u);
  EXPECT_FALSE(program->IsAnomalyBand("rate", nullptr, nullptr));
  absl::StatusOr<MathResult> r = program->Evaluate(
      "rate", MathGrid{0, 60, 4},
      {{"errors", {{5, _, 0, 3}}}, {"requests", {{100, 50, 0, _}}}}, {});
  ASSERT_THAT(r, IsOk());
  // 0/0 and 3/0 (requests missing counts as 0) drop the datapoint.
  EXPECT_TRUE(SameValues(r->values.values, {5, 0, _, _}))
      << Show(r->values.values);
}

TEST(MetricMathTest, MetricsExcludesExpressionEntries) {
  // Spec 3.9: METRICS() excludes expressions, so `x` does not count.
  absl::StatusOr<MathProgram> program = MathProgram::Compile({
      {"m1", std::nullopt, false, 60},
      {"x", "m1 * 100", false, 0},
      {"m2", std::nullopt, false, 60},
      {"e", "SUM(METRICS())", true, 0},
  });
  ASSERT_THAT(program, IsOk());
  absl::StatusOr<MathResult> r = program->Evaluate(
      "e", MathGrid{0, 60, 2}, {{"m1", {{1, 2}}}, {"m2", {{10, 20}}}}, {});
  ASSERT_THAT(r, IsOk());
  EXPECT_TRUE(SameValues(r->values.values, {11, 22})) << Show(r->values.values);
}

TEST(MetricMathTest, PeriodIsTheMetricStatEntrysOwnPeriod) {
  // PERIOD(m) is the entry's own Period (300), not the grid's (60); an entry
  // without one (0) has the grid's.
  absl::StatusOr<MathProgram> program = MathProgram::Compile({
      {"m1", std::nullopt, false, 300},
      {"m2", std::nullopt, false, 0},
      {"e", "m1 * 0 + PERIOD(m1)", true, 0},
      {"f", "m1 * 0 + PERIOD(m2)", true, 0},
  });
  ASSERT_THAT(program, IsOk());
  absl::flat_hash_map<std::string, MathSeries> in = {{"m1", {{1, 2}}},
                                                     {"m2", {{1, 2}}}};
  absl::StatusOr<MathResult> e = program->Evaluate("e", {0, 60, 2}, in, {});
  absl::StatusOr<MathResult> f = program->Evaluate("f", {0, 60, 2}, in, {});
  ASSERT_THAT(e, IsOk());
  ASSERT_THAT(f, IsOk());
  EXPECT_TRUE(SameValues(e->values.values, {300, 300}));
  EXPECT_TRUE(SameValues(f->values.values, {60, 60}));
}

TEST(MetricMathTest, RangeDependentFunctionsUseTheWholeGrid) {
  // Spec 3.9: the alarm fetches the evaluation range, so AVG sees all six
  // buckets, not the newest ones only.
  absl::StatusOr<MathResult> whole = EvaluateExpression(
      {{"m1", {100, 100, 100, 0, 0, 0}}, {"z", {0, 0, 0, 0, 0, 0}}},
      "z + AVG(m1)");
  absl::StatusOr<MathResult> newest =
      EvaluateExpression({{"m1", {0, 0, 0}}, {"z", {0, 0, 0}}}, "z + AVG(m1)");
  ASSERT_THAT(whole, IsOk());
  ASSERT_THAT(newest, IsOk());
  EXPECT_EQ(whole->values.values.back(), 50);
  EXPECT_EQ(newest->values.values.back(), 0);
}

TEST(MetricMathTest, AnomalyBandIsRecognisedAndReturnedAsABand) {
  // Spec 3.8: ANOMALY_DETECTION_BAND(m1, k) returns two series; k default 2.
  absl::StatusOr<MathProgram> program = MathProgram::Compile({
      {"m1", std::nullopt, true, 300},
      {"ad1", "ANOMALY_DETECTION_BAND(m1, 3)", true, 0},
      {"ad2", "ANOMALY_DETECTION_BAND(m1)", false, 0},
      {"e", "FIRST(ANOMALY_DETECTION_BAND(m1))", false, 0},
  });
  ASSERT_THAT(program, IsOk());
  std::string metric;
  double k = 0;
  EXPECT_TRUE(program->IsAnomalyBand("ad1", &metric, &k));
  EXPECT_EQ(metric, "m1");
  EXPECT_EQ(k, 3);
  EXPECT_TRUE(program->IsAnomalyBand("ad2", &metric, &k));
  EXPECT_EQ(k, 2);
  EXPECT_FALSE(program->IsAnomalyBand("e", &metric, &k));
  EXPECT_FALSE(program->IsAnomalyBand("m1", &metric, &k));
  EXPECT_FALSE(program->IsAnomalyBand("nope", &metric, &k));

  std::string seen_id;
  double seen_k = 0;
  BandFunction band = [&](absl::string_view id, const MathSeries& m, double w,
                          const MathGrid& grid) {
    seen_id = std::string(id);
    seen_k = w;
    return PlusMinusK(id, m, w, grid);
  };
  absl::StatusOr<MathResult> r = program->Evaluate(
      "ad1", MathGrid{0, 300, 3}, {{"m1", {{10, _, 12}}}}, band);
  ASSERT_THAT(r, IsOk());
  EXPECT_TRUE(r->is_band);
  EXPECT_EQ(seen_id, "m1");
  EXPECT_EQ(seen_k, 3);
  EXPECT_TRUE(SameValues(r->upper.values, {13, _, 15}));
  EXPECT_TRUE(SameValues(r->lower.values, {7, _, 9}));
}

TEST(MetricMathTest, BandFunctionErrorIsReturnedUnchanged) {
  absl::StatusOr<MathProgram> program = MathProgram::Compile({
      {"m1", std::nullopt, true, 300},
      {"ad1", "ANOMALY_DETECTION_BAND(m1)", true, 0},
  });
  ASSERT_THAT(program, IsOk());
  BandFunction band = [](absl::string_view, const MathSeries&, double,
                         const MathGrid&) -> absl::StatusOr<MathResult> {
    return absl::FailedPreconditionError("model for m1 is still training");
  };
  EXPECT_THAT(
      program->Evaluate("ad1", MathGrid{0, 300, 2}, {{"m1", {{1, 2}}}}, band),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               "model for m1 is still training"));
}

TEST(MetricMathTest, MetricStatEntryEvaluatesToItsInput) {
  absl::StatusOr<MathProgram> program =
      MathProgram::Compile({{"m1", std::nullopt, true, 60}});
  ASSERT_THAT(program, IsOk());
  absl::StatusOr<MathResult> r =
      program->Evaluate("m1", MathGrid{0, 60, 3}, {{"m1", {{1, _, 3}}}}, {});
  ASSERT_THAT(r, IsOk());
  EXPECT_TRUE(SameValues(r->values.values, {1, _, 3}));
}

TEST(MetricMathTest, CompiledProgramIsACopyableValue) {
  absl::StatusOr<MathProgram> program = MathProgram::Compile(
      {{"m1", std::nullopt, false, 60}, {"e", "m1 * 2", true, 0}});
  ASSERT_THAT(program, IsOk());
  MathProgram copy = *program;
  program = MathProgram::Compile({{"m9", std::nullopt, false, 60}});
  absl::StatusOr<MathResult> r =
      copy.Evaluate("e", MathGrid{0, 60, 1}, {{"m1", {{4}}}}, {});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->values.values[0], 8);
}

// --- Compile errors ------------------------------------------------------

// One refused Metrics list: the docs/errors.md row id, the entries (every
// entry without an expression is a MetricStat), and the message fragment.
struct CompileErrorCase {
  const char* id;
  std::vector<MathQuery> queries;
  std::string fragment;
};

void PrintTo(const CompileErrorCase& c, std::ostream* os) { *os << c.id; }

class MetricMathCompileErrorTest
    : public ::testing::TestWithParam<CompileErrorCase> {};

TEST_P(MetricMathCompileErrorTest, RefusesWithPositionAndRule) {
  const CompileErrorCase& c = GetParam();
  EXPECT_THAT(
      MathProgram::Compile(c.queries),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.fragment)))
      << c.id;
}

MathQuery Stat(std::string id) {
  return {std::move(id), std::nullopt, false, 60};
}
MathQuery Expr(std::string id, std::string e) {
  return {std::move(id), std::move(e), true, 0};
}

std::vector<MathQuery> WithM1(std::string expression) {
  return {Stat("m1"), Stat("m2"), Expr("e", std::move(expression))};
}

INSTANTIATE_TEST_SUITE_P(
    Compile, MetricMathCompileErrorTest,
    ::testing::Values(
        // Spec 1.7: first character a lower-case letter.
        CompileErrorCase{"MathIdInvalid_UpperCaseStart",
                         {Stat("M1")},
                         "Metrics[0].Id \"M1\": an Id must be 1-255 letters, "
                         "digits and underscores starting with a lower-case "
                         "letter (spec 1.7)"},
        CompileErrorCase{"MathIdInvalid_DigitStart",
                         {Stat("m1"), Stat("1m")},
                         "Metrics[1].Id \"1m\""},
        CompileErrorCase{
            "MathIdInvalid_Hyphen", {Stat("m-1")}, "Metrics[0].Id \"m-1\""},
        CompileErrorCase{
            "MathIdInvalid_Empty", {Stat("")}, "Metrics[0].Id \"\""},
        CompileErrorCase{
            "MathIdInvalid_TooLong", {Stat(std::string(256, 'a'))}, "1-255"},
        CompileErrorCase{"MathIdDuplicate",
                         {Stat("m1"), Expr("m1", "1")},
                         "Metrics[1].Id \"m1\": duplicate Id (also "
                         "Metrics[0])"},
        // Spec 1.7: Expression 1-2048 characters.
        CompileErrorCase{"MathExpressionLength_Empty", WithM1(""),
                         "Metrics[2].Expression (0 characters): an Expression "
                         "must have 1-2048 characters"},
        CompileErrorCase{"MathExpressionLength_TooLong",
                         WithM1("m1" + std::string(2047, ' ')),
                         "(2049 characters)"},
        CompileErrorCase{"MathUnknownId", WithM1("m1 + m9"),
                         "Metrics[2].Expression \"m1 + m9\": column 6: "
                         "unknown Id \"m9\""},
        CompileErrorCase{
            "MathCycle",
            {Stat("m1"), Expr("e1", "e2 + m1"), Expr("e2", "e1 * 2")},
            "Metrics[1].Expression \"e2 + m1\": the expressions "
            "refer to each other in a cycle: e1 -> e2 -> e1"},
        CompileErrorCase{
            "MathCycle_Self", {Expr("e1", "e1 + 1")}, "cycle: e1 -> e1"},
        // Spec 1.7: SEARCH is not allowed in alarms.
        CompileErrorCase{
            "MathSearch",
            WithM1("SEARCH('{AWS/EC2,InstanceId} CPU', 'Average')"),
            "column 1: SEARCH is not supported in alarms"},
        CompileErrorCase{"MathSearch_LowerCase", WithM1("search('x', 'Sum')"),
                         "function names are upper-case: write SEARCH"},
        // Spec 1.7: functions upper-case.
        CompileErrorCase{"MathFunctionCase", WithM1("m1 + abs(m2)"),
                         "column 6: function names are upper-case: write "
                         "ABS, not abs"},
        CompileErrorCase{"MathUnknownFunction", WithM1("LOGX(m1)"),
                         "column 1: unknown function LOGX (cwalarm supports "
                         "ABS, ANOMALY_DETECTION_BAND"},
        CompileErrorCase{"MathArity_If", WithM1("IF(m1)"),
                         "IF takes 2 or 3 arguments, got 1"},
        CompileErrorCase{"MathArity_Abs", WithM1("ABS(m1, m2)"),
                         "ABS takes 1 argument, got 2"},
        CompileErrorCase{"MathArity_Fill", WithM1("FILL(m1)"),
                         "FILL takes 2 arguments, got 1"},
        CompileErrorCase{"MathArgument_MetricsNotString",
                         WithM1("SUM(METRICS(m1))"),
                         "column 13: the argument of METRICS must be a string"},
        CompileErrorCase{"MathArgument_StringElsewhere", WithM1("m1 + \"x\""),
                         "column 6: a string is only allowed as the argument "
                         "of METRICS"},
        CompileErrorCase{"MathArgument_KeywordElsewhere", WithM1("m1 + REPEAT"),
                         "column 6: REPEAT is only allowed as the second "
                         "argument of FILL"},
        CompileErrorCase{"MathArgument_BandMetric",
                         WithM1("ANOMALY_DETECTION_BAND(m1 * 2)"),
                         "column 27: the first argument of "
                         "ANOMALY_DETECTION_BAND must be the Id of an entry"},
        CompileErrorCase{"MathArgument_BandWidth",
                         WithM1("ANOMALY_DETECTION_BAND(m1, 0)"),
                         "column 28: the band width of ANOMALY_DETECTION_BAND "
                         "must be a positive number"},
        // S-UG-MATH: PERIOD's "valid input is metrics, not the results of
        // other expressions".
        CompileErrorCase{
            "MathArgument_PeriodOfExpression",
            {Stat("m1"), Expr("x", "m1 * 2"), Expr("e", "m1 + PERIOD(x)")},
            "column 13: the argument of PERIOD must be the Id of "
            "a MetricStat entry, not an expression"},
        CompileErrorCase{"MathArgument_PeriodOfArray",
                         WithM1("m1 + PERIOD(METRICS())"),
                         "the argument of PERIOD must be the Id"},
        CompileErrorCase{
            "MathNesting",
            WithM1(std::string(101, '(') + "m1" + std::string(101, ')')),
            "nests more than 100 levels deep"}),
    [](const ::testing::TestParamInfo<CompileErrorCase>& info) {
      return std::string(info.param.id);
    });

TEST(MetricMathTest, HundredNestedParenthesesAreAccepted) {
  // kMaxMathNesting: 100 levels pass, 101 are refused (MathNesting).
  EXPECT_THAT(MathProgram::Compile(
                  WithM1(std::string(100, '(') + "m1" + std::string(100, ')'))),
              IsOk());
}

// --- Parse errors: the column and what was expected ------------------------

struct ParseErrorCase {
  const char* what;
  std::string expression;
  std::string message;  // Everything after `Metrics[2].Expression "...": `.
};

void PrintTo(const ParseErrorCase& c, std::ostream* os) {
  *os << c.what << ": " << c.expression;
}

class MetricMathParseErrorTest
    : public ::testing::TestWithParam<ParseErrorCase> {};

TEST_P(MetricMathParseErrorTest, NamesTheColumnAndWhatWasExpected) {
  // docs/errors.md row MathSyntax.
  const ParseErrorCase& c = GetParam();
  EXPECT_THAT(MathProgram::Compile(WithM1(c.expression)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       absl::StrCat("Metrics[2].Expression \"", c.expression,
                                    "\": ", c.message)))
      << c.what;
}

INSTANTIATE_TEST_SUITE_P(
    Syntax, MetricMathParseErrorTest,
    ::testing::Values(
        ParseErrorCase{"operand missing at the end", "m1 +",
                       "column 5: expected an operand after '+'"},
        ParseErrorCase{"operand missing before an operator", "m1 * / m2",
                       "column 6: expected an operand after '*', got '/'"},
        ParseErrorCase{"empty parentheses", "()",
                       "column 2: expected an operand after '(', got ')'"},
        ParseErrorCase{"unclosed parenthesis", "(m1 + m2",
                       "column 9: expected ')' to close the '(' at column 1, "
                       "got the end of the expression"},
        ParseErrorCase{"two operands", "m1 m2",
                       "column 4: expected an operator or the end of the "
                       "expression, got 'm2'"},
        ParseErrorCase{"lower-case and", "m1 > 1 and m2 > 1",
                       "column 8: expected an operator or the end of the "
                       "expression, got 'and' (AND and OR are upper-case)"},
        ParseErrorCase{"AND without a left operand", "AND m1",
                       "column 1: expected an operand, got 'AND'"},
        ParseErrorCase{"single =", "m1 = 2",
                       "column 4: unexpected character '=' (the operators are "
                       "== != && ||)"},
        ParseErrorCase{"unknown character", "m1 % 2",
                       "column 4: unexpected character '%'"},
        ParseErrorCase{"control byte", "m1 +\x01 2",
                       "column 5: unexpected byte 0x01"},
        ParseErrorCase{"number glued to a name", "2m1",
                       "column 2: unexpected character 'm' after the number 2"},
        ParseErrorCase{"number out of range", "m1 * 1e999",
                       "column 6: number 1e999 is out of range"},
        ParseErrorCase{"unterminated string", "SUM(METRICS(\"err))",
                       "column 13: unterminated string"},
        ParseErrorCase{"upper-case name that is no function", "M1 + 1",
                       "column 1: unknown name 'M1': Ids start with a "
                       "lower-case letter and function names are followed by "
                       "'('"},
        ParseErrorCase{"missing comma in arguments", "FILL(m1 0)",
                       "column 9: expected ',' or ')' in the arguments of "
                       "FILL, got number 0"},
        ParseErrorCase{"unclosed array", "MAX([m1, m2)",
                       "column 12: expected ',' or ']' in the array, got ')'"},
        ParseErrorCase{"empty array", "MAX([])",
                       "column 6: an array needs at least one element"}));

// --- Evaluation errors -----------------------------------------------------

TEST(MetricMathEvaluateErrorTest, MathNotOneSeries) {
  EXPECT_THAT(EvaluateExpression({{"m1", {1}}, {"m2", {2}}}, "[m1, m2]"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "Metrics[2].Expression \"[m1, m2]\": yields 2 time "
                       "series; the returned entry of an alarm must yield one "
                       "(spec 1.7)"));
  EXPECT_THAT(EvaluateExpression({{"m1", {1}}, {"m2", {2}}}, "METRICS() * 2"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("yields 2 time series")));
}

TEST(MetricMathEvaluateErrorTest, MathScalarResult) {
  EXPECT_THAT(EvaluateExpression({{"m1", {1, 2}}}, "AVG(m1)"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("\"AVG(m1)\": yields a scalar; the returned "
                                 "entry of an alarm must yield one time "
                                 "series")));
}

TEST(MetricMathEvaluateErrorTest, MathValueKind) {
  EXPECT_THAT(EvaluateExpression({{"m1", {1}}}, "m1 + MAX(5)"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "Metrics[1].Expression \"m1 + MAX(5)\": column 6: MAX "
                       "expects a time series or an array of time series, "
                       "got a scalar"));
  EXPECT_THAT(EvaluateExpression({{"m1", {1}}}, "RATE(3)"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("RATE expects a time series, got a scalar")));
  EXPECT_THAT(EvaluateExpression({{"m1", {1}}}, "TIME_SERIES(m1)"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("column 1: TIME_SERIES expects a scalar")));
  EXPECT_THAT(EvaluateExpression({{"m1", {1}}}, "[m1, 3]"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("column 6: an array may only hold time "
                                 "series")));
}

TEST(MetricMathEvaluateErrorTest, MathArrayWithArray) {
  EXPECT_THAT(
      EvaluateExpression({{"m1", {1}}, {"m2", {2}}},
                         "FIRST([m1, m2] + [m2, m1])"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("column 16: an operator between two arrays of time "
                         "series is not supported")));
  // An array of one series is that series.
  EXPECT_THAT(
      EvaluateExpression({{"m1", {1}}, {"m2", {2}}}, "FIRST([m1, m2] + [m2])"),
      IsOk());
}

TEST(MetricMathEvaluateErrorTest, MathInput) {
  absl::StatusOr<MathProgram> program = MathProgram::Compile(
      {Stat("m1"), Stat("m2"), Expr("e", "m1 + 1"), Expr("f", "m2 + 1")});
  ASSERT_THAT(program, IsOk());
  // Only the inputs the evaluation reaches are needed.
  EXPECT_THAT(program->Evaluate("e", {0, 60, 2}, {{"m1", {{1, 2}}}}, {}),
              IsOk());
  EXPECT_THAT(program->Evaluate("f", {0, 60, 2}, {{"m1", {{1, 2}}}}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "Metrics[1].Id \"m2\": no input series was supplied "
                       "for this MetricStat entry"));
  EXPECT_THAT(program->Evaluate("e", {0, 60, 3}, {{"m1", {{1, 2}}}}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "Metrics[0].Id \"m1\": the input series has 2 values; "
                       "the grid has 3"));
}

TEST(MetricMathEvaluateErrorTest, MathGrid) {
  absl::StatusOr<MathProgram> program =
      MathProgram::Compile({Stat("m1"), Expr("e", "m1 + 1")});
  ASSERT_THAT(program, IsOk());
  EXPECT_THAT(program->Evaluate("e", {0, 0, 2}, {{"m1", {{1, 2}}}}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("metric math grid: period 0 s")));
  EXPECT_THAT(
      program->Evaluate("e", {0, 60, -1}, {{"m1", {{1, 2}}}}, {}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("size -1")));
}

TEST(MetricMathEvaluateErrorTest, MathUnknownEntry) {
  absl::StatusOr<MathProgram> program = MathProgram::Compile({Stat("m1")});
  ASSERT_THAT(program, IsOk());
  EXPECT_THAT(program->Evaluate("m2", {0, 60, 1}, {{"m1", {{1}}}}, {}),
              StatusIs(absl::StatusCode::kNotFound,
                       "Metrics: no entry has the Id \"m2\""));
}

TEST(MetricMathEvaluateErrorTest, MathNoBandFunction) {
  absl::StatusOr<MathProgram> program = MathProgram::Compile(
      {Stat("m1"), Expr("ad1", "ANOMALY_DETECTION_BAND(m1, 2)")});
  ASSERT_THAT(program, IsOk());
  EXPECT_THAT(program->Evaluate("ad1", {0, 60, 1}, {{"m1", {{1}}}}, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("ANOMALY_DETECTION_BAND needs a band "
                                 "function and none was given")));
  BandFunction single = [](absl::string_view, const MathSeries& m, double,
                           const MathGrid&) -> absl::StatusOr<MathResult> {
    MathResult r;
    r.values = m;
    return r;
  };
  EXPECT_THAT(program->Evaluate("ad1", {0, 60, 1}, {{"m1", {{1}}}}, single),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("the band function must return a band of 1 "
                                 "values per bound")));
}

}  // namespace
}  // namespace cwalarm
