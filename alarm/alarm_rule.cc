// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "alarm/alarm_rule.h"

#include <cassert>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace cwalarm {
namespace {

bool IsWordChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
}

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Keywords the grammar knows; used to recognise a wrongly cased keyword.
constexpr absl::string_view kKeywords[] = {
    "AND",     "OR", "NOT", "TRUE", "FALSE", "ALARM", "OK", "INSUFFICIENT_DATA",
    "AT_LEAST"};

bool ParseStateKeyword(absl::string_view word, AlarmState* state) {
  if (word == "ALARM") {
    *state = AlarmState::kAlarm;
  } else if (word == "OK") {
    *state = AlarmState::kOk;
  } else if (word == "INSUFFICIENT_DATA") {
    *state = AlarmState::kInsufficientData;
  } else {
    return false;
  }
  return true;
}

}  // namespace

class AlarmRuleParser {
 public:
  explicit AlarmRuleParser(absl::string_view text) : text_(text) {
    rule_.text_ = std::string(text);
  }

  absl::StatusOr<AlarmRule> Run() {
    if (text_.empty()) {
      return absl::InvalidArgumentError(
          "AlarmRule must not be empty (1-10240 characters)");
    }
    if (text_.size() > static_cast<size_t>(kMaxAlarmRuleLength)) {
      return absl::InvalidArgumentError(
          absl::StrCat("AlarmRule has ", text_.size(), " characters; at most ",
                       kMaxAlarmRuleLength, " are allowed (spec 5.1)"));
    }
    absl::Status s = ParseOr();
    if (!s.ok()) return s;
    SkipBlanks();
    if (pos_ != text_.size()) return Expected("AND, OR or the end of the rule");
    return std::move(rule_);
  }

 private:
  // --- Scanning ------------------------------------------------------------

  void SkipBlanks() {
    while (pos_ < text_.size() && IsBlank(text_[pos_])) ++pos_;
  }

  // The word (letters, digits, `_`) at pos_, after blanks; empty if none.
  absl::string_view PeekWord() {
    SkipBlanks();
    size_t end = pos_;
    while (end < text_.size() && IsWordChar(text_[end])) ++end;
    return text_.substr(pos_, end - pos_);
  }

  bool ConsumeWord(absl::string_view word) {
    if (PeekWord() != word) return false;
    pos_ += word.size();
    return true;
  }

