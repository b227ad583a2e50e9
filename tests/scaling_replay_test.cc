// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// `cwalarm replay --scaling-policies --group` (tools/scaling_replay.h): the
// --group flag, policy/group matching, and the bundled example
// (examples/autoscaling_*): a day of CPU through a scale-out / scale-in
// alarm pair with step policies, whose activities and capacity timeline
// must match examples/autoscaling_replay.expected.txt.

#include "tools/scaling_replay.h"

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "actions/scaling_group.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/read_file.h"
#include "tests/testing/status_matchers.h"
#include "tools/replay.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::IsOk;
using ::cwalarm_testing::StatusIs;
using ::testing::HasSubstr;

using ::cwalarm_testing::ReadFile;

constexpr char kTwoPolicies[] = R"([
  {"AutoScalingGroupName": "web", "PolicyName": "out",
   "AdjustmentType": "ChangeInCapacity", "ScalingAdjustment": 1},
  {"AutoScalingGroupName": "db", "PolicyName": "out",
   "AdjustmentType": "ChangeInCapacity", "ScalingAdjustment": 1}])";

TEST(ParseGroupFlagTest, ReadsSizesAndDurations) {
  absl::StatusOr<ScalingGroupConfig> c = ParseGroupFlag(
      "min=1,max=10,desired=2,launch=120s,cooldown=60,warmup=3m,name=web");
  ASSERT_THAT(c.status(), IsOk());
  EXPECT_EQ(c->min_size, 1);
  EXPECT_EQ(c->max_size, 10);
  EXPECT_EQ(c->desired_capacity, 2);
  EXPECT_EQ(c->instance_launch_time, absl::Seconds(120));
  EXPECT_EQ(c->default_cooldown, absl::Seconds(60));
  EXPECT_EQ(c->default_instance_warmup, absl::Minutes(3));
  EXPECT_EQ(c->name, "web");
  c = ParseGroupFlag("min=1,max=10,desired=2");
  ASSERT_THAT(c.status(), IsOk());
  EXPECT_EQ(c->default_cooldown, absl::Seconds(300));  // Auto Scaling's.
  EXPECT_EQ(c->instance_launch_time, absl::ZeroDuration());
}

TEST(ParseGroupFlagTest, NamesTheBadItem) {
  EXPECT_THAT(ParseGroupFlag("min=1,max=10").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("min, max and desired are required")));
  EXPECT_THAT(ParseGroupFlag("min=1,max=x,desired=1").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("max \"x\" must be a non-negative integer")));
  EXPECT_THAT(ParseGroupFlag("min=1,max=3,desired=1,launch=soon").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("launch \"soon\" must be a duration")));
  EXPECT_THAT(ParseGroupFlag("min=1,max=3,desired=1,size=2").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown key \"size\"")));
  EXPECT_THAT(ParseGroupFlag("").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("required with --scaling-policies")));
}

TEST(ScalingReplayTest, PoliciesOfSeveralGroupsNeedAName) {
  EXPECT_THAT(ScalingReplay::Create(kTwoPolicies, "min=1,max=3,desired=1")
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("the policies name several groups")));
  absl::StatusOr<std::unique_ptr<ScalingReplay>> s =
      ScalingReplay::Create(kTwoPolicies, "min=1,max=3,desired=1,name=db");
  ASSERT_THAT(s.status(), IsOk());
  EXPECT_EQ((*s)->group().name(), "db");
  EXPECT_NE((*s)->group().FindPolicy("out"), nullptr);
  EXPECT_THAT(
      ScalingReplay::Create(kTwoPolicies, "min=1,max=3,desired=1,name=x")
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("no policy names group \"x\"")));
  EXPECT_THAT(ScalingReplay::Create("{", "min=1,max=3,desired=1").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--scaling-policies: scaling policies: not "
                                 "valid JSON")));
  EXPECT_THAT(ScalingReplay::Create(kTwoPolicies,
                                    "min=4,max=3,desired=1,name=web")
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("MinSize (4) must be between 0 and MaxSize")));
}

// The bundled example: the README's command with the Auto Scaling flags.
class AutoScalingExampleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<ScalingReplay>> s = ScalingReplay::Create(
        ReadFile("examples/autoscaling_policies.json"),
        "min=2,max=12,desired=2,launch=120s");
    ASSERT_THAT(s.status(), IsOk());
    scaling_ = *std::move(s);
    ReplayOptions options;
    options.alarms_path = "examples/autoscaling_alarms.json";
    options.metrics_path = "examples/autoscaling_cpu.csv";
    options.format = ReplayOptions::Format::kText;
    options.action_sink = scaling_->sink(nullptr);
    std::string out;
    ASSERT_THAT(RunReplay(options, &out), IsOk());
  }
  static absl::Time At(int h, int m) {
    return absl::FromCivil(absl::CivilSecond(2024, 3, 18, h, m, 0),
                           absl::UTCTimeZone());
  }
  // The desired capacity in effect at `t`.
  int DesiredAt(absl::Time t) const {
    int desired = scaling_->group().config().desired_capacity;
    for (const CapacityPoint& p : scaling_->group().Timeline()) {
      if (p.time <= t) desired = p.desired;
    }
    return desired;
  }
  std::unique_ptr<ScalingReplay> scaling_;
};

TEST_F(AutoScalingExampleTest, CapacityTimelineMatchesTheExpectedReport) {
  EXPECT_EQ(scaling_->Report(ReplayOptions::Format::kText),
            ReadFile("examples/autoscaling_replay.expected.txt"));
}

TEST_F(AutoScalingExampleTest, FollowsTheDaysLoad) {
  // Night: MinSize. Morning peak: MaxSize. Lunch, evening: back to MinSize;
  // the 20:00 batch spike: a short scale-out.
  EXPECT_EQ(DesiredAt(At(6, 0)), 2);
  // 09:50 evaluates 09:47-09:49 (70.1, 70.1, 72.6; average 70.9): +1.
  EXPECT_EQ(DesiredAt(At(9, 49)), 2);
  EXPECT_EQ(DesiredAt(At(9, 50)), 3);
  // 10:03 evaluates 10:00-10:02 (average 80.9, step +2) while the 10:00
  // instance warms up: 5 - 1 warming + 2 = 6, one more instance.
  EXPECT_EQ(DesiredAt(At(10, 2)), 5);
  EXPECT_EQ(DesiredAt(At(10, 3)), 6);
  EXPECT_EQ(DesiredAt(At(11, 0)), 12);
  EXPECT_EQ(DesiredAt(At(13, 0)), 2);
  EXPECT_EQ(DesiredAt(At(16, 0)), 12);
  EXPECT_EQ(DesiredAt(At(20, 20)), 7);
  EXPECT_EQ(DesiredAt(At(23, 59)), 2);
  for (const CapacityPoint& p : scaling_->group().Timeline()) {
    EXPECT_GE(p.desired, 2);
    EXPECT_LE(p.desired, 12);
    EXPECT_LE(p.in_service, p.desired);
  }
}

}  // namespace
}  // namespace cwalarm
