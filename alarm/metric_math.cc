// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "alarm/metric_math.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace cwalarm {
namespace math_internal {

enum class NodeKind : uint8_t {
  kNumber,
  kString,
  kRef,
  kKeyword,  // REPEAT or LINEAR (FILL's second argument).
  kNeg,
  kBinary,
  kCall,
  kArray,
};

enum class Op : uint8_t {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kPow,
  kEq,
  kNe,
  kLe,
  kGe,
  kLt,
  kGt,
  kAnd,
  kOr,
};

enum class Fn : uint8_t {
  kIf,
  kAbs,
  kCeil,
  kFloor,
  kLog,
  kLog10,
  kSqrt,
  kExp,
  kFill,
  kFirst,
  kLast,
  kMax,
  kMin,
  kAvg,
  kSum,
  kStddev,
  kMetrics,
  kPeriod,
  kRate,
  kDiff,
  kDiffTime,
  kRunningSum,
  kRemoveEmpty,
  kDatapointCount,
  kAnomalyBand,
  kTimeSeries,
};

struct Node {
  NodeKind kind = NodeKind::kNumber;
  Op op = Op::kAdd;
  Fn fn = Fn::kAbs;
  double number = 0;
  std::string text;  // Id, string, keyword or function name.
  int ref = -1;      // kRef: index of the referenced query.
  std::vector<int> args;
  int column = 1;  // 1-based.
};

struct CompiledEntry {
  std::string text;
  std::vector<Node> nodes;
  int root = -1;
  bool is_band = false;  // Top level is ANOMALY_DETECTION_BAND(id[, k]).
  std::string band_metric;
  double band_k = 2;
};

}  // namespace math_internal

