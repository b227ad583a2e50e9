// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// `cwalarm lint`: flags alarm configurations that CloudWatch accepts but that
// will misbehave (the pitfalls of spec sections 7 and 8), each with an
// explanation and what to do instead.
//
//   cwalarm lint --alarms=alarms.json [--metrics=history.csv | --series=...]
//
//   std::vector<LintFinding> findings = LintAlarms(alarms, &data);
//
// Some checks need only the configuration; the others look at a metric
// history when one is given (what units the metric is published in, its
// resolution, how sparse it is, how often it is published). Each finding has
// a stable rule id so that it can be looked up and silenced by name.
//
// Rules (id: what it flags):
//   high-resolution-period-on-standard-metric: Period 10/20/30 s on a metric
//       published at standard (1-minute) resolution, or on an AWS/ namespace.
//   unit-never-published: Unit set, but the metric is never published in it.
//   metric-never-published: no datum for the alarm's metric at all.
//   period-shorter-than-publishing-interval: Period below the metric's usual
//       publishing interval, so most buckets are empty.
//   single-datapoint-with-breaching: DatapointsToAlarm 1 with `breaching`.
//   breaching-on-sparse-metric: `breaching` on a metric missing in many
//       periods (or an event-count metric such as Errors).
//   not-breaching-hides-outages: `notBreaching` on a "too low" alarm, where
//       silence is the outage.
//   can-never-return-to-ok / can-never-alarm: a comparison every datapoint
//       of the statistic satisfies (or none does), e.g. SampleCount >= 1.
//   sliding-buckets-on-sparse-data: a long period whose sliding buckets
//       (spec 3.2.1) re-bucket sparse samples every minute, so Sum /
//       SampleCount values and M-of-N counts flip.
//   treat-missing-data-ignored: TreatMissingData other than ignore on
//       AWS/DynamoDB (spec 3.4: always ignore).
//   ec2-action-with-breaching: EC2 stop/terminate/reboot/recover actions on
//       an alarm that treats missing data as breaching (spec 7.15).
//   actions-disabled: actions listed but ActionsEnabled false.
//   no-alarm-actions: nothing happens when the alarm fires.
//
// Not applicable to cwalarm's alarms (single-metric only): `FILL` in metric
// math alarms (spec 7.10).
//
// Thread-safety: pure functions of their arguments (RunLint also reads the
// files).

#ifndef CWALARM_TOOLS_LINT_H_
#define CWALARM_TOOLS_LINT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "alarm/alarm_spec.h"
#include "config/config_loader.h"
#include "tools/replay.h"

namespace cwalarm {

struct LintFinding {
  enum class Severity { kWarning, kNote };
  std::string alarm_name;
  std::string rule;  // Stable id, e.g. "single-datapoint-with-breaching".
  Severity severity = Severity::kWarning;
  std::string explanation;  // What will happen and what to do, one paragraph.
};

// Checks every alarm; `data` (may be null) enables the history-based rules.
// Returns the findings by alarm (file order), then by rule order above.
std::vector<LintFinding> LintAlarms(const std::vector<AlarmSpec>& alarms,
                                    const std::vector<TimedDatum>* data);

// `cwalarm lint`: loads `options.alarms_path` and, when `metrics_path` or
// `series` is set, the history (LoadReplayData); writes one block per
// finding to `*out` (`alarm "x": warning [rule]: explanation`), or
// `no findings` plus the number of alarms checked. Sets `*warnings` to the
// number of warnings (notes excluded). Errors: the loaders'.
absl::Status RunLint(const ReplayOptions& options, std::string* out,
                     int* warnings);

}  // namespace cwalarm

#endif  // CWALARM_TOOLS_LINT_H_
