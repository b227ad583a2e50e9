// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "alarm/evaluation_window.h"

#include <cassert>

namespace cwalarm {

Decision Decide(absl::Span<const BucketVerdict> range, int n, int m,
                TreatMissingData tmd) {
  assert(1 <= m && m <= n && n <= static_cast<int>(range.size()));
  const int r = static_cast<int>(range.size());
  Decision d;
  // Walk newest to oldest: the first N real datapoints met are the N most
  // recent (step 1). Track the oldest real bucket for the premature rule.
  int real = 0;
  int breaching_in_first_n = 0;
  int breaching_total = 0;
  int oldest_real_index = -1;
  for (int i = r - 1; i >= 0; --i) {
    if (range[i] == BucketVerdict::kMissing) continue;
    bool b = range[i] == BucketVerdict::kBreaching;
    if (real < n) breaching_in_first_n += b ? 1 : 0;
    breaching_total += b ? 1 : 0;
    ++real;
    oldest_real_index = i;
  }
  // Step 1: enough real data; TreatMissingData is irrelevant (spec 3.4,
  // "real data beats fill-ins", spec 7.2).
  if (real >= n) {
    d.basis = DecisionBasis::kRealData;
    d.used_real = n;
    d.breaching = breaching_in_first_n;
    d.state = d.breaching >= m ? AlarmState::kAlarm : AlarmState::kOk;
    return d;
  }
  // Step 2: F fill-ins are needed; all real datapoints take part.
  const int fill = n - real;
  d.used_real = real;
  switch (tmd) {
    case TreatMissingData::kBreaching:
    case TreatMissingData::kNotBreaching: {
      d.basis = DecisionBasis::kFilled;
      d.fill_count = fill;
      d.breaching =
          breaching_total + (tmd == TreatMissingData::kBreaching ? fill : 0);
      d.state = d.breaching >= m ? AlarmState::kAlarm : AlarmState::kOk;
      return d;
    }
    case TreatMissingData::kMissing:
    case TreatMissingData::kIgnore: {
      const bool missing = tmd == TreatMissingData::kMissing;
      d.breaching = breaching_total;
      if (real == 0) {
        d.basis = DecisionBasis::kNoData;
        if (missing) d.state = AlarmState::kInsufficientData;
        return d;  // ignore: keep the current state.
      }
      d.basis = DecisionBasis::kPartialData;
      if (breaching_total >= m) {
        d.state = AlarmState::kAlarm;
        return d;
      }
      // The premature-alarm rule (spec 3.4, reconstructed from Tables A and
      // B): every real datapoint breaches and the oldest of them is at least
      // M buckets old, so enough periods have passed for M breaches.
      const int oldest_age = r - oldest_real_index;
      if (breaching_total == real && oldest_age >= m) {
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

namespace {

// Population count without a library call (the build does not assume the
// POPCNT instruction): the classic SWAR sum of bit fields.
inline int Popcount(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
  return static_cast<int>((x * 0x0101010101010101ull) >> 56);
}

}  // namespace

Decision DecideMasks(VerdictMasks masks, int r, int n, int m,
                     TreatMissingData tmd) {
  assert(1 <= m && m <= n && n <= r && r <= 64);
  const uint64_t present = masks.present;
  const uint64_t breaching = masks.breaching & present;
  Decision d;
  const int real = Popcount(present);
  const int breaching_total = Popcount(breaching);
  // Step 1: the N newest real datapoints are the N lowest set bits.
  if (real >= n) {
    uint64_t rest = present;
    for (int i = 0; i < n; ++i) rest &= rest - 1;  // Clear the lowest bit.
    const uint64_t newest_n = present ^ rest;
    d.basis = DecisionBasis::kRealData;
    d.used_real = n;
    d.breaching = Popcount(breaching & newest_n);
    d.state = d.breaching >= m ? AlarmState::kAlarm : AlarmState::kOk;
    return d;
  }
  const int fill = n - real;
  d.used_real = real;
  switch (tmd) {
    case TreatMissingData::kBreaching:
    case TreatMissingData::kNotBreaching:
      d.basis = DecisionBasis::kFilled;
      d.fill_count = fill;
      d.breaching =
          breaching_total + (tmd == TreatMissingData::kBreaching ? fill : 0);
      d.state = d.breaching >= m ? AlarmState::kAlarm : AlarmState::kOk;
      return d;
    case TreatMissingData::kMissing:
    case TreatMissingData::kIgnore: {
      const bool missing = tmd == TreatMissingData::kMissing;
      d.breaching = breaching_total;
      if (real == 0) {
        d.basis = DecisionBasis::kNoData;
        if (missing) d.state = AlarmState::kInsufficientData;
        return d;
      }
      d.basis = DecisionBasis::kPartialData;
      if (breaching_total >= m) {
        d.state = AlarmState::kAlarm;
        return d;
      }
      // Premature-alarm rule, as in Decide: the oldest real datapoint is the
      // highest set bit, of age (bit index + 1).
      const int oldest_age = 64 - __builtin_clzll(present);
      if (breaching_total == real && oldest_age >= m) {
        d.basis = DecisionBasis::kPrematureAlarm;
        if (missing) d.state = AlarmState::kAlarm;
        return d;
      }
      d.state = AlarmState::kOk;
      return d;
    }
  }
  return d;
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
