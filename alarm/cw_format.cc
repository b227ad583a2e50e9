// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "alarm/cw_format.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace cwalarm {

std::string FormatJavaDouble(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (value == 0) return std::signbit(value) ? "-0.0" : "0.0";
  // Shortest round-trip digits in scientific form: "d.ddde+XX".
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), value,
                           std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    sci.erase(0, 1);
  }
  size_t e = sci.find('e');
  int exponent = std::atoi(sci.c_str() + e + 1);
  std::string digits;
  for (size_t i = 0; i < e; ++i) {
    if (sci[i] != '.') digits.push_back(sci[i]);
  }
  if (digits.size() == 1) {
    // JDK 19+ Double.toString: when the shortest decimal has one digit,
    // the two-digit decimal closest to the value is printed instead, if it
    // still reads back as the value (Double.MIN_VALUE is "4.9E-324", not
    // "5.0E-324"). For every normal double the two digits are d0, which the
    // mantissa below prints anyway; only wide (subnormal) intervals differ.
    char two[64];
    auto r2 = std::to_chars(two, two + sizeof(two), std::fabs(value),
                            std::chars_format::scientific, 1);
    double back = 0;
    std::from_chars(two, r2.ptr, back);
    if (back == std::fabs(value)) {
      std::string t(two, r2.ptr);  // "d.de-XXX"
      size_t te = t.find('e');
      digits = std::string(1, t[0]) + t.substr(2, te - 2);
      exponent = std::atoi(t.c_str() + te + 1);
      while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
    }
  }
  double magnitude = std::fabs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    std::string out;
    if (exponent >= 0) {
      size_t int_len = static_cast<size_t>(exponent) + 1;
      if (digits.size() <= int_len) {
        out = digits + std::string(int_len - digits.size(), '0') + ".0";
      } else {
        out = digits.substr(0, int_len) + "." + digits.substr(int_len);
      }
    } else {
      out = "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
    }
    return sign + out;
  }
  std::string mantissa = digits.substr(0, 1) + "." +
                         (digits.size() > 1 ? digits.substr(1) : "0");
  return absl::StrCat(sign, mantissa, "E", exponent);
}

std::string FormatCwTimestamp(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3S+0000", t, absl::UTCTimeZone());
}

std::string FormatIsoTimestamp(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

std::string FormatReasonTimestamp(absl::Time t) {
  return absl::FormatTime("%d/%m/%y %H:%M:%S", t, absl::UTCTimeZone());
}

std::string FormatLongTimestamp(absl::Time t) {
  // %e would pad with a space; CloudWatch prints the day without padding.
  absl::CivilSecond cs = absl::ToCivilSecond(t, absl::UTCTimeZone());
  return absl::StrCat(absl::FormatTime("%A ", t, absl::UTCTimeZone()), cs.day(),
                      absl::FormatTime(" %B, %Y %H:%M:%S UTC", t,
                                       absl::UTCTimeZone()));
}

}  // namespace cwalarm