  bool ConsumeChar(char c) {
    SkipBlanks();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  // What is at `at`, for messages: `end of rule`, `"WORD"` or `"c"`.
  std::string Describe(size_t at) const {
    if (at >= text_.size()) return "the end of the rule";
    size_t end = at;
    while (end < text_.size() && IsWordChar(text_[end])) ++end;
    if (end == at) end = at + 1;
    return absl::StrCat("\"", text_.substr(at, end - at), "\"");
  }

  absl::Status ErrorAt(size_t at, absl::string_view message) const {
    return absl::InvalidArgumentError(
        absl::StrCat("AlarmRule position ", at + 1, ": ", message));
  }

  // `position N: expected WHAT, got "x"`; a keyword in the wrong case gets a
  // hint, since case sensitivity is our choice ([OPEN] in spec 5.2).
  absl::Status Expected(absl::string_view what) {
    SkipBlanks();
    std::string message =
        absl::StrCat("expected ", what, ", got ", Describe(pos_));
    absl::string_view word = PeekWord();
    std::string upper = absl::AsciiStrToUpper(word);
    for (absl::string_view k : kKeywords) {
      if (upper == k && word != k) {
        absl::StrAppend(&message, " (keywords are upper-case: ", k, ")");
        break;
      }
    }
    return ErrorAt(pos_, message);
  }

  absl::Status AddElement(size_t at) {
    if (++rule_.element_count_ > kMaxAlarmRuleElements) {
      return ErrorAt(
          at, absl::StrCat("the rule has more than ", kMaxAlarmRuleElements,
                           " elements (child references, TRUE, FALSE and "
                           "parentheses; spec 5.1)"));
    }
    return absl::OkStatus();
  }

  // --- Grammar -------------------------------------------------------------

  absl::Status ParseOr() {
    absl::Status s = ParseAnd();
    if (!s.ok()) return s;
    int32_t arity = 1;
    while (ConsumeWord("OR")) {
      s = ParseAnd();
      if (!s.ok()) return s;
      ++arity;
    }
    if (arity > 1) Emit(AlarmRuleNode::Kind::kOr, arity);
    return absl::OkStatus();
  }

  absl::Status ParseAnd() {
    absl::Status s = ParseUnary();
    if (!s.ok()) return s;
    int32_t arity = 1;
    while (ConsumeWord("AND")) {
      s = ParseUnary();
      if (!s.ok()) return s;
      ++arity;
    }
    if (arity > 1) Emit(AlarmRuleNode::Kind::kAnd, arity);
    return absl::OkStatus();
  }

  // A loop rather than recursion: a 10240-character rule can hold ~2500
  // NOTs in a row.
  absl::Status ParseUnary() {
    int nots = 0;
    while (ConsumeWord("NOT")) ++nots;
    absl::Status s = ParsePrimary();
    if (!s.ok()) return s;
    for (int i = 0; i < nots; ++i) Emit(AlarmRuleNode::Kind::kNot, 1);
    return absl::OkStatus();
  }

  absl::Status ParsePrimary() {
    SkipBlanks();
    const size_t start = pos_;
    if (ConsumeChar('(')) {
      // Parentheses nest at most kMaxAlarmRuleElements deep: each counts.
      absl::Status s = AddElement(start);
      if (!s.ok()) return s;
      s = ParseOr();
      if (!s.ok()) return s;
      if (!ConsumeChar(')')) return Expected("AND, OR or \")\"");
      return absl::OkStatus();
    }
    absl::string_view word = PeekWord();
    AlarmState state;
    if (word == "TRUE" || word == "FALSE") {
      absl::Status s = AddElement(start);
      if (!s.ok()) return s;
      pos_ += word.size();
      Emit(word == "TRUE" ? AlarmRuleNode::Kind::kTrue
                          : AlarmRuleNode::Kind::kFalse,
           0);
      return absl::OkStatus();
    }
    if (ParseStateKeyword(word, &state)) {
      pos_ += word.size();
      return ParseStateFunction(word, state);
    }
    if (word == "AT_LEAST") {
      pos_ += word.size();
      return ParseAtLeast();
    }
    return Expected(
        "\"(\", TRUE, FALSE, NOT, ALARM(...), OK(...), "
        "INSUFFICIENT_DATA(...) or AT_LEAST(...)");
  }

  absl::Status ParseStateFunction(absl::string_view keyword, AlarmState state) {
    if (!ConsumeChar('(')) {
      return Expected(absl::StrCat("\"(\" after ", keyword));
    }
    SkipBlanks();
    const size_t ref_at = pos_;
    absl::StatusOr<int32_t> child = ParseRef(/*in_list=*/false);
    if (!child.ok()) return child.status();
    if (!ConsumeChar(')')) {
      return Expected(absl::StrCat("\")\" closing ", keyword, "("));
    }
    absl::Status s = AddElement(ref_at);
    if (!s.ok()) return s;
    AlarmRuleNode node;
    node.kind = AlarmRuleNode::Kind::kState;
    node.state = state;
    node.child = *child;
    rule_.nodes_.push_back(node);
    return absl::OkStatus();
  }

  absl::Status ParseAtLeast() {
    if (!ConsumeChar('(')) return Expected("\"(\" after AT_LEAST");
    SkipBlanks();
    const size_t count_at = pos_;
    size_t end = pos_;
    while (end < text_.size() &&
           absl::ascii_isdigit(static_cast<unsigned char>(text_[end]))) {
      ++end;
    }
    if (end == pos_) {
      return Expected(
          "a count after AT_LEAST( (an integer, or a percentage such as 50%)");
    }
    AlarmRuleNode node;
    node.kind = AlarmRuleNode::Kind::kAtLeast;
    // More than 9 digits is out of range whatever follows; avoid overflow.
    node.count = end - pos_ > 9 ? 1000000000 : 0;
    for (size_t i = pos_; i < end && node.count < 1000000000; ++i) {
      node.count = node.count * 10 + (text_[i] - '0');
    }
    pos_ = end;
    if (pos_ < text_.size() && text_[pos_] == '%') {
      node.percent = true;
      ++pos_;
    }
    if (!ConsumeChar(',')) return Expected("\",\" after the AT_LEAST count");
    if (ConsumeWord("NOT")) node.negate_state = true;
    absl::string_view word = PeekWord();
    if (!ParseStateKeyword(word, &node.state)) {
      return Expected(node.negate_state
                          ? "ALARM, OK or INSUFFICIENT_DATA after NOT"
                          : "[NOT] ALARM, OK or INSUFFICIENT_DATA");
    }
    pos_ += word.size();
    if (!ConsumeChar(',')) return Expected("\",\" after the AT_LEAST state");
    if (!ConsumeChar('(')) {
      return Expected("\"(\" opening the AT_LEAST list of alarms");
    }
    node.first_ref = static_cast<int32_t>(rule_.refs_.size());
    do {
      SkipBlanks();
      const size_t ref_at = pos_;
      absl::StatusOr<int32_t> child = ParseRef(/*in_list=*/true);
      if (!child.ok()) return child.status();
      for (size_t i = node.first_ref; i < rule_.refs_.size(); ++i) {
        if (rule_.refs_[i] == *child) {
          return ErrorAt(ref_at,
                         absl::StrCat("alarm \"", rule_.children_[*child],
                                      "\" is listed twice in one AT_LEAST"));
        }
      }
      absl::Status s = AddElement(ref_at);
      if (!s.ok()) return s;
      rule_.refs_.push_back(*child);
    } while (ConsumeChar(','));
    if (!ConsumeChar(')'))
      return Expected("\",\" or \")\" in the AT_LEAST list");
    if (!ConsumeChar(')')) return Expected("\")\" closing AT_LEAST(");
    node.arity = static_cast<int32_t>(rule_.refs_.size()) - node.first_ref;
    if (node.percent && (node.count < 1 || node.count > 100)) {
      return ErrorAt(count_at, absl::StrCat("AT_LEAST percentage ", node.count,
                                            "% must be 1% to 100%"));
    }
    if (!node.percent && (node.count < 1 || node.count > node.arity)) {
      return ErrorAt(count_at, absl::StrCat("AT_LEAST count ", node.count,
                                            " must be 1 to ", node.arity,
                                            " (the number of alarms listed)"));
    }
    rule_.nodes_.push_back(node);
    return absl::OkStatus();
  }

  // A quoted or unquoted name/ARN; returns its index in children_.
  absl::StatusOr<int32_t> ParseRef(bool in_list) {
    SkipBlanks();
    const size_t start = pos_;
    std::string ref;
    if (pos_ < text_.size() && text_[pos_] == '"') {
      size_t close = text_.find('"', pos_ + 1);
      if (close == absl::string_view::npos) {
        return ErrorAt(start,
                       "unterminated quoted alarm name: expected a "
                       "closing '\"'");
      }
      if (close == pos_ + 1) {
        return ErrorAt(start,
                       "expected an alarm name or ARN between the "
                       "quotes, got \"\"");
      }
      ref = std::string(text_.substr(pos_ + 1, close - pos_ - 1));
      pos_ = close + 1;
    } else {
      size_t end = pos_;
      while (end < text_.size() && text_[end] != ')' &&
             !(in_list && text_[end] == ',') && text_[end] != '(' &&
             text_[end] != '"') {
        ++end;
      }
      if (end < text_.size() && (text_[end] == '(' || text_[end] == '"')) {
        return ErrorAt(end, absl::StrCat("unexpected '", text_.substr(end, 1),
                                         "' in an unquoted alarm name (quote "
                                         "names that contain it)"));
      }
      ref = std::string(
          absl::StripTrailingAsciiWhitespace(text_.substr(pos_, end - pos_)));
      if (ref.empty()) return Expected("an alarm name or ARN");
      pos_ = end;
    }
    auto [it, inserted] =
        index_.try_emplace(ref, static_cast<int32_t>(rule_.children_.size()));
    if (inserted) {
      if (rule_.children_.size() >=
          static_cast<size_t>(kMaxAlarmRuleChildren)) {
        return ErrorAt(
            start, absl::StrCat("the rule references more than ",
                                kMaxAlarmRuleChildren, " alarms (spec 5.1)"));
      }
      rule_.children_.push_back(std::move(ref));
    }
    return it->second;
  }

  void Emit(AlarmRuleNode::Kind kind, int32_t arity) {
    AlarmRuleNode node;
    node.kind = kind;
    node.arity = arity;
    rule_.nodes_.push_back(node);
  }

  absl::string_view text_;
  size_t pos_ = 0;
  AlarmRule rule_;
  absl::flat_hash_map<std::string, int32_t> index_;
};

absl::StatusOr<AlarmRule> AlarmRule::Parse(absl::string_view text) {
  return AlarmRuleParser(text).Run();
}

bool AlarmRule::Evaluate(absl::Span<const AlarmState> child_states) const {
  assert(child_states.size() == children_.size());
  absl::InlinedVector<bool, 32> stack;
  for (const AlarmRuleNode& node : nodes_) {
    switch (node.kind) {
      case AlarmRuleNode::Kind::kTrue:
        stack.push_back(true);
        break;
      case AlarmRuleNode::Kind::kFalse:
        stack.push_back(false);
        break;
      case AlarmRuleNode::Kind::kState:
        stack.push_back(child_states[node.child] == node.state);
        break;
      case AlarmRuleNode::Kind::kNot:
        stack.back() = !stack.back();
        break;
      case AlarmRuleNode::Kind::kAnd:
      case AlarmRuleNode::Kind::kOr: {
        const bool is_and = node.kind == AlarmRuleNode::Kind::kAnd;
        bool result = is_and;
        for (int32_t i = 0; i < node.arity; ++i) {
          result = is_and ? (result && stack.back()) : (result || stack.back());
          stack.pop_back();
        }
        stack.push_back(result);
        break;
      }
      case AlarmRuleNode::Kind::kAtLeast: {
        int64_t matching = 0;
        for (int32_t i = 0; i < node.arity; ++i) {
          bool in_state = child_states[refs_[node.first_ref + i]] == node.state;
          if (in_state != node.negate_state) ++matching;
        }
        // Percentages compare exactly in integers: ceil(p * n / 100).
        stack.push_back(node.percent
                            ? matching * 100 >= int64_t{node.count} * node.arity
                            : matching >= node.count);
        break;
      }
    }
  }
  assert(stack.size() == 1);
  return stack.back();
}

bool AlarmRule::Evaluate(
    absl::FunctionRef<AlarmState(absl::string_view child)> state_of) const {
  absl::InlinedVector<AlarmState, 16> states;
  states.reserve(children_.size());
  for (const std::string& child : children_) states.push_back(state_of(child));
  return Evaluate(absl::MakeConstSpan(states));
}

}  // namespace cwalarm
