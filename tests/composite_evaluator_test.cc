// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// CompositeEvaluator (spec 5.3, 5.4, 4.5 #9, 4.6, 4.7): creation, child
// transitions, reasons and reason data, history, actions, nesting, cycles,
// SetAlarmState, and the six actions-suppression examples of spec 5.4.

#include "alarm/composite_evaluator.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "actions/recording_sink.h"
#include "alarm/alarm_history.h"
#include "alarm/alarm_state.h"
#include "alarm/composite_alarm.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/status_matchers.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::IsOk;
using ::cwalarm_testing::StatusIs;
using ::testing::HasSubstr;

constexpr AlarmState kA = AlarmState::kAlarm;
constexpr AlarmState kO = AlarmState::kOk;
constexpr AlarmState kI = AlarmState::kInsufficientData;

constexpr char kArnPrefix[] =
    "arn:aws:cloudwatch:us-east-1:123456789012:alarm:";
constexpr char kAlarmTopic[] = "arn:aws:sns:us-east-1:123456789012:alarm-topic";
constexpr char kOkTopic[] = "arn:aws:sns:us-east-1:123456789012:ok-topic";

// 2022-07-22T15:57:45Z, the spec's composite reason example (4.5 #9).
absl::Time T0() { return absl::FromUnixSeconds(1658505465); }
absl::Time Minute(int k) { return T0() + absl::Minutes(k); }

CompositeAlarmSpec Composite(std::string name, std::string rule) {
  CompositeAlarmSpec spec;
  spec.alarm_name = std::move(name);
  spec.alarm_rule = std::move(rule);
  spec.alarm_actions = {kAlarmTopic};
  spec.ok_actions = {kOkTopic};
  return spec;
}

std::vector<AlarmHistoryItem> ItemsOfType(const CompositeEvaluator& e,
                                          HistoryItemType type) {
  std::vector<AlarmHistoryItem> out;
  for (const AlarmHistoryItem& item : e.history()) {
    if (item.type == type) out.push_back(item);
  }
  return out;
}

class CompositeEvaluatorTest : public ::testing::Test {
 protected:
  RecordingSink sink_;
  CompositeEvaluator e_{&sink_};
};

TEST_F(CompositeEvaluatorTest, EvaluatesAtCreationNamingEveryChild) {
  ASSERT_THAT(e_.OnAlarmState("cpu", kA, Minute(-5)), IsOk());
  ASSERT_THAT(e_.OnAlarmState("disk", kO, Minute(-3)), IsOk());
  ASSERT_THAT(e_.PutCompositeAlarm(
                  Composite("svc", "ALARM(cpu) AND ALARM(disk)"), T0()),
              IsOk());
  auto d = e_.FindAlarm("svc");
  ASSERT_TRUE(d.has_value());
  // Spec 5.3: INSUFFICIENT_DATA only until the first evaluation.
  EXPECT_EQ(d->status->state, kO);
  // Spec 4.5 #9: the creation reason.
  EXPECT_EQ(d->status->reason,
            absl::StrCat(kArnPrefix,
                         "svc was created and its alarm rule evaluates to OK"));
  // Spec 4.6: on creation, every child.
  EXPECT_EQ(d->status->reason_data,
            absl::StrCat("{\"triggeringAlarms\":[{\"arn\":\"", kArnPrefix,
                         "cpu\",\"state\":{\"value\":\"ALARM\",\"timestamp\":"
                         "\"2022-07-22T15:52:45.000+0000\"}},{\"arn\":\"",
                         kArnPrefix,
                         "disk\",\"state\":{\"value\":\"OK\",\"timestamp\":"
                         "\"2022-07-22T15:54:45.000+0000\"}}]}"));
  ASSERT_EQ(e_.history().size(), 3u);
  EXPECT_EQ(e_.history()[0].type, HistoryItemType::kConfigurationUpdate);
  EXPECT_EQ(e_.history()[0].summary, "Alarm \"svc\" created");
  EXPECT_THAT(e_.history()[0].data,
              HasSubstr("\"alarmRule\":\"ALARM(cpu) AND ALARM(disk)\""));
  EXPECT_EQ(e_.history()[1].summary,
            "Alarm updated from INSUFFICIENT_DATA to OK");
  EXPECT_EQ(e_.history()[2].summary,
            absl::StrCat("Successfully executed action ", kOkTopic));
  for (const AlarmHistoryItem& item : e_.history()) {
    EXPECT_EQ(item.alarm_type, "CompositeAlarm");
  }
  // Spec 4.1: the creation transition runs the new state's actions.
  ASSERT_EQ(sink_.actions().size(), 1u);
  EXPECT_EQ(sink_.actions()[0].alarm_name, "svc");
  EXPECT_EQ(sink_.actions()[0].action, kOkTopic);
}

