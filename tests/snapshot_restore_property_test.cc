// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Property (issue 8): a replay interrupted at random points by SaveSnapshot
// + RestoreSnapshot into fresh objects gives byte-identical output (every
// history item, every action delivered to the sink, every final status) to
// the uninterrupted replay, so no action is lost or repeated. Random alarms
// and data come from the differential trial's generators; fixed seeds.
// Also: a damaged snapshot file is refused and nothing is restored.

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "actions/recording_sink.h"
#include "alarm/alarm_evaluator.h"
#include "alarm/alarm_history.h"
#include "alarm/alarm_spec.h"
#include "config/snapshot.pb.h"
#include "config/snapshot_file.h"
#include "config/snapshot_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/datapoint.h"
#include "metrics/metric_store.h"
#include "tests/testing/differential_trial.h"
#include "tests/testing/status_matchers.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::IsOk;
using ::cwalarm_testing::StatusIs;
using ::testing::HasSubstr;
using Trial = ::cwalarm_testing::Trial<std::mt19937_64>;

std::string NewDir() {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string tmpl =
      absl::StrCat(base != nullptr ? base : "/tmp", "/cwalarm_restore_XXXXXX");
  EXPECT_NE(::mkdtemp(tmpl.data()), nullptr);
  return tmpl;
}

std::string Line(const AlarmHistoryItem& h) {
  return absl::StrCat(h.alarm_name, "|", h.alarm_type, "|",
                      absl::FormatTime(h.timestamp, absl::UTCTimeZone()), "|",
                      HistoryItemTypeName(h.type), "|", h.summary, "|", h.data,
                      "\n");
}

// Runs seed's replay; restarts from a snapshot before a tick with
// probability `restart` (0: never). Returns the whole output.
std::string Replay(uint64_t seed, double restart, const std::string& dir,
                   int* restarts) {
  Trial t(seed, std::mt19937_64(seed));
  std::mt19937_64 interrupt(seed ^ 0xABCDEFull);
  const bool drop = seed % 2 == 1;
  RecordingSink sink;
  auto store = std::make_unique<MetricStore>();
  auto evaluator = std::make_unique<AlarmEvaluator>(store.get(), &sink);
  absl::Time now =
      absl::FromUnixSeconds(cwalarm_testing::kStart + t.Uniform(0, 3599));
  std::vector<AlarmSpec> specs;
  const int alarm_count = t.Uniform(1, 4);
  int64_t max_period = 60;
  for (int i = 0; i < alarm_count; ++i) {
    specs.push_back(t.RandomAlarm(i));
    max_period = std::max(max_period, absl::ToInt64Seconds(specs.back().period));
  }
  std::string out;
  int created = 0;
  const std::string path = dir + "/state.snap";
  for (int tick = 0; tick < 240; ++tick) {
    if (restart > 0 &&
        std::bernoulli_distribution(restart)(interrupt)) {
      absl::Status saved = SaveSnapshot(path, *store, *evaluator);
      if (!saved.ok()) return absl::StrCat("save failed: ", saved.ToString());
      evaluator.reset();
      store.reset();
      absl::StatusOr<RestoredEvaluator> r = RestoreSnapshot(path, &sink);
      if (!r.ok()) return absl::StrCat("restore failed: ", r.status().ToString());
      store = std::move(r->store);
      evaluator = std::move(r->evaluator);
      ++*restarts;
    }
    now += absl::Seconds(30);
    if (created < alarm_count && t.Chance(0.3)) {
      (void)evaluator->PutMetricAlarm(specs[created++], now);
    } else if (created > 0 && t.Chance(0.01)) {
      (void)evaluator->DeleteAlarm(absl::StrCat("alarm-", t.Uniform(0, created - 1)),
                                   now);
    }
    const int data = t.Chance(0.7) ? t.Uniform(1, 3) : 0;
    for (int k = 0; k < data; ++k) {
      (void)store->Put(t.RandomDatum(now, max_period), "d");
    }
    if (t.Chance(0.9)) {
      evaluator->Evaluate(now);
      if (drop) store->DropBefore(evaluator->RetentionHorizon(now));
      if (t.Chance(0.7)) {
        for (const AlarmHistoryItem& h : evaluator->TakeHistory()) {
          out += Line(h);
        }
      }
    }
  }
  for (const AlarmHistoryItem& h : evaluator->TakeHistory()) out += Line(h);
  for (const AlarmDescription& d : evaluator->DescribeAlarms()) {
    absl::StrAppend(&out, "final ", d.spec->alarm_name, " ",
                    AlarmStateName(d.status->state), " ", d.status->reason,
                    "\n");
  }
  for (const RecordedAction& c : sink.actions()) {
    absl::StrAppend(&out, "action ", c.alarm_name, " ",
                    AlarmStateName(c.new_state), " ", c.action, " ",
                    absl::FormatTime(c.timestamp, absl::UTCTimeZone()), "\n");
  }
  return out;
}

TEST(SnapshotRestorePropertyTest, InterruptedReplayIsByteIdentical) {
  const std::string dir = NewDir();
  int restarts = 0;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    int unused = 0;
    const std::string straight = Replay(seed, 0, dir, &unused);
    const std::string interrupted = Replay(seed, 0.08, dir, &restarts);
    ASSERT_EQ(straight, interrupted) << "seed " << seed;
  }
  EXPECT_GT(restarts, 500);  // The interruptions did happen.
}

TEST(SnapshotRestorePropertyTest, ReplaysProduceHistoryAndActions) {
  // Guards against a vacuous comparison.
  int unused = 0;
  std::string all;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    all += Replay(seed, 0, NewDir(), &unused);
  }
  EXPECT_THAT(all, HasSubstr("StateUpdate"));
  EXPECT_THAT(all, HasSubstr("action "));
}

