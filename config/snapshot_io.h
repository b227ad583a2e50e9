// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Snapshot and restore of the complete evaluator state (issue 8): the
// MetricStore's cells and the AlarmEvaluator's alarms, statuses, schedule
// positions and untaken history, as a config/snapshot.proto message inside
// the crash-consistent, checksummed envelope of config/snapshot_file.h.
//
//   absl::Status s = SaveSnapshot("/var/lib/cwalarm/state.snap", store, ev);
//   absl::StatusOr<RestoredEvaluator> r =
//       RestoreSnapshot("/var/lib/cwalarm/state.snap", &sink, options);
//   r->evaluator->Evaluate(now);  // continues as the saved one would
//
// Not saved: the sink's own state (the SNS outbox is durable by itself,
// actions/outbox.h) and EvaluatorOptions (the caller passes the same ones).
// Raw samples for extended statistics cannot be saved yet (kUnimplemented).
//
// Thread-safety: the functions hold no state; the evaluator and store must
// not be mutated during SaveSnapshot.

#ifndef CWALARM_CONFIG_SNAPSHOT_IO_H_
#define CWALARM_CONFIG_SNAPSHOT_IO_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "alarm/action_sink.h"
#include "alarm/alarm_evaluator.h"
#include "metrics/metric_store.h"

namespace cwalarm {

// Version of config/snapshot.proto's EvaluatorSnapshot this build writes
// and reads; another value is refused (kFailedPrecondition).
inline constexpr uint32_t kSnapshotSchemaVersion = 1;

// The snapshot's bytes (before the envelope). kUnimplemented when the store
// keeps raw samples.
absl::StatusOr<std::string> SerializeEvaluatorState(
    const MetricStore& store, const AlarmEvaluator& evaluator);

// A store and an evaluator restored together. The evaluator points at the
// store and at the sink passed to Restore*, which must outlive it.
struct RestoredEvaluator {
  std::unique_ptr<MetricStore> store;
  std::unique_ptr<AlarmEvaluator> evaluator;
};

// Builds a new store and evaluator from SerializeEvaluatorState's bytes.
// kDataLoss when the bytes do not parse or hold an out-of-range enum value;
// kFailedPrecondition for another schema version; the ImportState errors
// otherwise. Either everything is restored or an error is returned: nothing
// is ever half-loaded.
absl::StatusOr<RestoredEvaluator> DeserializeEvaluatorState(
    absl::string_view bytes, ActionSink* sink, EvaluatorOptions options = {});

// SerializeEvaluatorState + WriteSnapshotFile (crash-consistent).
absl::Status SaveSnapshot(absl::string_view path, const MetricStore& store,
                          const AlarmEvaluator& evaluator);

// ReadSnapshotFile + DeserializeEvaluatorState; their errors, prefixed with
// `path` where the envelope does not already name it.
absl::StatusOr<RestoredEvaluator> RestoreSnapshot(
    absl::string_view path, ActionSink* sink, EvaluatorOptions options = {});

}  // namespace cwalarm

#endif  // CWALARM_CONFIG_SNAPSHOT_IO_H_
