// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "alarm/json_writer.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "alarm/cw_format.h"

namespace cwalarm {

void JsonWriter::NewLine() {
  if (indent_ <= 0) return;
  out_.push_back('\n');
  out_.append(has_element_.size() * static_cast<size_t>(indent_), ' ');
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_element_.empty()) {
    if (has_element_.back()) out_.push_back(',');
    has_element_.back() = true;
    NewLine();
  }
}

void JsonWriter::BeginObject() {
  BeforeValue();
  out_.push_back('{');
  has_element_.push_back(false);
}

void JsonWriter::EndObject() {
  assert(!has_element_.empty() && !after_key_);
  bool had = has_element_.back();
  has_element_.pop_back();
  if (had) NewLine();
  out_.push_back('}');
}

void JsonWriter::BeginArray() {
  BeforeValue();
  out_.push_back('[');
  has_element_.push_back(false);
}

void JsonWriter::EndArray() {
  assert(!has_element_.empty() && !after_key_);
  bool had = has_element_.back();
  has_element_.pop_back();
  if (had) NewLine();
  out_.push_back(']');
}

void JsonWriter::Key(absl::string_view key) {
  BeforeValue();
  AppendQuoted(key, &out_);
  if (indent_ > 0) {
    out_.append(": ");
  } else {
    out_.push_back(':');
  }
  after_key_ = true;
}

void JsonWriter::String(absl::string_view value) {
  BeforeValue();
  AppendQuoted(value, &out_);
}

void JsonWriter::Double(double value) {
  BeforeValue();
  if (std::isnan(value) || std::isinf(value)) {
    out_.append("null");
    return;
  }
  AppendJavaDouble(value, &out_);
}

void JsonWriter::Int(int64_t value) {
  BeforeValue();
  absl::StrAppend(&out_, value);
}

void JsonWriter::Bool(bool value) {
  BeforeValue();
  out_.append(value ? "true" : "false");
}

void JsonWriter::Null() {
  BeforeValue();
  out_.append("null");
}

void JsonWriter::StringArray(const std::vector<std::string>& values) {
  BeginArray();
  for (const std::string& v : values) String(v);
  EndArray();
}

void JsonWriter::CwTimestamp(absl::Time t) {
  BeforeValue();
  // The timestamp has no character that needs escaping.
  out_.push_back('"');
  AppendCwTimestamp(t, &out_);
  out_.push_back('"');
}

void JsonWriter::Raw(absl::string_view json) {
  BeforeValue();
  out_.append(json.data(), json.size());
}

namespace {

// The bytes AppendQuoted escapes: control characters, '"' and '\\'.
struct EscapeTable {
  bool needs[256] = {};
  constexpr EscapeTable() {
    for (int c = 0; c < 0x20; ++c) needs[c] = true;
    needs[static_cast<unsigned char>('"')] = true;
    needs[static_cast<unsigned char>('\\')] = true;
  }
};
constexpr EscapeTable kEscapeTable;
constexpr const bool* kNeedsEscape = kEscapeTable.needs;

// True when one of the 8 bytes at `p` needs an escape: a byte below 0x20,
// '"' or '\\' (the "has less than" and "has zero byte" word tricks; both
// are exact about whether some byte matches).
inline bool WordNeedsEscape(const char* p) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  uint64_t w;
  std::memcpy(&w, p, 8);
  const uint64_t control = (w - kOnes * 0x20) & ~w & kHigh;
  const uint64_t q = w ^ (kOnes * '"');
  const uint64_t quote = (q - kOnes) & ~q & kHigh;
  const uint64_t b = w ^ (kOnes * '\\');
  const uint64_t backslash = (b - kOnes) & ~b & kHigh;
  return (control | quote | backslash) != 0;
}

}  // namespace

