// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// CloudWatch's number and time formats (spec 4.5, 4.6, 4.5 #9) and the JSON
// writer used for StateReasonData and HistoryData.

#include "alarm/cw_format.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

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

// The per-thread cache of printed instants must not answer for an instant
// it never printed: the first call of a fresh thread, for every instant the
// cache's empty entries could be mistaken for (found by ctest, which runs
// each case in a new process).
TEST(FormatCwTimestampTest, FreshThreadPrintsInfiniteInstantsThroughFormatTime) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  for (absl::Time t : {absl::InfinitePast(), absl::InfiniteFuture(),
                       absl::UnixEpoch()}) {
    std::string got;
    std::thread([&] { got = FormatCwTimestamp(t); }).join();
    EXPECT_EQ(got, absl::FormatTime("%Y-%m-%dT%H:%M:%E3S+0000", t, utc));
  }
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


// --- Fast paths of the transition work (issue 7) ----------------------------

// The integer and plain-notation fast paths of FormatJavaDouble (spec 4.5:
// plain notation in [1e-3, 1e7)) against its general path, which lays out
// the shortest scientific digits with temporaries (the tables above check
// it against Java's own output).
TEST(FormatJavaDoubleTest, PlainRangeFastPathsMatchTheShortestDigitsLayout) {
  // spec 4.5 (Java Double.toString): integers and other values of
  // [1e-3, 1e7) print the shortest round-trip digits in plain notation.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> log10(-3.0, 7.0);
  int checked = 0;
  for (int i = 0; i < 60000; ++i) {
    const double x = std::pow(10.0, log10(rng));
    const double decimal =
        static_cast<double>(rng() % 100000000) / std::pow(10.0, rng() % 11);
    const double integer = static_cast<double>(rng() % 10000000);
    for (double v : {x, -x, decimal, -decimal, integer, -integer}) {
      const double a = std::fabs(v);
      if (!(a >= 1e-3 && a < 1e7)) continue;
      const std::string general =
          cw_format_internal::FormatJavaDoubleGeneral(v);
      ASSERT_EQ(FormatJavaDouble(v), general) << std::hexfloat << v;
      std::string appended = "x";
      AppendJavaDouble(v, &appended);
      ASSERT_EQ(appended, "x" + general);
      ++checked;
    }
  }
  EXPECT_GT(checked, 300000);
  EXPECT_EQ(FormatJavaDouble(9999999.0), "9999999.0");
  EXPECT_EQ(FormatJavaDouble(0.001), "0.001");
  EXPECT_EQ(FormatJavaDouble(-1.0), "-1.0");
}

// For v in FormatJavaDouble's plain range [1e-3, 1e7) (others are
// skipped): the fast paths' text equals the general path's (to_chars'
// shortest digits); counts the values compared in `*checked`.
void ExpectFastPathMatchesGeneral(double v, int* checked) {
  const double a = std::fabs(v);
  if (!(a >= 1e-3 && a < 1e7)) return;
  ASSERT_EQ(FormatJavaDouble(v), cw_format_internal::FormatJavaDoubleGeneral(v))
      << std::hexfloat << v;
  ++*checked;
}

// The few-decimals path of FormatJavaDouble (values with at most 8 digits
// after the point, found without to_chars) against the general path:
// random k-decimal values for k = 1..10 (9 and 10 fall back), with the
// edge cases named: the ends of the plain range (0.001, 9999999.99999999),
// values whose k-decimal neighbours do not round-trip (x + ulp), negative
// values, leading zeros in the fraction (0.05, 3.007), and the ties of the
// rounding (m + 0.5 at 10^-k).
TEST(FormatJavaDoubleTest, FewDecimalsPathMatchesTheGeneralPath) {
  std::mt19937_64 rng(11);
  int checked = 0;
  auto check = [&](double v) { ExpectFastPathMatchesGeneral(v, &checked); };
  for (int i = 0; i < 40000; ++i) {
    const int k = 1 + static_cast<int>(rng() % 10);
    // Below 1e7 x 10^k: up to 7 integer digits, then k decimals.
    const int64_t digits = static_cast<int64_t>(
        rng() % static_cast<uint64_t>(std::pow(10.0, 7 + std::min(k, 8))));
    const double v = static_cast<double>(digits) / std::pow(10.0, k);
    for (double x : {v, -v, std::nextafter(v, 0.0), std::nextafter(v, 1e9),
                     (static_cast<double>(digits % 100000) + 0.5) /
                         std::pow(10.0, k)}) {
      check(x);
    }
  }
  for (double x : {0.001, 0.0015, 0.05, 3.007, 0.1, 0.2, 0.3, 1.1, 63.27,
                   9999999.5, 9999999.99, 9999999.99999999, 1234567.125,
                   0.00123456789, 0.123456789, 1.0 / 3, 2.0 / 3, 1e7 - 1e-9}) {
    check(x);
    check(-x);
  }
  EXPECT_GT(checked, 180000);
  EXPECT_EQ(FormatJavaDouble(0.05), "0.05");
  EXPECT_EQ(FormatJavaDouble(-3.007), "-3.007");
  EXPECT_EQ(FormatJavaDouble(63.27), "63.27");
  EXPECT_EQ(FormatJavaDouble(0.1 + 0.2), "0.30000000000000004");
}