TEST(SnapshotRestorePropertyTest, DamagedSnapshotIsRefusedAndNothingRestored) {
  const std::string dir = NewDir();
  const std::string path = dir + "/state.snap";
  RecordingSink sink;
  MetricStore store;
  AlarmEvaluator evaluator(&store, &sink);
  Trial t(7, std::mt19937_64(7));
  ASSERT_THAT(evaluator.PutMetricAlarm(t.RandomAlarm(0),
                                       absl::FromUnixSeconds(1767225600)),
              IsOk());
  ASSERT_THAT(SaveSnapshot(path, store, evaluator), IsOk());
  absl::StatusOr<std::string> bytes = ReadSnapshotFile(path);
  ASSERT_THAT(bytes.status(), IsOk());
  // A payload that is not an EvaluatorSnapshot, in a valid envelope.
  ASSERT_THAT(WriteSnapshotFile(path, "\xff\xff\xff garbage"), IsOk());
  EXPECT_THAT(RestoreSnapshot(path, &sink).status(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("not an EvaluatorSnapshot")));
  // Valid protobuf, unknown schema version.
  EXPECT_THAT(DeserializeEvaluatorState("\x08\x63", &sink).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("schema version 99")));
}

TEST(SnapshotRestorePropertyTest, ExtendedStatisticAlarmsAreNotSavedYet) {
  RecordingSink sink;
  MetricStore store;
  AlarmEvaluator evaluator(&store, &sink);
  Trial t(3, std::mt19937_64(3));
  AlarmSpec spec = t.RandomAlarm(0);
  spec.statistic.reset();
  spec.extended_statistic = "p90";
  ASSERT_THAT(evaluator.PutMetricAlarm(spec, absl::FromUnixSeconds(1767225600)),
              IsOk());
  EXPECT_THAT(SerializeEvaluatorState(store, evaluator).status(),
              StatusIs(absl::StatusCode::kUnimplemented,
                       HasSubstr("raw samples")));
}

// A saved evaluator with two alarms, as snapshot bytes.
std::string TwoAlarmSnapshot(RecordingSink* sink) {
  MetricStore store;
  AlarmEvaluator evaluator(&store, sink);
  Trial t(11, std::mt19937_64(11));
  const absl::Time t0 = absl::FromUnixSeconds(1767225600);
  EXPECT_THAT(evaluator.PutMetricAlarm(t.RandomAlarm(0), t0), IsOk());
  EXPECT_THAT(evaluator.PutMetricAlarm(t.RandomAlarm(1), t0), IsOk());
  absl::StatusOr<std::string> bytes = SerializeEvaluatorState(store, evaluator);
  EXPECT_THAT(bytes.status(), IsOk());
  return bytes.value_or("");
}

TEST(SnapshotRestoreTest, OutOfRangeEnumIsDataLoss) {
  RecordingSink sink;
  config::EvaluatorSnapshot snap;
  ASSERT_TRUE(snap.ParseFromString(TwoAlarmSnapshot(&sink)));
  snap.mutable_slots(1)->set_state(7);
  EXPECT_THAT(DeserializeEvaluatorState(snap.SerializeAsString(), &sink).status(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("alarm state is out of range")));
  ASSERT_TRUE(snap.ParseFromString(TwoAlarmSnapshot(&sink)));
  snap.mutable_slots(0)->mutable_spec()->set_comparison_operator(-1);
  EXPECT_THAT(DeserializeEvaluatorState(snap.SerializeAsString(), &sink).status(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("comparison_operator is out of range")));
}

TEST(SnapshotRestoreTest, RepeatedAlarmNameIsRefused) {
  RecordingSink sink;
  config::EvaluatorSnapshot snap;
  ASSERT_TRUE(snap.ParseFromString(TwoAlarmSnapshot(&sink)));
  snap.mutable_slots(1)->mutable_spec()->set_alarm_name(
      snap.slots(0).spec().alarm_name());
  EXPECT_THAT(DeserializeEvaluatorState(snap.SerializeAsString(), &sink).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("appears twice in the state")));
}

TEST(SnapshotRestoreTest, InconsistentFreeSlotsAreRefused) {
  RecordingSink sink;
  config::EvaluatorSnapshot snap;
  ASSERT_TRUE(snap.ParseFromString(TwoAlarmSnapshot(&sink)));
  snap.add_free_slots(0);  // Slot 0 is live.
  EXPECT_THAT(DeserializeEvaluatorState(snap.SerializeAsString(), &sink).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("free_slots must list exactly the free slots")));
}

TEST(SnapshotRestoreTest, InvalidSpecIsRefused) {
  RecordingSink sink;
  config::EvaluatorSnapshot snap;
  ASSERT_TRUE(snap.ParseFromString(TwoAlarmSnapshot(&sink)));
  snap.mutable_slots(0)->mutable_spec()->set_period_seconds(45);
  EXPECT_THAT(DeserializeEvaluatorState(snap.SerializeAsString(), &sink).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("Period must be 10, 20, 30 or a multiple of 60")));
}

TEST(SnapshotRestoreTest, ImportIntoAUsedEvaluatorIsFailedPrecondition) {
  RecordingSink sink;
  MetricStore store;
  AlarmEvaluator evaluator(&store, &sink);
  Trial t(5, std::mt19937_64(5));
  ASSERT_THAT(evaluator.PutMetricAlarm(t.RandomAlarm(0),
                                       absl::FromUnixSeconds(1767225600)),
              IsOk());
  EXPECT_THAT(evaluator.ImportState({}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("not empty")));
}

}  // namespace
}  // namespace cwalarm
