// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Snapshot and restore of the complete evaluator state (issue 8): the
// MetricStore's cells and raw samples, the AlarmEvaluator's alarms,
// statuses, schedule positions, untaken history and options, and optionally
// a CompositeEvaluator's composites, nodes and history, as a
// config/snapshot.proto message inside the crash-consistent, checksummed
// envelope of config/snapshot_file.h.
//
//   absl::Status s = SaveSnapshot("/var/lib/cwalarm/state.snap", store, ev,
//                                 &composites);  // or no composites
//   absl::StatusOr<RestoredEvaluator> r =
//       RestoreSnapshot("/var/lib/cwalarm/state.snap", &sink);
//   r->evaluator->Evaluate(now);  // continues as the saved one would
//   r->composites->AdvanceTo(now);  // when composites were saved
//
// Not saved: the sink's own state (the SNS outbox is durable by itself,
// actions/outbox.h) and the diagnostic lists of failed actions.
//
// Versions: this build writes schema version 2 and reads 1 and 2. Version 1
// (before raw samples, composites and options were saved) is read with the
// caller's options, or the defaults.
//
// Thread-safety: the functions hold no state; the evaluators and the store
// must not be mutated during SaveSnapshot.

#ifndef CWALARM_CONFIG_SNAPSHOT_IO_H_
#define CWALARM_CONFIG_SNAPSHOT_IO_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "alarm/action_sink.h"
#include "alarm/alarm_evaluator.h"
#include "alarm/composite_evaluator.h"
#include "metrics/metric_store.h"

namespace cwalarm {

// Version of config/snapshot.proto's EvaluatorSnapshot this build writes.
// It reads this one and kOldestSnapshotSchemaVersion..; others are refused
// (kFailedPrecondition).
inline constexpr uint32_t kSnapshotSchemaVersion = 2;
inline constexpr uint32_t kOldestSnapshotSchemaVersion = 1;

// The snapshot's bytes (before the envelope). `composites` may be null (no
// composite alarms are saved then).
absl::StatusOr<std::string> SerializeEvaluatorState(
    const MetricStore& store, const AlarmEvaluator& evaluator,
    const CompositeEvaluator* composites = nullptr);

// A store and evaluators restored together. The evaluators point at the
// store and at the sink passed to Restore*, which must outlive them.
struct RestoredEvaluator {
  std::unique_ptr<MetricStore> store;
  std::unique_ptr<AlarmEvaluator> evaluator;
  // Null when the snapshot holds no composite state.
  std::unique_ptr<CompositeEvaluator> composites;
};

// Builds a new store and evaluators from SerializeEvaluatorState's bytes;
// the composite evaluator (if any) uses `sink` too. The evaluator gets the
// options it was saved with. `options`, when given, must equal them
// (kFailedPrecondition naming the field otherwise: a snapshot continues the
// evaluator it was taken of, and other options would change ARNs, decisions
// and reasons mid-history; docs/choices.md #67); for a version 1 snapshot,
// which has no saved options, they are used as given (defaults when absent).
// kDataLoss when the bytes do not parse or hold an out-of-range enum value
// or an inconsistent raw-sample distribution; kFailedPrecondition for an
// unsupported schema version; the ImportState errors otherwise. Either
// everything is restored or an error is returned: nothing is ever
// half-loaded.
absl::StatusOr<RestoredEvaluator> DeserializeEvaluatorState(
    absl::string_view bytes, ActionSink* sink,
    std::optional<EvaluatorOptions> options = std::nullopt);

// SerializeEvaluatorState + WriteSnapshotFile (crash-consistent).
absl::Status SaveSnapshot(absl::string_view path, const MetricStore& store,
                          const AlarmEvaluator& evaluator,
                          const CompositeEvaluator* composites = nullptr);

// ReadSnapshotFile + DeserializeEvaluatorState; their errors, prefixed with
// `path` where the envelope does not already name it.
absl::StatusOr<RestoredEvaluator> RestoreSnapshot(
    absl::string_view path, ActionSink* sink,
    std::optional<EvaluatorOptions> options = std::nullopt);

}  // namespace cwalarm

#endif  // CWALARM_CONFIG_SNAPSHOT_IO_H_
