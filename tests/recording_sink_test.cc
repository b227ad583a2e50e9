// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// RecordingSink: every Execute is recorded as a copy of its StateChange,
// and Clear forgets them. Clear keeps the records aside for reuse (a
// replay clears every minute); a reused record must hold exactly what a
// fresh one would, nothing of its previous use.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "actions/recording_sink.h"
#include "alarm/action_sink.h"
#include "alarm/alarm_spec.h"
#include "alarm/alarm_state.h"
#include "gtest/gtest.h"

namespace cwalarm {
namespace {

StateChange Change(const AlarmSpec* spec, std::string arn, std::string action,
                   std::string reason, std::string data, int64_t seconds) {
  StateChange c;
  c.alarm = spec;
  c.alarm_arn = std::move(arn);
  c.action = std::move(action);
  c.old_state = AlarmState::kOk;
  c.new_state = AlarmState::kAlarm;
  c.new_reason = std::move(reason);
  c.new_reason_data = std::move(data);
  c.timestamp = absl::FromUnixSeconds(seconds);
  return c;
}

void ExpectRecorded(const RecordedAction& a, const RecordedAction& want) {
  EXPECT_EQ(a.alarm_name, want.alarm_name);
  EXPECT_EQ(a.alarm_arn, want.alarm_arn);
  EXPECT_EQ(a.action, want.action);
  EXPECT_EQ(a.old_state, want.old_state);
  EXPECT_EQ(a.new_state, want.new_state);
  EXPECT_EQ(a.new_reason, want.new_reason);
  EXPECT_EQ(a.new_reason_data, want.new_reason_data);
  EXPECT_EQ(a.timestamp, want.timestamp);
  EXPECT_EQ(a.succeeded, want.succeeded);
}

// Records after Clear (reused ones) equal what a fresh sink records for the
// same calls: a metric alarm's name from its spec, a composite's from the
// ARN after ":alarm:", none when the ARN has no such part (not the name a
// reused record held before), empty reason data, and a failed call.
TEST(RecordingSinkTest, ReusedRecordsAfterClearEqualFreshOnes) {
  AlarmSpec spec;
  spec.alarm_name = "a-long-metric-alarm-name-beyond-the-inline-buffer";
  const std::string long_text(300, 'x');
  RecordingSink reused;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(reused
                    .Execute(Change(&spec, "arn:aws:cloudwatch:r:1:alarm:old",
                                    "arn:aws:sns:r:1:" + long_text, long_text,
                                    "{\"k\":\"" + long_text + "\"}", 100 + i))
                    .ok());
  }
  reused.Clear();
  EXPECT_TRUE(reused.actions().empty());

  const std::vector<StateChange> calls = {
      Change(nullptr, "arn:aws:cloudwatch:r:1:alarm:composite-1", "arn:b",
             "r1", "", 200),
      Change(nullptr, "no-alarm-part-in-this-arn", "arn:c", "r2", "{}", 201),
      Change(&spec, "arn:aws:cloudwatch:r:1:alarm:x", "arn:d", "", "", 202),
  };
  RecordingSink fresh;
  for (size_t i = 0; i < calls.size(); ++i) {
    if (i == 2) {
      reused.FailWith(absl::UnavailableError("down"));
      fresh.FailWith(absl::UnavailableError("down"));
    }
    EXPECT_EQ(reused.Execute(calls[i]).code(), fresh.Execute(calls[i]).code());
  }
  ASSERT_EQ(reused.actions().size(), calls.size());
  ASSERT_EQ(fresh.actions().size(), calls.size());
  for (size_t i = 0; i < calls.size(); ++i) {
    SCOPED_TRACE(i);
    ExpectRecorded(reused.actions()[i], fresh.actions()[i]);
  }
  EXPECT_EQ(fresh.actions()[0].alarm_name, "composite-1");
  EXPECT_EQ(fresh.actions()[1].alarm_name, "");
  EXPECT_FALSE(fresh.actions()[2].succeeded);
}

}  // namespace
}  // namespace cwalarm
