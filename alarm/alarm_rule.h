// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// A composite alarm's `AlarmRule` (spec 5.2): a hand-written
// recursive-descent parser and a flat, pre-compiled form that evaluates
// against the children's states without re-parsing.
//
//   absl::StatusOr<AlarmRule> rule = AlarmRule::Parse(
//       "ALARM(cpu-high) AND NOT ALARM(\"maintenance\")");
//   rule->children();  // {"cpu-high", "maintenance"}
//   bool alarm = rule->Evaluate({AlarmState::kAlarm, AlarmState::kOk});
//
// Grammar (keywords upper-case only; blanks are spaces, tabs and newlines):
//
//   rule    := or
//   or      := and { "OR" and }
//   and     := unary { "AND" unary }
//   unary   := "NOT" unary | primary
//   primary := "(" or ")" | "TRUE" | "FALSE" | state "(" ref ")" | atleast
//   state   := "ALARM" | "OK" | "INSUFFICIENT_DATA"
//   ref     := '"' chars-except-quote '"' | unquoted
//   atleast := "AT_LEAST" "(" count "," ["NOT"] state ","
//                            "(" ref { "," ref } ")" ")"
//   count   := INT | INT "%"
//
// * Precedence NOT > AND > OR ([OPEN] in the spec; every AWS example
//   parenthesises mixed AND/OR): `A OR B AND NOT C` is `A OR (B AND (NOT C))`.
// * An unquoted ref is every character up to the closing `)` (or, inside
//   AT_LEAST, up to the next `,` or `)`), with surrounding blanks removed; it
//   may not contain `(` or `"`. A quoted ref is taken verbatim (no escapes),
//   so names with `)` or `,` must be quoted. Refs may be quoted inside
//   AT_LEAST too ([OPEN] in the spec).
// * Keywords are case-sensitive ([OPEN]): `alarm(x)` is an error whose
//   message says that keywords are upper-case.
// * AT_LEAST(k, S, (refs)) is true iff at least k of the listed children are
//   in state S (with NOT: in any other state). k must be 1..#refs. With a
//   percentage p% (1..100) it is true iff matching * 100 >= p * #refs, i.e.
//   the count needed is ceil(p * #refs / 100): `AT_LEAST(60%, ALARM, (a, b,
//   c))` needs 2 of 3 (1.8 rounded up) ([OPEN] in the spec; "at least p
//   percent" read literally). A ref may appear only once in one list.
//
// Limits (spec 5.1): the rule is 1..10240 characters; at most 100 distinct
// children; at most 500 elements, where an element is a child reference
// (each occurrence, including each AT_LEAST ref), TRUE, FALSE or a
// parenthesised group.
//
// Errors are kInvalidArgument with a 1-based character position and what
// was expected: `position 14: expected "(" after ALARM, got "x"`.
//
// Thread-safety: an immutable value once parsed; Evaluate is const and safe
// to call concurrently.

#ifndef CWALARM_ALARM_ALARM_RULE_H_
#define CWALARM_ALARM_ALARM_RULE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "alarm/alarm_state.h"

namespace cwalarm {

// Limits of spec 5.1.
inline constexpr int kMaxAlarmRuleLength = 10240;
inline constexpr int kMaxAlarmRuleChildren = 100;
inline constexpr int kMaxAlarmRuleElements = 500;

// One node of the compiled rule. Nodes are stored in post-order (operands
// before their operator), so evaluation is one pass with a small stack.
struct AlarmRuleNode {
  enum class Kind : uint8_t {
    kTrue,
    kFalse,
    kState,    // state(child): `child` in `state`.
    kNot,      // Negates the previous value.
    kAnd,      // Combines the previous `arity` values.
    kOr,       // Combines the previous `arity` values.
    kAtLeast,  // `count` of children refs_[first_ref .. first_ref + arity).
  };
  Kind kind = Kind::kTrue;
  AlarmState state = AlarmState::kAlarm;  // kState, kAtLeast.
  bool negate_state = false;              // kAtLeast with NOT.
  bool percent = false;                   // kAtLeast: count is a percentage.
  int32_t child = 0;                      // kState: index into children().
  int32_t arity = 0;                      // kAnd/kOr: operands; kAtLeast: refs.
  int32_t first_ref = 0;                  // kAtLeast: index into the ref list.
  int32_t count = 0;                      // kAtLeast: k, or p when `percent`.
};

class AlarmRule {
 public:
  // Parses `text`. Returns the compiled rule, or kInvalidArgument whose
  // message gives the 1-based position and what was expected (see the file
  // comment), or which limit of spec 5.1 was exceeded and by how much.
  static absl::StatusOr<AlarmRule> Parse(absl::string_view text);

  // Copyable and movable.
  AlarmRule(const AlarmRule&) = default;
  AlarmRule& operator=(const AlarmRule&) = default;
  AlarmRule(AlarmRule&&) = default;
  AlarmRule& operator=(AlarmRule&&) = default;

  // The rule as written.
  const std::string& text() const { return text_; }

  // The distinct children, as written without quotes (a name or an ARN), in
  // order of first appearance. The same alarm written once by name and once
  // by ARN appears twice; resolving that is the caller's business.
  const std::vector<std::string>& children() const { return children_; }

  // The compiled nodes in post-order (for tests and tools).
  const std::vector<AlarmRuleNode>& nodes() const { return nodes_; }

  // How many elements the rule has (see the limits above).
  int element_count() const { return element_count_; }

  // True iff the rule holds when children()[i] is in `child_states[i]`.
  // Precondition: child_states.size() == children().size().
  bool Evaluate(absl::Span<const AlarmState> child_states) const;

  // The same with a lookup by child (as in children()).
  bool Evaluate(
      absl::FunctionRef<AlarmState(absl::string_view child)> state_of) const;

 private:
  AlarmRule() = default;
  friend class AlarmRuleParser;

  std::string text_;
  std::vector<std::string> children_;
  std::vector<AlarmRuleNode> nodes_;
  std::vector<int32_t> refs_;  // AT_LEAST lists, as indices into children_.
  int element_count_ = 0;
};

}  // namespace cwalarm

#endif  // CWALARM_ALARM_ALARM_RULE_H_
