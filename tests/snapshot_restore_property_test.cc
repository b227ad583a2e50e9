// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Property (issue 8): a replay interrupted at random points by SaveSnapshot
// + RestoreSnapshot into fresh objects gives byte-identical output (every
// history item, every action delivered to the sink, every final status) to
// the uninterrupted replay, so no action is lost or repeated. Random alarms
// and data come from the differential trial's generators; fixed seeds. A
// second replay mixes in ExtendedStatistic alarms (raw samples, exact and
// sketched) and composite alarms with actions suppressors.
// Also: a damaged snapshot file is refused and nothing is restored.

#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "actions/recording_sink.h"
#include "alarm/alarm_evaluator.h"
#include "alarm/alarm_history.h"
#include "alarm/alarm_json.h"
#include "alarm/alarm_spec.h"
#include "alarm/alarm_state.h"
#include "alarm/composite_alarm.h"
#include "alarm/composite_evaluator.h"
#include "alarm/json_writer.h"
#include "config/snapshot.pb.h"
#include "config/snapshot_file.h"
#include "config/snapshot_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/datapoint.h"
#include "metrics/metric_store.h"
#include "metrics/unit.h"
#include "tests/testing/differential_trial.h"
#include "tests/testing/status_matchers.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::IsOk;
using ::cwalarm_testing::StatusIs;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
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

// What to mix into a replay besides standard-statistic alarms.
struct Mix {
  bool extended = false;    // Some alarms use an ExtendedStatistic.
  bool composites = false;  // Composite alarms over the metric alarms.
  bool math = false;        // Some alarms use a metric-math Metrics list.
};

// `s` as a metric-math alarm on the same metric: the statistic through a
// MetricStat entry and an expression over it (spec 1.7).
AlarmSpec AsMathAlarm(AlarmSpec s, int variant) {
  MetricDataQuery m1;
  m1.id = "m1";
  m1.metric_stat = MetricStat{s.metric, s.period,
                              s.statistic ? std::string(StatisticName(*s.statistic))
                                          : *s.extended_statistic,
                              s.unit};
  m1.return_data = false;
  MetricDataQuery e1;
  e1.id = "e1";
  e1.expression = variant == 0 ? "m1 * 2" : "FILL(m1, 0) + 1";
  s.metrics = {m1, e1};
  s.metric = MetricId();
  s.statistic.reset();
  s.extended_statistic.reset();
  s.period = absl::ZeroDuration();
  s.unit.reset();
  return s;
}

// How many restarts happened, and how many had something to carry over.
struct Restarts {
  int total = 0;
  int with_samples = 0;     // Some metric kept raw samples.
  int with_composites = 0;  // Some composite alarm existed.
};

// A composite over the metric alarms created so far (and earlier
// composites), sometimes with an actions suppressor.
CompositeAlarmSpec RandomComposite(Trial& t, int index, int metric_alarms) {
  static const char* const kStates[] = {"ALARM", "OK", "INSUFFICIENT_DATA"};
  CompositeAlarmSpec c;
  c.alarm_name = absl::StrCat("comp-", index);
  auto term = [&]() {
    std::string child =
        index > 0 && t.Chance(0.3)
            ? absl::StrCat("comp-", t.Uniform(0, index - 1))
            : absl::StrCat("alarm-", t.Uniform(0, metric_alarms - 1));
    std::string x = absl::StrCat(kStates[t.Uniform(0, 2)], "(\"", child, "\")");
    return t.Chance(0.2) ? absl::StrCat("NOT ", x) : x;
  };
  c.alarm_rule = term();
  for (int k = t.Uniform(0, 2); k > 0; --k) {
    absl::StrAppend(&c.alarm_rule, t.Chance(0.5) ? " AND " : " OR ", term());
  }
  c.alarm_actions = {cwalarm_testing::kTopic};
  if (t.Chance(0.6)) c.ok_actions = {cwalarm_testing::kTopic};
  if (t.Chance(0.5)) {
    c.actions_suppressor = absl::StrCat("alarm-", t.Uniform(0, metric_alarms - 1));
    c.actions_suppressor_wait_period = absl::Seconds(60 * t.Uniform(0, 5));
    c.actions_suppressor_extension_period = absl::Seconds(60 * t.Uniform(0, 5));
  }
  return c;
}