TEST_F(CompositeEvaluatorTest, ChildTransitionNamesTheChildInReasonAndData) {
  ASSERT_THAT(e_.OnAlarmState("cpu", kO, Minute(-5)), IsOk());
  ASSERT_THAT(e_.PutCompositeAlarm(Composite("svc", "ALARM(cpu)"), T0()),
              IsOk());
  sink_.Clear();
  ASSERT_THAT(e_.OnAlarmState("cpu", kA, T0()), IsOk());
  auto d = e_.FindAlarm("svc");
  EXPECT_EQ(d->status->state, kA);
  // Spec 4.5 #9, with the spec's own date.
  EXPECT_EQ(d->status->reason,
            absl::StrCat(kArnPrefix,
                         "cpu transitioned to ALARM at Friday 22 July, 2022 "
                         "15:57:45 UTC"));
  EXPECT_EQ(d->status->reason_data,
            absl::StrCat("{\"triggeringAlarms\":[{\"arn\":\"", kArnPrefix,
                         "cpu\",\"state\":{\"value\":\"ALARM\",\"timestamp\":"
                         "\"2022-07-22T15:57:45.000+0000\"}}]}"));
  ASSERT_EQ(sink_.actions().size(), 1u);
  EXPECT_EQ(sink_.actions()[0].action, kAlarmTopic);
  EXPECT_EQ(sink_.actions()[0].old_state, kO);
  EXPECT_EQ(sink_.actions()[0].new_state, kA);
  // The StateUpdate item embeds the reason data as an object (spec 4.7).
  auto updates = ItemsOfType(e_, HistoryItemType::kStateUpdate);
  ASSERT_EQ(updates.size(), 2u);
  nlohmann::json data = nlohmann::json::parse(updates[1].data);
  EXPECT_EQ(data["newState"]["stateReasonData"]["triggeringAlarms"][0]["arn"],
            absl::StrCat(kArnPrefix, "cpu"));
}

TEST_F(CompositeEvaluatorTest,
       AlreadyAlarmAndAnotherChildGoesAlarmChangesNothing) {
  // Spec 5.3 (S-LS snapshot composite-alarm-is-triggered-by-alarm-1-and-
  // then-unchanged-by-alarm-2).
  ASSERT_THAT(e_.OnAlarmState("alarm-1", kO, Minute(-5)), IsOk());
  ASSERT_THAT(e_.OnAlarmState("alarm-2", kO, Minute(-5)), IsOk());
  ASSERT_THAT(
      e_.PutCompositeAlarm(Composite("svc", "ALARM(alarm-1) OR ALARM(alarm-2)"),
                           Minute(-4)),
      IsOk());
  ASSERT_THAT(e_.OnAlarmState("alarm-1", kA, T0()), IsOk());
  const std::string reason = e_.FindAlarm("svc")->status->reason;
  const std::string data = e_.FindAlarm("svc")->status->reason_data;
  const size_t history = e_.history().size();
  const size_t actions = sink_.actions().size();
  ASSERT_THAT(e_.OnAlarmState("alarm-2", kA, Minute(1)), IsOk());
  auto d = e_.FindAlarm("svc");
  EXPECT_EQ(d->status->state, kA);
  EXPECT_THAT(d->status->reason, HasSubstr("alarm-1 transitioned to ALARM"));
  EXPECT_EQ(d->status->reason, reason);
  EXPECT_EQ(d->status->reason_data, data);
  EXPECT_EQ(d->status->state_transitioned, T0());
  EXPECT_EQ(e_.history().size(), history);
  EXPECT_EQ(sink_.actions().size(), actions);
}

