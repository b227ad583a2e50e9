// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// AlarmSpec::Validate against the single-metric rules of spec 2 (and 1.2,
// 1.4, 1.5, 6.1), the enum parsers' CloudWatch texts, and the derived
// accessors (DatapointsToAlarm, TreatMissingData, evaluation range).

#include "alarm/alarm_spec.h"

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "alarm/alarm_state.h"
#include "alarm/threshold.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/statistic.h"
#include "metrics/unit.h"
#include "tests/testing/status_matchers.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::IsOk;
using ::cwalarm_testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A valid single-metric alarm: EC2 CPU > 80 over 3 x 5 minutes.
AlarmSpec CpuAlarmSpec() {
  AlarmSpec spec;
  spec.alarm_name = "cpu-high";
  spec.metric = {"AWS/EC2", "CPUUtilization", {{"InstanceId", "i-1"}}};
  spec.statistic = Statistic::kAverage;
  spec.period = absl::Minutes(5);
  spec.evaluation_periods = 3;
  spec.threshold = 80;
  spec.comparison_operator = ComparisonOperator::kGreaterThanThreshold;
  return spec;
}

TEST(AlarmSpecTest, CpuAlarmSpecIsValid) {
  EXPECT_THAT(CpuAlarmSpec().Validate(), IsOk());
}

// --- Accepted configurations -----------------------------------------------

struct AcceptCase {
  std::string rule;
  std::function<void(AlarmSpec&)> change;
};

void PrintTo(const AcceptCase& c, std::ostream* os) { *os << c.rule; }

class AlarmSpecAcceptTest : public ::testing::TestWithParam<AcceptCase> {};

TEST_P(AlarmSpecAcceptTest, Accepts) {
  AlarmSpec spec = CpuAlarmSpec();
  GetParam().change(spec);
  EXPECT_THAT(spec.Validate(), IsOk()) << GetParam().rule;
}

std::string SnsArn(int i) {
  return absl::StrCat("arn:aws:sns:us-east-1:123456789012:topic-", i);
}

