// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// CloudWatch's number and time formats (spec 4.5, 4.6, 4.5 #9) and the JSON
// writer used for StateReasonData and HistoryData.

#include "alarm/cw_format.h"

#include <limits>
#include <ostream>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "alarm/json_writer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cwalarm {
namespace {

absl::Time Utc(int y, int mo, int d, int h, int mi, int s) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s),
                         absl::UTCTimeZone());
}

// --- FormatJavaDouble -------------------------------------------------------

struct DoubleCase {
  std::string rule;
  double value;
  std::string expected;
};

void PrintTo(const DoubleCase& c, std::ostream* os) {
  *os << c.rule << ": " << c.expected;
}

class FormatJavaDoubleTest : public ::testing::TestWithParam<DoubleCase> {};

TEST_P(FormatJavaDoubleTest, PrintsLikeJavaDoubleToString) {
  EXPECT_EQ(FormatJavaDouble(GetParam().value), GetParam().expected)
      << GetParam().rule;
  std::string appended = "x";
  AppendJavaDouble(GetParam().value, &appended);
  EXPECT_EQ(appended, "x" + GetParam().expected) << GetParam().rule;
}

INSTANTIATE_TEST_SUITE_P(
    Spec45, FormatJavaDoubleTest,
    ::testing::Values(
        DoubleCase{"spec 4.5 sample: threshold 50.0", 50.0, "50.0"},
        DoubleCase{"spec 4.5 sample: 0.0", 0.0, "0.0"},
        DoubleCase{"spec 4.5 sample: 21.5", 21.5, "21.5"},
        DoubleCase{"spec 4.5 sample: shortest round-trip digits",
                   99.50160229693434, "99.50160229693434"},
        DoubleCase{"spec 4.5 sample: 1.0166666666666666", 1.0166666666666666,
                   "1.0166666666666666"},
        DoubleCase{"spec 4.5 sample: 613.0", 613.0, "613.0"},
        DoubleCase{"spec 4.5 sample: 45628.0", 45628.0, "45628.0"},
        DoubleCase{"spec 4.5 sample: 1.0", 1.0, "1.0"},
        DoubleCase{"Java: 1e7 switches to E notation", 1e7, "1.0E7"},
        DoubleCase{"Java: just below 1e7 stays plain", 9999999.0, "9999999.0"},
        DoubleCase{"Java: 1e-4 uses E notation", 1e-4, "1.0E-4"},
        DoubleCase{"Java: 1e-3 stays plain", 0.001, "0.001"},
        DoubleCase{"Java: negative integer", -3.0, "-3.0"},
        DoubleCase{"Java: negative zero", -0.0, "-0.0"},
        DoubleCase{"Java: 1.23456789E8", 123456789.0, "1.23456789E8"},
        DoubleCase{"Java: 1.23456789E7", 12345678.9, "1.23456789E7"},
        DoubleCase{"Java: 1.0E21", 1e21, "1.0E21"},
        DoubleCase{"Java: 0.30000000000000004", 0.1 + 0.2,
                   "0.30000000000000004"},
        DoubleCase{"Java: 123456.789", 123456.789, "123456.789"},
        DoubleCase{"Java: 0.5", 0.5, "0.5"},
        DoubleCase{"Java: -1.5E-5", -1.5e-5, "-1.5E-5"},
        DoubleCase{"Java: Double.MAX_VALUE", std::numeric_limits<double>::max(),
                   "1.7976931348623157E308"},
        DoubleCase{"Java: NaN", std::numeric_limits<double>::quiet_NaN(),
                   "NaN"},
        DoubleCase{"Java: Infinity", std::numeric_limits<double>::infinity(),
                   "Infinity"},
        DoubleCase{"Java: -Infinity", -std::numeric_limits<double>::infinity(),
                   "-Infinity"}));

