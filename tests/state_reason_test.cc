// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// StateReason text (spec 4.5) and StateReasonData JSON (spec 4.6), with the
// spec's literal sample strings where their inputs are known.

#include "alarm/state_reason.h"

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "alarm/alarm_spec.h"
#include "alarm/alarm_state.h"
#include "alarm/evaluation_window.h"
#include "alarm/threshold.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/statistic.h"
#include "metrics/unit.h"

namespace cwalarm {
namespace {

absl::Time Utc(int y, int mo, int d, int h, int mi, int s) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s),
                         absl::UTCTimeZone());
}

AlarmSpec MakeSpec(int n, std::optional<int> m, double threshold,
                   ComparisonOperator op, std::optional<TreatMissingData> tmd,
                   absl::Duration period = absl::Minutes(5)) {
  AlarmSpec spec;
  spec.alarm_name = "reason-test";
  spec.metric = {"AWS/EC2", "CPUUtilization", {{"InstanceId", "i-1"}}};
  spec.statistic = Statistic::kAverage;
  spec.period = period;
  spec.evaluation_periods = n;
  spec.datapoints_to_alarm = m;
  spec.threshold = threshold;
  spec.comparison_operator = op;
  spec.treat_missing_data = tmd;
  return spec;
}

// R buckets ending at `newest_start + period`; `values` oldest first, nullopt
// for a missing bucket. Each present bucket has sample count 1.
std::vector<RangeBucket> MakeRange(const AlarmSpec& spec,
                                   absl::Time newest_start,
                                   const std::vector<std::optional<double>>& values) {
  std::vector<RangeBucket> range;
  const int r = static_cast<int>(values.size());
  for (int i = 0; i < r; ++i) {
    RangeBucket b;
    b.start = newest_start - (r - 1 - i) * spec.period;
    if (values[i].has_value()) {
      b.present = true;
      b.value = *values[i];
      b.sample_count = 1;
      b.breaching =
          IsBreaching(spec.comparison_operator, b.value, *spec.threshold);
    }
    range.push_back(b);
  }
  return range;
}

// Decides over `range` as the evaluator does and builds the reason for the
// decided state. Precondition: the decision is not "keep current".
StateReason Reason(const AlarmSpec& spec, const std::vector<RangeBucket>& range,
                   absl::Time query_date, ReasonForm form = ReasonForm::kAuto) {
  std::vector<BucketVerdict> verdicts;
  for (const RangeBucket& b : range) {
    verdicts.push_back(!b.present ? BucketVerdict::kMissing
                       : b.breaching ? BucketVerdict::kBreaching
                                     : BucketVerdict::kNotBreaching);
  }
  Decision d = Decide(verdicts, spec.evaluation_periods,
                      spec.EffectiveDatapointsToAlarm(),
                      spec.EffectiveTreatMissingData());
  EXPECT_TRUE(d.state.has_value());
  return BuildStateReason(spec, range, d,
                          d.state.value_or(AlarmState::kInsufficientData),
                          query_date, form);
}

constexpr std::nullopt_t kMissing = std::nullopt;
using Op = ComparisonOperator;
using TMD = TreatMissingData;

// --- Literal samples of spec 4.5 ----------------------------------------------

TEST(StateReasonTest, SpecSampleOneOutOfOneLongForm) {
  // 1-of-1 alarm, P = 300, evaluated at 17:04:40.985 -> bucket 16:59.
  AlarmSpec spec = MakeSpec(1, 1, 50, Op::kGreaterThanThreshold, std::nullopt);
  absl::Time query = Utc(2019, 10, 2, 17, 4, 40) + absl::Milliseconds(985);
  auto range = MakeRange(spec, Utc(2019, 10, 2, 16, 59, 0),
                         {kMissing, kMissing, 99.50160229693434});
  StateReason r = Reason(spec, range, query);
  EXPECT_EQ(r.reason,
            "Threshold Crossed: 1 out of the last 1 datapoints "
            "[99.50160229693434 (02/10/19 16:59:00)] was greater than the "
            "threshold (50.0) (minimum 1 datapoint for OK -> ALARM "
            "transition).");
  // spec 4.6: key order, Java doubles, recent oldest first, evaluated newest
  // first with sampleCount/value for real buckets.
  EXPECT_EQ(r.reason_data,
            R"({"version":"1.0","queryDate":"2019-10-02T17:04:40.985+0000",)"
            R"("startDate":"2019-10-02T16:59:00.000+0000",)"
            R"("statistic":"Average","period":300,)"
            R"("recentDatapoints":[99.50160229693434],"threshold":50.0,)"
            R"("evaluatedDatapoints":[{"timestamp":"2019-10-02T16:59:00.000+0000",)"
            R"("sampleCount":1.0,"value":99.50160229693434}]})");
}

