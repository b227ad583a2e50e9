// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target: ParseAlarmsTextProto. Whatever the bytes, the loader
// returns a Status or alarms that pass AlarmSpec::Validate and that an
// AlarmEvaluator accepts. Built by scripts/fuzz.sh.

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  cwalarm_fuzz::CheckAlarms(
      cwalarm::ParseAlarmsTextProto(text, "fuzz.textproto"));
  return 0;
}
