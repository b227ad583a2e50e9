// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target: the AlarmRule parser (spec 5.2). A rule that parses
// keeps its text, evaluates over every child in each state without
// crashing, and parses again from its own text to the same children; a
// refusal is kInvalidArgument. Built by scripts/fuzz.sh.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "alarm/alarm_rule.h"
#include "alarm/alarm_state.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<cwalarm::AlarmRule> rule = cwalarm::AlarmRule::Parse(text);
  if (!rule.ok()) {
    if (rule.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  if (rule->text() != text) std::abort();
  for (cwalarm::AlarmState s :
       {cwalarm::AlarmState::kOk, cwalarm::AlarmState::kAlarm,
        cwalarm::AlarmState::kInsufficientData}) {
    std::vector<cwalarm::AlarmState> states(rule->children().size(), s);
    (void)rule->Evaluate(states);
  }
  absl::StatusOr<cwalarm::AlarmRule> again =
      cwalarm::AlarmRule::Parse(rule->text());
  if (!again.ok() || again->children() != rule->children()) std::abort();
  return 0;
}
