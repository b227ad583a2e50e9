// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "alarm/cw_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"

namespace cwalarm {

namespace cw_format_internal {

// The general path of Java Double.toString, with temporaries; the fast
// path in AppendJavaDouble hands it the one-digit case.
std::string FormatJavaDoubleGeneral(double value) {
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

}  // namespace cw_format_internal

namespace {
using cw_format_internal::FormatJavaDoubleGeneral;

// "00" .. "99".
struct TwoDigits {
  char text[200] = {};
  constexpr TwoDigits() {
    for (int v = 0; v < 100; ++v) {
      text[2 * v] = static_cast<char>('0' + v / 10);
      text[2 * v + 1] = static_cast<char>('0' + v % 10);
    }
  }
};
constexpr TwoDigits kTwoDigits;

// Writes the 8 decimal digits of `v` (< 10^8, zero-padded on the left) at
// `p`, in 32-bit arithmetic: two 4-digit halves, two digits at a time.
void PutEightDigits(uint32_t v, char* p) {
  const uint32_t high = v / 10000;
  const uint32_t low = v % 10000;
  std::memcpy(p, kTwoDigits.text + 2 * (high / 100), 2);
  std::memcpy(p + 2, kTwoDigits.text + 2 * (high % 100), 2);
  std::memcpy(p + 4, kTwoDigits.text + 2 * (low / 100), 2);
  std::memcpy(p + 6, kTwoDigits.text + 2 * (low % 100), 2);
}

// Writes the `k` low decimal digits of `fraction` (zero-padded on the
// left; k <= 19) at `p`; returns the end. Eight digits at a time from the
// right while k allows (one 64-bit division each), the rest two at a time
// in 32-bit arithmetic. Inlined into its two callers (one call a printed
// value): the call itself cost ~15 instructions.
inline __attribute__((always_inline)) char* PutFraction(uint64_t fraction,
                                                        int k, char* p) {
  int i = k;
  while (i >= 8) {
    i -= 8;
    PutEightDigits(static_cast<uint32_t>(fraction % 100000000u), p + i);
    fraction /= 100000000u;
  }
  // Fewer than 8 digits remain: `fraction` (< 10^8 once k <= 19 digits
  // have been taken 8 at a time, and 10^i is what is left) fits 32 bits.
  uint32_t rest = static_cast<uint32_t>(fraction);
  while (i >= 2) {
    i -= 2;
    std::memcpy(p + i, kTwoDigits.text + 2 * (rest % 100), 2);
    rest /= 100;
  }
  if (i == 1) p[0] = static_cast<char>('0' + rest % 10);
  return p + k;
}

// The shortest round-trip decimal of `a` (non-integer, in [1e-3, 1e7)) when
// it has at most 8 digits after the point, as many metric values do
// (63.27, 0.5): writes it in plain notation at `out` and returns the end;
// returns null when it has more (the caller then uses to_chars), after one
// multiplication and one division.
//
// Why it is the shortest round-trip decimal, byte for byte what to_chars
// prints: the 8-decimal candidate m = round(a x 1e8) round-trips exactly
// when m / 1e8 == a in double arithmetic (both exact, the division
// correctly rounded, as parsing the decimal is). If any 8-decimal d
// round-trips, |a x 1e8 - d| <= 1e8 ulp(a) / 2 and the product is off by
// at most ulp(a x 1e8) / 2; with a x 1e8 < 1e15 both are below 0.12, so
// m == d. Two 8-decimals cannot both round-trip (1e-8 > ulp(a), at most
// 2^-29 below 1e7), and a shorter decimal that round-trips is an 8-decimal
// too, so it is m with its trailing zeros dropped: that is the shortest
// digit string, the one to_chars picks.
char* WriteFewDecimals(double a, bool negative, char* out) {
  // a x 1e8 + 0.5 is exact below 2^52, so the truncation rounds to nearest
  // (half up; a half is never a round trip: |a x 1e8 - d| < 0.12).
  int64_t m = static_cast<int64_t>(a * 1e8 + 0.5);
  if (static_cast<double>(m) / 1e8 != a) return nullptr;
  int k = 8;
  // m is not a multiple of 1e8 (a is not an integer), so k stays >= 1.
  while (k > 1 && m % 10 == 0) {
    m /= 10;
    --k;
  }
  int64_t unit = 10;  // 10^k.
  for (int i = 1; i < k; ++i) unit *= 10;
  char* p = out;
  if (negative) *p++ = '-';
  p = std::to_chars(p, p + kMaxJavaDoubleChars - 1, m / unit).ptr;
  *p++ = '.';
  return PutFraction(static_cast<uint64_t>(m % unit), k, p);
}

// 10^0 .. 10^19 (all below 2^64).
constexpr uint64_t kPow10[20] = {1u,
                                 10u,
                                 100u,
                                 1000u,
                                 10000u,
                                 100000u,
                                 1000000u,
                                 10000000u,
                                 100000000u,
                                 1000000000u,
                                 10000000000u,
                                 100000000000u,
                                 1000000000000u,
                                 10000000000000u,
                                 100000000000000u,
                                 1000000000000000u,
                                 10000000000000000u,
                                 100000000000000000u,
                                 1000000000000000000u,
                                 10000000000000000000u};

// The shortest round-trip decimal of `a` (a non-integer in [1e-3, 1e7)),
// the closest to `a` among the shortest, in plain notation at `out`;
// returns the end. Byte for byte what to_chars(fixed) prints, found with
// exact integer arithmetic instead of to_chars (~3x fewer instructions):
//
// a = M x 2^-F (M the 53-bit significand, 29 <= F <= 62 in this range).
// Scaled by 10^s, with s chosen so that a x 10^s lies in [1e16, 1e17), the
// decimals that read back as `a` are the integers D (D x 10^-s) inside
// the rounding interval [a - gap_below / 2, a + ulp / 2] (gap_below is
// half an ulp at a power of two), its ends included when M is even (the
// parser rounds ties to even). Every quantity below is that interval times
// 2^(F+2) x 10^s, exact in 128 bits (< 2^119). The interval is wider than
// 10^-s, so it holds at least one D. Dropping a trailing digit while a
// multiple of 10 remains gives the fewest digits; among the candidates
// left, the one nearest `a` is what the shortest-digits algorithms print.
// In this range the interval's ends, the narrow side at a power of two and
// ties never decide (the ends have more than 19 decimals); they are
// handled anyway so that the function is exact by construction.
char* WriteExactShortest(double a, bool negative, char* out) {
  uint64_t bits;
  std::memcpy(&bits, &a, sizeof(bits));
  const uint64_t fraction_bits = bits & ((uint64_t{1} << 52) - 1);
  const int biased = static_cast<int>(bits >> 52);  // Sign bit is clear.
  const uint64_t m = fraction_bits | (uint64_t{1} << 52);
  const int f = 1075 - biased;  // a = m x 2^-f.
  // e10 = floor(log10(a)) in [-3, 6]: floor(e2 x log10(2)) or one more,
  // for a in [2^e2, 2^(e2+1)). The doubles nearest 1e-2 and 1e-1 lie above
  // the real powers, so the comparison is exact.
  static constexpr double kBounds[] = {1e-2, 1e-1, 1, 10, 100, 1e3,
                                       1e4,  1e5,  1e6};
  int e10 = std::max(-3, ((biased - 1023) * 1233) >> 12);
  if (e10 < 6 && a >= kBounds[e10 + 3]) ++e10;
  const int s = 16 - e10;  // In [10, 19].
  using u128 = unsigned __int128;
  const uint64_t scale = kPow10[s];
  const int shift = f + 2;  // <= 64.
  const u128 mask = (u128{1} << shift) - 1;
  const u128 value = static_cast<u128>(4 * m) * scale;
  const u128 high = static_cast<u128>(4 * m + 2) * scale;
  const bool narrow_below = fraction_bits == 0 && biased > 1;
  const u128 low = static_cast<u128>(narrow_below ? 4 * m - 1 : 4 * m - 2) *
                   scale;
  const bool inclusive = (m & 1) == 0;
  uint64_t d_high = static_cast<uint64_t>(high >> shift);
  if (!inclusive && (high & mask) == 0) --d_high;
  uint64_t d_low = static_cast<uint64_t>(low >> shift) +
                   ((low & mask) != 0 ? 1 : 0);
  if (!inclusive && (low & mask) == 0) ++d_low;
  // Drop trailing digits while the interval holds a multiple of 10.
  int t = 0;
  for (;;) {
    const uint64_t next_low = d_low / 10 + (d_low % 10 != 0 ? 1 : 0);
    const uint64_t next_high = d_high / 10;
    if (next_low > next_high) break;
    d_low = next_low;
    d_high = next_high;
    ++t;
  }
  uint64_t q = d_low;
  if (d_low != d_high) {
    // The candidate nearest a x 10^(s-t): round the exact value, then keep
    // it inside the interval.
    const uint64_t whole = static_cast<uint64_t>(value >> shift);
    const u128 rest = value & mask;  // a x 10^s - whole, times 2^shift.
    const uint64_t p = kPow10[t];
    q = whole / p;
    // Twice the remainder against p, in units of 2^-shift.
    const __int128 twice_rest =
        (static_cast<__int128>(2 * (whole % p)) << shift) +
        static_cast<__int128>(2 * rest);
    const __int128 unit = static_cast<__int128>(p) << shift;
    if (twice_rest > unit || (twice_rest == unit && (q & 1) != 0)) ++q;
    q = std::min(std::max(q, d_low), d_high);
  }
  const int k = s - t;  // Digits after the point (>= 1: a is no integer).
  char* p = out;
  if (negative) *p++ = '-';
  const uint64_t unit = kPow10[k];
  p = std::to_chars(p, p + 24, q / unit).ptr;
  *p++ = '.';
  return PutFraction(q % unit, k, p);
}

}  // namespace

char* WriteJavaDouble(double value, char* out) {
  const double abs_value = std::fabs(value);
  if (abs_value >= 1e-3 && abs_value < 1e7) {
    // Java's plain-notation range (false for 0, NaN and infinities). An
    // integer prints its digits and ".0".
    if (abs_value == static_cast<double>(static_cast<int64_t>(abs_value))) {
      char* p = std::to_chars(out, out + kMaxJavaDoubleChars,
                              static_cast<int64_t>(value))
                    .ptr;
      *p++ = '.';
      *p++ = '0';
      return p;
    }
    // Not an integer: the shortest round-trip decimal in fixed notation
    // has the same digits (it always has a '.'; compared over 56 M doubles
    // of this range, and cw_format_test checks a sweep). Up to 8 decimals
    // it is found without to_chars (~5x fewer instructions).
    if (char* p = WriteFewDecimals(abs_value, value < 0, out)) return p;
    return WriteExactShortest(abs_value, value < 0, out);
  }
  if (!std::isfinite(value) || value == 0) {
    const std::string text = FormatJavaDoubleGeneral(value);
    std::memcpy(out, text.data(), text.size());
    return out + text.size();
  }
  // Shortest round-trip digits: "[-]d[.ddd]e[+-]XX", parsed in place.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), value,
                           std::chars_format::scientific);
  const char* p = buf;
  const bool negative = *p == '-';
  if (negative) ++p;
  char digits[32];
  int nd = 0;
  digits[nd++] = *p++;
  if (*p == '.') {
    ++p;
    while (*p != 'e') digits[nd++] = *p++;
  }
  if (nd <= 1 && abs_value < std::numeric_limits<double>::min()) {
    // One significant digit of a subnormal: JDK 19+'s two-digit rule may
    // print other digits (general path). For a normal double the two-digit
    // decimal closest to it is d.0, which prints as the one digit d.
    const std::string text = FormatJavaDoubleGeneral(value);
    std::memcpy(out, text.data(), text.size());
    return out + text.size();
  }
  ++p;  // 'e'
  const bool exp_negative = *p == '-';
  ++p;  // sign
  int exponent = 0;
  for (; p != res.ptr; ++p) exponent = exponent * 10 + (*p - '0');
  if (exp_negative) exponent = -exponent;

