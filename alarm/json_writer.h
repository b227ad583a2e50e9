// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// A minimal JSON writer for output whose byte layout matters: keys in the
// order CloudWatch emits them, numbers as CloudWatch prints them.
//
// Parsing is done with nlohmann::json at the edges (config/, tools/); this
// writer only appends to a string, never allocates structure, and produces
// compact JSON (no spaces), which is the form CloudWatch stores in
// StateReasonData and HistoryData.
//
//   JsonWriter w;
//   w.BeginObject();
//   w.Key("version"); w.String("1.0");
//   w.Key("threshold"); w.Double(50);       // 50.0 (Java style)
//   w.EndObject();
//   w.str();  // {"version":"1.0","threshold":50.0}
//
// The caller is responsible for balanced Begin/End calls (asserted).
// Thread-safety: not thread-safe; one writer per thread. Copyable.

#ifndef CWALARM_ALARM_JSON_WRITER_H_
#define CWALARM_ALARM_JSON_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "alarm/cw_format.h"

namespace cwalarm {

class JsonWriter {
 public:
  // `indent` > 0 pretty-prints with that many spaces per level.
  explicit JsonWriter(int indent = 0) : indent_(indent) {}

  // The document written so far.
  const std::string& str() const { return out_; }
  std::string Release() { return std::move(out_); }

  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  // Writes an object key; the next call writes its value.
  void Key(absl::string_view key);
  void String(absl::string_view value);
  // Java Double.toString formatting (50.0, 1.0E7); NaN/Infinity are not
  // JSON and are written as null.
  void Double(double value);
  void Int(int64_t value);
  void Bool(bool value);
  void Null();
  // Writes `values` as an array of strings (`[]` when empty).
  void StringArray(const std::vector<std::string>& values);
  // FormatCwTimestamp(t) as a string value, without a temporary.
  void CwTimestamp(absl::Time t);
  // Reserves room for `n` more bytes of output.
  void Reserve(size_t n) { out_.reserve(out_.size() + n); }
  // Inserts already-serialised JSON as a value.
  void Raw(absl::string_view json);

  // Appends `s` as a quoted JSON string to `out` (escaping ", \ and control
  // characters; other UTF-8 passes through).
  static void AppendQuoted(absl::string_view s, std::string* out);
  // The length of the longest prefix of `s` that AppendQuoted copies
  // unchanged (s.size() when nothing needs an escape).
  static size_t CleanPrefix(absl::string_view s);

 private:
  void BeforeValue();
  void NewLine();

  std::string out_;
  // Per open container: whether it already has an element.
  // (char, not bool: vector<bool> bit access showed up in profiles.)
  std::vector<char> has_element_;
  bool after_key_ = false;
  int indent_;
};

// Appends to a std::string through a raw pointer: one room check per write
// instead of std::string::append's bookkeeping, for texts built from many
// small pieces (StateReasonData, history items). The string is resized past
// the written bytes while appending and gets its final size in Finish() or
// the destructor; do not touch it in between.
//
//   std::string out;
//   StringAppender a(&out, 256);
//   a.Literal("{\"threshold\":");
//   a.JsonDouble(50);
//   a.Char('}');
//   a.Finish();  // out == {"threshold":50.0}
class StringAppender {
 public:
  // `expected`: bytes to make room for up front (more is added as needed).
  StringAppender(std::string* out, size_t expected) : out_(out) {
    const size_t used = out->size();
    out->resize(used + (expected < 64 ? 64 : expected));
    p_ = &(*out)[0] + used;
    end_ = &(*out)[0] + out->size();
  }
  StringAppender(const StringAppender&) = delete;
  StringAppender& operator=(const StringAppender&) = delete;
  ~StringAppender() { Finish(); }

  void Finish() {
    if (out_ == nullptr) return;
    out_->resize(static_cast<size_t>(p_ - out_->data()));
    out_ = nullptr;
  }

  template <size_t N>
  void Literal(const char (&text)[N]) {
    Room(N - 1);
    std::memcpy(p_, text, N - 1);
    p_ += N - 1;
  }
  void Append(absl::string_view text) {
    Room(text.size());
    std::memcpy(p_, text.data(), text.size());
    p_ += text.size();
  }
  void Char(char c) {
    Room(1);
    *p_++ = c;
  }
  void Int(int64_t value);
  // Java Double.toString (FormatJavaDouble).
  void JavaDouble(double value) {
    Room(kMaxJavaDoubleChars);
    p_ = WriteJavaDouble(value, p_);
  }
  // JsonWriter::Double's text: null for NaN and infinities.
  void JsonDouble(double value);
  void CwTimestamp(absl::Time t) {
    Room(kMaxTimestampChars);
    p_ = WriteCwTimestamp(t, p_);
  }
  // JsonWriter::CwTimestamp's text (the CW-ts in quotes).
  void QuotedCwTimestamp(absl::Time t) {
    Room(kMaxTimestampChars + 2);
    *p_++ = '"';
    p_ = WriteCwTimestamp(t, p_);
    *p_++ = '"';
  }
  void ReasonTimestamp(absl::Time t) {
    Room(kMaxTimestampChars);
    p_ = WriteReasonTimestamp(t, p_);
  }
  // JsonWriter::AppendQuoted's text.
  void Quoted(absl::string_view text);

 private:
  void Room(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) Grow(n);
  }
  void Grow(size_t n);

  std::string* out_;
  char* p_;
  char* end_;
};

}  // namespace cwalarm

#endif  // CWALARM_ALARM_JSON_WRITER_H_