// JDK 19+ Double.toString picks, when the shortest decimal has one digit,
// the closest two-digit decimal instead (spec 4.5 number formatting, Java's
// rule): Double.MIN_VALUE prints "4.9E-324", not "5.0E-324".
TEST(FormatJavaDoubleTest, OneDigitShortestUsesTheClosestTwoDigitDecimal) {
  struct Case {
    double value;
    const char* java;
  } cases[] = {
      {4.9e-324, "4.9E-324"},        // Double.MIN_VALUE.
      {-4.9e-324, "-4.9E-324"},
      {1e-323, "9.9E-324"},          // 2 * MIN_VALUE.
      {2.0, "2.0"},                  // Normal doubles: unchanged.
      {1e7, "1.0E7"},
      {3e-5, "3.0E-5"},
      {2.2250738585072014e-308, "2.2250738585072014E-308"},  // MIN_NORMAL.
  };
  for (const Case& c : cases) {
    EXPECT_EQ(FormatJavaDouble(c.value), c.java) << c.value;
  }
}

// --- Timestamps -------------------------------------------------------------

TEST(FormatCwTimestampTest, PrintsMillisecondsAndPlusZeroOffset) {
  absl::Time t = Utc(2019, 10, 2, 17, 4, 40) + absl::Milliseconds(985);
  EXPECT_EQ(FormatCwTimestamp(t), "2019-10-02T17:04:40.985+0000");
}

TEST(FormatCwTimestampTest, TruncatesSubMillisecondsAndPadsZeros) {
  absl::Time t = Utc(2024, 3, 16, 12, 15, 0) + absl::Microseconds(9999);
  EXPECT_EQ(FormatCwTimestamp(t), "2024-03-16T12:15:00.009+0000");
  EXPECT_EQ(FormatCwTimestamp(Utc(2024, 1, 5, 3, 4, 5)),
            "2024-01-05T03:04:05.000+0000");
}

TEST(FormatIsoTimestampTest, PrintsZ) {
  absl::Time t = Utc(2019, 10, 2, 17, 4, 40) + absl::Milliseconds(985);
  EXPECT_EQ(FormatIsoTimestamp(t), "2019-10-02T17:04:40.985Z");
}

TEST(FormatReasonTimestampTest, PrintsDayMonthTwoDigitYearUtc) {
  // spec 4.5: "(02/10/19 16:59:00)" for 2 October 2019.
  EXPECT_EQ(FormatReasonTimestamp(Utc(2019, 10, 2, 16, 59, 0)),
            "02/10/19 16:59:00");
  EXPECT_EQ(FormatReasonTimestamp(Utc(2024, 3, 16, 12, 15, 0)),
            "16/03/24 12:15:00");
  EXPECT_EQ(FormatReasonTimestamp(Utc(2026, 8, 3, 1, 2, 3) +
                                  absl::Milliseconds(500)),
            "03/08/26 01:02:03");
}

// The hand-written formatters must print exactly what absl::FormatTime
// printed before them (spec 4.5 and 4.6 timestamp formats: CW-ts,
// `dd/MM/yy HH:mm:ss`, ISO with Z).
struct TimestampCase {
  const char* name;
  absl::Time t;
};

std::ostream& operator<<(std::ostream& os, const TimestampCase& c) {
  return os << c.name;
}

class TimestampAgreesWithFormatTimeTest
    : public testing::TestWithParam<TimestampCase> {};

void ExpectAllFormatsAgree(absl::Time t) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  EXPECT_EQ(FormatCwTimestamp(t),
            absl::FormatTime("%Y-%m-%dT%H:%M:%E3S+0000", t, utc))
      << absl::FormatTime(t, utc);
  EXPECT_EQ(FormatIsoTimestamp(t),
            absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, utc))
      << absl::FormatTime(t, utc);
  EXPECT_EQ(FormatReasonTimestamp(t),
            absl::FormatTime("%d/%m/%y %H:%M:%S", t, utc))
      << absl::FormatTime(t, utc);
  std::string appended = "x";
  AppendCwTimestamp(t, &appended);
  EXPECT_EQ(appended, "x" + FormatCwTimestamp(t));
  appended = "y";
  AppendReasonTimestamp(t, &appended);
  EXPECT_EQ(appended, "y" + FormatReasonTimestamp(t));
}

TEST_P(TimestampAgreesWithFormatTimeTest, PrintsTheSameBytes) {
  ExpectAllFormatsAgree(GetParam().t);
}