INSTANTIATE_TEST_SUITE_P(
    Spec2, AlarmSpecAcceptTest,
    ::testing::Values(
        AcceptCase{"spec 1.5: Period 10 (high resolution)",
                   [](AlarmSpec& s) { s.period = absl::Seconds(10); }},
        AcceptCase{"spec 1.5: Period 20 (newer rule)",
                   [](AlarmSpec& s) { s.period = absl::Seconds(20); }},
        AcceptCase{"spec 1.5: Period 30",
                   [](AlarmSpec& s) { s.period = absl::Seconds(30); }},
        AcceptCase{"spec 1.5: Period 60",
                   [](AlarmSpec& s) { s.period = absl::Seconds(60); }},
        AcceptCase{"spec 1.5: Period 120 (multiple of 60)",
                   [](AlarmSpec& s) { s.period = absl::Seconds(120); }},
        AcceptCase{"spec 1.5: P x N = 86400 s with P < 3600 (limit inclusive)",
                   [](AlarmSpec& s) {
                     s.period = absl::Seconds(60);
                     s.evaluation_periods = 1440;
                   }},
        AcceptCase{"spec 1.5: P x N = 604800 s with P >= 3600 (newer rule)",
                   [](AlarmSpec& s) {
                     s.period = absl::Hours(1);
                     s.evaluation_periods = 168;
                   }},
        AcceptCase{"spec 1.2: DatapointsToAlarm == EvaluationPeriods",
                   [](AlarmSpec& s) { s.datapoints_to_alarm = 3; }},
        AcceptCase{"spec 1.2: DatapointsToAlarm 1 of 3",
                   [](AlarmSpec& s) { s.datapoints_to_alarm = 1; }},
        AcceptCase{"spec 1.4: ExtendedStatistic p90 alone",
                   [](AlarmSpec& s) {
                     s.statistic.reset();
                     s.extended_statistic = "p90";
                   }},
        AcceptCase{"spec 1.4: ExtendedStatistic p99.9 with "
                   "EvaluateLowSampleCountPercentile ignore",
                   [](AlarmSpec& s) {
                     s.statistic.reset();
                     s.extended_statistic = "p99.9";
                     s.evaluate_low_sample_count_percentile = "ignore";
                   }},
        AcceptCase{"spec 1.2: five actions per list",
                   [](AlarmSpec& s) {
                     for (int i = 0; i < 5; ++i) s.ok_actions.push_back(SnsArn(i));
                   }},
        AcceptCase{"spec 6.1: EC2 stop action on an InstanceId metric",
                   [](AlarmSpec& s) {
                     s.alarm_actions = {"arn:aws:automate:us-east-1:ec2:stop"};
                   }},
        AcceptCase{"spec 6.1: SSM OpsItem action in AlarmActions",
                   [](AlarmSpec& s) {
                     s.alarm_actions = {
                         "arn:aws:ssm:us-east-1:123456789012:opsitem:3"};
                   }},
        AcceptCase{"spec 1.2: name of 255 characters",
                   [](AlarmSpec& s) { s.alarm_name = std::string(255, 'a'); }},
        AcceptCase{"spec 1.2: description of 1024 characters",
                   [](AlarmSpec& s) {
                     s.alarm_description = std::string(1024, 'd');
                   }},
        AcceptCase{"spec 1.2: 30 dimensions",
                   [](AlarmSpec& s) {
                     s.metric.dimensions.clear();
                     for (int i = 0; i < 30; ++i) {
                       s.metric.dimensions.push_back(
                           {absl::StrCat("D", i), "v"});
                     }
                   }},
        AcceptCase{"spec 1.2: 50 tags",
                   [](AlarmSpec& s) {
                     for (int i = 0; i < 50; ++i) {
                       s.tags.push_back({absl::StrCat("k", i), "v"});
                     }
                   }},
        AcceptCase{"spec 6.1: Lambda function ARN with an alias, all three "
                   "lists",
                   [](AlarmSpec& s) {
                     std::string fn =
                         "arn:aws:lambda:us-east-1:123456789012:function:f:prod";
                     s.ok_actions = {fn};
                     s.alarm_actions = {fn};
                     s.insufficient_data_actions = {fn};
                   }},
        AcceptCase{"spec 6.1: EC2 terminate, reboot and recover actions",
                   [](AlarmSpec& s) {
                     s.alarm_actions = {
                         "arn:aws:automate:us-east-1:ec2:terminate",
                         "arn:aws:automate:us-east-1:ec2:reboot",
                         "arn:aws:automate:us-east-1:ec2:recover"};
                   }},
        AcceptCase{"spec 6.1: legacy swf EC2 action on an InstanceId metric",
                   [](AlarmSpec& s) {
                     s.ok_actions = {
                         "arn:aws:swf:us-east-1:123456789012:action/actions/"
                         "AWS_EC2.InstanceId.Stop/1.0"};
                   }},
        AcceptCase{"spec 6.1: EC2 Auto Scaling policy in OKActions",
                   [](AlarmSpec& s) {
                     s.ok_actions = {
                         "arn:aws:autoscaling:us-east-1:123456789012:"
                         "scalingPolicy:11111111-2222-3333-4444-555555555555:"
                         "autoScalingGroupName/asg:policyName/scale-in"};
                   }},
        AcceptCase{"spec 6.1: Application Auto Scaling policy (DynamoDB)",
                   [](AlarmSpec& s) {
                     s.alarm_actions = {
                         "arn:aws:autoscaling:us-east-1:123456789012:"
                         "scalingPolicy:11111111-2222-3333-4444-555555555555:"
                         "resource/dynamodb/table/t:policyName/p"};
                   }},
        AcceptCase{"spec 6.1: SSM OpsItem with #CATEGORY in AlarmActions",
                   [](AlarmSpec& s) {
                     s.alarm_actions = {
                         "arn:aws:ssm:us-east-1:123456789012:opsitem:2"
                         "#CATEGORY=Availability"};
                   }},
        AcceptCase{"spec 6.1: Incident Manager response plan in AlarmActions",
                   [](AlarmSpec& s) {
                     s.alarm_actions = {
                         "arn:aws:ssm-incidents::123456789012:responseplan/p"};
                   }},
        AcceptCase{"spec 6.1: Amazon Q investigation group in AlarmActions",
                   [](AlarmSpec& s) {
                     s.alarm_actions = {
                         "arn:aws:aiops:us-east-1:123456789012:"
                         "investigation-group:abc"};
                   }},
        AcceptCase{"spec 6.1: partition aws-cn and aws-us-gov",
                   [](AlarmSpec& s) {
                     s.alarm_actions = {
                         "arn:aws-cn:sns:cn-north-1:123456789012:t",
                         "arn:aws-us-gov:sns:us-gov-west-1:123456789012:t"};
                   }}));