// Runs seed's replay; restarts from a snapshot before a tick with
// probability `restart` (0: never). Returns the whole output.
std::string Replay(uint64_t seed, double restart, const std::string& dir,
                   Restarts* restarts, Mix mix = {}) {
  static const char* const kExtended[] = {"p90", "p50", "p99.9", "tm90",
                                          "IQM", "p0"};
  Trial t(seed, std::mt19937_64(seed));
  std::mt19937_64 interrupt(seed ^ 0xABCDEFull);
  const bool drop = seed % 2 == 1;
  RecordingSink sink;
  auto store = std::make_unique<MetricStore>();
  auto evaluator = std::make_unique<AlarmEvaluator>(store.get(), &sink);
  auto composites = std::make_unique<CompositeEvaluator>(&sink);
  absl::Time now =
      absl::FromUnixSeconds(cwalarm_testing::kStart + t.Uniform(0, 3599));
  std::vector<AlarmSpec> specs;
  const int alarm_count = t.Uniform(1, 4);
  int64_t max_period = 60;
  for (int i = 0; i < alarm_count; ++i) {
    specs.push_back(t.RandomAlarm(i));
    if (mix.extended && t.Chance(0.5)) {
      specs.back().statistic.reset();
      specs.back().extended_statistic = kExtended[t.Uniform(0, 5)];
    }
    max_period = std::max(max_period, absl::ToInt64Seconds(specs.back().period));
    if (mix.math && t.Chance(0.4)) {
      specs.back() = AsMathAlarm(specs.back(), t.Uniform(0, 1));
    }
  }
  std::string out;
  auto take_history = [&]() {
    for (const AlarmHistoryItem& h : evaluator->TakeHistory()) out += Line(h);
    for (const AlarmHistoryItem& h : composites->TakeHistory()) out += Line(h);
  };
  int created = 0;
  int composites_created = 0;
  const std::string path = dir + "/state.snap";
  for (int tick = 0; tick < 240; ++tick) {
    if (restart > 0 &&
        std::bernoulli_distribution(restart)(interrupt)) {
      absl::Status saved = SaveSnapshot(path, *store, *evaluator,
                                        mix.composites ? composites.get()
                                                       : nullptr);
      if (!saved.ok()) return absl::StrCat("save failed: ", saved.ToString());
      bool samples = false;
      for (MetricIndex m = 0; m < store->metric_count(); ++m) {
        samples |= store->samples_enabled(m);
      }
      restarts->with_samples += samples ? 1 : 0;
      restarts->with_composites += composites->alarm_count() > 0 ? 1 : 0;
      composites.reset();
      evaluator.reset();
      store.reset();
      absl::StatusOr<RestoredEvaluator> r = RestoreSnapshot(path, &sink);
      if (!r.ok()) return absl::StrCat("restore failed: ", r.status().ToString());
      store = std::move(r->store);
      evaluator = std::move(r->evaluator);
      composites = r->composites != nullptr
                       ? std::move(r->composites)
                       : std::make_unique<CompositeEvaluator>(&sink);
      ++restarts->total;
    }
    now += absl::Seconds(30);
    if (created < alarm_count && t.Chance(0.3)) {
      const AlarmSpec& spec = specs[created++];
      (void)evaluator->PutMetricAlarm(spec, now);
      if (mix.composites) {
        // Registered at once, so that composites may name it.
        (void)composites->OnAlarmState(spec.alarm_name,
                                       AlarmState::kInsufficientData, now);
      }
    } else if (created > 0 && t.Chance(0.01)) {
      (void)evaluator->DeleteAlarm(absl::StrCat("alarm-", t.Uniform(0, created - 1)),
                                   now);
    } else if (mix.composites && created > 0 && composites_created < 4 &&
               t.Chance(0.05)) {
      (void)composites->PutCompositeAlarm(
          RandomComposite(t, composites_created++, created), now);
    }
    const int data = t.Chance(0.7) ? t.Uniform(1, 3) : 0;
    for (int k = 0; k < data; ++k) {
      (void)store->Put(t.RandomDatum(now, max_period), "d");
    }
    if (mix.extended && t.Chance(0.02)) {
      // A burst of distinct values in one cell: its raw samples become a
      // sketch (more than 1024 distinct values, metrics/sample_distribution.h).
      MetricDatum burst = t.RandomDatum(now, max_period);
      burst.value.reset();
      burst.statistic_values.reset();
      burst.counts.clear();
      for (int b = 0; b < 8; ++b) {
        burst.values.clear();
        for (int v = 0; v < 150; ++v) {
          burst.values.push_back(0.5 + b * 150 + v + 0.001 * t.Uniform(0, 999));
        }
        (void)store->Put(burst, "burst");
      }
    }
    if (t.Chance(0.9)) {
      evaluator->Evaluate(now);
      if (mix.composites) {
        (void)composites->AdvanceTo(now);
        // Tell the composites every live alarm's state (an unchanged state
        // changes nothing), so the driver keeps no state of its own.
        for (const AlarmDescription& d : evaluator->DescribeAlarms()) {
          (void)composites->OnAlarmState(d.spec->alarm_name, d.status->state,
                                         now);
        }
      }
      if (drop) store->DropBefore(evaluator->RetentionHorizon(now));
      if (t.Chance(0.7)) take_history();
    }
  }
  take_history();
  for (const AlarmDescription& d : evaluator->DescribeAlarms()) {
    absl::StrAppend(&out, "final ", d.spec->alarm_name, " ",
                    AlarmStateName(d.status->state), " ", d.status->reason,
                    "\n");
  }
  for (const CompositeAlarmDescription& d : composites->DescribeAlarms()) {
    absl::StrAppend(&out, "final ", d.spec->alarm_name, " ",
                    AlarmStateName(d.status->state), " ", d.status->reason, " ",
                    ActionsSuppressedByName(d.suppression->mode), "\n");
  }
  for (const RecordedAction& c : sink.actions()) {
    absl::StrAppend(&out, "action ", c.alarm_name, " ",
                    AlarmStateName(c.new_state), " ", c.action, " ",
                    absl::FormatTime(c.timestamp, absl::UTCTimeZone()), "\n");
  }
  return out;
}

