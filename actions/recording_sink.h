// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// RecordingSink: an ActionSink that keeps every action it is asked to run,
// for tests (ours and users') and for `cwalarm replay`.
//
//   RecordingSink sink;
//   AlarmEvaluator evaluator(&store, &sink);
//   ...
//   ASSERT_EQ(sink.actions().size(), 1);
//   EXPECT_EQ(sink.actions()[0].new_state, AlarmState::kAlarm);
//
// It can be told to fail (`FailWith`) so tests can check that a failing
// action never undoes a transition. A failed call is recorded too, with
// `succeeded == false`.
//
// Thread-safety: not thread-safe (the evaluator calls sinks from one thread).
// Not copyable.

#ifndef CWALARM_ACTIONS_RECORDING_SINK_H_
#define CWALARM_ACTIONS_RECORDING_SINK_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "alarm/action_sink.h"
#include "alarm/alarm_state.h"

namespace cwalarm {

// A copy of one StateChange, safe to keep after the call.
struct RecordedAction {
  std::string alarm_name;
  std::string alarm_arn;
  std::string action;
  AlarmState old_state = AlarmState::kInsufficientData;
  AlarmState new_state = AlarmState::kInsufficientData;
  std::string new_reason;
  std::string new_reason_data;
  absl::Time timestamp;
  bool succeeded = true;
};

class RecordingSink : public ActionSink {
 public:
  RecordingSink() = default;

  // Every call so far, in call order.
  const std::vector<RecordedAction>& actions() const { return actions_; }

  // From now on, every Execute returns `status` (OkStatus() to succeed
  // again).
  void FailWith(absl::Status status) { fail_with_ = std::move(status); }

  // Forgets the recorded actions. Their records are kept aside and reused
  // by later calls (their strings keep their capacity), so a caller that
  // clears every round, as a replay does, allocates nothing once warm; the
  // sink keeps the memory of the most records it held before a Clear.
  void Clear();

  // Records `change` and returns the configured status (OK by default).
  absl::Status Execute(const StateChange& change) override;

 private:
  std::vector<RecordedAction> actions_;
  // Records forgotten by Clear, for Execute to fill again.
  std::vector<RecordedAction> spare_;
  absl::Status fail_with_;
};

}  // namespace cwalarm

#endif  // CWALARM_ACTIONS_RECORDING_SINK_H_