size_t JsonWriter::CleanPrefix(absl::string_view s) {
  const char* p = s.data();
  const char* const end = s.data() + s.size();
#ifdef __SSE2__
  if (end - p >= 16) {
    // 16 bytes at a time: a byte <= 0x1f (unsigned), '"' or '\\'.
    const __m128i control_max = _mm_set1_epi8(0x1f);
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    // One bit per byte of the 16 at `q` that needs an escape.
    auto hits = [&](const char* q) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
      return _mm_movemask_epi8(_mm_or_si128(
          _mm_cmpeq_epi8(_mm_max_epu8(v, control_max), control_max),
          _mm_or_si128(_mm_cmpeq_epi8(v, quote),
                       _mm_cmpeq_epi8(v, backslash))));
    };
    auto at = [&](const char* q, int mask) {
      return static_cast<size_t>(q - s.data()) +
             static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
    };
    // 32 bytes per step, one test for both halves.
    while (end - p >= 32) {
      const int low = hits(p);
      const int high = hits(p + 16);
      if ((low | high) != 0) return low != 0 ? at(p, low) : at(p + 16, high);
      p += 32;
    }
    if (end - p >= 16) {
      const int mask = hits(p);
      if (mask != 0) return at(p, mask);
      p += 16;
    }
    if (p != end) {
      // The last 16 bytes, overlapping some already found clean: a hit is
      // at or after `p`.
      const char* const last = end - 16;
      const int mask = hits(last);
      if (mask != 0) return at(last, mask);
    }
    return s.size();
  }
#endif
  while (end - p >= 8 && !WordNeedsEscape(p)) p += 8;
  while (p != end && !kNeedsEscape[static_cast<unsigned char>(*p)]) ++p;
  return static_cast<size_t>(p - s.data());
}

void StringAppender::Int(int64_t value) {
  Room(24);
  p_ = std::to_chars(p_, p_ + 24, value).ptr;
}

void StringAppender::JsonDouble(double value) {
  // The whole numbers 1-9 (a minute's sample count, small thresholds):
  // Java's "d.0" without the general formatter.
  if (value >= 1 && value <= 9) {
    const int digit = static_cast<int>(value);
    if (static_cast<double>(digit) == value) {
      Room(3);
      p_[0] = static_cast<char>('0' + digit);
      p_[1] = '.';
      p_[2] = '0';
      p_ += 3;
      return;
    }
  }
  if (std::isnan(value) || std::isinf(value)) {
    Literal("null");
    return;
  }
  JavaDouble(value);
}

void StringAppender::Quoted(absl::string_view text) {
  if (JsonWriter::CleanPrefix(text) == text.size()) {
    Room(text.size() + 2);
    *p_++ = '"';
    std::memcpy(p_, text.data(), text.size());
    p_ += text.size();
    *p_++ = '"';
    return;
  }
  // Escapes: JsonWriter::AppendQuoted on the string itself.
  std::string* out = out_;
  Finish();
  JsonWriter::AppendQuoted(text, out);
  out_ = out;
  const size_t used = out->size();
  out->resize(used + 64);
  p_ = &(*out)[0] + used;
  end_ = &(*out)[0] + out->size();
}

void StringAppender::Grow(size_t n) {
  const size_t used = static_cast<size_t>(p_ - out_->data());
  const size_t size = out_->size();
  out_->resize(std::max(size * 2, used + n + 64));
  p_ = &(*out_)[0] + used;
  end_ = &(*out_)[0] + out_->size();
}

void JsonWriter::AppendQuoted(absl::string_view s, std::string* out) {
  out->push_back('"');
  // Runs of characters that need no escape are appended in one call; the
  // scan skips 8 clean bytes at a time.
  const char* run = s.data();
  const char* const end = s.data() + s.size();
  for (const char* p = run; p != end; ++p) {
    while (end - p >= 8 && !WordNeedsEscape(p)) p += 8;
    if (p == end) break;
    const unsigned char c = static_cast<unsigned char>(*p);
    if (!kNeedsEscape[c]) continue;
    out->append(run, static_cast<size_t>(p - run));
    run = p + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        absl::StrAppendFormat(out, "\\u%04x", static_cast<int>(c));
    }
  }
  out->append(run, static_cast<size_t>(end - run));
  out->push_back('"');
}

}  // namespace cwalarm