// --- Rejected configurations --------------------------------------------------

struct RejectCase {
  std::string rule;
  std::function<void(AlarmSpec&)> change;
  std::vector<std::string> message_parts;  // Each must appear in the message.
};

void PrintTo(const RejectCase& c, std::ostream* os) { *os << c.rule; }

class AlarmSpecRejectTest : public ::testing::TestWithParam<RejectCase> {};

TEST_P(AlarmSpecRejectTest, RejectsWithCloudWatchText) {
  const RejectCase& c = GetParam();
  AlarmSpec spec = CpuAlarmSpec();
  c.change(spec);
  absl::Status status = spec.Validate();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                               StartsWith(absl::StrCat(
                                   "alarm \"", spec.alarm_name, "\""))))
      << c.rule;
  for (const std::string& part : c.message_parts) {
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                                 HasSubstr(part)))
        << c.rule;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Spec2, AlarmSpecRejectTest,
    ::testing::Values(
        RejectCase{"spec 2 / 1.5: Period 45 is not 10, 20, 30 or k*60",
                   [](AlarmSpec& s) { s.period = absl::Seconds(45); },
                   {"Period", "Period must be 10, 20, 30 or a multiple of 60",
                    "(ValidationError)"}},
        RejectCase{"spec 2 / 1.5: Period 1 is not valid for an alarm",
                   [](AlarmSpec& s) { s.period = absl::Seconds(1); },
                   {"Period must be 10, 20, 30 or a multiple of 60"}},
        RejectCase{"spec 2 / 1.5: Period 90 is not a multiple of 60",
                   [](AlarmSpec& s) { s.period = absl::Seconds(90); },
                   {"Period must be 10, 20, 30 or a multiple of 60"}},
        RejectCase{"spec 2: DatapointsToAlarm > EvaluationPeriods",
                   [](AlarmSpec& s) { s.datapoints_to_alarm = 5; },
                   {"DatapointsToAlarm must be less than or equal to "
                    "EvaluationPeriods",
                    "(ValidationError)"}},
        RejectCase{"spec 1.2: EvaluationPeriods < 1",
                   [](AlarmSpec& s) { s.evaluation_periods = 0; },
                   {"EvaluationPeriods"}},
        RejectCase{"spec 1.5: P x N over one day with P < 3600 (60 s x 1441)",
                   [](AlarmSpec& s) {
                     s.period = absl::Seconds(60);
                     s.evaluation_periods = 1441;
                   },
                   {"86400", "86460"}},
        RejectCase{"spec 1.5: P x N over one day with P = 1800 < 3600 "
                   "(1800 s x 49)",
                   [](AlarmSpec& s) {
                     s.period = absl::Seconds(1800);
                     s.evaluation_periods = 49;
                   },
                   {"86400"}},
        RejectCase{"spec 1.5: P x N over seven days with P >= 3600 "
                   "(3600 s x 169)",
                   [](AlarmSpec& s) {
                     s.period = absl::Hours(1);
                     s.evaluation_periods = 169;
                   },
                   {"604800"}},
        RejectCase{"spec 2: single-metric form without MetricName",
                   [](AlarmSpec& s) { s.metric.metric_name.clear(); },
                   {"MetricName must not be null"}},
        RejectCase{"spec 1.4 / 2: ExtendedStatistic \"90\" is not supported "
                   "(InvalidParameterValue)",
                   [](AlarmSpec& s) {
                     s.statistic.reset();
                     s.extended_statistic = "90";
                   },
                   {"The value 90 for parameter ExtendedStatistic is not "
                    "supported.",
                    "InvalidParameterValue"}},
        RejectCase{"spec 2: bad EvaluateLowSampleCountPercentile",
                   [](AlarmSpec& s) {
                     s.statistic.reset();
                     s.extended_statistic = "p90";
                     s.evaluate_low_sample_count_percentile = "sometimes";
                   },
                   {"Option sometimes is not supported. Supported options for "
                    "parameter EvaluateLowSampleCountPercentile are evaluate "
                    "and ignore."}},
        RejectCase{"spec 1.2: Statistic and ExtendedStatistic both set",
                   [](AlarmSpec& s) { s.extended_statistic = "p90"; },
                   {"exactly one of Statistic and ExtendedStatistic"}},
        RejectCase{"spec 1.2: neither Statistic nor ExtendedStatistic",
                   [](AlarmSpec& s) { s.statistic.reset(); },
                   {"exactly one of Statistic and ExtendedStatistic"}},
        RejectCase{"spec 1.2 / 2: more than 5 OKActions",
                   [](AlarmSpec& s) {
                     for (int i = 0; i < 6; ++i) s.ok_actions.push_back(SnsArn(i));
                   },
                   {"OKActions",
                    "Member must have length less than or equal to 5"}},
        RejectCase{"spec 1.2 / 2: more than 5 AlarmActions",
                   [](AlarmSpec& s) {
                     for (int i = 0; i < 6; ++i) {
                       s.alarm_actions.push_back(SnsArn(i));
                     }
                   },
                   {"AlarmActions",
                    "Member must have length less than or equal to 5"}},
        RejectCase{"spec 1.2 / 2: more than 5 InsufficientDataActions",
                   [](AlarmSpec& s) {
                     for (int i = 0; i < 6; ++i) {
                       s.insufficient_data_actions.push_back(SnsArn(i));
                     }
                   },
                   {"InsufficientDataActions",
                    "Member must have length less than or equal to 5"}},
        RejectCase{"spec 2: an action that is not an ARN (a policy name)",
                   [](AlarmSpec& s) { s.alarm_actions = {"my-scaling-policy"}; },
                   {"AlarmActions[0]", "my-scaling-policy"}},
        RejectCase{"spec 2 / 6.1: EC2 action without an InstanceId dimension",
                   [](AlarmSpec& s) {
                     s.metric.dimensions = {{"AutoScalingGroupName", "asg"}};
                     s.alarm_actions = {"arn:aws:automate:us-east-1:ec2:stop"};
                   },
                   {"Invalid use of EC2 action. An EC2 action can only be used "
                    "if the alarm is monitoring an EC2 instance."}},
        RejectCase{"spec 2 / 6.1: legacy swf EC2 action without InstanceId",
                   [](AlarmSpec& s) {
                     s.metric.dimensions.clear();
                     s.ok_actions = {
                         "arn:aws:swf:us-east-1:123456789012:action/actions/"
                         "AWS_EC2.InstanceId.Reboot/1.0"};
                   },
                   {"Invalid use of EC2 action. An EC2 action can only be used "
                    "if the alarm is monitoring an EC2 instance."}},
        RejectCase{"spec 4.2 / 6.1: SSM OpsItem action in OKActions",
                   [](AlarmSpec& s) {
                     s.ok_actions = {
                         "arn:aws:ssm:us-east-1:123456789012:opsitem:3"};
                   },
                   {"OKActions[0]", "only valid in AlarmActions"}},
        RejectCase{"spec 6.1: Incident Manager action in "
                   "InsufficientDataActions",
                   [](AlarmSpec& s) {
                     s.insufficient_data_actions = {
                         "arn:aws:ssm-incidents::123456789012:responseplan/p"};
                   },
                   {"InsufficientDataActions[0]",
                    "only valid in AlarmActions"}},
        RejectCase{"spec 1.2 / 2: AlarmName longer than 255",
                   [](AlarmSpec& s) { s.alarm_name = std::string(256, 'a'); },
                   {"AlarmName", "256 characters",
                    "Member must have length less than or equal to 255"}},
        RejectCase{"spec 1.2: empty AlarmName",
                   [](AlarmSpec& s) { s.alarm_name.clear(); },
                   {"AlarmName"}},
        RejectCase{"spec 1.2 / 2: AlarmDescription longer than 1024",
                   [](AlarmSpec& s) {
                     s.alarm_description = std::string(1025, 'd');
                   },
                   {"AlarmDescription",
                    "Member must have length less than or equal to 1024"}},
        RejectCase{"spec 1.2 / 2: more than 30 dimensions",
                   [](AlarmSpec& s) {
                     s.metric.dimensions.clear();
                     for (int i = 0; i < 31; ++i) {
                       s.metric.dimensions.push_back(
                           {absl::StrCat("D", i), "v"});
                     }
                   },
                   {"Dimensions", "31", "30"}},
        RejectCase{"spec 1.6: band operator without the anomaly form",
                   [](AlarmSpec& s) {
                     s.comparison_operator = ComparisonOperator::
                         kLessThanLowerOrGreaterThanUpperThreshold;
                   },
                   {"ComparisonOperator",
                    "LessThanLowerOrGreaterThanUpperThreshold"}},
        RejectCase{"spec 1.6: GreaterThanUpperThreshold without the anomaly "
                   "form",
                   [](AlarmSpec& s) {
                     s.comparison_operator =
                         ComparisonOperator::kGreaterThanUpperThreshold;
                   },
                   {"GreaterThanUpperThreshold"}},
        RejectCase{"spec 1.2: static alarm without Threshold",
                   [](AlarmSpec& s) { s.threshold.reset(); },
                   {"Threshold"}},
        RejectCase{"spec 1.2: Namespace starting with ':'",
                   [](AlarmSpec& s) { s.metric.metric_namespace = ":AWS"; },
                   {"Namespace", ":AWS"}},
        RejectCase{"spec 1.2: more than 50 tags",
                   [](AlarmSpec& s) {
                     for (int i = 0; i < 51; ++i) {
                       s.tags.push_back({absl::StrCat("k", i), "v"});
                     }
                   },
                   {"Tags", "51 tags"}},
        RejectCase{"spec 1.2: AlarmName with an ASCII control character",
                   [](AlarmSpec& s) { s.alarm_name = "cpu\thigh"; },
                   {"AlarmName", "control characters"}},
        RejectCase{"spec 6.1: Amazon Q investigation in OKActions (ALARM "
                   "only)",
                   [](AlarmSpec& s) {
                     s.ok_actions = {
                         "arn:aws:aiops:us-east-1:123456789012:"
                         "investigation-group:abc"};
                   },
                   {"OKActions[0]", "only valid in AlarmActions"}}));

