// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "alarm/evaluation_window.h"

#include <cassert>

namespace cwalarm {

namespace {

// What spec 3.4 needs to know about the range, however it is represented.
struct RangeCounts {
  int real = 0;                 // Buckets with a datapoint.
  int breaching_newest_n = 0;   // Breaching among the N newest real ones.
  int breaching_total = 0;      // Breaching among all real ones.
  int oldest_age = 0;           // Age of the oldest real bucket (newest = 1).
};

// Spec 3.4 from the counts: shared by Decide and DecideMasks, so the two
// representations cannot drift apart.
Decision Conclude(const RangeCounts& c, int n, int m, TreatMissingData tmd) {
  Decision d;
  // Step 1: enough real data; TreatMissingData is irrelevant (spec 3.4,
  // "real data beats fill-ins", spec 7.2).
  if (c.real >= n) {
    d.basis = DecisionBasis::kRealData;
    d.used_real = n;
    d.breaching = c.breaching_newest_n;
    d.state = d.breaching >= m ? AlarmState::kAlarm : AlarmState::kOk;
    return d;
  }
  // Step 2: F fill-ins are needed; all real datapoints take part.
  const int fill = n - c.real;
  d.used_real = c.real;
  switch (tmd) {
    case TreatMissingData::kBreaching:
    case TreatMissingData::kNotBreaching:
      d.basis = DecisionBasis::kFilled;
      d.fill_count = fill;
      d.breaching =
          c.breaching_total + (tmd == TreatMissingData::kBreaching ? fill : 0);
      d.state = d.breaching >= m ? AlarmState::kAlarm : AlarmState::kOk;
      return d;
    case TreatMissingData::kMissing:
    case TreatMissingData::kIgnore: {
      const bool missing = tmd == TreatMissingData::kMissing;
      d.breaching = c.breaching_total;
      if (c.real == 0) {
        d.basis = DecisionBasis::kNoData;
        if (missing) d.state = AlarmState::kInsufficientData;
        return d;  // ignore: keep the current state.
      }
      d.basis = DecisionBasis::kPartialData;
      if (c.breaching_total >= m) {
        d.state = AlarmState::kAlarm;
        return d;
      }
      // The premature-alarm rule (spec 3.4, reconstructed from Tables A and
      // B): every real datapoint breaches and the oldest of them is at least
      // M buckets old, so enough periods have passed for M breaches.
      if (c.breaching_total == c.real && c.oldest_age >= m) {
        d.basis = DecisionBasis::kPrematureAlarm;
        if (missing) d.state = AlarmState::kAlarm;
        return d;  // ignore: keep the current state.
      }
      d.state = AlarmState::kOk;
      return d;
    }
  }
  return d;
}

// Population count without a library call (the build does not assume the
// POPCNT instruction): the classic SWAR sum of bit fields.
inline int Popcount(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
  return static_cast<int>((x * 0x0101010101010101ull) >> 56);
}

}  // namespace

Decision Decide(absl::Span<const BucketVerdict> range, int n, int m,
                TreatMissingData tmd) {
  assert(1 <= m && m <= n && n <= static_cast<int>(range.size()));
  const int r = static_cast<int>(range.size());
  // Walk newest to oldest: the first N real datapoints met are the N most
  // recent (step 1). Track the oldest real bucket for the premature rule.
  RangeCounts c;
  for (int i = r - 1; i >= 0; --i) {
    if (range[i] == BucketVerdict::kMissing) continue;
    bool b = range[i] == BucketVerdict::kBreaching;
    if (c.real < n) c.breaching_newest_n += b ? 1 : 0;
    c.breaching_total += b ? 1 : 0;
    ++c.real;
    c.oldest_age = r - i;
  }
  return Conclude(c, n, m, tmd);
}

Decision DecideMasks(VerdictMasks masks, int r, int n, int m,
                     TreatMissingData tmd) {
  assert(1 <= m && m <= n && n <= r && r <= 64);
  const uint64_t present = masks.present;
  const uint64_t breaching = masks.breaching & present;
  RangeCounts c;
  c.real = Popcount(present);
  c.breaching_total = Popcount(breaching);
  if (c.real >= n) {
    // The N newest real datapoints are the N lowest set bits.
    uint64_t rest = present;
    for (int i = 0; i < n; ++i) rest &= rest - 1;  // Clear the lowest bit.
    c.breaching_newest_n = Popcount(breaching & (present ^ rest));
  } else if (present != 0) {
    // The oldest real datapoint is the highest set bit, of age index + 1.
    c.oldest_age = 64 - __builtin_clzll(present);
  }
  return Conclude(c, n, m, tmd);
}

VerdictMasks ToMasks(absl::Span<const BucketVerdict> range) {
  assert(range.size() <= 64);
  VerdictMasks v;
  const size_t r = range.size();
  for (size_t i = 0; i < r; ++i) {
    const uint64_t bit = uint64_t{1} << (r - 1 - i);
    if (range[i] != BucketVerdict::kMissing) v.present |= bit;
    if (range[i] == BucketVerdict::kBreaching) v.breaching |= bit;
  }
  return v;
}

}  // namespace cwalarm