// The "action" lines that occur more than once: an action repeated under
// the same idempotency key (alarm, state change time, ARN).
std::vector<std::string> RepeatedActions(const std::string& output) {
  std::map<std::string, int> seen;
  std::vector<std::string> repeated;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    if (absl::StartsWith(line, "action ") && ++seen[std::string(line)] == 2) {
      repeated.emplace_back(line);
    }
  }
  return repeated;
}

TEST(SnapshotRestorePropertyTest, InterruptedReplayIsByteIdentical) {
  const std::string dir = NewDir();
  Restarts restarts;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    Restarts unused;
    const std::string straight = Replay(seed, 0, dir, &unused);
    const std::string interrupted = Replay(seed, 0.08, dir, &restarts);
    ASSERT_EQ(straight, interrupted) << "seed " << seed;
  }
  EXPECT_GT(restarts.total, 500);  // The interruptions did happen.
}

TEST(SnapshotRestorePropertyTest,
     InterruptedReplayWithExtendedStatisticsAndCompositesIsByteIdentical) {
  const std::string dir = NewDir();
  Restarts restarts;
  const Mix mix{/*extended=*/true, /*composites=*/true};
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    Restarts unused;
    const std::string straight = Replay(seed, 0, dir, &unused, mix);
    const std::string interrupted = Replay(seed, 0.08, dir, &restarts, mix);
    ASSERT_EQ(straight, interrupted) << "seed " << seed;
    EXPECT_THAT(RepeatedActions(interrupted), IsEmpty()) << "seed " << seed;
  }
  // The interruptions happened, and many carried raw samples and
  // composites across.
  EXPECT_GT(restarts.total, 500);
  EXPECT_GT(restarts.with_samples, 200);
  EXPECT_GT(restarts.with_composites, 200);
}