TEST_F(CompositeEvaluatorTest, InsufficientDataChildIsNeitherAlarmNorOk) {
  // Spec 5.3: INSUFFICIENT_DATA makes ALARM(x) and OK(x) false.
  ASSERT_THAT(e_.OnAlarmState("x", kI, Minute(-5)), IsOk());
  ASSERT_THAT(
      e_.PutCompositeAlarm(Composite("either", "ALARM(x) OR OK(x)"), T0()),
      IsOk());
  EXPECT_EQ(e_.FindAlarm("either")->status->state, kO);
  ASSERT_THAT(
      e_.PutCompositeAlarm(Composite("unknown", "INSUFFICIENT_DATA(x)"), T0()),
      IsOk());
  EXPECT_EQ(e_.FindAlarm("unknown")->status->state, kA);
}

TEST_F(CompositeEvaluatorTest, ChildNamedByArnIsTheSameAlarm) {
  ASSERT_THAT(e_.OnAlarmState("cpu", kO, Minute(-5)), IsOk());
  ASSERT_THAT(
      e_.PutCompositeAlarm(
          Composite("svc", absl::StrCat("ALARM(\"", kArnPrefix, "cpu\")")),
          T0()),
      IsOk());
  ASSERT_THAT(e_.OnAlarmState(absl::StrCat(kArnPrefix, "cpu"), kA, Minute(1)),
              IsOk());
  EXPECT_EQ(e_.FindAlarm("svc")->status->state, kA);
}

TEST_F(CompositeEvaluatorTest, NestedCompositesCascade) {
  ASSERT_THAT(e_.OnAlarmState("cpu", kO, Minute(-5)), IsOk());
  ASSERT_THAT(
      e_.PutCompositeAlarm(Composite("inner", "ALARM(cpu)"), Minute(-4)),
      IsOk());
  ASSERT_THAT(
      e_.PutCompositeAlarm(Composite("outer", "ALARM(inner)"), Minute(-3)),
      IsOk());
  ASSERT_THAT(e_.OnAlarmState("cpu", kA, T0()), IsOk());
  EXPECT_EQ(e_.FindAlarm("inner")->status->state, kA);
  auto outer = e_.FindAlarm("outer");
  EXPECT_EQ(outer->status->state, kA);
  // The outer composite's trigger is the inner composite.
  EXPECT_EQ(outer->status->reason,
            absl::StrCat(kArnPrefix,
                         "inner transitioned to ALARM at Friday 22 July, 2022 "
                         "15:57:45 UTC"));
}

TEST_F(CompositeEvaluatorTest, RefusesCycles) {
  // Spec 5.3: CloudWatch accepts cycles and stops evaluating; we refuse.
  ASSERT_THAT(e_.OnAlarmState("cpu", kO, Minute(-5)), IsOk());
  ASSERT_THAT(e_.PutCompositeAlarm(Composite("a", "ALARM(cpu)"), T0()), IsOk());
  ASSERT_THAT(e_.PutCompositeAlarm(Composite("b", "ALARM(a)"), T0()), IsOk());
  ASSERT_THAT(e_.PutCompositeAlarm(Composite("c", "OK(b)"), T0()), IsOk());
  EXPECT_THAT(
      e_.PutCompositeAlarm(Composite("a", "ALARM(cpu) OR ALARM(c)"), T0()),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("the alarm rule creates a cycle: a -> c -> b -> a")));
  EXPECT_THAT(e_.PutCompositeAlarm(Composite("a", "NOT ALARM(a)"), T0()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("creates a cycle: a -> a")));
  // Nothing changed: a still watches cpu only.
  EXPECT_EQ(e_.FindAlarm("a")->spec->alarm_rule, "ALARM(cpu)");
}

TEST_F(CompositeEvaluatorTest, RefusesUnknownChildrenAndSuppressor) {
  EXPECT_THAT(
      e_.PutCompositeAlarm(Composite("svc", "ALARM(nope) OR ALARM(\"x y\")"),
                           T0()),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("alarms [nope, x y] in the alarm rule do not exist")));
  ASSERT_THAT(e_.OnAlarmState("cpu", kO, T0()), IsOk());
  CompositeAlarmSpec spec = Composite("svc", "ALARM(cpu)");
  spec.actions_suppressor = "ghost";
  spec.actions_suppressor_wait_period = absl::Seconds(60);
  spec.actions_suppressor_extension_period = absl::Seconds(60);
  EXPECT_THAT(e_.PutCompositeAlarm(spec, T0()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("ActionsSuppressor (ghost): no such alarm")));
  EXPECT_EQ(e_.alarm_count(), 0u);
}

