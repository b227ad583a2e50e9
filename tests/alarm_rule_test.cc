// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// AlarmRule (spec 5.1, 5.2, 5.3): grammar, precedence, AT_LEAST, the
// INSUFFICIENT_DATA semantics of state functions, limits and error messages.

#include "alarm/alarm_rule.h"

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
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

constexpr AlarmState kA = AlarmState::kAlarm;
constexpr AlarmState kO = AlarmState::kOk;
constexpr AlarmState kI = AlarmState::kInsufficientData;

// One evaluation case: the rule, the children's states by name, the result.
struct EvalCase {
  const char* what;  // The rule of the spec this case pins down.
  std::string rule;
  absl::flat_hash_map<std::string, AlarmState> states;
  bool expected;
};

class AlarmRuleEvalTest : public ::testing::TestWithParam<EvalCase> {};

TEST_P(AlarmRuleEvalTest, Evaluates) {
  const EvalCase& c = GetParam();
  absl::StatusOr<AlarmRule> rule = AlarmRule::Parse(c.rule);
  ASSERT_THAT(rule, IsOk()) << c.what;
  bool result = rule->Evaluate([&](absl::string_view child) {
    auto it = c.states.find(std::string(child));
    EXPECT_TRUE(it != c.states.end()) << "no state for " << child;
    return it == c.states.end() ? kI : it->second;
  });
  EXPECT_EQ(result, c.expected) << c.what << ": " << c.rule;
}