// The evaluator's form (BuildStateReasonInto with the threshold apart, on a
// spec whose threshold value is cleared, as its shared shapes are) gives the
// same bytes as BuildStateReason on the whole spec (spec 4.5, 4.6: the
// threshold appears in the reason text and in the reason data).
TEST(StateReasonTest, ThresholdGivenApartGivesTheSameBytes) {
  for (double threshold : {50.0, 0.5, -3.0, 1e21, 0.0}) {
    AlarmSpec spec =
        MakeSpec(3, 2, threshold, Op::kGreaterThanThreshold, TMD::kMissing);
    absl::Time query = Utc(2024, 3, 16, 12, 16, 10) + absl::Milliseconds(7);
    auto range = MakeRange(spec, Utc(2024, 3, 16, 12, 10, 0),
                           {threshold + 1, kMissing, threshold - 1.5,
                            threshold * 2 + 1, threshold + 0.125});
    const StateReason whole = Reason(spec, range, query);
    std::vector<BucketVerdict> verdicts;
    for (const RangeBucket& b : range) {
      verdicts.push_back(!b.present ? BucketVerdict::kMissing
                         : b.breaching ? BucketVerdict::kBreaching
                                       : BucketVerdict::kNotBreaching);
    }
    const Decision d = Decide(verdicts, 3, 2, TMD::kMissing);
    AlarmSpec shape = spec;
    shape.threshold = 0.0;  // Whatever the shape holds is not read.
    std::string reason = "stale";
    std::string reason_data = "stale";
    BuildStateReasonInto(shape, threshold, range, d, *d.state, query,
                         ReasonForm::kAuto, &reason, &reason_data);
    EXPECT_EQ(reason, whole.reason) << threshold;
    EXPECT_EQ(reason_data, whole.reason_data) << threshold;
  }
}

TEST(StateReasonTest, SpecSampleOneOutOfTwentyWithNonBreachingFills) {
  AlarmSpec spec = MakeSpec(20, 1, 1, Op::kGreaterThanOrEqualToThreshold,
                            TMD::kNotBreaching, absl::Minutes(1));
  std::vector<std::optional<double>> values(
      DefaultEvaluationRange(20), std::optional<double>());
  values.back() = 613.0;
  auto range = MakeRange(spec, Utc(2024, 3, 16, 12, 15, 0), values);
  StateReason r = Reason(spec, range, Utc(2024, 3, 16, 12, 16, 10));
  EXPECT_EQ(r.reason,
            "Threshold Crossed: 1 out of the last 20 datapoints [613.0 "
            "(16/03/24 12:15:00)] was greater than or equal to the threshold "
            "(1.0) and 19 missing datapoints were treated as [NonBreaching] "
            "(minimum 1 datapoint for OK -> ALARM transition).");
}

TEST(StateReasonTest, SpecSampleShortFormWithoutDatapointsToAlarm) {
  AlarmSpec spec = MakeSpec(1, std::nullopt, 21, Op::kGreaterThanThreshold,
                            std::nullopt, absl::Minutes(1));
  auto range = MakeRange(spec, Utc(2026, 8, 3, 11, 42, 0),
                         {kMissing, kMissing, 21.5});
  StateReason r = Reason(spec, range, Utc(2026, 8, 3, 11, 43, 5));
  EXPECT_EQ(r.reason,
            "Threshold Crossed: 1 datapoint [21.5 (03/08/26 11:42:00)] was "
            "greater than the threshold (21.0).");
}

