// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "metrics/unit.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace cwalarm {
namespace {

constexpr absl::string_view kUnitNames[kUnitCount] = {
    "Seconds",          "Microseconds",     "Milliseconds",
    "Bytes",            "Kilobytes",        "Megabytes",
    "Gigabytes",        "Terabytes",        "Bits",
    "Kilobits",         "Megabits",         "Gigabits",
    "Terabits",         "Percent",          "Count",
    "Bytes/Second",     "Kilobytes/Second", "Megabytes/Second",
    "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
    "Kilobits/Second",  "Megabits/Second",  "Gigabits/Second",
    "Terabits/Second",  "Count/Second",     "None",
};

}  // namespace

absl::string_view UnitName(Unit unit) {
  return kUnitNames[static_cast<int>(unit)];
}

absl::StatusOr<Unit> ParseUnit(absl::string_view name) {
  for (int i = 0; i < kUnitCount; ++i) {
    if (kUnitNames[i] == name) return static_cast<Unit>(i);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "Unit \"", name, "\" is not a CloudWatch unit; expected one of [",
      absl::StrJoin(kUnitNames, ", "), "]"));
}

}  // namespace cwalarm