TEST(SnapshotRestorePropertyTest, InterruptedReplayWithMetricMathIsByteIdentical) {
  const std::string dir = NewDir();
  Restarts restarts;
  const Mix mix{/*extended=*/true, /*composites=*/false, /*math=*/true};
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    Restarts unused;
    const std::string straight = Replay(seed, 0, dir, &unused, mix);
    const std::string interrupted = Replay(seed, 0.08, dir, &restarts, mix);
    ASSERT_EQ(straight, interrupted) << "seed " << seed;
    EXPECT_THAT(RepeatedActions(interrupted), IsEmpty()) << "seed " << seed;
  }
  EXPECT_GT(restarts.total, 300);
}

TEST(SnapshotRestorePropertyTest, ReplaysProduceHistoryAndActions) {
  // Guards against a vacuous comparison.
  Restarts unused;
  std::string all;
  std::string mixed;
  std::string math;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    all += Replay(seed, 0, NewDir(), &unused);
    mixed += Replay(seed, 0, NewDir(), &unused, Mix{true, true});
    math += Replay(seed, 0, NewDir(), &unused, Mix{true, false, true});
  }
  EXPECT_THAT(all, HasSubstr("StateUpdate"));
  EXPECT_THAT(all, HasSubstr("action "));
  // Extended-statistic alarms reach a state from their data, composites
  // change state and act, and suppression happens.
  EXPECT_THAT(mixed, HasSubstr("\"statistic\":\"p"));
  EXPECT_THAT(mixed, HasSubstr("|CompositeAlarm|"));
  EXPECT_THAT(mixed, ContainsRegex("action comp-[0-9] (ALARM|OK)"));
  EXPECT_THAT(mixed, HasSubstr("Suppressed"));
  // Metric-math alarms are created and change state.
  EXPECT_THAT(math, HasSubstr("\"expression\":\"m1 * 2\""));
  EXPECT_THAT(math, ContainsRegex("Thresholds? Crossed"));
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
  snapshot::EvaluatorSnapshot snap;
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
  snapshot::EvaluatorSnapshot snap;
  ASSERT_TRUE(snap.ParseFromString(TwoAlarmSnapshot(&sink)));
  snap.mutable_slots(1)->mutable_spec()->set_alarm_name(
      snap.slots(0).spec().alarm_name());
  EXPECT_THAT(DeserializeEvaluatorState(snap.SerializeAsString(), &sink).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("appears twice in the state")));
}

TEST(SnapshotRestoreTest, InconsistentFreeSlotsAreRefused) {
  RecordingSink sink;
  snapshot::EvaluatorSnapshot snap;
  ASSERT_TRUE(snap.ParseFromString(TwoAlarmSnapshot(&sink)));
  snap.add_free_slots(0);  // Slot 0 is live.
  EXPECT_THAT(DeserializeEvaluatorState(snap.SerializeAsString(), &sink).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("free_slots must list exactly the free slots")));
}

