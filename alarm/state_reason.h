// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// StateReason text and StateReasonData JSON of an evaluation-driven
// transition, byte for byte as CloudWatch writes them (spec 4.5, 4.6).
//
// Built only when the state changes: the evaluator calls `BuildStateReason`
// with the evaluation range it decided on and the Decision.
//
//   StateReason r = BuildStateReason(spec, range, decision,
//                                    AlarmState::kAlarm, query_date, form);
//   r.reason;  // "Threshold Crossed: 3 out of the last 3 datapoints [...] ..."
//
// Thread-safety: pure function.

#ifndef CWALARM_ALARM_STATE_REASON_H_
#define CWALARM_ALARM_STATE_REASON_H_

#include <string>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "alarm/alarm_spec.h"
#include "alarm/alarm_state.h"
#include "alarm/evaluation_window.h"
#include "metrics/datapoint.h"

namespace cwalarm {

// One bucket of the evaluation range with its datapoint, if any.
struct RangeBucket {
  absl::Time start;  // The bucket start (the datapoint's timestamp).
  bool present = false;
  double value = 0;
  double sample_count = 0;
  bool breaching = false;
  // Anomaly alarms: the band at this bucket (spec 1.6, 3.8).
  bool has_band = false;
  double lower = 0;
  double upper = 0;
};

// Which threshold-crossed template to use (spec 4.5 #4 and #5): the long
// "k out of the last N datapoints ... (minimum X datapoints for ...)" form or
// the short "k datapoints [...]" form. kAuto picks the long form iff
// DatapointsToAlarm was configured, as the spec recommends.
enum class ReasonForm { kAuto, kLong, kShort };

struct StateReason {
  std::string reason;
  std::string reason_data;  // Compact JSON.
};

// Builds the reason for a transition to `new_state` decided by `decision`
// over `range` (oldest first, as given to Decide). `query_date` is the
// evaluation instant.
StateReason BuildStateReason(const AlarmSpec& spec,
                             absl::Span<const RangeBucket> range,
                             const Decision& decision, AlarmState new_state,
                             absl::Time query_date, ReasonForm form);

// BuildStateReason into `*reason` and `*reason_data`, which are cleared
// first and keep their capacity (the evaluator reuses two buffers for every
// transition). Same bytes as BuildStateReason.
void BuildStateReasonInto(const AlarmSpec& spec,
                          absl::Span<const RangeBucket> range,
                          const Decision& decision, AlarmState new_state,
                          absl::Time query_date, ReasonForm form,
                          std::string* reason, std::string* reason_data);

// BuildStateReasonInto with the threshold given apart: `spec.threshold` is
// not read, `threshold` is used where BuildStateReasonInto uses
// `spec.threshold.value_or(0)`. The evaluator passes its shared alarm
// "shape" (threshold value cleared) and the alarm's threshold, so a
// transition does not rebuild the whole spec.
void BuildStateReasonInto(const AlarmSpec& spec, double threshold,
                          absl::Span<const RangeBucket> range,
                          const Decision& decision, AlarmState new_state,
                          absl::Time query_date, ReasonForm form,
                          std::string* reason, std::string* reason_data);

}  // namespace cwalarm

#endif  // CWALARM_ALARM_STATE_REASON_H_