  char* q = out;
  if (negative) *q++ = '-';
  if (abs_value >= 1e-3 && abs_value < 1e7) {
    if (exponent >= 0) {
      const int int_len = exponent + 1;
      if (nd <= int_len) {
        std::memcpy(q, digits, static_cast<size_t>(nd));
        q += nd;
        for (int i = nd; i < int_len; ++i) *q++ = '0';
        *q++ = '.';
        *q++ = '0';
      } else {
        std::memcpy(q, digits, static_cast<size_t>(int_len));
        q += int_len;
        *q++ = '.';
        std::memcpy(q, digits + int_len, static_cast<size_t>(nd - int_len));
        q += nd - int_len;
      }
    } else {
      *q++ = '0';
      *q++ = '.';
      for (int i = 0; i < -exponent - 1; ++i) *q++ = '0';
      std::memcpy(q, digits, static_cast<size_t>(nd));
      q += nd;
    }
    return q;
  }
  *q++ = digits[0];
  *q++ = '.';
  if (nd == 1) {
    *q++ = '0';
  } else {
    std::memcpy(q, digits + 1, static_cast<size_t>(nd - 1));
    q += nd - 1;
  }
  *q++ = 'E';
  return std::to_chars(q, out + kMaxJavaDoubleChars, exponent).ptr;
}

void AppendJavaDouble(double value, std::string* out) {
  char buf[kMaxJavaDoubleChars];
  out->append(buf, static_cast<size_t>(WriteJavaDouble(value, buf) - buf));
}

std::string FormatJavaDouble(double value) {
  std::string out;
  AppendJavaDouble(value, &out);
  return out;
}

namespace {

// UTC calendar fields of an instant, milliseconds floored (as absl's %E3S).
struct UtcFields {
  int64_t year;
  int month, day, hour, minute, second, millis;
};

// Splits `t` into UTC fields with integer arithmetic only (days to civil
// date after H. Hinnant's `civil_from_days`). False for infinite instants
// and years outside 1000-9999, which the callers hand to absl::FormatTime:
// that keeps every output byte as FormatTime printed it (tests compare the
// two over many instants, cw_format_test).
bool ToUtcFields(absl::Time t, UtcFields* f) {
  if (t == absl::InfiniteFuture() || t == absl::InfinitePast()) return false;
  // Years 1000-9999 are within +-2.6e14 ms of the epoch: no overflow.
  constexpr int64_t kMinMs = -30610224000000;   // 1000-01-01T00:00:00Z.
  constexpr int64_t kMaxMs = 253402300800000;   // 10000-01-01T00:00:00Z.
  if (t < absl::FromUnixMillis(kMinMs) || t >= absl::FromUnixMillis(kMaxMs)) {
    return false;
  }
  const int64_t ms = absl::ToUnixMillis(t);  // Floors.
  int64_t days = ms / 86400000;
  int64_t rem = ms % 86400000;
  if (rem < 0) {
    rem += 86400000;
    --days;
  }
  f->millis = static_cast<int>(rem % 1000);
  const int64_t secs = rem / 1000;
  f->hour = static_cast<int>(secs / 3600);
  f->minute = static_cast<int>(secs / 60 % 60);
  f->second = static_cast<int>(secs % 60);
  // The instants of one reason or history item mostly share a day: the
  // civil date of the last day converted is kept per thread.
  struct DayCache {
    int64_t days;
    int64_t year;
    int month, day;
  };
  thread_local DayCache cache = {INT64_MIN, 0, 0, 0};
  if (cache.days == days) {
    f->year = cache.year;
    f->month = cache.month;
    f->day = cache.day;
    return true;
  }
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  f->day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  f->month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  f->year = yoe + era * 400 + (f->month <= 2 ? 1 : 0);
  cache = DayCache{days, f->year, f->month, f->day};
  return true;
}


inline char* Put2(int v, char* p) {
  std::memcpy(p, kTwoDigits.text + 2 * v, 2);
  return p + 2;
}

inline char* Put3(int v, char* p) {
  p[0] = static_cast<char>('0' + v / 100);
  return Put2(v % 100, p + 1);
}

inline char* Put4(int v, char* p) { return Put2(v % 100, Put2(v / 100, p)); }

// "yyyy-MM-ddTHH:mm:ss.SSS" (23 characters) into `p`.
char* PutIsoBody(const UtcFields& f, char* p) {
  p = Put4(static_cast<int>(f.year), p);
  *p++ = '-';
  p = Put2(f.month, p);
  *p++ = '-';
  p = Put2(f.day, p);
  *p++ = 'T';
  p = Put2(f.hour, p);
  *p++ = ':';
  p = Put2(f.minute, p);
  *p++ = ':';
  p = Put2(f.second, p);
  *p++ = '.';
  return Put3(f.millis, p);
}

// `dd/MM/yy HH:mm:ss` of `f` at `out`; returns the end.
char* WriteReasonFields(const UtcFields& f, char* out) {
  char* p = Put2(f.day, out);
  *p++ = '/';
  p = Put2(f.month, p);
  *p++ = '/';
  p = Put2(static_cast<int>(f.year % 100), p);
  *p++ = ' ';
  p = Put2(f.hour, p);
  *p++ = ':';
  p = Put2(f.minute, p);
  *p++ = ':';
  return Put2(f.second, p);
}


// The last instants printed in one fixed-width form (`kChars` characters),
// by whole minute, per thread: the instants of one reason (bucket starts)
// repeat across the alarms of an evaluation, so they are copied when asked
// again.
template <size_t kChars>
class RecentTimestamps {
 public:
  // Writes the cached text of `t` to `out` and returns its end, or nullptr
  // when `t` is not cached.
  static char* Find(absl::Time t, char* out) {
    const Entry& e = EntryOf(t);
    if (!e.valid || e.t != t) return nullptr;
    std::memcpy(out, e.text, kChars);
    return out + kChars;
  }
  // Keeps `text` (kChars characters) as the text of `t`.
  static void Store(absl::Time t, const char* text) {
    Entry& e = EntryOf(t);
    e.valid = true;
    e.t = t;
    std::memcpy(e.text, text, kChars);
  }

