// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Periods and time alignment.
//
// All alignment in cwalarm is to multiples of a granularity since the Unix
// epoch (1970-01-01T00:00:00Z): `AlignDown(t, absl::Minutes(1))` is the start
// of t's minute. Every period bucket is half-open, `[start, start + period)`,
// and a datapoint carries its bucket's *start* (spec 3.2.1, S-UG-CONCEPTS).
//
// Alarm buckets slide: they are anchored at the evaluation instant, aligned
// down to the evaluation granularity (`EvaluationGranularity`), not at
// multiples of the period (spec 3.2.1).
//
//   AlignDown(absl::FromUnixSeconds(125), absl::Seconds(60));  // 120 s
//   IsValidAlarmPeriod(absl::Seconds(20));                     // true
//
// Thread-safety: pure functions.

#ifndef CWALARM_METRICS_PERIOD_H_
#define CWALARM_METRICS_PERIOD_H_

#include <cstdint>

#include "absl/time/time.h"

namespace cwalarm {

// Returns the largest multiple of `granularity` since the epoch that is <= t.
// Precondition: granularity > 0 and a whole number of seconds.
absl::Time AlignDown(absl::Time t, absl::Duration granularity);

// True for the periods CloudWatch accepts on an alarm: 10, 20, 30 or a
// positive multiple of 60 seconds (spec 1.5; 20 is the newer rule).
bool IsValidAlarmPeriod(absl::Duration period);

// True for 10, 20 and 30 seconds: high-resolution alarms (spec 1.5).
bool IsHighResolutionPeriod(absl::Duration period);

// How often an alarm with `period` is evaluated and the granularity its
// sliding buckets are anchored to: 10 s for high-resolution periods, 60 s
// otherwise (spec 3.1; 3.2.1 leaves the high-resolution anchor [OPEN] and we
// choose 10 s, the evaluation interval).
absl::Duration EvaluationGranularity(absl::Duration period);

// The cell size the metric store keeps samples in: the greatest common
// granularity of every bucket boundary an alarm can ask for (10 s).
inline constexpr int64_t kStorageCellSeconds = 10;

}  // namespace cwalarm

#endif  // CWALARM_METRICS_PERIOD_H_
