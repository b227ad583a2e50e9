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

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

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

}  // namespace cwalarm

#endif  // CWALARM_ALARM_JSON_WRITER_H_