TEST(StateReasonTest, SpecSampleShortFormOkWithOneBreachingFill) {
  // N = 2 (M unset = 2): one good real point + one breaching fill < 2 -> OK.
  AlarmSpec spec = MakeSpec(2, std::nullopt, 1,
                            Op::kGreaterThanOrEqualToThreshold,
                            TMD::kBreaching, absl::Minutes(1));
  auto range = MakeRange(spec, Utc(2026, 8, 3, 11, 42, 0),
                         {kMissing, kMissing, kMissing, 0.0});
  StateReason r = Reason(spec, range, Utc(2026, 8, 3, 11, 43, 5));
  EXPECT_EQ(r.reason,
            "Threshold Crossed: 1 datapoint [0.0 (03/08/26 11:42:00)] was not "
            "greater than or equal to the threshold (1.0) and 1 missing "
            "datapoint was treated as [Breaching].");
}

// --- Template table ---------------------------------------------------------

struct ReasonCase {
  std::string rule;
  AlarmSpec spec;
  std::vector<std::optional<double>> values;  // Oldest first; R entries.
  ReasonForm form;
  std::string expected;
};

void PrintTo(const ReasonCase& c, std::ostream* os) { *os << c.rule; }

class StateReasonTemplateTest : public ::testing::TestWithParam<ReasonCase> {};

// Buckets end at 12:05 (newest starts 12:04), P = 60 s.
TEST_P(StateReasonTemplateTest, BuildsTheTemplate) {
  const ReasonCase& c = GetParam();
  auto range = MakeRange(c.spec, Utc(2024, 1, 2, 12, 4, 0), c.values);
  EXPECT_EQ(Reason(c.spec, range, Utc(2024, 1, 2, 12, 5, 30), c.form).reason,
            c.expected)
      << c.rule;
}

AlarmSpec Spec60(int n, std::optional<int> m, std::optional<TMD> tmd,
                 Op op = Op::kGreaterThanThreshold) {
  return MakeSpec(n, m, 50, op, tmd, absl::Minutes(1));
}