INSTANTIATE_TEST_SUITE_P(
    Spec52, AlarmRuleEvalTest,
    ::testing::Values(
        // 5.3: ALARM(x) iff x is in ALARM.
        EvalCase{"ALARM(x) true in ALARM", "ALARM(x)", {{"x", kA}}, true},
        EvalCase{"ALARM(x) false in OK", "ALARM(x)", {{"x", kO}}, false},
        // 5.3: a child in INSUFFICIENT_DATA makes ALARM(x) and OK(x) false.
        EvalCase{"ALARM(x) false in INSUFFICIENT_DATA",
                 "ALARM(x)",
                 {{"x", kI}},
                 false},
        EvalCase{
            "OK(x) false in INSUFFICIENT_DATA", "OK(x)", {{"x", kI}}, false},
        EvalCase{"INSUFFICIENT_DATA(x) true in INSUFFICIENT_DATA",
                 "INSUFFICIENT_DATA(x)",
                 {{"x", kI}},
                 true},
        EvalCase{"OK(x) true in OK", "OK(x)", {{"x", kO}}, true},
        EvalCase{"NOT ALARM(x) true in INSUFFICIENT_DATA",
                 "NOT ALARM(x)",
                 {{"x", kI}},
                 true},
        // 5.2: TRUE and FALSE constants.
        EvalCase{"TRUE", "TRUE", {}, true},
        EvalCase{"FALSE", "FALSE", {}, false},
        EvalCase{"NOT FALSE", "NOT FALSE", {}, true},
        EvalCase{"NOT NOT TRUE", "NOT NOT TRUE", {}, true},
        // 5.2: AND / OR / parentheses (AWS example shapes).
        EvalCase{"AND both",
                 "ALARM(CPUUtilizationTooHigh) AND ALARM(DiskReadOpsTooHigh)",
                 {{"CPUUtilizationTooHigh", kA}, {"DiskReadOpsTooHigh", kA}},
                 true},
        EvalCase{"AND one",
                 "ALARM(CPUUtilizationTooHigh) AND ALARM(DiskReadOpsTooHigh)",
                 {{"CPUUtilizationTooHigh", kA}, {"DiskReadOpsTooHigh", kO}},
                 false},
        EvalCase{
            "OR one", "ALARM(a) OR ALARM(b)", {{"a", kO}, {"b", kA}}, true},
        EvalCase{
            "AWS example: ALARM AND NOT ALARM",
            "ALARM(CPUUtilizationTooHigh) AND NOT ALARM(DeploymentInProgress)",
            {{"CPUUtilizationTooHigh", kA}, {"DeploymentInProgress", kA}},
            false},
        EvalCase{"AWS example: (A OR B) AND OK(C)",
                 "(ALARM(CPUUtilizationTooHigh) OR ALARM(DiskReadOpsTooHigh)) "
                 "AND OK(NetworkOutTooHigh)",
                 {{"CPUUtilizationTooHigh", kO},
                  {"DiskReadOpsTooHigh", kA},
                  {"NetworkOutTooHigh", kO}},
                 true},
        // 5.2 [OPEN] precedence NOT > AND > OR.
        EvalCase{"precedence: A OR B AND C is A OR (B AND C)",
                 "ALARM(a) OR ALARM(b) AND ALARM(c)",
                 {{"a", kA}, {"b", kO}, {"c", kO}},
                 true},
        EvalCase{"precedence: A AND B OR C is (A AND B) OR C",
                 "ALARM(a) AND ALARM(b) OR ALARM(c)",
                 {{"a", kO}, {"b", kO}, {"c", kA}},
                 true},
        EvalCase{"precedence: NOT binds tighter than AND",
                 "NOT ALARM(a) AND ALARM(b)",
                 {{"a", kA}, {"b", kA}},
                 false},
        EvalCase{"precedence: NOT binds tighter than OR",
                 "NOT ALARM(a) OR ALARM(b)",
                 {{"a", kA}, {"b", kA}},
                 true},
        EvalCase{"parentheses override precedence",
                 "(ALARM(a) OR ALARM(b)) AND ALARM(c)",
                 {{"a", kA}, {"b", kO}, {"c", kO}},
                 false},
        EvalCase{"NOT of a group",
                 "NOT (ALARM(a) OR ALARM(b))",
                 {{"a", kO}, {"b", kO}},
                 true},
        // 5.2: quoted names and ARNs.
        EvalCase{"quoted ARN",
                 "ALARM(\"arn:aws:cloudwatch:us-east-1:123456789012:alarm:x\")",
                 {{"arn:aws:cloudwatch:us-east-1:123456789012:alarm:x", kA}},
                 true},
        EvalCase{"unquoted ARN",
                 "ALARM(arn:aws:cloudwatch:us-east-1:123456789012:alarm:x)",
                 {{"arn:aws:cloudwatch:us-east-1:123456789012:alarm:x", kA}},
                 true},
        EvalCase{"quoted name with ) and ,",
                 "ALARM(\"a), b\")",
                 {{"a), b", kA}},
                 true},
        EvalCase{"unquoted name with blanks inside",
                 "ALARM( my alarm )",
                 {{"my alarm", kA}},
                 true},
        EvalCase{"blanks and newlines",
                 "ALARM ( a )\n\tAND\nOK(b)",
                 {{"a", kA}, {"b", kO}},
                 true},
        // 5.2 AT_LEAST (S-CDK shapes).
        EvalCase{"AT_LEAST(2, ALARM, 3 refs): 2 in ALARM",
                 "AT_LEAST(2, ALARM, (a, b, c))",
                 {{"a", kA}, {"b", kA}, {"c", kO}},
                 true},
        EvalCase{"AT_LEAST(2, ALARM, 3 refs): 1 in ALARM",
                 "AT_LEAST(2, ALARM, (a, b, c))",
                 {{"a", kA}, {"b", kI}, {"c", kO}},
                 false},
        EvalCase{"AT_LEAST NOT OK counts INSUFFICIENT_DATA and ALARM",
                 "AT_LEAST(2, NOT OK, (a, b, c))",
                 {{"a", kA}, {"b", kI}, {"c", kO}},
                 true},
        // [OPEN] rounding: ceil(p * n / 100); 60% of 3 needs 2 (1.8 up).
        EvalCase{"AT_LEAST 60% of 3: 2 suffice",
                 "AT_LEAST(60%, ALARM, (a, b, c))",
                 {{"a", kA}, {"b", kA}, {"c", kO}},
                 true},
        EvalCase{"AT_LEAST 60% of 3: 1 does not",
                 "AT_LEAST(60%, ALARM, (a, b, c))",
                 {{"a", kA}, {"b", kO}, {"c", kO}},
                 false},
        EvalCase{"AT_LEAST 50% of 4: exactly 2",
                 "AT_LEAST(50%, ALARM, (a, b, c, d))",
                 {{"a", kA}, {"b", kA}, {"c", kO}, {"d", kO}},
                 true},
        EvalCase{"AT_LEAST 1% of 3: 1 suffices",
                 "AT_LEAST(1%, ALARM, (a, b, c))",
                 {{"a", kO}, {"b", kO}, {"c", kA}},
                 true},
        EvalCase{"AT_LEAST 100% of 2: both needed",
                 "AT_LEAST(100%, ALARM, (a, b))",
                 {{"a", kA}, {"b", kO}},
                 false},
        EvalCase{"AT_LEAST with quoted refs",
                 "AT_LEAST(1, INSUFFICIENT_DATA, (\"a,1\", \"b\"))",
                 {{"a,1", kI}, {"b", kO}},
                 true},
        EvalCase{"AT_LEAST combined with AND",
                 "AT_LEAST(1, ALARM, (a, b)) AND NOT ALARM(m)",
                 {{"a", kA}, {"b", kO}, {"m", kO}},
                 true}));