TEST(SnapshotRestoreTest, InvalidSpecIsRefused) {
  RecordingSink sink;
  snapshot::EvaluatorSnapshot snap;
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

TEST(SnapshotRestoreTest, OptionsAreSavedAndDifferentOnesAreRefused) {
  RecordingSink sink;
  MetricStore store;
  EvaluatorOptions options;
  options.region = "eu-west-1";
  options.account_id = "210987654321";
  options.evaluation_range = 9;
  options.reason_form = ReasonForm::kLong;
  AlarmEvaluator evaluator(&store, &sink, options);
  Trial t(11, std::mt19937_64(11));
  ASSERT_THAT(evaluator.PutMetricAlarm(t.RandomAlarm(0),
                                       absl::FromUnixSeconds(1767225600)),
              IsOk());
  absl::StatusOr<std::string> bytes = SerializeEvaluatorState(store, evaluator);
  ASSERT_THAT(bytes.status(), IsOk());
  absl::StatusOr<RestoredEvaluator> r = DeserializeEvaluatorState(*bytes, &sink);
  ASSERT_THAT(r.status(), IsOk());
  EXPECT_EQ(r->evaluator->options().region, "eu-west-1");
  EXPECT_EQ(r->evaluator->options().account_id, "210987654321");
  EXPECT_EQ(r->evaluator->options().evaluation_range, 9);
  EXPECT_EQ(r->evaluator->options().reason_form, ReasonForm::kLong);
  EXPECT_EQ(r->composites, nullptr);
  // The same options are accepted; a different one is named.
  EXPECT_THAT(DeserializeEvaluatorState(*bytes, &sink, options).status(), IsOk());
  struct Case {
    const char* field;
    void (*change)(EvaluatorOptions*);
  };
  const Case kCases[] = {
      {"region", [](EvaluatorOptions* o) { o->region = "us-east-1"; }},
      {"account_id", [](EvaluatorOptions* o) { o->account_id = "1"; }},
      {"evaluation_range", [](EvaluatorOptions* o) { o->evaluation_range.reset(); }},
      {"reason_form", [](EvaluatorOptions* o) { o->reason_form = ReasonForm::kShort; }},
  };
  for (const Case& c : kCases) {
    EvaluatorOptions other = options;
    c.change(&other);
    EXPECT_THAT(DeserializeEvaluatorState(*bytes, &sink, other).status(),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         HasSubstr(absl::StrCat("EvaluatorOptions.", c.field,
                                                " differs"))))
        << c.field;
  }
}

TEST(SnapshotRestoreTest, Version1SnapshotIsReadWithTheCallersOptions) {
  RecordingSink sink;
  snapshot::EvaluatorSnapshot snap;
  ASSERT_TRUE(snap.ParseFromString(TwoAlarmSnapshot(&sink)));
  snap.set_schema_version(1);
  snap.clear_options();
  EvaluatorOptions options;
  options.region = "ap-south-1";
  absl::StatusOr<RestoredEvaluator> r =
      DeserializeEvaluatorState(snap.SerializeAsString(), &sink, options);
  ASSERT_THAT(r.status(), IsOk());
  EXPECT_EQ(r->evaluator->options().region, "ap-south-1");
  EXPECT_EQ(r->evaluator->alarm_count(), 2u);
  snap.set_schema_version(kSnapshotSchemaVersion + 1);
  EXPECT_THAT(DeserializeEvaluatorState(snap.SerializeAsString(), &sink).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("is not supported (this build reads 1 to 2)")));
}

// A snapshot with one metric alarm and a composite suppressed by it.
std::string CompositeSnapshot(RecordingSink* sink) {
  MetricStore store;
  AlarmEvaluator evaluator(&store, sink);
  CompositeEvaluator composites(sink);
  Trial t(11, std::mt19937_64(11));
  const absl::Time t0 = absl::FromUnixSeconds(1767225600);
  EXPECT_THAT(evaluator.PutMetricAlarm(t.RandomAlarm(0), t0), IsOk());
  EXPECT_THAT(composites.OnAlarmState("alarm-0", AlarmState::kOk, t0), IsOk());
  CompositeAlarmSpec c;
  c.alarm_name = "comp-0";
  c.alarm_rule = "ALARM(\"alarm-0\")";
  c.actions_suppressor = "alarm-0";
  c.actions_suppressor_wait_period = absl::Seconds(60);
  c.actions_suppressor_extension_period = absl::Seconds(120);
  EXPECT_THAT(composites.PutCompositeAlarm(c, t0), IsOk());
  EXPECT_THAT(composites.OnAlarmState("alarm-0", AlarmState::kAlarm,
                                      t0 + absl::Minutes(1)),
              IsOk());
  absl::StatusOr<std::string> bytes =
      SerializeEvaluatorState(store, evaluator, &composites);
  EXPECT_THAT(bytes.status(), IsOk());
  return bytes.value_or("");
}