INSTANTIATE_TEST_SUITE_P(
    Instants, TimestampAgreesWithFormatTimeTest,
    testing::Values(
        TimestampCase{"spec 4.6 CW-ts sample",
                      Utc(2019, 10, 2, 17, 4, 40) + absl::Milliseconds(985)},
        TimestampCase{"epoch", absl::UnixEpoch()},
        TimestampCase{"1970 last millisecond",
                      Utc(1971, 1, 1, 0, 0, 0) - absl::Milliseconds(1)},
        TimestampCase{"negative epoch: half a second before 1970",
                      absl::UnixEpoch() - absl::Milliseconds(500)},
        TimestampCase{"negative epoch: one nanosecond before 1970",
                      absl::UnixEpoch() - absl::Nanoseconds(1)},
        TimestampCase{"negative epoch: 1969-07-20 20:17:40",
                      Utc(1969, 7, 20, 20, 17, 40)},
        TimestampCase{"negative epoch: 1900-02-28 (no leap day)",
                      Utc(1900, 2, 28, 23, 59, 59)},
        TimestampCase{"negative epoch: year 1000", Utc(1000, 1, 1, 0, 0, 0)},
        TimestampCase{"year 999 (FormatTime fallback)",
                      Utc(999, 12, 31, 23, 59, 59)},
        TimestampCase{"year 1 (FormatTime fallback)", Utc(1, 1, 1, 0, 0, 0)},
        TimestampCase{"leap day 2000", Utc(2000, 2, 29, 12, 0, 0)},
        TimestampCase{"leap day 2024 last millisecond",
                      Utc(2024, 3, 1, 0, 0, 0) - absl::Milliseconds(1)},
        TimestampCase{"leap day 1972", Utc(1972, 2, 29, 0, 0, 0)},
        TimestampCase{"leap day 1600", Utc(1600, 2, 29, 6, 30, 0)},
        TimestampCase{"2100-03-01 (no leap day)", Utc(2100, 3, 1, 0, 0, 0)},
        TimestampCase{"sub-millisecond truncated",
                      Utc(2024, 3, 16, 12, 15, 0) + absl::Microseconds(9999)},
        TimestampCase{"year 9999 last millisecond",
                      Utc(10000, 1, 1, 0, 0, 0) - absl::Milliseconds(1)},
        TimestampCase{"year 9999 start", Utc(9999, 1, 1, 0, 0, 0)},
        TimestampCase{"year 10000 (FormatTime fallback)",
                      Utc(10000, 1, 1, 0, 0, 0)},
        TimestampCase{"infinite future (FormatTime fallback)",
                      absl::InfiniteFuture()},
        TimestampCase{"infinite past (FormatTime fallback)",
                      absl::InfinitePast()}));

// Many instants: every day of 1968-1973 and 1999-2001 at an odd time of
// day, then a pseudo-random walk over years 1000-9999 with sub-second
// parts.
TEST(TimestampSweepTest, ManyInstantsPrintTheSameBytes) {
  for (int start_year : {1968, 1999}) {
    const absl::Time begin = Utc(start_year, 1, 1, 0, 0, 0);
    for (int d = 0; d < 3 * 366; ++d) {
      ExpectAllFormatsAgree(begin + absl::Hours(24 * d) +
                            absl::Seconds(37 * d % 86400) +
                            absl::Milliseconds(d % 1000));
    }
  }
  const int64_t lo = absl::ToUnixSeconds(Utc(1000, 1, 1, 0, 0, 0));
  const int64_t hi = absl::ToUnixSeconds(Utc(10000, 1, 1, 0, 0, 0));
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 20000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const int64_t s =
        lo + static_cast<int64_t>(x % static_cast<uint64_t>(hi - lo));
    ExpectAllFormatsAgree(absl::FromUnixSeconds(s) +
                          absl::Nanoseconds(static_cast<int64_t>(x >> 34) %
                                            1000000000));
  }
}

TEST(FormatLongTimestampTest, PrintsCompositeReasonForm) {
  // spec 4.5 #9: "Friday 22 July, 2022 15:57:45 UTC".
  EXPECT_EQ(FormatLongTimestamp(Utc(2022, 7, 22, 15, 57, 45)),
            "Friday 22 July, 2022 15:57:45 UTC");
  // A single-digit day is not padded.
  EXPECT_EQ(FormatLongTimestamp(Utc(2022, 7, 3, 8, 5, 9)),
            "Sunday 3 July, 2022 08:05:09 UTC");
}