TEST(AlarmRuleTest, ListsDistinctChildrenInOrderOfAppearance) {
  absl::StatusOr<AlarmRule> rule =
      AlarmRule::Parse("ALARM(b) OR OK(a) OR AT_LEAST(1, ALARM, (a, c))");
  ASSERT_THAT(rule, IsOk());
  EXPECT_THAT(rule->children(), ElementsAre("b", "a", "c"));
  EXPECT_EQ(rule->element_count(), 4);
}

TEST(AlarmRuleTest, EvaluatesFromSpanWithoutReparsing) {
  absl::StatusOr<AlarmRule> rule = AlarmRule::Parse("ALARM(a) AND OK(b)");
  ASSERT_THAT(rule, IsOk());
  std::vector<AlarmState> states = {kA, kO};
  EXPECT_TRUE(rule->Evaluate(states));
  states[1] = kI;
  EXPECT_FALSE(rule->Evaluate(states));
}

TEST(AlarmRuleTest, CompilesPrecedenceIntoPostOrder) {
  // A OR B AND NOT C  ==  A OR (B AND (NOT C)).
  absl::StatusOr<AlarmRule> rule =
      AlarmRule::Parse("ALARM(a) OR ALARM(b) AND NOT ALARM(c)");
  ASSERT_THAT(rule, IsOk());
  std::vector<AlarmRuleNode::Kind> kinds;
  for (const AlarmRuleNode& n : rule->nodes()) kinds.push_back(n.kind);
  using K = AlarmRuleNode::Kind;
  EXPECT_THAT(kinds, ElementsAre(K::kState, K::kState, K::kState, K::kNot,
                                 K::kAnd, K::kOr));
}

// Error cases: the rule, the expected message fragment.
struct ErrorCase {
  const char* what;
  std::string rule;
  std::string message;
};

class AlarmRuleErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(AlarmRuleErrorTest, RefusesWithPositionAndExpectation) {
  const ErrorCase& c = GetParam();
  EXPECT_THAT(
      AlarmRule::Parse(c.rule),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
      << c.what;
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, AlarmRuleErrorTest,
    ::testing::Values(
        ErrorCase{"5.1: rule is 1..10240 characters", "", "must not be empty"},
        ErrorCase{"blank rule", "   ",
                  "position 4: expected \"(\", TRUE, FALSE, NOT"},
        ErrorCase{"missing ( after state", "ALARM x",
                  "position 7: expected \"(\" after ALARM, got \"x\""},
        ErrorCase{"missing )", "ALARM(x",
                  "position 8: expected \")\" closing ALARM(, got the end"},
        ErrorCase{"empty ref", "OK()",
                  "position 4: expected an alarm name or ARN, got \")\""},
        ErrorCase{
            "empty quoted ref", "OK(\"\")",
            "position 4: expected an alarm name or ARN between the quotes"},
        ErrorCase{"unterminated quote", "OK(\"abc)",
                  "position 4: unterminated quoted alarm name"},
        ErrorCase{"( inside unquoted name", "ALARM(a(b))",
                  "position 8: unexpected '(' in an unquoted alarm name"},
        ErrorCase{"trailing operator", "ALARM(a) AND",
                  "position 13: expected \"(\", TRUE, FALSE"},
        ErrorCase{"two operands without operator", "ALARM(a) ALARM(b)",
                  "position 10: expected AND, OR or the end of the rule, got "
                  "\"ALARM\""},
        ErrorCase{"unbalanced (", "(ALARM(a) OR TRUE",
                  "position 18: expected AND, OR or \")\", got the end"},
        ErrorCase{
            "unbalanced )", "TRUE)",
            "position 5: expected AND, OR or the end of the rule, got \")\""},
        // 5.2 [OPEN] case sensitivity: upper-case keywords only.
        ErrorCase{"lower-case function", "alarm(x)",
                  "position 1: expected \"(\", TRUE, FALSE, NOT, ALARM(...), "
                  "OK(...), INSUFFICIENT_DATA(...) or AT_LEAST(...), got "
                  "\"alarm\" (keywords are upper-case: ALARM)"},
        ErrorCase{"lower-case operator", "TRUE and FALSE",
                  "(keywords are upper-case: AND)"},
        ErrorCase{"unknown function", "WARN(x)", "position 1: expected"},
        ErrorCase{"AT_LEAST without count", "AT_LEAST(ALARM, (a))",
                  "position 10: expected a count after AT_LEAST("},
        ErrorCase{"AT_LEAST count above refs", "AT_LEAST(3, ALARM, (a, b))",
                  "position 10: AT_LEAST count 3 must be 1 to 2"},
        ErrorCase{"AT_LEAST count zero", "AT_LEAST(0, ALARM, (a))",
                  "AT_LEAST count 0 must be 1 to 1"},
        ErrorCase{"AT_LEAST percentage above 100", "AT_LEAST(101%, OK, (a))",
                  "AT_LEAST percentage 101% must be 1% to 100%"},
        ErrorCase{"AT_LEAST percentage zero", "AT_LEAST(0%, OK, (a))",
                  "AT_LEAST percentage 0% must be 1% to 100%"},
        ErrorCase{
            "AT_LEAST bad state", "AT_LEAST(1, WARN, (a))",
            "expected [NOT] ALARM, OK or INSUFFICIENT_DATA, got \"WARN\""},
        ErrorCase{"AT_LEAST list not parenthesised", "AT_LEAST(1, ALARM, a)",
                  "expected \"(\" opening the AT_LEAST list of alarms"},
        ErrorCase{"AT_LEAST duplicate ref", "AT_LEAST(1, ALARM, (a, \"a\"))",
                  "alarm \"a\" is listed twice in one AT_LEAST"},
        ErrorCase{"AT_LEAST unclosed", "AT_LEAST(1, ALARM, (a, b)",
                  "expected \")\" closing AT_LEAST("}));

// --- Limits of spec 5.1 ------------------------------------------------------

TEST(AlarmRuleLimitsTest, RefusesRuleLongerThan10240Characters) {
  std::string rule = absl::StrCat("ALARM(\"", std::string(10240, 'x'), "\")");
  EXPECT_THAT(AlarmRule::Parse(rule),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("10249 characters; at most 10240")));
}