TEST(SnapshotRestoreTest, CompositeStateRoundTripsAndDamageIsRefused) {
  RecordingSink sink;
  const std::string bytes = CompositeSnapshot(&sink);
  absl::StatusOr<RestoredEvaluator> r = DeserializeEvaluatorState(bytes, &sink);
  ASSERT_THAT(r.status(), IsOk());
  ASSERT_NE(r->composites, nullptr);
  std::optional<CompositeAlarmDescription> d = r->composites->FindAlarm("comp-0");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->status->state, AlarmState::kAlarm);
  EXPECT_EQ(*d->spec->actions_suppressor_extension_period, absl::Seconds(120));
  // Its history was not taken before the snapshot: it is restored.
  EXPECT_FALSE(r->composites->history().empty());

  struct Case {
    const char* name;
    void (*damage)(snapshot::EvaluatorSnapshot*);
    absl::StatusCode code;
    const char* error;
  };
  const Case kCases[] = {
      {"suppression mode out of range",
       [](snapshot::EvaluatorSnapshot* s) {
         s->mutable_composites()->mutable_composites(0)->set_suppression_mode(9);
       },
       absl::StatusCode::kDataLoss, "composite suppression mode is out of range"},
      {"parents do not match the rule",
       [](snapshot::EvaluatorSnapshot* s) {
         for (snapshot::CompositeNode& n : *s->mutable_composites()->mutable_nodes()) {
           n.clear_parents();
         }
       },
       absl::StatusCode::kInvalidArgument, "do not match the rules"},
      {"child is not a node",
       [](snapshot::EvaluatorSnapshot* s) {
         s->mutable_composites()->mutable_composites(0)->mutable_spec()->set_alarm_rule(
             "ALARM(\"nobody\")");
       },
       absl::StatusCode::kInvalidArgument, "names \"nobody\", which is not a node"},
      {"invalid composite spec",
       [](snapshot::EvaluatorSnapshot* s) {
         s->mutable_composites()->mutable_composites(0)->mutable_spec()->set_alarm_rule(
             "ALARM(");
       },
       absl::StatusCode::kInvalidArgument, "AlarmRule"},
  };
  for (const Case& c : kCases) {
    snapshot::EvaluatorSnapshot snap;
    ASSERT_TRUE(snap.ParseFromString(bytes));
    c.damage(&snap);
    EXPECT_THAT(DeserializeEvaluatorState(snap.SerializeAsString(), &sink).status(),
                StatusIs(c.code, HasSubstr(c.error)))
        << c.name;
  }
}