INSTANTIATE_TEST_SUITE_P(
    Spec45, StateReasonTemplateTest,
    ::testing::Values(
        ReasonCase{"spec 4.5 #2: missing, no data, plural",
                   Spec60(3, std::nullopt, std::nullopt),
                   {kMissing, kMissing, kMissing, kMissing, kMissing},
                   ReasonForm::kAuto,
                   "Insufficient Data: 3 datapoints were unknown."},
        ReasonCase{"spec 4.5 #2: missing, no data, singular (N=1)",
                   Spec60(1, std::nullopt, std::nullopt),
                   {kMissing, kMissing, kMissing}, ReasonForm::kAuto,
                   "Insufficient Data: 1 datapoint was unknown."},
        ReasonCase{"spec 4.5 #3: no data, filled as breaching",
                   Spec60(3, std::nullopt, TMD::kBreaching),
                   {kMissing, kMissing, kMissing, kMissing, kMissing},
                   ReasonForm::kAuto,
                   "Threshold Crossed: no datapoints were received for 3 "
                   "periods and 3 missing datapoints were treated as "
                   "[Breaching]."},
        ReasonCase{"spec 4.5 #3: no data, filled as notBreaching",
                   Spec60(3, 2, TMD::kNotBreaching),
                   {kMissing, kMissing, kMissing, kMissing, kMissing},
                   ReasonForm::kAuto,
                   "Threshold Crossed: no datapoints were received for 3 "
                   "periods and 3 missing datapoints were treated as "
                   "[NonBreaching]."},
        ReasonCase{"spec 4.5 #3: singular forms [INFERRED] (N=1)",
                   Spec60(1, std::nullopt, TMD::kBreaching),
                   {kMissing, kMissing, kMissing}, ReasonForm::kAuto,
                   "Threshold Crossed: no datapoints were received for 1 "
                   "period and 1 missing datapoint was treated as "
                   "[Breaching]."},
        ReasonCase{"spec 4.5 #5: no real point breaching, fills do "
                   "('1 datapoint was received for 3 periods')",
                   Spec60(3, 2, TMD::kBreaching),
                   {kMissing, kMissing, kMissing, kMissing, 10.0},
                   ReasonForm::kShort,
                   "Threshold Crossed: 1 datapoint was received for 3 periods "
                   "and 2 missing datapoints were treated as [Breaching]."},
        ReasonCase{"spec 4.5 #4: long form ALARM, plural 'were', minimum M",
                   Spec60(3, 2, std::nullopt),
                   {kMissing, kMissing, 60.0, 10.0, 70.5}, ReasonForm::kAuto,
                   "Threshold Crossed: 2 out of the last 3 datapoints [70.5 "
                   "(02/01/24 12:04:00), 60.0 (02/01/24 12:02:00)] were "
                   "greater than the threshold (50.0) (minimum 2 datapoints "
                   "for OK -> ALARM transition)."},
        ReasonCase{"spec 4.5 #4: long form OK negates with 'not', minimum "
                   "N-M+1",
                   Spec60(3, 2, std::nullopt),
                   {99.0, 99.0, 1.0, 2.0, 3.0}, ReasonForm::kAuto,
                   "Threshold Crossed: 3 out of the last 3 datapoints [3.0 "
                   "(02/01/24 12:04:00), 2.0 (02/01/24 12:03:00), 1.0 "
                   "(02/01/24 12:02:00)] were not greater than the threshold "
                   "(50.0) (minimum 2 datapoints for ALARM -> OK "
                   "transition)."},
        ReasonCase{"spec 4.5 #4: long form OK, 1 of 1 -> 'minimum 1 "
                   "datapoint', 'was'",
                   Spec60(1, 1, std::nullopt, Op::kLessThanThreshold),
                   {kMissing, kMissing, 75.0}, ReasonForm::kAuto,
                   "Threshold Crossed: 1 out of the last 1 datapoints [75.0 "
                   "(02/01/24 12:04:00)] was not less than the threshold "
                   "(50.0) (minimum 1 datapoint for ALARM -> OK "
                   "transition)."},
        ReasonCase{"spec 4.5 #4: long form with fill clause, 2 missing were "
                   "treated as [Breaching]",
                   Spec60(3, 3, TMD::kBreaching,
                          Op::kGreaterThanOrEqualToThreshold),
                   {kMissing, kMissing, kMissing, kMissing, 50.0},
                   ReasonForm::kAuto,
                   "Threshold Crossed: 1 out of the last 3 datapoints [50.0 "
                   "(02/01/24 12:04:00)] was greater than or equal to the "
                   "threshold (50.0) and 2 missing datapoints were treated as "
                   "[Breaching] (minimum 3 datapoints for OK -> ALARM "
                   "transition)."},
        ReasonCase{"spec 4.5 #4: ReasonForm::kLong forces the long form "
                   "without DatapointsToAlarm (M = N)",
                   Spec60(2, std::nullopt, std::nullopt,
                          Op::kLessThanOrEqualToThreshold),
                   {kMissing, kMissing, 50.0, 12.25}, ReasonForm::kLong,
                   "Threshold Crossed: 2 out of the last 2 datapoints [12.25 "
                   "(02/01/24 12:04:00), 50.0 (02/01/24 12:03:00)] were less "
                   "than or equal to the threshold (50.0) (minimum 2 "
                   "datapoints for OK -> ALARM transition)."},
        ReasonCase{"spec 4.5 #5: ReasonForm::kShort forces the short form "
                   "with DatapointsToAlarm",
                   Spec60(2, 2, std::nullopt),
                   {kMissing, kMissing, 51.0, 52.0}, ReasonForm::kShort,
                   "Threshold Crossed: 2 datapoints [52.0 (02/01/24 "
                   "12:04:00), 51.0 (02/01/24 12:03:00)] were greater than "
                   "the threshold (50.0)."},
        ReasonCase{"spec 4.5 #5: short form under kAuto when "
                   "DatapointsToAlarm is unset, OK with 'not'",
                   Spec60(2, std::nullopt, std::nullopt),
                   {kMissing, kMissing, 51.0, 3.0}, ReasonForm::kAuto,
                   "Threshold Crossed: 1 datapoint [3.0 (02/01/24 12:04:00)] "
                   "was not greater than the threshold (50.0)."},
        ReasonCase{"spec 4.5 #5: short form with fill clause singular",
                   Spec60(2, std::nullopt, TMD::kNotBreaching),
                   {kMissing, kMissing, kMissing, 0.001}, ReasonForm::kAuto,
                   "Threshold Crossed: 1 datapoint [0.001 (02/01/24 "
                   "12:04:00)] was not greater than the threshold (50.0) and "
                   "1 missing datapoint was treated as [NonBreaching]."}));