TEST(AlarmSpecTest, ReportsPeriodValueAndRuleInOneMessage) {
  AlarmSpec spec = CpuAlarmSpec();
  spec.alarm_name = "cpu";
  spec.period = absl::Seconds(45);
  EXPECT_THAT(spec.Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "alarm \"cpu\": Period (45s): Period must be 10, 20, 30 "
                       "or a multiple of 60 (ValidationError)"));
}

// --- Enum parsers -----------------------------------------------------------

TEST(ParseStatisticTest, ParsesEveryName) {
  EXPECT_EQ(*ParseStatistic("SampleCount"), Statistic::kSampleCount);
  EXPECT_EQ(*ParseStatistic("Average"), Statistic::kAverage);
  EXPECT_EQ(*ParseStatistic("Sum"), Statistic::kSum);
  EXPECT_EQ(*ParseStatistic("Minimum"), Statistic::kMinimum);
  EXPECT_EQ(*ParseStatistic("Maximum"), Statistic::kMaximum);
}

TEST(ParseStatisticTest, RejectsWithTheApiEnumMessage) {
  EXPECT_THAT(ParseStatistic("average"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "1 validation error detected: Value 'average' at "
                       "'statistic' failed to satisfy constraint: Member must "
                       "satisfy enum value set: [Maximum, SampleCount, Sum, "
                       "Minimum, Average]"));
}

