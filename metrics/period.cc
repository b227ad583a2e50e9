// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "metrics/period.h"

#include <cassert>

namespace cwalarm {

absl::Time AlignDown(absl::Time t, absl::Duration granularity) {
  assert(granularity > absl::ZeroDuration());
  // Floor division rounds toward negative infinity, so instants before the
  // epoch align down as well.
  absl::Duration since_epoch = t - absl::UnixEpoch();
  absl::Duration rem;
  int64_t q = absl::IDivDuration(since_epoch, granularity, &rem);
  if (rem < absl::ZeroDuration()) --q;
  return absl::UnixEpoch() + q * granularity;
}

bool IsValidAlarmPeriod(absl::Duration period) {
  if (period <= absl::ZeroDuration()) return false;
  if (period == absl::Seconds(10) || period == absl::Seconds(20) ||
      period == absl::Seconds(30)) {
    return true;
  }
  absl::Duration rem;
  absl::IDivDuration(period, absl::Seconds(60), &rem);
  return rem == absl::ZeroDuration();
}

bool IsHighResolutionPeriod(absl::Duration period) {
  return period == absl::Seconds(10) || period == absl::Seconds(20) ||
         period == absl::Seconds(30);
}

absl::Duration EvaluationGranularity(absl::Duration period) {
  return IsHighResolutionPeriod(period) ? absl::Seconds(10)
                                        : absl::Seconds(60);
}

}  // namespace cwalarm