namespace {

using math_internal::CompiledEntry;
using math_internal::Fn;
using math_internal::Node;
using math_internal::NodeKind;
using math_internal::Op;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct FunctionInfo {
  const char* name;
  Fn fn;
  int min_args;
  int max_args;
};

// The functions cwalarm implements (issue 6), in alphabetical order for the
// "unknown function" message.
constexpr FunctionInfo kFunctions[] = {
    {"ABS", Fn::kAbs, 1, 1},
    {"ANOMALY_DETECTION_BAND", Fn::kAnomalyBand, 1, 2},
    {"AVG", Fn::kAvg, 1, 1},
    {"CEIL", Fn::kCeil, 1, 1},
    {"DATAPOINT_COUNT", Fn::kDatapointCount, 1, 1},
    {"DIFF", Fn::kDiff, 1, 1},
    {"DIFF_TIME", Fn::kDiffTime, 1, 1},
    {"EXP", Fn::kExp, 1, 1},
    {"FILL", Fn::kFill, 2, 2},
    {"FIRST", Fn::kFirst, 1, 1},
    {"FLOOR", Fn::kFloor, 1, 1},
    {"IF", Fn::kIf, 2, 3},
    {"LAST", Fn::kLast, 1, 1},
    {"LOG", Fn::kLog, 1, 1},
    {"LOG10", Fn::kLog10, 1, 1},
    {"MAX", Fn::kMax, 1, 1},
    {"METRICS", Fn::kMetrics, 0, 1},
    {"MIN", Fn::kMin, 1, 1},
    {"PERIOD", Fn::kPeriod, 1, 1},
    {"RATE", Fn::kRate, 1, 1},
    {"REMOVE_EMPTY", Fn::kRemoveEmpty, 1, 1},
    {"RUNNING_SUM", Fn::kRunningSum, 1, 1},
    {"SQRT", Fn::kSqrt, 1, 1},
    {"STDDEV", Fn::kStddev, 1, 1},
    {"SUM", Fn::kSum, 1, 1},
    {"TIME_SERIES", Fn::kTimeSeries, 1, 1},
};

const FunctionInfo* FindFunction(absl::string_view name) {
  for (const FunctionInfo& f : kFunctions) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

std::string FunctionList() {
  std::vector<std::string> names;
  for (const FunctionInfo& f : kFunctions) names.push_back(f.name);
  return absl::StrJoin(names, ", ");
}

bool IsIdStart(char c) { return c >= 'a' && c <= 'z'; }
bool IsWordChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }

// Spec 1.7: letters, digits, underscore; first character a lower-case
// letter; 1-255 characters.
bool IsValidId(absl::string_view id) {
  if (id.empty() || id.size() > static_cast<size_t>(kMaxMathIdLength)) {
    return false;
  }
  if (!IsIdStart(id[0])) return false;
  for (char c : id) {
    if (!IsWordChar(c)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Lexer

struct Token {
  enum class Kind : uint8_t { kEnd, kNumber, kString, kWord, kPunct };
  Kind kind = Kind::kEnd;
  std::string text;  // Word, punctuation, or the string's contents.
  double number = 0;
  int column = 1;
};

std::string Describe(const Token& t) {
  switch (t.kind) {
    case Token::Kind::kEnd:
      return "the end of the expression";
    case Token::Kind::kNumber:
      return absl::StrCat("number ", t.text);
    case Token::Kind::kString:
      return "a string";
    case Token::Kind::kWord:
    case Token::Kind::kPunct:
      return absl::StrCat("'", t.text, "'");
  }
  return "?";
}

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Splits `text` into tokens; on failure fills *column and *error.
bool Lex(absl::string_view text, std::vector<Token>* tokens, int* column,
         std::string* error) {
  size_t i = 0;
  while (true) {
    while (i < text.size() && IsBlank(text[i])) ++i;
    Token t;
    t.column = static_cast<int>(i) + 1;
    if (i == text.size()) {
      tokens->push_back(std::move(t));
      return true;
    }
    char c = text[i];
    if (absl::ascii_isdigit(c) ||
        (c == '.' && i + 1 < text.size() && absl::ascii_isdigit(text[i + 1]))) {
      size_t start = i;
      while (i < text.size() && absl::ascii_isdigit(text[i])) ++i;
      if (i < text.size() && text[i] == '.') {
        ++i;
        while (i < text.size() && absl::ascii_isdigit(text[i])) ++i;
      }
      if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        size_t j = i + 1;
        if (j < text.size() && (text[j] == '+' || text[j] == '-')) ++j;
        if (j < text.size() && absl::ascii_isdigit(text[j])) {
          i = j;
          while (i < text.size() && absl::ascii_isdigit(text[i])) ++i;
        }
      }
      if (i < text.size() && (IsWordChar(text[i]) || text[i] == '.')) {
        *column = static_cast<int>(i) + 1;
        *error =
            absl::StrCat("unexpected character '", text.substr(i, 1),
                         "' after the number ", text.substr(start, i - start));
        return false;
      }
      t.kind = Token::Kind::kNumber;
      t.text = std::string(text.substr(start, i - start));
      t.number = std::strtod(t.text.c_str(), nullptr);
      if (!std::isfinite(t.number)) {
        *column = t.column;
        *error = absl::StrCat("number ", t.text, " is out of range");
        return false;
      }
      tokens->push_back(std::move(t));
      continue;
    }
    if (IsWordChar(c)) {
      size_t start = i;
      while (i < text.size() && IsWordChar(text[i])) ++i;
      t.kind = Token::Kind::kWord;
      t.text = std::string(text.substr(start, i - start));
      tokens->push_back(std::move(t));
      continue;
    }
    if (c == '"' || c == '\'') {
      size_t j = i + 1;
      std::string contents;
      bool closed = false;
      while (j < text.size()) {
        if (text[j] == '\\' && j + 1 < text.size()) {
          contents.push_back(text[j + 1]);
          j += 2;
          continue;
        }
        if (text[j] == c) {
          closed = true;
          break;
        }
        contents.push_back(text[j]);
        ++j;
      }
      if (!closed) {
        *column = t.column;
        *error = "unterminated string";
        return false;
      }
      t.kind = Token::Kind::kString;
      t.text = std::move(contents);
      tokens->push_back(std::move(t));
      i = j + 1;
      continue;
    }
    static constexpr const char* kTwo[] = {"==", "!=", "<=", ">=", "&&", "||"};
    bool matched = false;
    for (const char* p : kTwo) {
      if (text.substr(i, 2) == p) {
        t.kind = Token::Kind::kPunct;
        t.text = p;
        i += 2;
        matched = true;
        break;
      }
    }
    if (!matched &&
        absl::string_view("+-*/^<>()[],").find(c) != absl::string_view::npos) {
      t.kind = Token::Kind::kPunct;
      t.text = std::string(1, c);
      ++i;
      matched = true;
    }
    if (!matched) {
      *column = t.column;
      if (c == '=' || c == '!' || c == '&' || c == '|') {
        *error = absl::StrCat("unexpected character '", std::string(1, c),
                              "' (the operators are == != && ||)");
      } else if (static_cast<unsigned char>(c) < 0x20 ||
                 static_cast<unsigned char>(c) >= 0x7f) {
        *error = absl::StrCat(
            "unexpected byte 0x",
            absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
      } else {
        *error = absl::StrCat("unexpected character '", std::string(1, c), "'");
      }
      return false;
    }
    tokens->push_back(std::move(t));
  }
}

// ---------------------------------------------------------------------------
// Parser (grammar in metric_math.h)

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  // Returns the root node or -1 (then error() and column() say why).
  int Parse() {
    int root = ParseOr();
    if (root < 0) return -1;
    if (Peek().kind != Token::Kind::kEnd) {
      const Token& t = Peek();
      std::string hint;
      if (t.kind == Token::Kind::kWord && (t.text == "and" || t.text == "or" ||
                                           t.text == "And" || t.text == "Or")) {
        hint = " (AND and OR are upper-case)";
      }
      return Fail(t, absl::StrCat("expected an operator or the end of the "
                                  "expression, got ",
                                  Describe(t), hint));
    }
    return root;
  }

  std::vector<Node>& nodes() { return nodes_; }
  const std::string& error() const { return error_; }
  int column() const { return column_; }

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  bool IsPunct(absl::string_view p) const {
    return Peek().kind == Token::Kind::kPunct && Peek().text == p;
  }
  bool IsWord(absl::string_view w) const {
    return Peek().kind == Token::Kind::kWord && Peek().text == w;
  }
  const Token& Next() {
    const Token& t = tokens_[pos_];
    if (t.kind != Token::Kind::kEnd) ++pos_;
    return t;
  }

  int Fail(const Token& at, std::string message) {
    if (error_.empty()) {
      error_ = std::move(message);
      column_ = at.column;
    }
    return -1;
  }

  int Add(Node n) {
    nodes_.push_back(std::move(n));
    return static_cast<int>(nodes_.size()) - 1;
  }

  int Binary(Op op, int lhs, int rhs, int column) {
    Node n;
    n.kind = NodeKind::kBinary;
    n.op = op;
    n.args = {lhs, rhs};
    n.column = column;
    return Add(std::move(n));
  }

  // RAII depth guard for the recursive productions.
  struct Depth {
    explicit Depth(Parser* p) : parser_(p) { ++parser_->depth_; }
    ~Depth() { --parser_->depth_; }
    Parser* parser_;
  };
  bool TooDeep() {
    // The outermost operand is level 1, so 100 parentheses are allowed.
    if (depth_ <= kMaxMathNesting + 1) return false;
    Fail(Peek(), absl::StrCat("the expression nests more than ",
                              kMaxMathNesting, " levels deep"));
    return true;
  }

  int ParseOr() {
    int lhs = ParseAnd();
    while (lhs >= 0 && (IsWord("OR") || IsPunct("||"))) {
      const Token& op = Next();
      int rhs = ParseAnd();
      if (rhs < 0) return -1;
      lhs = Binary(Op::kOr, lhs, rhs, op.column);
    }
    return lhs;
  }

  int ParseAnd() {
    int lhs = ParseCmp();
    while (lhs >= 0 && (IsWord("AND") || IsPunct("&&"))) {
      const Token& op = Next();
      int rhs = ParseCmp();
      if (rhs < 0) return -1;
      lhs = Binary(Op::kAnd, lhs, rhs, op.column);
    }
    return lhs;
  }

  int ParseCmp() {
    int lhs = ParseAdd();
    while (lhs >= 0) {
      Op op;
      if (IsPunct("==")) {
        op = Op::kEq;
      } else if (IsPunct("!=")) {
        op = Op::kNe;
      } else if (IsPunct("<=")) {
        op = Op::kLe;
      } else if (IsPunct(">=")) {
        op = Op::kGe;
      } else if (IsPunct("<")) {
        op = Op::kLt;
      } else if (IsPunct(">")) {
        op = Op::kGt;
      } else {
        break;
      }
      const Token& t = Next();
      int rhs = ParseAdd();
      if (rhs < 0) return -1;
      lhs = Binary(op, lhs, rhs, t.column);
    }
    return lhs;
  }

  int ParseAdd() {
    int lhs = ParseMul();
    while (lhs >= 0 && (IsPunct("+") || IsPunct("-"))) {
      const Token& t = Next();
      int rhs = ParseMul();
      if (rhs < 0) return -1;
      lhs = Binary(t.text == "+" ? Op::kAdd : Op::kSub, lhs, rhs, t.column);
    }
    return lhs;
  }

  int ParseMul() {
    int lhs = ParseUnary();
    while (lhs >= 0 && (IsPunct("*") || IsPunct("/"))) {
      const Token& t = Next();
      int rhs = ParseUnary();
      if (rhs < 0) return -1;
      lhs = Binary(t.text == "*" ? Op::kMul : Op::kDiv, lhs, rhs, t.column);
    }
    return lhs;
  }

  int ParseUnary() {
    Depth depth(this);
    if (TooDeep()) return -1;
    if (IsPunct("-")) {
      const Token& t = Next();
      int operand = ParseUnary();
      if (operand < 0) return -1;
      Node n;
      n.kind = NodeKind::kNeg;
      n.args = {operand};
      n.column = t.column;
      return Add(std::move(n));
    }
    int base = ParsePrimary();
    if (base < 0) return -1;
    if (IsPunct("^")) {
      const Token& t = Next();
      // Right-associative, and the exponent may carry a unary minus
      // (`2 ^ -1`), so it is a unary, not a primary.
      int exponent = ParseUnary();
      if (exponent < 0) return -1;
      return Binary(Op::kPow, base, exponent, t.column);
    }
    return base;
  }

  int FailOperand() {
    const Token& t = Peek();
    std::string message = "expected an operand";
    if (pos_ > 0 && tokens_[pos_ - 1].kind == Token::Kind::kPunct &&
        tokens_[pos_ - 1].text != ")" && tokens_[pos_ - 1].text != "]") {
      absl::StrAppend(&message, " after '", tokens_[pos_ - 1].text, "'");
    }
    if (t.kind != Token::Kind::kEnd) {
      absl::StrAppend(&message, ", got ", Describe(t));
    }
    return Fail(t, std::move(message));
  }

  // Parses `expr {, expr} close` after the opening token; appends to *args.
  bool ParseList(absl::string_view close, absl::string_view what,
                 std::vector<int>* args) {
    if (IsPunct(close)) {
      Next();
      return true;
    }
    while (true) {
      int arg = ParseOr();
      if (arg < 0) return false;
      args->push_back(arg);
      if (IsPunct(",")) {
        Next();
        continue;
      }
      if (IsPunct(close)) {
        Next();
        return true;
      }
      Fail(Peek(), absl::StrCat("expected ',' or '", close, "' in ", what,
                                ", got ", Describe(Peek())));
      return false;
    }
  }

  int ParsePrimary() {
    const Token& t = Peek();
    switch (t.kind) {
      case Token::Kind::kNumber: {
        Next();
        Node n;
        n.kind = NodeKind::kNumber;
        n.number = t.number;
        n.column = t.column;
        return Add(std::move(n));
      }
      case Token::Kind::kString: {
        Next();
        Node n;
        n.kind = NodeKind::kString;
        n.text = t.text;
        n.column = t.column;
        return Add(std::move(n));
      }
      case Token::Kind::kPunct:
        if (t.text == "(") {
          Next();
          int inner = ParseOr();
          if (inner < 0) return -1;
          if (!IsPunct(")")) {
            return Fail(Peek(),
                        absl::StrCat("expected ')' to close the '(' "
                                     "at column ",
                                     t.column, ", got ", Describe(Peek())));
          }
          Next();
          return inner;
        }
        if (t.text == "[") {
          Next();
          Node n;
          n.kind = NodeKind::kArray;
          n.column = t.column;
          if (IsPunct("]")) {
            return Fail(Peek(), "an array needs at least one element");
          }
          if (!ParseList("]", "the array", &n.args)) return -1;
          return Add(std::move(n));
        }
        return FailOperand();
      case Token::Kind::kEnd:
        return FailOperand();
      case Token::Kind::kWord:
        break;
    }
    Next();
    const int column = t.column;
    const std::string word = t.text;
    if (IsPunct("(")) {
      Next();
      if (word == "SEARCH") {
        return Fail(t, "SEARCH is not supported in alarms (spec 1.7)");
      }
      const FunctionInfo* info = FindFunction(word);
      if (info == nullptr) {
        std::string upper = absl::AsciiStrToUpper(word);
        if (FindFunction(upper) != nullptr || upper == "SEARCH") {
          return Fail(t, absl::StrCat("function names are upper-case: write ",
                                      upper, ", not ", word));
        }
        return Fail(
            t, absl::StrCat("unknown function ", word, " (cwalarm supports ",
                            FunctionList(), ")"));
      }
      Node n;
      n.kind = NodeKind::kCall;
      n.fn = info->fn;
      n.text = word;
      n.column = column;
      if (!ParseList(")", absl::StrCat("the arguments of ", word), &n.args)) {
        return -1;
      }
      int count = static_cast<int>(n.args.size());
      if (count < info->min_args || count > info->max_args) {
        std::string expected =
            info->min_args == info->max_args
                ? absl::StrCat(info->min_args)
                : absl::StrCat(info->min_args, " or ", info->max_args);
        return Fail(
            t, absl::StrCat(word, " takes ", expected,
                            info->max_args == 1 ? " argument" : " arguments",
                            ", got ", count));
      }
      return Add(std::move(n));
    }
    if (word == "REPEAT" || word == "LINEAR") {
      Node n;
      n.kind = NodeKind::kKeyword;
      n.text = word;
      n.column = column;
      return Add(std::move(n));
    }
    if (word == "AND" || word == "OR") {
      --pos_;
      return FailOperand();
    }
    if (IsIdStart(word[0])) {
      Node n;
      n.kind = NodeKind::kRef;
      n.text = word;
      n.column = column;
      return Add(std::move(n));
    }
    return Fail(t, absl::StrCat("unknown name '", word,
                                "': Ids start with a lower-case letter and "
                                "function names are followed by '('"));
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  std::vector<Node> nodes_;
  int depth_ = 0;
  std::string error_;
  int column_ = 1;
};

std::string EntryPrefix(int index, absl::string_view text) {
  return absl::StrCat("Metrics[", index, "].Expression \"", text, "\": ");
}

// Checks what the grammar cannot: where strings and keywords may stand, the
// arguments of METRICS and ANOMALY_DETECTION_BAND; resolves Ids.
absl::Status CheckEntry(int index, CompiledEntry* entry,
                        const absl::flat_hash_map<std::string, int>& ids,
                        const std::vector<MathQuery>& queries) {
  auto fail = [&](const Node& n, absl::string_view message) {
    return absl::InvalidArgumentError(absl::StrCat(
        EntryPrefix(index, entry->text), "column ", n.column, ": ", message));
  };
  std::vector<bool> allowed(entry->nodes.size(), false);
  for (const Node& n : entry->nodes) {
    if (n.kind != NodeKind::kCall) continue;
    if (n.fn == Fn::kMetrics && !n.args.empty()) {
      const Node& arg = entry->nodes[n.args[0]];
      if (arg.kind != NodeKind::kString) {
        return fail(arg, "the argument of METRICS must be a string");
      }
      allowed[n.args[0]] = true;
    }
    if (n.fn == Fn::kFill) allowed[n.args[1]] = true;
    if (n.fn == Fn::kAnomalyBand) {
      const Node& metric = entry->nodes[n.args[0]];
      if (metric.kind != NodeKind::kRef) {
        return fail(metric,
                    "the first argument of ANOMALY_DETECTION_BAND must be "
                    "the Id of an entry");
      }
      if (n.args.size() == 2) {
        const Node& k = entry->nodes[n.args[1]];
        if (k.kind != NodeKind::kNumber || !(k.number > 0)) {
          return fail(k,
                      "the band width of ANOMALY_DETECTION_BAND must be a "
                      "positive number");
        }
      }
    }
  }
  for (size_t i = 0; i < entry->nodes.size(); ++i) {
    Node& n = entry->nodes[i];
    if (n.kind == NodeKind::kString && !allowed[i]) {
      return fail(n, "a string is only allowed as the argument of METRICS");
    }
    if (n.kind == NodeKind::kKeyword && !allowed[i]) {
      return fail(n, absl::StrCat(n.text,
                                  " is only allowed as the second argument "
                                  "of FILL"));
    }
    if (n.kind == NodeKind::kRef) {
      auto it = ids.find(n.text);
      if (it == ids.end()) {
        return fail(n, absl::StrCat("unknown Id \"", n.text,
                                    "\" (no entry of the Metrics list has "
                                    "it)"));
      }
      n.ref = it->second;
    }
  }
  for (const Node& n : entry->nodes) {
    if (n.kind != NodeKind::kCall || n.fn != Fn::kPeriod) continue;
    // CloudWatch: "Valid input is metrics, not the results of other
    // expressions" (S-UG-MATH, PERIOD).
    const Node& arg = entry->nodes[n.args[0]];
    if (arg.kind != NodeKind::kRef || queries[arg.ref].expression.has_value()) {
      return fail(arg,
                  "the argument of PERIOD must be the Id of a MetricStat "
                  "entry, not an expression");
    }
  }
  const Node& root = entry->nodes[entry->root];
  if (root.kind == NodeKind::kCall && root.fn == Fn::kAnomalyBand) {
    entry->is_band = true;
    entry->band_metric = entry->nodes[root.args[0]].text;
    if (root.args.size() == 2)
      entry->band_k = entry->nodes[root.args[1]].number;
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Values and evaluation

struct Series {
  std::vector<double> v;
  int64_t period = 0;  // 0: the grid's.
};

// Most values are one series: keep it inline (one allocation fewer per
// node).
using SeriesList = absl::InlinedVector<Series, 1>;

struct Value {
  enum class Kind : uint8_t { kScalar, kSeries, kArray, kString, kKeyword };
  Kind kind = Kind::kScalar;
  double scalar = kNaN;
  SeriesList list;    // kSeries: exactly one; kArray: any number.
  bool band = false;  // kArray from ANOMALY_DETECTION_BAND: upper, lower.
  std::string text;   // kString, kKeyword.

  static Value Scalar(double x) {
    Value v;
    v.scalar = x;
    return v;
  }
  static Value OneSeries(Series s) {
    Value v;
    v.kind = Kind::kSeries;
    v.list.push_back(std::move(s));
    return v;
  }
  static Value Array(SeriesList list) {
    Value v;
    v.kind = Kind::kArray;
    v.list = std::move(list);
    return v;
  }
  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_series() const { return kind == Kind::kSeries; }
  bool is_array() const { return kind == Kind::kArray; }
};

bool Missing(double x) { return std::isnan(x); }
double Abs(double x) { return std::fabs(x); }
double Ceil(double x) { return std::ceil(x); }
double Floor(double x) { return std::floor(x); }
// A NaN (log of a negative number) or an infinity (log 0, exp overflow) is no
// datapoint in the final result, like any other.
double Log(double x) { return std::log(x); }
double Log10(double x) { return std::log10(x); }
double Sqrt(double x) { return std::sqrt(x); }
double Exp(double x) { return std::exp(x); }

bool HasData(const Series& s) {
  return std::any_of(s.v.begin(), s.v.end(),
                     [](double x) { return !Missing(x); });
}

// One operator on two present values. Division by zero drops the datapoint
// (spec 3.9); comparisons and AND/OR give 1 or 0; a NaN from ^ (negative
// base, fractional exponent) is no datapoint.
double Apply(Op op, double x, double y) {
  switch (op) {
    case Op::kAdd:
      return x + y;
    case Op::kSub:
      return x - y;
    case Op::kMul:
      return x * y;
    case Op::kDiv:
      return y == 0 ? kNaN : x / y;
    case Op::kPow:
      return std::pow(x, y);
    case Op::kEq:
      return x == y ? 1 : 0;
    case Op::kNe:
      return x != y ? 1 : 0;
    case Op::kLe:
      return x <= y ? 1 : 0;
    case Op::kGe:
      return x >= y ? 1 : 0;
    case Op::kLt:
      return x < y ? 1 : 0;
    case Op::kGt:
      return x > y ? 1 : 0;
    case Op::kAnd:
      return (x != 0 && y != 0) ? 1 : 0;
    case Op::kOr:
      return (x != 0 || y != 0) ? 1 : 0;
  }
  return kNaN;
}

class Evaluation {
 public:
  Evaluation(const std::vector<MathQuery>& queries,
             const std::vector<std::shared_ptr<const CompiledEntry>>& compiled,
             const std::vector<int>& uses, const MathGrid& grid,
             const absl::flat_hash_map<std::string, MathSeries>& inputs,
             const BandFunction& band)
      : queries_(queries),
        compiled_(compiled),
        uses_(uses),
        grid_(grid),
        inputs_(inputs),
        band_(band),
        memo_(queries.size()) {}

  absl::StatusOr<Value> Entry(int q) {
    if (memo_[q].has_value()) return *memo_[q];
    absl::StatusOr<Value> v;
    if (compiled_[q] == nullptr) {
      v = Input(q);
    } else {
      v = Eval(*compiled_[q], compiled_[q]->root, q);
    }
    if (!v.ok()) return v.status();
    // Only entries reached more than once are kept (a copy each).
    if (uses_[q] > 1) memo_[q] = *v;
    return v;
  }

 private:
  int n() const { return grid_.size; }

  absl::StatusOr<Value> Input(int q) {
    const MathQuery& query = queries_[q];
    auto it = inputs_.find(query.id);
    if (it == inputs_.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("Metrics[", q, "].Id \"", query.id,
                       "\": no input series was supplied for this MetricStat "
                       "entry"));
    }
    if (static_cast<int>(it->second.values.size()) != n()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Metrics[", q, "].Id \"", query.id, "\": the input series has ",
          it->second.values.size(), " values; the grid has ", n()));
    }
    Series s;
    s.v = it->second.values;
    s.period = query.period_seconds;
    return Value::OneSeries(std::move(s));
  }

  absl::Status Error(int q, const Node& node, absl::string_view message) {
    return absl::InvalidArgumentError(
        absl::StrCat(EntryPrefix(q, compiled_[q]->text), "column ", node.column,
                     ": ", message));
  }

  absl::StatusOr<Value> Eval(const CompiledEntry& e, int index, int q) {
    const Node& node = e.nodes[index];
    switch (node.kind) {
      case NodeKind::kNumber:
        return Value::Scalar(node.number);
      case NodeKind::kString: {
        Value v;
        v.kind = Value::Kind::kString;
        v.text = node.text;
        return v;
      }
      case NodeKind::kKeyword: {
        Value v;
        v.kind = Value::Kind::kKeyword;
        v.text = node.text;
        return v;
      }
      case NodeKind::kRef:
        return Entry(node.ref);
      case NodeKind::kNeg: {
        absl::StatusOr<Value> a = Eval(e, node.args[0], q);
        if (!a.ok()) return a.status();
        if (a->is_scalar()) return Value::Scalar(-a->scalar);
        return Map(*a, [](const Series& s) {
          Series out{s.v, 0};
          for (double& x : out.v) x = -x;
          return out;
        });
      }
      case NodeKind::kBinary: {
        absl::StatusOr<Value> a = Eval(e, node.args[0], q);
        if (!a.ok()) return a.status();
        absl::StatusOr<Value> b = Eval(e, node.args[1], q);
        if (!b.ok()) return b.status();
        return Binary(q, node, node.op, *a, *b);
      }
      case NodeKind::kArray: {
        SeriesList list;
        for (int arg : node.args) {
          absl::StatusOr<Value> v = Eval(e, arg, q);
          if (!v.ok()) return v.status();
          if (!v->is_series() && !v->is_array()) {
            return Error(q, e.nodes[arg],
                         "an array may only hold time series, not a scalar");
          }
          // Arrays nest flat: [METRICS("a"), m3] is one array.
          for (Series& s : v->list) list.push_back(std::move(s));
        }
        return Value::Array(std::move(list));
      }
      case NodeKind::kCall:
        return Call(e, node, q);
    }
    return Error(q, node, "unknown node");
  }

  // Applies `f` to the series of a series or an array value.
  template <typename F>
  static Value Map(const Value& v, F f) {
    Value out;
    out.kind = v.kind == Value::Kind::kArray ? Value::Kind::kArray
                                             : Value::Kind::kSeries;
    for (const Series& s : v.list) out.list.push_back(f(s));
    return out;
  }

  Series SeriesOp(Op op, const Series& a, const Series& b) const {
    // Spec 3.9: between two series a missing side counts as 0; both
    // missing is no datapoint. The same rule holds for comparisons
    // (documented) and for AND/OR (the documented `metric1 > 15 AND
    // metric2 > 15` example needs it).
    Series out;
    out.v.resize(n());
    for (int i = 0; i < n(); ++i) {
      double x = a.v[i], y = b.v[i];
      if (Missing(x) && Missing(y)) {
        out.v[i] = kNaN;
        continue;
      }
      out.v[i] = Apply(op, Missing(x) ? 0 : x, Missing(y) ? 0 : y);
    }
    return out;
  }

  Series ScalarOp(Op op, const Series& s, double scalar,
                  bool scalar_left) const {
    // Series with a scalar: a missing datapoint stays missing (spec 3.9
    // only makes the missing side 0 between two series); a NaN scalar
    // (e.g. AVG of a series with no datapoint) gives no datapoint.
    Series out;
    out.v.resize(n());
    for (int i = 0; i < n(); ++i) {
      double x = s.v[i];
      if (Missing(x) || Missing(scalar)) {
        out.v[i] = kNaN;
        continue;
      }
      out.v[i] = scalar_left ? Apply(op, scalar, x) : Apply(op, x, scalar);
    }
    return out;
  }

  absl::StatusOr<Value> Binary(int q, const Node& node, Op op, const Value& a,
                               const Value& b) {
    for (const Value* v : {&a, &b}) {
      // CheckEntry keeps strings and keywords out of operators; a guard, not
      // a rule.
      if (v->kind == Value::Kind::kString || v->kind == Value::Kind::kKeyword) {
        return Error(q, node, "an operator needs scalars or time series");
      }
    }
    if (a.is_scalar() && b.is_scalar()) {
      if (Missing(a.scalar) || Missing(b.scalar)) return Value::Scalar(kNaN);
      return Value::Scalar(Apply(op, a.scalar, b.scalar));
    }
    // An array with one series behaves as that series.
    const bool a_many = a.is_array() && a.list.size() != 1;
    const bool b_many = b.is_array() && b.list.size() != 1;
    if (a_many && b_many) {
      // CloudWatch documents operators between an array and a scalar or a
      // series, not between two arrays (docs/choices.md).
      return Error(q, node,
                   "an operator between two arrays of time series is not "
                   "supported");
    }
    if (a_many) {
      Value out = Value::Array({});
      for (const Series& s : a.list) {
        out.list.push_back(b.is_scalar() ? ScalarOp(op, s, b.scalar, false)
                                         : SeriesOp(op, s, b.list[0]));
      }
      return out;
    }
    if (b_many) {
      Value out = Value::Array({});
      for (const Series& s : b.list) {
        out.list.push_back(a.is_scalar() ? ScalarOp(op, s, a.scalar, true)
                                         : SeriesOp(op, a.list[0], s));
      }
      return out;
    }
    if (a.is_scalar()) {
      return Value::OneSeries(ScalarOp(op, b.list[0], a.scalar, true));
    }
    if (b.is_scalar()) {
      return Value::OneSeries(ScalarOp(op, a.list[0], b.scalar, false));
    }
    return Value::OneSeries(SeriesOp(op, a.list[0], b.list[0]));
  }

  absl::StatusOr<Value> NeedSeries(int q, const Node& node, const Value& v,
                                   absl::string_view what) {
    if (v.is_series() || v.is_array()) return v;
    return Error(q, node,
                 absl::StrCat(node.text, " expects ", what, ", got a ",
                              v.is_scalar() ? "scalar" : "string"));
  }

  absl::StatusOr<Value> Call(const CompiledEntry& e, const Node& node, int q) {
    if (node.fn == Fn::kMetrics) return Metrics(e, node);
    if (node.fn == Fn::kAnomalyBand) return Band(e, node, q);
    std::vector<Value> args;
    for (int arg : node.args) {
      absl::StatusOr<Value> v = Eval(e, arg, q);
      if (!v.ok()) return v.status();
      args.push_back(*std::move(v));
    }
    switch (node.fn) {
      case Fn::kIf:
        return If(q, node, args);
      case Fn::kAbs:
      case Fn::kCeil:
      case Fn::kFloor:
      case Fn::kLog:
      case Fn::kLog10:
      case Fn::kSqrt:
      case Fn::kExp: {
        double (*f)(double) = &Abs;
        if (node.fn == Fn::kCeil) f = &Ceil;
        if (node.fn == Fn::kFloor) f = &Floor;
        if (node.fn == Fn::kLog) f = &Log;
        if (node.fn == Fn::kLog10) f = &Log10;
        if (node.fn == Fn::kSqrt) f = &Sqrt;
        if (node.fn == Fn::kExp) f = &Exp;
        if (args[0].is_scalar()) return Value::Scalar(f(args[0].scalar));
        absl::StatusOr<Value> v =
            NeedSeries(q, node, args[0], "a scalar or time series");
        if (!v.ok()) return v.status();
        return Map(*v, [f](const Series& s) {
          Series out{s.v, 0};
          for (double& x : out.v) x = f(x);
          return out;
        });
      }
      case Fn::kTimeSeries: {
        // Spec 3.9: TIME_SERIES(s) builds a dense series, s in every bucket.
        if (!args[0].is_scalar()) {
          return Error(q, node, "TIME_SERIES expects a scalar");
        }
        Series out;
        out.v.assign(n(), args[0].scalar);
        return Value::OneSeries(std::move(out));
      }
      case Fn::kFill:
        return Fill(q, node, args[0], args[1]);
      case Fn::kFirst:
      case Fn::kLast: {
        absl::StatusOr<Value> v =
            NeedSeries(q, node, args[0], "an array of time series");
        if (!v.ok()) return v.status();
        if (v->is_series()) return *v;
        // Of a band, FIRST is the upper bound and LAST the lower (spec 3.8):
        // the band is stored upper first. FIRST/LAST of an empty array is an
        // empty array (no datapoint), not an error, so METRICS("x") matching
        // nothing degrades to INSUFFICIENT_DATA (docs/choices.md).
        if (v->list.empty()) return Value::Array({});
        return Value::OneSeries(node.fn == Fn::kFirst ? v->list.front()
                                                      : v->list.back());
      }
      case Fn::kMax:
      case Fn::kMin:
      case Fn::kAvg:
      case Fn::kSum:
      case Fn::kStddev:
        return Aggregate(q, node, args[0]);
      case Fn::kPeriod: {
        // CheckEntry made the argument a MetricStat Id; an entry without a
        // Period of its own has the grid's.
        const Series& s = args[0].list[0];
        return Value::Scalar(static_cast<double>(
            s.period > 0 ? s.period : grid_.period_seconds));
      }
      case Fn::kRate:
      case Fn::kDiff:
      case Fn::kDiffTime:
        return Differences(q, node, args[0]);
      case Fn::kRunningSum: {
        absl::StatusOr<Value> v = NeedSeries(q, node, args[0], "a time series");
        if (!v.ok()) return v.status();
        return Map(*v, [](const Series& s) {
          // The sum runs over the present datapoints of the fetched range
          // (spec 3.9); a missing bucket stays missing (docs/choices.md).
          Series out{s.v, 0};
          double sum = 0;
          for (double& x : out.v) {
            if (Missing(x)) continue;
            sum += x;
            x = sum;
          }
          return out;
        });
      }
      case Fn::kRemoveEmpty: {
        absl::StatusOr<Value> v = NeedSeries(q, node, args[0], "a time series");
        if (!v.ok()) return v.status();
        SeriesList kept;
        for (const Series& s : v->list) {
          if (HasData(s)) kept.push_back(s);
        }
        if (v->is_series() && kept.size() == 1) return *v;
        return Value::Array(std::move(kept));
      }
      case Fn::kDatapointCount: {
        absl::StatusOr<Value> v = NeedSeries(q, node, args[0], "a time series");
        if (!v.ok()) return v.status();
        if (v->is_series()) {
          const std::vector<double>& x = v->list[0].v;
          return Value::Scalar(static_cast<double>(std::count_if(
              x.begin(), x.end(), [](double d) { return !Missing(d); })));
        }
        // Of an array: per bucket, how many of the series have a datapoint
        // (docs/choices.md).
        Series out;
        out.v.assign(n(), 0);
        for (const Series& s : v->list) {
          for (int i = 0; i < n(); ++i) {
            if (!Missing(s.v[i])) out.v[i] += 1;
          }
        }
        return Value::OneSeries(std::move(out));
      }
      default:
        break;
    }
    return Error(q, node, "unhandled function");
  }

  absl::StatusOr<Value> Metrics(const CompiledEntry& e, const Node& node) {
    // Spec 3.9: METRICS() is the MetricStat entries (not the expressions),
    // in list order; METRICS("s") those whose Id contains s.
    std::string filter;
    if (!node.args.empty()) filter = e.nodes[node.args[0]].text;
    SeriesList list;
    for (size_t i = 0; i < queries_.size(); ++i) {
      if (compiled_[i] != nullptr) continue;
      if (!absl::StrContains(queries_[i].id, filter)) continue;
      absl::StatusOr<Value> v = Entry(static_cast<int>(i));
      if (!v.ok()) return v.status();
      list.push_back(v->list[0]);
    }
    return Value::Array(std::move(list));
  }

  absl::StatusOr<Value> Band(const CompiledEntry& e, const Node& node, int q) {
    const Node& metric = e.nodes[node.args[0]];
    double k = node.args.size() == 2 ? e.nodes[node.args[1]].number : 2;
    if (!band_) {
      return absl::FailedPreconditionError(absl::StrCat(
          EntryPrefix(q, e.text), "column ", node.column,
          ": ANOMALY_DETECTION_BAND needs a band function and none was "
          "given"));
    }
    absl::StatusOr<Value> v = Entry(metric.ref);
    if (!v.ok()) return v.status();
    if (!(v->is_series() || (v->is_array() && v->list.size() == 1))) {
      return Error(q, metric,
                   absl::StrCat("ANOMALY_DETECTION_BAND needs one time "
                                "series; \"",
                                metric.text, "\" is not one"));
    }
    MathSeries input{v->list[0].v};
    absl::StatusOr<MathResult> r = band_(metric.text, input, k, grid_);
    if (!r.ok()) return r.status();
    if (!r->is_band || static_cast<int>(r->lower.values.size()) != n() ||
        static_cast<int>(r->upper.values.size()) != n()) {
      return Error(q, node,
                   absl::StrCat("the band function must return a band of ", n(),
                                " values per bound"));
    }
    Value out =
        Value::Array({Series{r->upper.values, 0}, Series{r->lower.values, 0}});
    out.band = true;
    return out;
  }

  // IF(cond, a[, b]) per spec 3.9 and its documented examples.
  absl::StatusOr<Value> If(int q, const Node& node, std::vector<Value>& args) {
    for (const Value& v : args) {
      if (v.kind == Value::Kind::kString || v.kind == Value::Kind::kKeyword) {
        return Error(q, node, "IF expects scalars or time series");
      }
    }
    const Value& cond = args[0];
    const bool has_b = args.size() == 3;
    if (cond.is_scalar()) {
      // A scalar condition picks a whole branch; zero with no third argument
      // is an empty series (spec 3.9). A NaN scalar counts as zero.
      if (!Missing(cond.scalar) && cond.scalar != 0) return args[1];
      if (has_b) return args[2];
      Series empty;
      empty.v.assign(n(), kNaN);
      return Value::OneSeries(std::move(empty));
    }
    // Element-wise over at most one array of several series.
    int array_arg = -1;
    for (size_t i = 0; i < args.size(); ++i) {
      if (args[i].is_array() && args[i].list.size() != 1) {
        if (array_arg >= 0) {
          return Error(q, node,
                       "IF with more than one array of time series is not "
                       "supported");
        }
        array_arg = static_cast<int>(i);
      }
    }
    auto one = [&](const Value& v, size_t element, double* scalar,
                   const Series** series) {
      if (v.is_scalar()) {
        *scalar = v.scalar;
        *series = nullptr;
      } else {
        *series = v.list.size() == 1 ? &v.list[0] : &v.list[element];
      }
    };
    size_t count = array_arg >= 0 ? args[array_arg].list.size() : 1;
    SeriesList results;
    for (size_t k = 0; k < count; ++k) {
      double cs = 0, as = 0, bs = 0;
      const Series *c = nullptr, *a = nullptr, *b = nullptr;
      one(args[0], k, &cs, &c);
      one(args[1], k, &as, &a);
      if (has_b) one(args[2], k, &bs, &b);
      Series out;
      out.v.assign(n(), kNaN);
      for (int i = 0; i < n(); ++i) {
        double cv = c != nullptr ? c->v[i] : cs;
        // No condition value: no datapoint (examples: the fifth bucket).
        if (Missing(cv)) continue;
        if (cv != 0) {
          // True branch: a missing value of a series counts as 0 (example
          // IF(metric1, metric2, metric3), second bucket: 0).
          double x = a != nullptr ? a->v[i] : as;
          out.v[i] = Missing(x) && a != nullptr ? 0 : x;
        } else if (has_b) {
          // False branch: a missing value stays missing (same example,
          // fourth bucket: -).
          out.v[i] = b != nullptr ? b->v[i] : bs;
        }
      }
      results.push_back(std::move(out));
    }
    if (array_arg >= 0) return Value::Array(std::move(results));
    return Value::OneSeries(std::move(results[0]));
  }

  absl::StatusOr<Value> Fill(int q, const Node& node, const Value& m,
                             const Value& with) {
    absl::StatusOr<Value> v = NeedSeries(q, node, m, "a time series");
    if (!v.ok()) return v.status();
    if (with.is_array() && with.list.size() != 1) {
      return Error(q, node,
                   "the second argument of FILL must be a scalar, a time "
                   "series, REPEAT or LINEAR");
    }
    if (with.kind == Value::Kind::kString) {
      return Error(q, node, "the second argument of FILL cannot be a string");
    }
    const int size = n();
    if (with.kind == Value::Kind::kKeyword && with.text == "REPEAT") {
      return Map(*v, [size](const Series& s) {
        // The most recent present value before the gap; a gap at the start
        // of the range has none and stays missing (docs/choices.md).
        Series out{s.v, 0};
        double last = kNaN;
        for (int i = 0; i < size; ++i) {
          if (Missing(out.v[i])) {
            out.v[i] = last;
          } else {
            last = out.v[i];
          }
        }
        return out;
      });
    }
    if (with.kind == Value::Kind::kKeyword) {  // LINEAR
      return Map(*v, [size](const Series& s) {
        // Interpolates between the present values around each gap; gaps at
        // either end of the range have one side only and stay missing
        // (docs/choices.md).
        Series out{s.v, 0};
        int prev = -1;
        for (int i = 0; i < size; ++i) {
          if (Missing(s.v[i])) continue;
          if (prev >= 0 && i - prev > 1) {
            for (int j = prev + 1; j < i; ++j) {
              double t = static_cast<double>(j - prev) / (i - prev);
              out.v[j] = s.v[prev] + t * (s.v[i] - s.v[prev]);
            }
          }
          prev = i;
        }
        return out;
      });
    }
    if (with.is_scalar()) {
      double fill = with.scalar;
      return Map(*v, [fill](const Series& s) {
        Series out{s.v, s.period};
        for (double& x : out.v) {
          if (Missing(x)) x = fill;
        }
        return out;
      });
    }
    const Series& other = with.list[0];
    return Map(*v, [&other](const Series& s) {
      Series out{s.v, s.period};
      for (size_t i = 0; i < out.v.size(); ++i) {
        if (Missing(out.v[i])) out.v[i] = other.v[i];
      }
      return out;
    });
  }

  static double Reduce(Fn fn, const std::vector<double>& xs) {
    if (xs.empty()) return kNaN;
    switch (fn) {
      case Fn::kMax:
        return *std::max_element(xs.begin(), xs.end());
      case Fn::kMin:
        return *std::min_element(xs.begin(), xs.end());
      case Fn::kSum: {
        double sum = 0;
        for (double x : xs) sum += x;
        return sum;
      }
      case Fn::kAvg: {
        double sum = 0;
        for (double x : xs) sum += x;
        return sum / static_cast<double>(xs.size());
      }
      case Fn::kStddev: {
        // Population standard deviation (divides by n): CloudWatch does not
        // say which; docs/choices.md.
        double mean = 0;
        for (double x : xs) mean += x;
        mean /= static_cast<double>(xs.size());
        double sq = 0;
        for (double x : xs) sq += (x - mean) * (x - mean);
        return std::sqrt(sq / static_cast<double>(xs.size()));
      }
      default:
        return kNaN;
    }
  }

  absl::StatusOr<Value> Aggregate(int q, const Node& node, const Value& arg) {
    absl::StatusOr<Value> v =
        NeedSeries(q, node, arg, "a time series or an array of time series");
    if (!v.ok()) return v.status();
    std::vector<double> xs;
    if (v->is_series()) {
      // One series: a scalar over every present datapoint of the fetched
      // range (spec 3.9: the alarm's evaluation range, not just N buckets).
      for (double x : v->list[0].v) {
        if (!Missing(x)) xs.push_back(x);
      }
      return Value::Scalar(Reduce(node.fn, xs));
    }
    // An array: one series, per bucket across the series with a datapoint.
    Series out;
    out.v.assign(n(), kNaN);
    for (int i = 0; i < n(); ++i) {
      xs.clear();
      for (const Series& s : v->list) {
        if (!Missing(s.v[i])) xs.push_back(s.v[i]);
      }
      out.v[i] = Reduce(node.fn, xs);
    }
    return Value::OneSeries(std::move(out));
  }

  absl::StatusOr<Value> Differences(int q, const Node& node, const Value& arg) {
    absl::StatusOr<Value> v = NeedSeries(q, node, arg, "a time series");
    if (!v.ok()) return v.status();
    const Fn fn = node.fn;
    const int64_t period = grid_.period_seconds;
    const int size = n();
    return Map(*v, [fn, period, size](const Series& s) {
      // Against the previous *present* datapoint; the first present one has
      // none and gives no datapoint.
      Series out;
      out.v.assign(size, kNaN);
      int prev = -1;
      for (int i = 0; i < size; ++i) {
        if (Missing(s.v[i])) continue;
        if (prev >= 0) {
          double dt =
              static_cast<double>(i - prev) * static_cast<double>(period);
          double dv = s.v[i] - s.v[prev];
          out.v[i] = fn == Fn::kDiff ? dv : fn == Fn::kDiffTime ? dt : dv / dt;
        }
        prev = i;
      }
      return out;
    });
  }

  const std::vector<MathQuery>& queries_;
  const std::vector<std::shared_ptr<const CompiledEntry>>& compiled_;
  const std::vector<int>& uses_;
  const MathGrid& grid_;
  const absl::flat_hash_map<std::string, MathSeries>& inputs_;
  const BandFunction& band_;
  std::vector<std::optional<Value>> memo_;
};

MathSeries Finish(const Series& s) {
  MathSeries out{s.v};
  for (double& x : out.values) {
    if (!std::isfinite(x)) x = kNaN;
  }
  return out;
}

}  // namespace

MathProgram::~MathProgram() = default;

absl::StatusOr<MathProgram> MathProgram::Compile(
    std::vector<MathQuery> queries) {
  MathProgram program;
  for (size_t i = 0; i < queries.size(); ++i) {
    const std::string& id = queries[i].id;
    if (!IsValidId(id)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Metrics[", i, "].Id \"", id,
          "\": an Id must be 1-255 letters, digits and underscores starting "
          "with a lower-case letter (spec 1.7)"));
    }
    auto [it, inserted] = program.index_.emplace(id, static_cast<int>(i));
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat("Metrics[", i, "].Id \"", id,
                       "\": duplicate Id (also Metrics[", it->second, "])"));
    }
  }
  program.compiled_.resize(queries.size());
  for (size_t i = 0; i < queries.size(); ++i) {
    if (!queries[i].expression.has_value()) continue;
    const std::string& text = *queries[i].expression;
    const int index = static_cast<int>(i);
    if (text.empty() ||
        text.size() > static_cast<size_t>(kMaxMathExpressionLength)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Metrics[", i, "].Expression (", text.size(),
          " characters): an Expression must have 1-2048 characters "
          "(spec 1.7)"));
    }
    auto entry = std::make_shared<CompiledEntry>();
    entry->text = text;
    std::vector<Token> tokens;
    int column = 1;
    std::string error;
    if (!Lex(text, &tokens, &column, &error)) {
      return absl::InvalidArgumentError(absl::StrCat(
          EntryPrefix(index, text), "column ", column, ": ", error));
    }
    Parser parser(std::move(tokens));
    entry->root = parser.Parse();
    if (entry->root < 0) {
      return absl::InvalidArgumentError(absl::StrCat(EntryPrefix(index, text),
                                                     "column ", parser.column(),
                                                     ": ", parser.error()));
    }
    entry->nodes = std::move(parser.nodes());
    absl::Status checked =
        CheckEntry(index, entry.get(), program.index_, queries);
    if (!checked.ok()) return checked;
    program.compiled_[i] = std::move(entry);
  }
  // No cycles between expressions: depth-first search over references,
  // reporting the first cycle found in list order with its path.
  std::vector<int> state(queries.size(), 0);  // 0 new, 1 on stack, 2 done.
  std::vector<int> stack;
  std::string cycle;
  int cycle_owner = -1;
  std::function<bool(int)> visit = [&](int q) -> bool {
    state[q] = 1;
    stack.push_back(q);
    if (program.compiled_[q] != nullptr) {
      for (const Node& n : program.compiled_[q]->nodes) {
        if (n.kind != NodeKind::kRef) continue;
        if (state[n.ref] == 1) {
          auto from = std::find(stack.begin(), stack.end(), n.ref);
          std::vector<std::string> path;
          for (auto p = from; p != stack.end(); ++p) {
            path.push_back(queries[*p].id);
          }
          path.push_back(queries[n.ref].id);
          cycle = absl::StrJoin(path, " -> ");
          cycle_owner = n.ref;
          return false;
        }
        if (state[n.ref] == 0 && !visit(n.ref)) return false;
      }
    }
    stack.pop_back();
    state[q] = 2;
    return true;
  };
  for (size_t i = 0; i < queries.size(); ++i) {
    if (state[i] == 0 && !visit(static_cast<int>(i))) {
      return absl::InvalidArgumentError(absl::StrCat(
          EntryPrefix(cycle_owner, *queries[cycle_owner].expression),
          "the expressions refer to each other in a cycle: ", cycle));
    }
  }
  // How often each entry can be reached from the expressions (METRICS()
  // counts for every MetricStat entry), so Evaluate copies only shared ones.
  program.uses_.assign(queries.size(), 0);
  for (const auto& entry : program.compiled_) {
    if (entry == nullptr) continue;
    for (const Node& n : entry->nodes) {
      if (n.kind == NodeKind::kRef) ++program.uses_[n.ref];
      if (n.kind == NodeKind::kCall && n.fn == Fn::kMetrics) {
        for (size_t i = 0; i < queries.size(); ++i) {
          if (program.compiled_[i] == nullptr) ++program.uses_[i];
        }
      }
    }
  }
  program.queries_ = std::move(queries);
  return program;
}