// --- JsonWriter -------------------------------------------------------------

TEST(JsonWriterTest, WritesCompactObjectsInCallOrder) {
  JsonWriter w;
  w.BeginObject();
  w.Key("version");
  w.String("1.0");
  w.Key("period");
  w.Int(300);
  w.Key("threshold");
  w.Double(50);
  w.Key("ok");
  w.Bool(true);
  w.Key("no");
  w.Bool(false);
  w.Key("none");
  w.Null();
  w.EndObject();
  EXPECT_EQ(w.str(),
            R"({"version":"1.0","period":300,"threshold":50.0,"ok":true,)"
            R"("no":false,"none":null})");
}

TEST(JsonWriterTest, NestsArraysAndObjects) {
  JsonWriter w;
  w.BeginObject();
  w.Key("recentDatapoints");
  w.BeginArray();
  w.Double(1.0166666666666666);
  w.Double(1e7);
  w.EndArray();
  w.Key("evaluatedDatapoints");
  w.BeginArray();
  w.BeginObject();
  w.Key("timestamp");
  w.String("2019-10-02T16:59:00.000+0000");
  w.EndObject();
  w.BeginObject();
  w.EndObject();
  w.EndArray();
  w.Key("empty");
  w.BeginArray();
  w.EndArray();
  w.EndObject();
  EXPECT_EQ(w.str(),
            R"({"recentDatapoints":[1.0166666666666666,1.0E7],)"
            R"("evaluatedDatapoints":[{"timestamp":"2019-10-02T16:59:00.000+0000"},{}],)"
            R"("empty":[]})");
}

TEST(JsonWriterTest, WritesNonFiniteDoublesAsNull) {
  JsonWriter w;
  w.BeginArray();
  w.Double(std::numeric_limits<double>::quiet_NaN());
  w.Double(std::numeric_limits<double>::infinity());
  w.Double(-2.5);
  w.EndArray();
  EXPECT_EQ(w.str(), "[null,null,-2.5]");
}

TEST(JsonWriterTest, EscapesQuotesBackslashesAndControlCharacters) {
  std::string out;
  JsonWriter::AppendQuoted("a\"b\\c\nd\re\tf\bg\fh\x01i/j\xc3\xa9", &out);
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\re\\tf\\bg\\fh\\u0001i/j\xc3\xa9\"");
}

TEST(JsonWriterTest, EscapesKeysToo) {
  JsonWriter w;
  w.BeginObject();
  w.Key("a\"b");
  w.String("line\nbreak");
  w.EndObject();
  EXPECT_EQ(w.str(), R"({"a\"b":"line\nbreak"})");
}

TEST(JsonWriterTest, InsertsRawJsonAsAValue) {
  JsonWriter w;
  w.BeginObject();
  w.Key("stateReasonData");
  w.Raw(R"({"version":"1.0"})");
  w.Key("n");
  w.Int(-7);
  w.EndObject();
  EXPECT_EQ(w.str(), R"({"stateReasonData":{"version":"1.0"},"n":-7})");
}

TEST(JsonWriterTest, PrettyPrintsWithIndent) {
  JsonWriter w(2);
  w.BeginObject();
  w.Key("a");
  w.Int(1);
  w.Key("b");
  w.BeginArray();
  w.Int(2);
  w.BeginObject();
  w.Key("c");
  w.String("d");
  w.EndObject();
  w.EndArray();
  w.Key("e");
  w.BeginArray();
  w.EndArray();
  w.EndObject();
  EXPECT_EQ(w.str(),
            "{\n"
            "  \"a\": 1,\n"
            "  \"b\": [\n"
            "    2,\n"
            "    {\n"
            "      \"c\": \"d\"\n"
            "    }\n"
            "  ],\n"
            "  \"e\": []\n"
            "}");
}

TEST(JsonWriterTest, ReleaseMovesTheDocumentOut) {
  JsonWriter w;
  w.BeginArray();
  w.String("x");
  w.EndArray();
  EXPECT_EQ(w.Release(), R"(["x"])");
}

}  // namespace
}  // namespace cwalarm
