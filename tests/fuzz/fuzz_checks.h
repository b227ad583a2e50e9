// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The properties the loader fuzzers check on every input (tests/fuzz/):
// a loader either refuses with kInvalidArgument and a message, or returns
// values that the library accepts downstream (alarms validate and go into
// an AlarmEvaluator and evaluate; datums validate and go into a
// MetricStore). A broken property aborts, which libFuzzer reports as a
// crash with the input saved. Not thread-safe. Test-only.

#ifndef CWALARM_TESTS_FUZZ_FUZZ_CHECKS_H_
#define CWALARM_TESTS_FUZZ_FUZZ_CHECKS_H_

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "actions/recording_sink.h"
#include "alarm/alarm_evaluator.h"
#include "alarm/alarm_spec.h"
#include "config/config_loader.h"
#include "metrics/datapoint.h"
#include "metrics/metric_store.h"

namespace cwalarm_fuzz {

// Aborts with `what` and `status` on stderr.
[[noreturn]] inline void Fail(const char* what, const absl::Status& status) {
  std::fprintf(stderr, "fuzz property broken: %s: %s\n", what,
               status.ToString().c_str());
  std::abort();
}

inline void CheckRefusal(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kInvalidArgument ||
      status.message().empty()) {
    Fail("a loader refusal must be kInvalidArgument with a message", status);
  }
}

inline void CheckAlarms(
    const absl::StatusOr<std::vector<cwalarm::AlarmSpec>>& alarms) {
  if (!alarms.ok()) return CheckRefusal(alarms.status());
  cwalarm::MetricStore store;
  cwalarm::RecordingSink sink;
  cwalarm::AlarmEvaluator evaluator(&store, &sink);
  const absl::Time t0 = absl::FromUnixSeconds(1710590400);
  for (const cwalarm::AlarmSpec& spec : *alarms) {
    absl::Status valid = spec.Validate();
    if (!valid.ok()) Fail("a loaded alarm must validate", valid);
    absl::Status put = evaluator.PutMetricAlarm(spec, t0);
    if (!put.ok()) Fail("a loaded alarm must be accepted", put);
  }
  for (int i = 1; i <= 3; ++i) evaluator.Evaluate(t0 + absl::Minutes(i));
}

inline void CheckData(
    const absl::StatusOr<std::vector<cwalarm::TimedDatum>>& data) {
  if (!data.ok()) return CheckRefusal(data.status());
  cwalarm::MetricStore store;
  for (const cwalarm::TimedDatum& d : *data) {
    absl::Status valid =
        cwalarm::ValidateMetricDatum(d.datum, d.place, d.received_at);
    if (!valid.ok()) Fail("a loaded datum must validate", valid);
    absl::Status put = store.Put(d.datum, d.place);
    if (!put.ok()) Fail("a loaded datum must be stored", put);
  }
}

}  // namespace cwalarm_fuzz

#endif  // CWALARM_TESTS_FUZZ_FUZZ_CHECKS_H_