// The Metrics-list forms (metric math and anomaly detection, spec 1.7 and
// 3.8) survive a snapshot field by field: the DescribeAlarms object is the
// same and every optional keeps "unset" apart from a value.
TEST(SnapshotRestoreTest, MetricsListAlarmsRoundTrip) {
  auto stat = [](const char* name, const char* statistic) {
    MetricStat m;
    m.metric = {"Custom/Api", name, {{"Endpoint", "/orders"}}};
    m.period = absl::Seconds(300);
    m.stat = statistic;
    return m;
  };
  AlarmSpec math;
  math.alarm_name = "error-rate";
  math.alarm_actions = {cwalarm_testing::kTopic};
  MetricDataQuery errors;
  errors.id = "m1";
  errors.metric_stat = stat("Errors", "Sum");
  errors.metric_stat->unit = Unit::kCount;
  errors.return_data = false;
  MetricDataQuery requests;
  requests.id = "m2";
  requests.metric_stat = stat("Requests", "Sum");
  requests.return_data = false;
  requests.label = "requests";
  requests.account_id = "123456789012";
  MetricDataQuery rate;
  rate.id = "e1";
  rate.expression = "100 * m1 / m2";
  rate.label = "Error rate";
  math.metrics = {errors, requests, rate};
  math.evaluation_periods = 3;
  math.threshold = 5;
  math.comparison_operator = ComparisonOperator::kGreaterThanThreshold;

  AlarmSpec anomaly;
  anomaly.alarm_name = "latency-anomaly";
  MetricDataQuery latency;
  latency.id = "m1";
  latency.metric_stat = stat("Latency", "p90");
  latency.return_data = true;
  MetricDataQuery band;
  band.id = "ad1";
  band.expression = "ANOMALY_DETECTION_BAND(m1, 2)";
  anomaly.metrics = {latency, band};
  anomaly.threshold_metric_id = "ad1";
  anomaly.evaluation_periods = 3;
  anomaly.datapoints_to_alarm = 2;
  anomaly.comparison_operator =
      ComparisonOperator::kLessThanLowerOrGreaterThanUpperThreshold;

  RecordingSink sink;
  MetricStore store;
  AlarmEvaluator evaluator(&store, &sink);
  const absl::Time t0 = absl::FromUnixSeconds(1767225600);
  ASSERT_THAT(evaluator.PutMetricAlarm(math, t0), IsOk());
  ASSERT_THAT(evaluator.PutMetricAlarm(anomaly, t0), IsOk());
  absl::StatusOr<std::string> bytes = SerializeEvaluatorState(store, evaluator);
  ASSERT_THAT(bytes.status(), IsOk());
  absl::StatusOr<RestoredEvaluator> r = DeserializeEvaluatorState(*bytes, &sink);
  ASSERT_THAT(r.status(), IsOk());

  auto describe = [](const AlarmEvaluator& e) {
    JsonWriter w;
    w.BeginArray();
    for (const AlarmDescription& d : e.DescribeAlarms()) {
      WriteMetricAlarm(*d.spec, *d.status, d.alarm_arn, d.configuration_updated,
                       &w);
    }
    w.EndArray();
    return w.Release();
  };
  const std::string before = describe(evaluator);
  EXPECT_THAT(before, HasSubstr("ANOMALY_DETECTION_BAND(m1, 2)"));
  EXPECT_THAT(before, HasSubstr("\"ThresholdMetricId\":\"ad1\""));
  EXPECT_EQ(describe(*r->evaluator), before);
  // What DescribeAlarms does not show: unset vs default, the account id.
  const std::optional<AlarmSpec> back = r->evaluator->FindAlarm("error-rate");
  ASSERT_TRUE(back.has_value());
  ASSERT_EQ(back->metrics.size(), 3u);
  EXPECT_EQ(back->metrics[0].return_data, std::optional<bool>(false));
  EXPECT_EQ(back->metrics[0].metric_stat->unit, std::optional<Unit>(Unit::kCount));
  EXPECT_EQ(back->metrics[1].account_id, std::optional<std::string>("123456789012"));
  EXPECT_EQ(back->metrics[1].metric_stat->period, absl::Seconds(300));
  EXPECT_FALSE(back->metrics[2].return_data.has_value());
  EXPECT_FALSE(back->metrics[2].metric_stat.has_value());
  EXPECT_FALSE(back->metrics[2].period.has_value());
  EXPECT_FALSE(back->threshold_metric_id.has_value());
  const std::optional<AlarmSpec> back_anomaly =
      r->evaluator->FindAlarm("latency-anomaly");
  ASSERT_TRUE(back_anomaly.has_value());
  EXPECT_EQ(back_anomaly->threshold_metric_id, std::optional<std::string>("ad1"));
  EXPECT_FALSE(back_anomaly->threshold.has_value());
}

}  // namespace
}  // namespace cwalarm
