// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "tools/series_notation.h"

#include <cctype>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "config/config_loader.h"
#include "metrics/datapoint.h"
#include "metrics/metric_id.h"
#include "metrics/unit.h"

namespace cwalarm {
namespace {

// A series is at most this many periods: a month of 10-second data is 270k;
// anything far beyond is a typo (`90x1000000000`) rather than a history.
constexpr long long kMaxPeriods = 10'000'000;

class Parser {
 public:
  Parser(absl::string_view text, absl::string_view source)
      : text_(text), source_(source) {}

  // Error at byte offset `pos` (0-based); the message shows column pos + 1.
  absl::Status Error(size_t pos, absl::string_view what) const {
    if (pos > text_.size()) pos = text_.size();
    return absl::InvalidArgumentError(
        absl::StrCat(source_, ": column ", pos + 1, ": ", what, "\n  ", text_,
                     "\n  ", std::string(pos, ' '), "^"));
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  size_t pos() const { return pos_; }

  void SkipSpace() {
    while (!AtEnd() && std::isspace(static_cast<unsigned char>(Peek()))) ++pos_;
  }

  // Reads characters up to (not including) any of `stops` or whitespace.
  absl::string_view Word(absl::string_view stops) {
    size_t begin = pos_;
    while (!AtEnd() && !std::isspace(static_cast<unsigned char>(Peek())) &&
           stops.find(Peek()) == absl::string_view::npos) {
      ++pos_;
    }
    return text_.substr(begin, pos_ - begin);
  }

  // A decimal number: [sign] digits [. digits] [e [sign] digits]. With
  // `allow_sign` false the sign is not consumed (it is the step operator).
  std::optional<double> Number(bool allow_sign) {
    size_t begin = pos_;
    size_t p = pos_;
    if (allow_sign && p < text_.size() &&
        (text_[p] == '-' || text_[p] == '+')) {
      ++p;
    }
    size_t digits = 0;
    while (p < text_.size() &&
           std::isdigit(static_cast<unsigned char>(text_[p]))) {
      ++p;
      ++digits;
    }
    if (p < text_.size() && text_[p] == '.') {
      ++p;
      while (p < text_.size() &&
             std::isdigit(static_cast<unsigned char>(text_[p]))) {
        ++p;
        ++digits;
      }
    }
    if (digits == 0) return std::nullopt;
    if (p < text_.size() && (text_[p] == 'e' || text_[p] == 'E')) {
      size_t q = p + 1;
      if (q < text_.size() && (text_[q] == '-' || text_[q] == '+')) ++q;
      size_t exp_digits = 0;
      while (q < text_.size() &&
             std::isdigit(static_cast<unsigned char>(text_[q]))) {
        ++q;
        ++exp_digits;
      }
      if (exp_digits > 0) p = q;
    }
    double value = 0;
    if (!absl::SimpleAtod(text_.substr(begin, p - begin), &value)) {
      return std::nullopt;
    }
    pos_ = p;
    return value;
  }

  // A positive integer count.
  std::optional<long long> Count() {
    size_t begin = pos_;
    while (!AtEnd() && std::isdigit(static_cast<unsigned char>(Peek()))) ++pos_;
    long long n = 0;
    if (pos_ == begin ||
        !absl::SimpleAtoi(text_.substr(begin, pos_ - begin), &n) || n <= 0) {
      pos_ = begin;
      return std::nullopt;
    }
    return n;
  }

  void Advance() { ++pos_; }

 private:
  absl::string_view text_;
  absl::string_view source_;
  size_t pos_ = 0;
};

bool IsTermEnd(char c) {
  return c == '\0' || std::isspace(static_cast<unsigned char>(c));
}

}  // namespace

absl::StatusOr<std::vector<TimedDatum>> ParseSeries(absl::string_view text,
                                                    absl::Time start,
                                                    absl::Duration step,
                                                    absl::string_view source) {
  Parser p(text, source);
  p.SkipSpace();
  MetricDatum prototype;
  prototype.storage_resolution = step < absl::Seconds(60) ? 1 : 60;

  // --- Header: Namespace MetricName{dims}[Unit] ---------------------------
  size_t ns_pos = p.pos();
  absl::string_view ns = p.Word("");
  if (ns.empty()) return p.Error(ns_pos, "expected a namespace (AWS/EC2 ...)");
  prototype.metric.metric_namespace = std::string(ns);
  p.SkipSpace();
  size_t name_pos = p.pos();
  absl::string_view name = p.Word("{[");
  if (name.empty()) {
    return p.Error(name_pos, "expected a metric name after the namespace");
  }
  prototype.metric.metric_name = std::string(name);
  if (p.Peek() == '{') {
    p.Advance();
    while (true) {
      size_t dim_pos = p.pos();
      if (p.Peek() == '}' && prototype.metric.dimensions.empty()) {
        p.Advance();
        break;
      }
      absl::string_view dim_name = p.Word("=,}");
      if (dim_name.empty()) {
        return p.Error(dim_pos, "expected a dimension as Name=Value");
      }
      if (p.Peek() != '=') {
        return p.Error(p.pos(), absl::StrCat("expected '=' after dimension \"",
                                             dim_name, "\""));
      }
      p.Advance();
      size_t value_pos = p.pos();
      absl::string_view dim_value = p.Word(",}");
      if (dim_value.empty()) {
        return p.Error(value_pos, absl::StrCat("dimension \"", dim_name,
                                               "\" needs a value"));
      }
      prototype.metric.dimensions.push_back(
          Dimension{std::string(dim_name), std::string(dim_value)});
      if (p.Peek() == ',') {
        p.Advance();
        continue;
      }
      if (p.Peek() == '}') {
        p.Advance();
        break;
      }
      return p.Error(p.pos(), "expected ',' or '}' in the dimensions");
    }
  }
  if (p.Peek() == '[') {
    p.Advance();
    size_t unit_pos = p.pos();
    absl::string_view unit_text = p.Word("]");
    if (p.Peek() != ']') return p.Error(p.pos(), "expected ']' after the unit");
    absl::StatusOr<Unit> unit = ParseUnit(unit_text);
    if (!unit.ok()) return p.Error(unit_pos, unit.status().message());
    prototype.unit = *unit;
    p.Advance();
  }
  if (!IsTermEnd(p.Peek())) {
    return p.Error(p.pos(), "expected a space after the metric");
  }
  if (absl::Status s = ValidateMetricId(prototype.metric, "metric"); !s.ok()) {
    return p.Error(ns_pos, s.message());
  }

  // --- Values ---------------------------------------------------------------
  std::vector<TimedDatum> data;
  long long period_index = 0;
  p.SkipSpace();
  if (p.AtEnd()) return p.Error(p.pos(), "expected values after the metric");
  while (!p.AtEnd()) {
    const size_t term_pos = p.pos();
    bool missing = false;
    double first = 0;
    double delta = 0;
    long long count = 1;
    if (p.Peek() == '_') {
      missing = true;
      p.Advance();
    } else {
      std::optional<double> v = p.Number(/*allow_sign=*/true);
      if (!v) {
        return p.Error(term_pos,
                       "expected a value: a number, _ (missing), AxN or A+BxN");
      }
      first = *v;
      if (p.Peek() == '+' || p.Peek() == '-') {
        const bool minus = p.Peek() == '-';
        p.Advance();
        size_t step_pos = p.pos();
        std::optional<double> d = p.Number(/*allow_sign=*/false);
        if (!d) return p.Error(step_pos, "expected a step after '+' or '-'");
        delta = minus ? -*d : *d;
        if (p.Peek() != 'x') {
          return p.Error(p.pos(), "a step needs a count: A+BxN");
        }
      }
    }
    if (p.Peek() == 'x') {
      p.Advance();
      size_t count_pos = p.pos();
      std::optional<long long> n = p.Count();
      if (!n) {
        return p.Error(count_pos,
                       "expected a count after 'x' (a positive integer)");
      }
      count = *n;
    }
    if (!IsTermEnd(p.Peek())) {
      return p.Error(p.pos(),
                     absl::StrCat("unexpected '", std::string(1, p.Peek()),
                                  "' in a value"));
    }
    if (period_index + count > kMaxPeriods) {
      return p.Error(term_pos, absl::StrCat("the series is longer than ",
                                            kMaxPeriods, " periods"));
    }
    if (!missing) {
      for (long long k = 0; k < count; ++k) {
        TimedDatum d;
        d.datum = prototype;
        d.datum.timestamp = start + (period_index + k) * step;
        d.datum.value = first + static_cast<double>(k) * delta;
        d.received_at = d.datum.timestamp;
        d.place = absl::StrCat(source, ": column ", term_pos + 1);
        if (absl::Status s = ValidateMetricDatum(d.datum, "value"); !s.ok()) {
          return p.Error(term_pos, s.message());
        }
        data.push_back(std::move(d));
      }
    }
    period_index += count;
    p.SkipSpace();
  }
  return data;
}

absl::StatusOr<std::vector<TimedDatum>> ParseSeriesList(
    const std::vector<std::string>& texts, absl::Time start,
    absl::Duration step, absl::string_view source) {
  std::vector<TimedDatum> all;
  std::vector<std::string> problems;
  int index = 0;
  for (const std::string& text : texts) {
    for (absl::string_view item : absl::StrSplit(text, ';')) {
      if (absl::StripAsciiWhitespace(item).empty()) continue;
      ++index;
      absl::StatusOr<std::vector<TimedDatum>> data =
          ParseSeries(item, start, step, absl::StrCat(source, "[", index, "]"));
      if (!data.ok()) {
        problems.emplace_back(data.status().message());
        continue;
      }
      for (TimedDatum& d : *data) all.push_back(std::move(d));
    }
  }
  if (!problems.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(problems, "\n"));
  }
  return all;
}

}  // namespace cwalarm