TEST(AlarmRuleLimitsTest, Accepts100ChildrenAndRefuses101) {
  std::string rule = "ALARM(c0)";
  for (int i = 1; i < 100; ++i) absl::StrAppend(&rule, " OR ALARM(c", i, ")");
  absl::StatusOr<AlarmRule> ok = AlarmRule::Parse(rule);
  ASSERT_THAT(ok, IsOk());
  EXPECT_EQ(ok->children().size(), 100u);
  absl::StrAppend(&rule, " OR ALARM(c100)");
  EXPECT_THAT(AlarmRule::Parse(rule),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("references more than 100 alarms")));
}

TEST(AlarmRuleLimitsTest, Accepts500ElementsAndRefuses501) {
  // 50 children referenced 10 times each: 500 elements, 50 children.
  std::string rule = "ALARM(c0)";
  for (int i = 1; i < 500; ++i)
    absl::StrAppend(&rule, " OR ALARM(c", i % 50, ")");
  absl::StatusOr<AlarmRule> ok = AlarmRule::Parse(rule);
  ASSERT_THAT(ok, IsOk());
  EXPECT_EQ(ok->element_count(), 500);
  EXPECT_THAT(AlarmRule::Parse(absl::StrCat(rule, " OR TRUE")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("more than 500 elements")));
  // Parentheses count too.
  EXPECT_THAT(AlarmRule::Parse(absl::StrCat("(", rule, ")")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("more than 500 elements")));
}

TEST(AlarmRuleLimitsTest, DeepNestingIsBoundedByTheElementLimit) {
  std::string rule = std::string(600, '(') + "TRUE" + std::string(600, ')');
  EXPECT_THAT(AlarmRule::Parse(rule),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("position 501: the rule has more than 500")));
}

TEST(AlarmRuleLimitsTest, LongNotChainsDoNotRecurse) {
  std::string rule;
  for (int i = 0; i < 2500; ++i) rule += "NOT ";
  rule += "TRUE";
  absl::StatusOr<AlarmRule> parsed = AlarmRule::Parse(rule);
  ASSERT_THAT(parsed, IsOk());
  EXPECT_TRUE(parsed->Evaluate(absl::Span<const AlarmState>()));
}

}  // namespace
}  // namespace cwalarm