bool MathProgram::IsAnomalyBand(absl::string_view id, std::string* metric_id,
                                double* k) const {
  auto it = index_.find(id);
  if (it == index_.end()) return false;
  const auto& entry = compiled_[it->second];
  if (entry == nullptr || !entry->is_band) return false;
  if (metric_id != nullptr) *metric_id = entry->band_metric;
  if (k != nullptr) *k = entry->band_k;
  return true;
}

absl::StatusOr<MathResult> MathProgram::Evaluate(
    absl::string_view id, const MathGrid& grid,
    const absl::flat_hash_map<std::string, MathSeries>& inputs,
    const BandFunction& band) const {
  auto it = index_.find(id);
  if (it == index_.end()) {
    return absl::NotFoundError(
        absl::StrCat("Metrics: no entry has the Id \"", id, "\""));
  }
  if (grid.period_seconds <= 0 || grid.size < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metric math grid: period ", grid.period_seconds, " s and size ",
        grid.size, " (the period must be positive, the size not negative)"));
  }
  const int q = it->second;
  Evaluation evaluation(queries_, compiled_, uses_, grid, inputs, band);
  absl::StatusOr<Value> v = evaluation.Entry(q);
  if (!v.ok()) return v.status();
  std::string prefix =
      compiled_[q] != nullptr
          ? EntryPrefix(q, compiled_[q]->text)
          : absl::StrCat("Metrics[", q, "].Id \"", queries_[q].id, "\": ");
  MathResult result;
  switch (v->kind) {
    case Value::Kind::kSeries:
      result.values = Finish(v->list[0]);
      return result;
    case Value::Kind::kArray:
      if (v->band && v->list.size() == 2) {
        result.is_band = true;
        result.upper = Finish(v->list[0]);
        result.lower = Finish(v->list[1]);
        return result;
      }
      if (v->list.size() == 1) {
        result.values = Finish(v->list[0]);
        return result;
      }
      if (v->list.empty()) {
        // No series at all (REMOVE_EMPTY of series without data, METRICS
        // matching nothing): no datapoint, so the alarm sees missing data
        // rather than an error (docs/choices.md).
        result.values.values.assign(grid.size, kNaN);
        return result;
      }
      return absl::InvalidArgumentError(absl::StrCat(
          prefix, "yields ", v->list.size(),
          " time series; the returned entry of an alarm must yield one "
          "(spec 1.7)"));
    case Value::Kind::kScalar:
      return absl::InvalidArgumentError(absl::StrCat(
          prefix,
          "yields a scalar; the returned entry of an alarm must yield one "
          "time series (spec 1.7)"));
    case Value::Kind::kString:
    case Value::Kind::kKeyword:
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(prefix, "does not yield a time series"));
}

}  // namespace cwalarm
