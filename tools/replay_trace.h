// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// What one alarm did during a replay (tools/replay.h `ReplayData`): its
// transitions, its action calls and the value of its newest bucket at each
// evaluation. Plain data, shared by the replay, the picture
// (tools/svg_plot.h), `cwalarm tune` and the C++ test API.
//
//   for (const ReplayTransition& t : trace.transitions) { ... t.new_state ... }
//
// Thread-safety: plain structs.

#ifndef CWALARM_TOOLS_REPLAY_TRACE_H_
#define CWALARM_TOOLS_REPLAY_TRACE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "actions/recording_sink.h"
#include "alarm/alarm_spec.h"
#include "alarm/alarm_state.h"

namespace cwalarm {

// One state change seen by a replay.
struct ReplayTransition {
  absl::Time at;
  AlarmState old_state;
  AlarmState new_state;
  std::string reason;
};

// The value of an alarm's newest bucket, `[anchor - Period, anchor)`, at one
// of its evaluations: the newest datapoint that evaluation saw (spec
// 3.2.1). nullopt when the bucket had no data (and, for ExtendedStatistic
// alarms, always: their value is not recomputed here).
struct BucketValue {
  absl::Time evaluated_at;
  absl::Time bucket_start;
  std::optional<double> value;
};

// Everything one alarm did during a replay.
struct AlarmTrace {
  AlarmSpec spec;
  // The state right after creation (and `--initial-state`).
  AlarmState initial_state = AlarmState::kInsufficientData;
  std::vector<ReplayTransition> transitions;  // In time order.
  std::vector<RecordedAction> actions;        // In call order.
  std::vector<BucketValue> buckets;           // One per evaluation.
};

}  // namespace cwalarm

#endif  // CWALARM_TOOLS_REPLAY_TRACE_H_