TEST(ParseTreatMissingDataTest, ParsesEveryName) {
  EXPECT_EQ(*ParseTreatMissingData("breaching"), TreatMissingData::kBreaching);
  EXPECT_EQ(*ParseTreatMissingData("notBreaching"),
            TreatMissingData::kNotBreaching);
  EXPECT_EQ(*ParseTreatMissingData("ignore"), TreatMissingData::kIgnore);
  EXPECT_EQ(*ParseTreatMissingData("missing"), TreatMissingData::kMissing);
}

TEST(ParseTreatMissingDataTest, RejectsWithCloudWatchText) {
  EXPECT_THAT(ParseTreatMissingData("NotBreaching"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "The value NotBreaching is not supported for "
                       "TreatMissingData parameter. Supported values are "
                       "[breaching, notBreaching, ignore, missing]."));
}

TEST(ParseComparisonOperatorTest, ParsesEveryName) {
  EXPECT_EQ(*ParseComparisonOperator("GreaterThanOrEqualToThreshold"),
            ComparisonOperator::kGreaterThanOrEqualToThreshold);
  EXPECT_EQ(*ParseComparisonOperator("GreaterThanThreshold"),
            ComparisonOperator::kGreaterThanThreshold);
  EXPECT_EQ(*ParseComparisonOperator("LessThanThreshold"),
            ComparisonOperator::kLessThanThreshold);
  EXPECT_EQ(*ParseComparisonOperator("LessThanOrEqualToThreshold"),
            ComparisonOperator::kLessThanOrEqualToThreshold);
  EXPECT_EQ(*ParseComparisonOperator("LessThanLowerOrGreaterThanUpperThreshold"),
            ComparisonOperator::kLessThanLowerOrGreaterThanUpperThreshold);
  EXPECT_EQ(*ParseComparisonOperator("LessThanLowerThreshold"),
            ComparisonOperator::kLessThanLowerThreshold);
  EXPECT_EQ(*ParseComparisonOperator("GreaterThanUpperThreshold"),
            ComparisonOperator::kGreaterThanUpperThreshold);
}

