// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The Metrics-list path of AlarmEvaluator: metric-math and anomaly-detection
// alarms (spec 1.7, 3.8, 3.9). Work in progress: no alarm takes this path
// until PutMetricAlarm accepts the Metrics form.

#include <cassert>

#include "alarm/alarm_evaluator.h"

namespace cwalarm {

struct MathAlarmState {};

void AlarmEvaluator::EvaluateMath(uint32_t slot, absl::Time now,
                                  int64_t first_s, EvaluationReport* report) {
  (void)slot, (void)now, (void)first_s, (void)report;
  assert(false && "no alarm takes the Metrics-list path yet");
}

}  // namespace cwalarm
