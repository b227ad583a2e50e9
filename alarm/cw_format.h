// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// CloudWatch's text formats for numbers and instants.
//
// Numbers in StateReason, StateReasonData and SNS messages are printed the
// way Java's `Double.toString` prints them (spec 4.5): the shortest decimal
// that reads back as the same double, always with a decimal point, and in
// "computerized scientific" notation outside [1e-3, 1e7):
//
//   FormatJavaDouble(50);          // "50.0"
//   FormatJavaDouble(1e7);         // "1.0E7"   ([OPEN] in the spec; this is Java)
//   FormatCwTimestamp(t);          // "2019-10-02T17:04:40.985+0000"
//   FormatReasonTimestamp(t);      // "02/10/19 16:59:00"
//
// The timestamp formatters compute the UTC fields with integer arithmetic
// (no time-zone lookup); they print exactly what absl::FormatTime prints.
//
// Java before JDK 19 occasionally printed a longer digit string than the
// shortest; we follow the shortest-digits rule of JDK 19+ (Ryu-like), which
// agrees with every sample in the spec.
//
// Thread-safety: pure functions. The CW-ts and reason-timestamp writers
// keep a small per-thread cache (thread_local) of the last instants and
// days printed; it never changes what they print.

#ifndef CWALARM_ALARM_CW_FORMAT_H_
#define CWALARM_ALARM_CW_FORMAT_H_

#include <cstddef>
#include <string>

#include "absl/time/time.h"

namespace cwalarm {

// Room the Write* functions below need at `out`.
inline constexpr size_t kMaxJavaDoubleChars = 32;
inline constexpr size_t kMaxTimestampChars = 64;

// Java `Double.toString(value)`.
std::string FormatJavaDouble(double value);
// Writes FormatJavaDouble(value) at `out` (kMaxJavaDoubleChars of room) and
// returns the end.
char* WriteJavaDouble(double value, char* out);
// Appends FormatJavaDouble(value) to `out` without a temporary.
void AppendJavaDouble(double value, std::string* out);

namespace cw_format_internal {
// FormatJavaDouble's general path alone (shortest round-trip digits laid
// out as Java does, with temporaries), which the fast paths must agree
// with: exposed for cw_format_test only.
std::string FormatJavaDoubleGeneral(double value);
}  // namespace cw_format_internal

// CW-ts: `yyyy-MM-dd'T'HH:mm:ss.SSS+0000` in UTC, milliseconds truncated.
std::string FormatCwTimestamp(absl::Time t);

// Appends FormatCwTimestamp(t) to `out` without a temporary.
void AppendCwTimestamp(absl::Time t, std::string* out);
// Writes FormatCwTimestamp(t) at `out` (kMaxTimestampChars of room) and
// returns the end.
char* WriteCwTimestamp(absl::Time t, char* out);

// ISO 8601 with milliseconds and `Z`, as the Query API returns timestamps:
// `2019-10-02T17:04:40.985Z`.
std::string FormatIsoTimestamp(absl::Time t);

// Datapoint timestamps inside StateReason: `dd/MM/yy HH:mm:ss` in UTC.
std::string FormatReasonTimestamp(absl::Time t);
// Appends FormatReasonTimestamp(t) to `out` without a temporary.
void AppendReasonTimestamp(absl::Time t, std::string* out);
// Writes FormatReasonTimestamp(t) at `out` (kMaxTimestampChars of room) and
// returns the end.
char* WriteReasonTimestamp(absl::Time t, char* out);

// Composite-alarm reasons: `Friday 22 July, 2022 15:57:45 UTC` (spec 4.5 #9).
std::string FormatLongTimestamp(absl::Time t);

}  // namespace cwalarm

#endif  // CWALARM_ALARM_CW_FORMAT_H_
