// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// CloudWatch units (the `StandardUnit` enum of PutMetricData and PutMetricAlarm).
//
// A sample published without a unit has unit `None` (spec 1.2, 3.2.4). An alarm
// with a `Unit` sees only samples published with exactly that unit; there is no
// conversion between units.
//
//   absl::StatusOr<Unit> u = ParseUnit("Bytes/Second");  // Unit::kBytesPerSecond
//   UnitName(Unit::kPercent);                              // "Percent"
//
// Thread-safety: free functions over immutable tables; safe from any thread.

#ifndef CWALARM_METRICS_UNIT_H_
#define CWALARM_METRICS_UNIT_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cwalarm {

// Every unit CloudWatch accepts, in the order of the API's enum.
enum class Unit : uint8_t {
  kSeconds,
  kMicroseconds,
  kMilliseconds,
  kBytes,
  kKilobytes,
  kMegabytes,
  kGigabytes,
  kTerabytes,
  kBits,
  kKilobits,
  kMegabits,
  kGigabits,
  kTerabits,
  kPercent,
  kCount,
  kBytesPerSecond,
  kKilobytesPerSecond,
  kMegabytesPerSecond,
  kGigabytesPerSecond,
  kTerabytesPerSecond,
  kBitsPerSecond,
  kKilobitsPerSecond,
  kMegabitsPerSecond,
  kGigabitsPerSecond,
  kTerabitsPerSecond,
  kCountPerSecond,
  kNone,
};

// Number of values in `Unit`.
inline constexpr int kUnitCount = static_cast<int>(Unit::kNone) + 1;

// Returns CloudWatch's spelling of `unit`, e.g. "Bytes/Second".
absl::string_view UnitName(Unit unit);

// Parses CloudWatch's spelling (case-sensitive, as the API is). Returns
// kInvalidArgument naming the value and listing the accepted units otherwise.
absl::StatusOr<Unit> ParseUnit(absl::string_view name);

}  // namespace cwalarm

#endif  // CWALARM_METRICS_UNIT_H_
