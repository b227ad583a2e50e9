// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests of the series notation (tools/series_notation.h): expansion of every
// term form, the header, and errors that point at the offending column.

#include "tools/series_notation.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/unit.h"
#include "tests/testing/status_matchers.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Time kStart = absl::FromUnixSeconds(1710590400);  // 12:00 UTC.

// The values, with nullopt for periods without data, of a parsed series.
std::vector<std::optional<double>> Values(const std::vector<TimedDatum>& data,
                                          absl::Duration step) {
  std::vector<std::optional<double>> out;
  for (const TimedDatum& d : data) {
    size_t i = static_cast<size_t>((d.datum.timestamp - kStart) / step);
    out.resize(std::max(out.size(), i + 1));
    out[i] = *d.datum.value;
  }
  return out;
}

TEST(SeriesNotationTest, ExpandsEveryTermForm) {
  absl::StatusOr<std::vector<TimedDatum>> data = ParseSeries(
      "AWS/EC2 CPUUtilization{InstanceId=i-1} 7 10+5x3 _x2 4x2 10-2.5x2 _ 1e2",
      kStart, absl::Seconds(60), "s");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_THAT(Values(*data, absl::Seconds(60)),
              ElementsAre(7, 10, 15, 20, std::nullopt, std::nullopt, 4, 4, 10,
                          7.5, std::nullopt, 100));
}

TEST(SeriesNotationTest, TimestampsStepFromStartAndArriveOnTime) {
  absl::StatusOr<std::vector<TimedDatum>> data =
      ParseSeries("NS M _ 1 2", kStart, absl::Seconds(10), "s");
  ASSERT_TRUE(data.ok()) << data.status();
  ASSERT_EQ(data->size(), 2u);
  EXPECT_EQ((*data)[0].datum.timestamp, kStart + absl::Seconds(10));
  EXPECT_EQ((*data)[1].datum.timestamp, kStart + absl::Seconds(20));
  EXPECT_EQ((*data)[1].received_at, (*data)[1].datum.timestamp);
  EXPECT_EQ((*data)[0].datum.storage_resolution, 1);  // Step under a minute.
  EXPECT_EQ((*data)[0].place, "s: column 8");
}

TEST(SeriesNotationTest, ReadsDimensionsAndUnit) {
  absl::StatusOr<std::vector<TimedDatum>> data = ParseSeries(
      "AWS/ELB Latency{LoadBalancerName=web,AvailabilityZone=a}[Seconds] 1",
      kStart, absl::Seconds(60), "s");
  ASSERT_TRUE(data.ok()) << data.status();
  const MetricDatum& d = (*data)[0].datum;
  EXPECT_EQ(d.metric.metric_namespace, "AWS/ELB");
  EXPECT_EQ(d.metric.metric_name, "Latency");
  ASSERT_EQ(d.metric.dimensions.size(), 2u);
  EXPECT_EQ(d.metric.dimensions[1].name, "AvailabilityZone");
  EXPECT_EQ(d.metric.dimensions[1].value, "a");
  EXPECT_EQ(d.unit, Unit::kSeconds);
  EXPECT_EQ(d.storage_resolution, 60);
}

// Each error names the column and draws a caret under it.
struct ErrorCase {
  const char* text;
  int column;
  const char* message;
};

class SeriesNotationErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(SeriesNotationErrorTest, PointsAtTheColumn) {
  const ErrorCase& c = GetParam();
  absl::StatusOr<std::vector<TimedDatum>> data =
      ParseSeries(c.text, kStart, absl::Seconds(60), "--series[1]");
  ASSERT_THAT(data.status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat("--series[1]: column ", c.column,
                                              ": "))));
  EXPECT_THAT(data.status().message(), HasSubstr(c.message));
  std::vector<std::string> lines =
      absl::StrSplit(data.status().message(), '\n');
  ASSERT_EQ(lines.size(), 3u) << data.status().message();
  EXPECT_EQ(lines[1], absl::StrCat("  ", c.text));
  EXPECT_EQ(lines[2], absl::StrCat("  ", std::string(c.column - 1, ' '), "^"));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, SeriesNotationErrorTest,
    ::testing::Values(
        ErrorCase{"", 1, "expected a namespace"},
        ErrorCase{"AWS/EC2", 8, "expected a metric name"},
        ErrorCase{"AWS/EC2 CPU", 12, "expected values after the metric"},
        ErrorCase{"AWS/EC2 CPU 1 2 foo", 17, "expected a value"},
        ErrorCase{"AWS/EC2 CPU 10+5x", 18, "expected a count after 'x'"},
        ErrorCase{"AWS/EC2 CPU 10+5x0", 18, "expected a count after 'x'"},
        ErrorCase{"AWS/EC2 CPU 10+5", 17, "a step needs a count"},
        ErrorCase{"AWS/EC2 CPU 10+x3", 16, "expected a step"},
        ErrorCase{"AWS/EC2 CPU 5x3y", 16, "unexpected 'y'"},
        ErrorCase{"AWS/EC2 CPU{InstanceId} 1", 23, "expected '='"},
        ErrorCase{"AWS/EC2 CPU{InstanceId=} 1", 24, "needs a value"},
        ErrorCase{"AWS/EC2 CPU{A=1 B=2} 1", 16, "expected ',' or '}'"},
        ErrorCase{"AWS/EC2 CPU[Furlongs] 1", 13, "Furlongs"},
        ErrorCase{"AWS/EC2 CPU 1e999", 13, "The value Infinity"}));

TEST(SeriesNotationTest, ListSplitsOnSemicolonsAndReportsEverySeries) {
  absl::StatusOr<std::vector<TimedDatum>> data = ParseSeriesList(
      {"NS A 1 2; NS B 3", "NS C 4"}, kStart, absl::Seconds(60), "--series");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->size(), 4u);
  EXPECT_EQ((*data)[3].datum.metric.metric_name, "C");
  EXPECT_EQ((*data)[3].place, "--series[3]: column 6");

  data = ParseSeriesList({"NS A x;NS B 1;NS C"}, kStart, absl::Seconds(60),
                         "--series");
  EXPECT_THAT(data.status(), StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr("--series[1]: column 6")));
  EXPECT_THAT(data.status().message(), HasSubstr("--series[3]: column 5"));
}

}  // namespace
}  // namespace cwalarm