TEST_F(CompositeEvaluatorTest, SetAlarmStateHoldsUntilAChildChanges) {
  // Spec 4.3: a composite set by SetAlarmState stays until a child changes.
  ASSERT_THAT(e_.OnAlarmState("a", kO, Minute(-5)), IsOk());
  ASSERT_THAT(e_.OnAlarmState("b", kO, Minute(-5)), IsOk());
  ASSERT_THAT(e_.PutCompositeAlarm(Composite("svc", "ALARM(a) OR ALARM(b)"),
                                   Minute(-4)),
              IsOk());
  ASSERT_THAT(e_.SetAlarmState("svc", kA, "testing", "", T0()), IsOk());
  EXPECT_EQ(e_.FindAlarm("svc")->status->reason, "testing");
  // b goes to INSUFFICIENT_DATA: the rule is still FALSE -> OK, a change.
  ASSERT_THAT(e_.OnAlarmState("b", kI, Minute(1)), IsOk());
  EXPECT_EQ(e_.FindAlarm("svc")->status->state, kO);
  EXPECT_THAT(
      e_.SetAlarmState("svc", kA, "x", "{not json", Minute(2)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("valid JSON")));
  EXPECT_THAT(
      e_.SetAlarmState("nope", kA, "x", "", Minute(2)),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("alarm \"nope\"")));
}

TEST_F(CompositeEvaluatorTest, UpdateKeepsStateAndReevaluates) {
  ASSERT_THAT(e_.OnAlarmState("a", kA, Minute(-5)), IsOk());
  ASSERT_THAT(e_.OnAlarmState("b", kO, Minute(-5)), IsOk());
  ASSERT_THAT(e_.PutCompositeAlarm(Composite("svc", "ALARM(b)"), Minute(-4)),
              IsOk());
  ASSERT_THAT(e_.PutCompositeAlarm(Composite("svc", "ALARM(a)"), T0()), IsOk());
  auto d = e_.FindAlarm("svc");
  EXPECT_EQ(d->status->state, kA);
  EXPECT_EQ(
      d->status->reason,
      absl::StrCat(kArnPrefix,
                   "svc was updated and its alarm rule evaluates to ALARM"));
  EXPECT_EQ(d->configuration_updated, T0());
  // b is no longer a child: its changes do nothing.
  ASSERT_THAT(e_.OnAlarmState("b", kA, Minute(1)), IsOk());
  EXPECT_EQ(e_.FindAlarm("svc")->status->state_transitioned, T0());
}

TEST_F(CompositeEvaluatorTest, DeleteIsRefusedWhileNamedByAnotherComposite) {
  ASSERT_THAT(e_.OnAlarmState("cpu", kO, T0()), IsOk());
  ASSERT_THAT(e_.PutCompositeAlarm(Composite("inner", "ALARM(cpu)"), T0()),
              IsOk());
  ASSERT_THAT(e_.PutCompositeAlarm(Composite("outer", "ALARM(inner)"), T0()),
              IsOk());
  EXPECT_THAT(
      e_.DeleteAlarm("inner", T0()),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("[outer]")));
  EXPECT_THAT(e_.DeleteAlarm("outer", T0()), IsOk());
  EXPECT_THAT(e_.DeleteAlarm("inner", T0()), IsOk());
  EXPECT_EQ(e_.alarm_count(), 0u);
}