TEST(ParseComparisonOperatorTest, RejectsWithTheApiEnumMessage) {
  EXPECT_THAT(
      ParseComparisonOperator("GreaterThan"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(StartsWith("1 validation error detected: Value "
                                "'GreaterThan' at 'comparisonOperator' failed "
                                "to satisfy constraint: Member must satisfy "
                                "enum value set: ["),
                     HasSubstr("GreaterThanOrEqualToThreshold"),
                     HasSubstr("LessThanOrEqualToThreshold"))));
}

TEST(ComparisonTest, BreachingPredicateOfSpec16) {
  using Op = ComparisonOperator;
  EXPECT_TRUE(IsBreaching(Op::kGreaterThanThreshold, 50.5, 50));
  EXPECT_FALSE(IsBreaching(Op::kGreaterThanThreshold, 50, 50));
  EXPECT_TRUE(IsBreaching(Op::kGreaterThanOrEqualToThreshold, 50, 50));
  EXPECT_FALSE(IsBreaching(Op::kGreaterThanOrEqualToThreshold, 49.9, 50));
  EXPECT_TRUE(IsBreaching(Op::kLessThanThreshold, 49.9, 50));
  EXPECT_FALSE(IsBreaching(Op::kLessThanThreshold, 50, 50));
  EXPECT_TRUE(IsBreaching(Op::kLessThanOrEqualToThreshold, 50, 50));
  EXPECT_FALSE(IsBreaching(Op::kLessThanOrEqualToThreshold, 50.1, 50));
  EXPECT_EQ(ComparisonPhrase(Op::kGreaterThanOrEqualToThreshold),
            "greater than or equal to");
  EXPECT_EQ(ComparisonPhrase(Op::kLessThanOrEqualToThreshold),
            "less than or equal to");
  EXPECT_EQ(ComparisonPhrase(Op::kGreaterThanThreshold), "greater than");
  EXPECT_EQ(ComparisonPhrase(Op::kLessThanThreshold), "less than");
}

TEST(ParseAlarmStateTest, ParsesEveryName) {
  EXPECT_EQ(*ParseAlarmState("OK"), AlarmState::kOk);
  EXPECT_EQ(*ParseAlarmState("ALARM"), AlarmState::kAlarm);
  EXPECT_EQ(*ParseAlarmState("INSUFFICIENT_DATA"),
            AlarmState::kInsufficientData);
  EXPECT_EQ(AlarmStateName(AlarmState::kInsufficientData), "INSUFFICIENT_DATA");
}

TEST(ParseAlarmStateTest, RejectsWithSetAlarmStateMessage) {
  EXPECT_THAT(ParseAlarmState("INVALID"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "1 validation error detected: Value 'INVALID' at "
                       "'stateValue' failed to satisfy constraint: Member must "
                       "satisfy enum value set: [INSUFFICIENT_DATA, ALARM, "
                       "OK]"));
}