// --- StateReasonData (spec 4.6) -------------------------------------------------

TEST(StateReasonDataTest, AllMissingListsNBucketsWithTimestampsOnly) {
  AlarmSpec spec = Spec60(3, std::nullopt, std::nullopt);
  auto range = MakeRange(spec, Utc(2024, 1, 2, 12, 4, 0),
                         {kMissing, kMissing, kMissing, kMissing, kMissing});
  StateReason r = Reason(spec, range, Utc(2024, 1, 2, 12, 5, 30));
  EXPECT_EQ(r.reason_data,
            R"({"version":"1.0","queryDate":"2024-01-02T12:05:30.000+0000",)"
            R"("statistic":"Average","period":60,"recentDatapoints":[],)"
            R"("threshold":50.0,"evaluatedDatapoints":[)"
            R"({"timestamp":"2024-01-02T12:04:00.000+0000"},)"
            R"({"timestamp":"2024-01-02T12:03:00.000+0000"},)"
            R"({"timestamp":"2024-01-02T12:02:00.000+0000"}]})");
}

TEST(StateReasonDataTest, UnitOnlyWhenSetAndListsOrdered) {
  AlarmSpec spec = Spec60(3, 3, std::nullopt);
  spec.unit = Unit::kPercent;
  spec.statistic = Statistic::kMaximum;
  auto range = MakeRange(spec, Utc(2024, 1, 2, 12, 4, 0),
                         {kMissing, 10.0, 60.0, 70.0, 80.5});
  range[4].sample_count = 4;
  StateReason r = Reason(spec, range, Utc(2024, 1, 2, 12, 5, 1));
  EXPECT_EQ(r.reason_data,
            R"({"version":"1.0","queryDate":"2024-01-02T12:05:01.000+0000",)"
            R"("startDate":"2024-01-02T12:02:00.000+0000","unit":"Percent",)"
            R"("statistic":"Maximum","period":60,)"
            R"("recentDatapoints":[60.0,70.0,80.5],"threshold":50.0,)"
            R"("evaluatedDatapoints":[)"
            R"({"timestamp":"2024-01-02T12:04:00.000+0000","sampleCount":4.0,"value":80.5},)"
            R"({"timestamp":"2024-01-02T12:03:00.000+0000","sampleCount":1.0,"value":70.0},)"
            R"({"timestamp":"2024-01-02T12:02:00.000+0000","sampleCount":1.0,"value":60.0}]})");
}

TEST(StateReasonDataTest, MixesMissingAndRealBucketsNewestFirst) {
  AlarmSpec spec = Spec60(3, 3, TMD::kBreaching);
  auto range = MakeRange(spec, Utc(2024, 1, 2, 12, 4, 0),
                         {kMissing, kMissing, kMissing, 55.0, kMissing});
  StateReason r = Reason(spec, range, Utc(2024, 1, 2, 12, 5, 0));
  EXPECT_THAT(r.reason_data,
              ::testing::HasSubstr(
                  R"("recentDatapoints":[55.0],"threshold":50.0,)"
                  R"("evaluatedDatapoints":[)"
                  R"({"timestamp":"2024-01-02T12:04:00.000+0000"},)"
                  R"({"timestamp":"2024-01-02T12:03:00.000+0000","sampleCount":1.0,"value":55.0},)"
                  R"({"timestamp":"2024-01-02T12:02:00.000+0000"}]})"));
  EXPECT_THAT(r.reason_data, ::testing::HasSubstr(
                                 R"("startDate":"2024-01-02T12:03:00.000+0000")"));
}

}  // namespace
}  // namespace cwalarm