TEST_F(CompositeEvaluatorTest, ForgetsAMetricAlarmOnlyWhenNoCompositeNamesIt) {
  ASSERT_THAT(e_.OnAlarmState("cpu", kO, T0()), IsOk());
  ASSERT_THAT(e_.OnAlarmState("disk", kO, T0()), IsOk());
  ASSERT_THAT(e_.PutCompositeAlarm(Composite("svc", "ALARM(cpu)"), T0()),
              IsOk());
  EXPECT_THAT(e_.ForgetAlarm("cpu", T0()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("composite alarms [svc]")));
  EXPECT_THAT(e_.ForgetAlarm("svc", T0()),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(e_.ForgetAlarm("disk", T0()), IsOk());
  EXPECT_THAT(
      e_.PutCompositeAlarm(Composite("d", "ALARM(disk)"), T0()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("do not exist")));
}

TEST_F(CompositeEvaluatorTest, AChildMayBeNamedBy150Composites) {
  // Spec 5.1: a child may be referenced by at most 150 composites.
  ASSERT_THAT(e_.OnAlarmState("cpu", kO, T0()), IsOk());
  for (int i = 0; i < 150; ++i) {
    ASSERT_THAT(e_.PutCompositeAlarm(
                    Composite(absl::StrCat("c", i), "ALARM(cpu)"), T0()),
                IsOk());
  }
  // Putting one of them again is not a new reference.
  EXPECT_THAT(e_.PutCompositeAlarm(Composite("c7", "OK(cpu)"), T0()), IsOk());
  EXPECT_THAT(e_.PutCompositeAlarm(Composite("c150", "ALARM(cpu)"), T0()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("alarm \"cpu\" is already named by 150 "
                                 "composite alarms")));
}

TEST_F(CompositeEvaluatorTest, FailedActionIsRecordedAndKeepsTheTransition) {
  ASSERT_THAT(e_.OnAlarmState("cpu", kO, T0()), IsOk());
  ASSERT_THAT(e_.PutCompositeAlarm(Composite("svc", "ALARM(cpu)"), T0()),
              IsOk());
  sink_.FailWith(absl::UnavailableError("topic down"));
  ASSERT_THAT(e_.OnAlarmState("cpu", kA, Minute(1)), IsOk());
  EXPECT_EQ(e_.FindAlarm("svc")->status->state, kA);
  ASSERT_EQ(e_.action_errors().size(), 1u);
  EXPECT_THAT(e_.action_errors()[0].message(),
              HasSubstr("alarm \"svc\": action"));
  EXPECT_THAT(e_.history().back().summary,
              HasSubstr("Failed to execute action"));
}

TEST_F(CompositeEvaluatorTest, ActionsDisabledRunNothing) {
  ASSERT_THAT(e_.OnAlarmState("cpu", kO, T0()), IsOk());
  CompositeAlarmSpec spec = Composite("svc", "ALARM(cpu)");
  spec.actions_enabled = false;
  ASSERT_THAT(e_.PutCompositeAlarm(spec, T0()), IsOk());
  ASSERT_THAT(e_.OnAlarmState("cpu", kA, Minute(1)), IsOk());
  EXPECT_TRUE(sink_.actions().empty());
  EXPECT_TRUE(ItemsOfType(e_, HistoryItemType::kAction).empty());
}

TEST_F(CompositeEvaluatorTest, TimeMustNotGoBackwards) {
  ASSERT_THAT(e_.OnAlarmState("cpu", kO, T0()), IsOk());
  EXPECT_THAT(
      e_.OnAlarmState("cpu", kA, Minute(-1)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("backwards")));
}

// --- Actions suppression: the six examples of spec 5.4
// -------------------------
//
// W = 2 and E = 3 time units (minutes here), as in the user guide. The
// composite is `ALARM(child)`; "suppressor" is a metric alarm. Before each
// example the composite has been OK (actions announced) for a while.

struct Step {
  enum class Kind { kChild, kSuppressor, kCheck };
  int minute;
  Kind kind;
  AlarmState state = kO;  // kChild, kSuppressor.
  std::string mode;       // kCheck: expected ActionsSuppressedBy.
};

Step Child(int m, AlarmState s) { return {m, Step::Kind::kChild, s, ""}; }
Step Suppressor(int m, AlarmState s) {
  return {m, Step::Kind::kSuppressor, s, ""};
}
Step Check(int m, std::string mode) {
  return {m, Step::Kind::kCheck, kO, std::move(mode)};
}

struct ExpectedRun {
  int minute;
  std::string action;  // The ARN that ran.
};

struct SuppressionCase {
  const char* name;
  const char* rule;  // The row of the spec 5.4 table this pins down.
  std::vector<Step> steps;
  std::vector<ExpectedRun> runs;        // Actions executed, in order.
  std::vector<std::string> suppressed;  // Modes of the Suppressed items.
};

class SuppressionExampleTest
    : public ::testing::TestWithParam<SuppressionCase> {};

TEST_P(SuppressionExampleTest, FollowsSpecTable) {
  const SuppressionCase& c = GetParam();
  RecordingSink sink;
  CompositeEvaluator e(&sink);
  ASSERT_THAT(e.OnAlarmState("child", kO, Minute(-20)), IsOk());
  ASSERT_THAT(e.OnAlarmState("suppressor", kO, Minute(-20)), IsOk());
  CompositeAlarmSpec spec = Composite("svc", "ALARM(child)");
  spec.actions_suppressor = "suppressor";
  spec.actions_suppressor_wait_period = absl::Minutes(2);
  spec.actions_suppressor_extension_period = absl::Minutes(3);
  ASSERT_THAT(e.PutCompositeAlarm(spec, Minute(-20)), IsOk());
  ASSERT_THAT(e.AdvanceTo(Minute(-10)), IsOk());
  // The creation transition's OK actions ran when its wait ended.
  ASSERT_EQ(sink.actions().size(), 1u);
  sink.Clear();
  e.TakeHistory();

  for (const Step& s : c.steps) {
    switch (s.kind) {
      case Step::Kind::kChild:
        ASSERT_THAT(e.OnAlarmState("child", s.state, Minute(s.minute)), IsOk());
        break;
      case Step::Kind::kSuppressor:
        ASSERT_THAT(e.OnAlarmState("suppressor", s.state, Minute(s.minute)),
                    IsOk());
        break;
      case Step::Kind::kCheck: {
        ASSERT_THAT(e.AdvanceTo(Minute(s.minute)), IsOk());
        auto d = e.FindAlarm("svc");
        EXPECT_EQ(ActionsSuppressedByName(d->suppression->mode), s.mode)
            << c.name << " at t" << s.minute;
        EXPECT_EQ(ActionsSuppressedReason(d->suppression->mode),
                  s.mode.empty()
                      ? ""
                      : absl::StrCat("Actions suppressed by ", s.mode));
        break;
      }
    }
  }
  ASSERT_THAT(e.AdvanceTo(Minute(30)), IsOk());

  std::vector<std::string> suppressed;
  std::vector<std::pair<absl::Time, std::string>> ran;
  for (const AlarmHistoryItem& item : e.history()) {
    if (item.type != HistoryItemType::kAction) continue;
    nlohmann::json data = nlohmann::json::parse(item.data);
    if (data["actionState"] == "Suppressed") {
      suppressed.push_back(data["actionsSuppressedBy"]);
    } else {
      ran.emplace_back(item.timestamp, data["notificationResource"]);
    }
  }
  std::vector<std::pair<absl::Time, std::string>> expected;
  for (const ExpectedRun& r : c.runs)
    expected.emplace_back(Minute(r.minute), r.action);
  EXPECT_EQ(ran, expected) << c.name << ": " << c.rule;
  EXPECT_EQ(suppressed, c.suppressed) << c.name << ": " << c.rule;
  ASSERT_EQ(sink.actions().size(), c.runs.size()) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Spec54, SuppressionExampleTest,
    ::testing::Values(
        SuppressionCase{
            "Example1WaitPeriodExpires",
            "WaitPeriod expires while S not in ALARM: run the current state's "
            "actions",
            {Child(2, kA), Check(3, "WaitPeriod"), Check(4, "")},
            {{4, kAlarmTopic}},
            {"WaitPeriod"}},
        SuppressionCase{
            "Example2SuppressorAlarmsDuringWait",
            "WaitPeriod + S goes to ALARM: Alarm mode, actions suppressed",
            {Child(2, kA), Check(2, "WaitPeriod"), Suppressor(3, kA),
             Check(3, "Alarm"), Check(10, "Alarm")},
            {},
            {"WaitPeriod"}},
        SuppressionCase{
            "Example3StateChangeRestartsWait",
            "WaitPeriod + composite changes state again: WaitPeriod restarts",
            {Child(2, kA), Child(3, kO), Check(4, "WaitPeriod"), Check(5, "")},
            {{5, kOkTopic}},
            {"WaitPeriod", "WaitPeriod"}},
        SuppressionCase{
            "Example4SuppressorAlreadyInAlarm",
            "Normal with S in ALARM + composite changes state: Alarm mode",
            {Suppressor(1, kA), Check(1, ""), Child(2, kA), Check(2, "Alarm"),
             Check(12, "Alarm")},
            {},
            {"Alarm"}},
        SuppressionCase{
            "Example5ExtensionPeriodExpires",
            "Alarm + S leaves ALARM: ExtensionPeriod; its end runs the current "
            "state's actions",
            {Suppressor(1, kA), Child(2, kA), Suppressor(3, kO),
             Check(5, "ExtensionPeriod"), Check(6, "")},
            {{6, kAlarmTopic}},
            {"Alarm"}},
        SuppressionCase{
            "Example6StateChangeDuringExtension",
            "ExtensionPeriod + composite changes state: extension discarded, "
            "WaitPeriod from the change",
            {Suppressor(1, kA), Child(2, kA), Suppressor(3, kO), Child(5, kO),
             Check(5, "WaitPeriod"), Check(6, "WaitPeriod"), Check(7, "")},
            {{7, kOkTopic}},
            {"Alarm", "WaitPeriod"}},
        // Rows of the table beyond the six examples.
        SuppressionCase{
            "SuppressorBackInAlarmDuringExtension",
            "[OPEN] ExtensionPeriod + S goes to ALARM again: Alarm mode (ours)",
            {Suppressor(1, kA), Child(2, kA), Suppressor(3, kO),
             Suppressor(4, kA), Check(7, "Alarm")},
            {},
            {"Alarm"}},
        SuppressionCase{
            "BackInPreviousStateWhenExtensionEnds",
            "[OPEN] back in the pre-suppression state at the end: actions of "
            "the current state still run (ours)",
            {Suppressor(1, kA), Child(2, kA), Child(3, kO), Suppressor(4, kO),
             Check(7, "")},
            {{7, kOkTopic}},
            {"Alarm", "Alarm"}}),
    [](const ::testing::TestParamInfo<SuppressionCase>& info) {
      return std::string(info.param.name);
    });

TEST(CompositeSuppressionTest, ReplacedSuppressorDiscardsTheEpisode) {
  // Spec 5.4, last row.
  RecordingSink sink;
  CompositeEvaluator e(&sink);
  ASSERT_THAT(e.OnAlarmState("child", kO, Minute(-20)), IsOk());
  ASSERT_THAT(e.OnAlarmState("s1", kA, Minute(-20)), IsOk());
  ASSERT_THAT(e.OnAlarmState("s2", kO, Minute(-20)), IsOk());
  CompositeAlarmSpec spec = Composite("svc", "ALARM(child)");
  spec.actions_suppressor = "s1";
  spec.actions_suppressor_wait_period = absl::Minutes(2);
  spec.actions_suppressor_extension_period = absl::Minutes(3);
  ASSERT_THAT(e.PutCompositeAlarm(spec, Minute(-20)), IsOk());
  ASSERT_THAT(e.OnAlarmState("child", kA, T0()), IsOk());
  EXPECT_EQ(e.FindAlarm("svc")->suppression->mode, ActionsSuppressedBy::kAlarm);
  spec.actions_suppressor = "s2";
  ASSERT_THAT(e.PutCompositeAlarm(spec, Minute(1)), IsOk());
  auto d = e.FindAlarm("svc");
  EXPECT_EQ(d->suppression->mode, ActionsSuppressedBy::kNone);
  EXPECT_EQ(d->status->state_updated, Minute(1));
  EXPECT_EQ(d->status->state, kA);
}

TEST(CompositeSuppressionTest, NoSuppressorRunsActionsAtOnce) {
  RecordingSink sink;
  CompositeEvaluator e(&sink);
  ASSERT_THAT(e.OnAlarmState("child", kO, T0()), IsOk());
  ASSERT_THAT(e.PutCompositeAlarm(Composite("svc", "ALARM(child)"), T0()),
              IsOk());
  ASSERT_THAT(e.OnAlarmState("child", kA, Minute(1)), IsOk());
  ASSERT_EQ(sink.actions().size(), 2u);
  EXPECT_EQ(sink.actions()[1].action, kAlarmTopic);
}

}  // namespace
}  // namespace cwalarm