 private:
  struct Entry {
    // Set once `t` and `text` hold a printed instant. Without it a fresh
    // entry's default `t` would match a request for that very instant
    // (InfinitePast) and copy text never written.
    bool valid = false;
    absl::Time t;
    char text[kChars];
  };
  static Entry& EntryOf(absl::Time t) {
    thread_local Entry cache[8];
    return cache[static_cast<uint64_t>(absl::ToUnixSeconds(t) / 60) & 7];
  }
};

}  // namespace

char* WriteCwTimestamp(absl::Time t, char* out) {
  constexpr size_t kCwChars = 28;  // yyyy-MM-ddTHH:mm:ss.SSS+0000
  if (char* end = RecentTimestamps<kCwChars>::Find(t, out)) return end;
  UtcFields f;
  if (!ToUtcFields(t, &f)) {
    const std::string text =
        absl::FormatTime("%Y-%m-%dT%H:%M:%E3S+0000", t, absl::UTCTimeZone());
    const size_t n = std::min(text.size(), kMaxTimestampChars);
    std::memcpy(out, text.data(), n);
    return out + n;
  }
  char* p = PutIsoBody(f, out);
  std::memcpy(p, "+0000", 5);
  p += 5;
  RecentTimestamps<kCwChars>::Store(t, out);
  return p;
}

void AppendCwTimestamp(absl::Time t, std::string* out) {
  char buf[kMaxTimestampChars];
  out->append(buf, static_cast<size_t>(WriteCwTimestamp(t, buf) - buf));
}

std::string FormatCwTimestamp(absl::Time t) {
  std::string out;
  AppendCwTimestamp(t, &out);
  return out;
}

std::string FormatIsoTimestamp(absl::Time t) {
  UtcFields f;
  if (!ToUtcFields(t, &f)) {
    return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
  }
  char buf[32];
  char* p = PutIsoBody(f, buf);
  *p++ = 'Z';
  return std::string(buf, p);
}

char* WriteReasonTimestamp(absl::Time t, char* out) {
  constexpr size_t kReasonChars = 17;  // dd/MM/yy HH:mm:ss
  if (char* end = RecentTimestamps<kReasonChars>::Find(t, out)) return end;
  UtcFields f;
  if (!ToUtcFields(t, &f)) {
    const std::string text =
        absl::FormatTime("%d/%m/%y %H:%M:%S", t, absl::UTCTimeZone());
    const size_t n = std::min(text.size(), kMaxTimestampChars);
    std::memcpy(out, text.data(), n);
    return out + n;
  }
  char* p = WriteReasonFields(f, out);
  RecentTimestamps<kReasonChars>::Store(t, out);
  return p;
}

void AppendReasonTimestamp(absl::Time t, std::string* out) {
  char buf[kMaxTimestampChars];
  out->append(buf, static_cast<size_t>(WriteReasonTimestamp(t, buf) - buf));
}

std::string FormatReasonTimestamp(absl::Time t) {
  std::string out;
  AppendReasonTimestamp(t, &out);
  return out;
}

std::string FormatLongTimestamp(absl::Time t) {
  // %e would pad with a space; CloudWatch prints the day without padding.
  absl::CivilSecond cs = absl::ToCivilSecond(t, absl::UTCTimeZone());
  return absl::StrCat(absl::FormatTime("%A ", t, absl::UTCTimeZone()), cs.day(),
                      absl::FormatTime(" %B, %Y %H:%M:%S UTC", t,
                                       absl::UTCTimeZone()));
}

}  // namespace cwalarm