TEST(ParseUnitTest, ParsesCloudWatchSpellings) {
  EXPECT_EQ(*ParseUnit("Bytes/Second"), Unit::kBytesPerSecond);
  EXPECT_EQ(*ParseUnit("Count/Second"), Unit::kCountPerSecond);
  EXPECT_EQ(*ParseUnit("None"), Unit::kNone);
  EXPECT_EQ(*ParseUnit("Percent"), Unit::kPercent);
  EXPECT_EQ(UnitName(Unit::kTerabitsPerSecond), "Terabits/Second");
  for (int i = 0; i < kUnitCount; ++i) {
    Unit u = static_cast<Unit>(i);
    EXPECT_EQ(*ParseUnit(UnitName(u)), u) << UnitName(u);
  }
}

TEST(ParseUnitTest, RejectsCaseVariantsNamingTheValue) {
  EXPECT_THAT(ParseUnit("bytes"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("Unit \"bytes\""),
                             HasSubstr("Bytes/Second"),
                             HasSubstr("Count/Second"))));
}

// --- Derived values ---------------------------------------------------------

TEST(DefaultEvaluationRangeTest, FollowsSpec33Formula) {
  EXPECT_EQ(DefaultEvaluationRange(3), 5);  // The documented R = 5.
  EXPECT_EQ(DefaultEvaluationRange(1), 3);
  EXPECT_EQ(DefaultEvaluationRange(2), 4);
  EXPECT_EQ(DefaultEvaluationRange(6), 8);
  EXPECT_EQ(DefaultEvaluationRange(9), 12);
}

TEST(AlarmSpecTest, EffectiveEvaluationRangeUsesOverride) {
  AlarmSpec spec = CpuAlarmSpec();
  EXPECT_EQ(spec.EffectiveEvaluationRange(), 5);
  spec.evaluation_range = 7;
  EXPECT_EQ(spec.EffectiveEvaluationRange(), 7);
}

TEST(AlarmSpecTest, RejectsEvaluationRangeBelowN) {
  AlarmSpec spec = CpuAlarmSpec();
  spec.evaluation_range = 2;
  EXPECT_THAT(spec.Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(StartsWith("alarm \"cpu-high\""),
                             HasSubstr("EvaluationRange"))));
}

TEST(AlarmSpecTest, EffectiveTreatMissingDataDefaultsToMissing) {
  AlarmSpec spec = CpuAlarmSpec();
  EXPECT_EQ(spec.EffectiveTreatMissingData(), TreatMissingData::kMissing);
  spec.treat_missing_data = TreatMissingData::kBreaching;
  EXPECT_EQ(spec.EffectiveTreatMissingData(), TreatMissingData::kBreaching);
}

TEST(AlarmSpecTest, DynamoDbAlarmsAlwaysIgnoreMissingData) {
  AlarmSpec spec = CpuAlarmSpec();
  spec.metric = {"AWS/DynamoDB", "ConsumedReadCapacityUnits",
                 {{"TableName", "t"}}};
  EXPECT_EQ(spec.EffectiveTreatMissingData(), TreatMissingData::kIgnore);
  for (TreatMissingData tmd :
       {TreatMissingData::kMissing, TreatMissingData::kBreaching,
        TreatMissingData::kNotBreaching, TreatMissingData::kIgnore}) {
    spec.treat_missing_data = tmd;
    EXPECT_EQ(spec.EffectiveTreatMissingData(), TreatMissingData::kIgnore)
        << TreatMissingDataName(tmd);
  }
}

TEST(AlarmSpecTest, EffectiveDatapointsToAlarmDefaultsToN) {
  AlarmSpec spec = CpuAlarmSpec();
  EXPECT_EQ(spec.EffectiveDatapointsToAlarm(), 3);
  spec.datapoints_to_alarm = 2;
  EXPECT_EQ(spec.EffectiveDatapointsToAlarm(), 2);
}

TEST(AlarmArnTest, PutsAColonBeforeTheName) {
  EXPECT_EQ(AlarmArn("us-east-1", "123456789012", "cpu-high"),
            "arn:aws:cloudwatch:us-east-1:123456789012:alarm:cpu-high");
}

}  // namespace
}  // namespace cwalarm