// The exact-integer path of FormatJavaDouble (non-integers of [1e-3, 1e7)
// that need more than 8 decimals: most averages of measured values)
// against the general path (to_chars' shortest digits), with the edge
// cases named: powers of two, whose rounding interval is narrower below
// (and their neighbours), odd and even significands (interval ends
// excluded or included), the first and last doubles of each decade
// (10^k and its predecessor), the ends of the plain range, values needing
// 16 and 17 significant digits (a signal plus noise), negative values.
TEST(FormatJavaDoubleTest, ExactShortestPathMatchesTheGeneralPath) {
  std::mt19937_64 rng(23);
  int checked = 0;
  auto check = [&](double v) { ExpectFastPathMatchesGeneral(v, &checked); };
  for (int e = -10; e <= 23; ++e) {
    const double p2 = std::ldexp(1.0, e);
    double up = p2, down = p2;
    for (int j = 0; j < 4; ++j) {
      check(up);
      check(-up);
      check(down);
      up = std::nextafter(up, 1e9);
      down = std::nextafter(down, 0.0);
    }
  }
  for (double p10 : {1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6,
                     1e7}) {
    double up = p10, down = p10;
    for (int j = 0; j < 3; ++j) {
      check(up);
      check(down);
      up = std::nextafter(up, 1e9);
      down = std::nextafter(down, 0.0);
    }
  }
  for (int i = 0; i < 12000; ++i) {
    // Random significands (odd and even) at every binary exponent of the
    // plain range.
    const uint64_t bits = (rng() & ((uint64_t{1} << 52) - 1)) |
                          (static_cast<uint64_t>(1013 + rng() % 34) << 52);
    double x;
    std::memcpy(&x, &bits, sizeof(x));
    check(x);
    check(-x);
    check(50 + 35 * std::sin(i * 1e-3) + static_cast<double>(rng() % 2000) / 100);
  }
  EXPECT_GT(checked, 34000);
  EXPECT_EQ(FormatJavaDouble(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatJavaDouble(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(FormatJavaDouble(-2.0 / 3), "-0.6666666666666666");
  EXPECT_EQ(FormatJavaDouble(std::nextafter(1e7, 0.0)), "9999999.999999998");
  EXPECT_EQ(FormatJavaDouble(std::nextafter(1e-3, 1.0)),
            "0.0010000000000000002");
}

// The fraction digits are written eight at a time, then two at a time:
// fractions of every length from 1 to 19 digits, with zeros at the front
// and at each chunk boundary, against the general path.
TEST(FormatJavaDoubleTest, FractionsOfEveryLengthKeepTheirZeros) {
  for (const char* text :
       {"1.5", "1.05", "1.0000005", "1.00000005", "1.000000005",
        "2.0000000000000004", "1.0000000000000002", "1.000000000000001",
        "0.010000000000000002", "0.0010000000000000002", "0.0010000000100000001",
        "0.12345678912345678", "12.000000010000001", "4.00000000000001"}) {
    const double v = std::strtod(text, nullptr);
    EXPECT_EQ(FormatJavaDouble(v),
              cw_format_internal::FormatJavaDoubleGeneral(v))
        << text;
  }
  EXPECT_EQ(FormatJavaDouble(1.00000005), "1.00000005");
  EXPECT_EQ(FormatJavaDouble(std::strtod("1.000000005", nullptr)),
            "1.000000005");
}

TEST(FormatCwTimestampTest, RepeatedAndCollidingInstantsPrintTheirOwnText) {
  // The per-thread caches of printed instants (CW-ts and reason
  // timestamps: one slot per minute modulo 8) must never hand out another
  // instant's text: same minute with other milliseconds or seconds, 8
  // minutes apart (same slot), a year apart, a century apart (same
  // two-digit year in the reason form), and an infinite instant in between.
  const absl::Time base = Utc(2026, 1, 1, 10, 3, 0);
  const absl::Time instants[] = {
      base,
      base + absl::Milliseconds(500),
      base + absl::Seconds(7),
      base + absl::Minutes(8),
      base + absl::Hours(24 * 365),
      base,
      absl::InfiniteFuture(),
      base - absl::Minutes(8),
      Utc(2126, 1, 1, 10, 3, 0),
      base + absl::Milliseconds(500),
      base + absl::Seconds(7),
  };
  for (int round = 0; round < 3; ++round) {
    for (absl::Time t : instants) {
      EXPECT_EQ(FormatCwTimestamp(t),
                absl::FormatTime("%Y-%m-%dT%H:%M:%E3S+0000", t,
                                 absl::UTCTimeZone()));
      EXPECT_EQ(FormatReasonTimestamp(t),
                absl::FormatTime("%d/%m/%y %H:%M:%S", t, absl::UTCTimeZone()));
    }
  }
}

// The JSON escaping of a reference that looks at one byte at a time.
std::string QuotedByteByByte(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out + "\"";
}

TEST(JsonWriterTest, EscapesAtEveryPositionOfTheWordScan) {
  // JSON (RFC 8259 section 7): '"', '\\' and control characters escaped,
  // every other byte (UTF-8 included) copied, wherever it falls relative to
  // the 8- and 16-byte scans.
  const unsigned char specials[] = {'"', '\\', '\n', 0x01, 0x1f, 0x7f, 0x80,
                                    0xe9, ' ', 0x20, 0x21, 0x5d};
  for (size_t len = 0; len < 40; ++len) {
    for (size_t pos = 0; pos < len; ++pos) {
      for (unsigned char c : specials) {
        std::string s(len, 'a');
        s[pos] = static_cast<char>(c);
        std::string out;
        JsonWriter::AppendQuoted(s, &out);
        ASSERT_EQ(out, QuotedByteByByte(s)) << len << " " << pos << " " << int{c};
        std::string appended;
        {
          StringAppender a(&appended, 0);
          a.Quoted(s);
        }
        ASSERT_EQ(appended, out);
        const size_t clean = JsonWriter::CleanPrefix(s);
        ASSERT_EQ(clean, QuotedByteByByte(s).size() == s.size() + 2 ? s.size()
                                                                    : pos);
      }
    }
  }
}

// CleanPrefix finds the first byte to escape when there are two, in any
// of its scans (32-byte steps, a 16-byte step, the last 16 bytes read
// overlapping bytes already scanned, and strings under 16 bytes).
TEST(JsonWriterTest, CleanPrefixFindsTheFirstOfTwoSpecials) {
  for (size_t len = 0; len < 72; ++len) {
    EXPECT_EQ(JsonWriter::CleanPrefix(std::string(len, 'a')), len);
    for (size_t first = 0; first < len; ++first) {
      for (size_t second = first; second < len; second += 5) {
        std::string s(len, 'a');
        s[second] = '"';
        s[first] = static_cast<char>(first % 2 == 0 ? '\\' : 0x05);
        ASSERT_EQ(JsonWriter::CleanPrefix(s), first)
            << len << " " << first << " " << second;
      }
    }
  }
}

TEST(StringAppenderTest, GrowsPastItsFirstRoomAndEndsAtTheWrittenBytes) {
  std::string out = "head:";
  {
    StringAppender a(&out, 1);
    for (int i = 0; i < 100; ++i) {
      a.Literal("{\"v\":");
      a.JsonDouble(i + 0.5);
      a.Char(',');
      a.Int(-i);
      a.Char(',');
      a.QuotedCwTimestamp(Utc(2019, 10, 2, 17, 4, 40));
      a.Char('}');
    }
    a.JsonDouble(std::numeric_limits<double>::infinity());
  }
  std::string expected = "head:";
  for (int i = 0; i < 100; ++i) {
    expected += "{\"v\":" + FormatJavaDouble(i + 0.5) + "," +
                std::to_string(-i) + ",\"2019-10-02T17:04:40.000+0000\"}";
  }
  expected += "null";
  EXPECT_EQ(out, expected);
}

// JsonDouble prints 1-9 itself: every value around and between them
// (0, -0, 0.5, 1 - ulp, 9 + ulp, 10, negatives, NaN) as JsonWriter::Double.
TEST(StringAppenderTest, JsonDoubleMatchesJsonWriterAroundSmallWholeNumbers) {
  std::vector<double> values = {0.0, -0.0, 0.5, 10, -1, -9,
                                std::nan(""), 1e-300};
  for (int d = 0; d <= 10; ++d) {
    values.push_back(d);
    values.push_back(std::nextafter(static_cast<double>(d), 0.0));
    values.push_back(std::nextafter(static_cast<double>(d), 11.0));
    values.push_back(d + 0.25);
  }
  for (double v : values) {
    std::string appended;
    {
      StringAppender a(&appended, 0);
      a.JsonDouble(v);
    }
    JsonWriter w;
    w.Double(v);
    EXPECT_EQ(appended, w.str()) << v;
  }
}

}  // namespace
}  // namespace cwalarm
