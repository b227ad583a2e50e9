// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// IngestQueue: the supported way to ingest from several threads while one
// thread evaluates (issue 8). MetricStore and AlarmEvaluator are
// single-threaded by design; producers never touch them. Producers `Push`
// PutMetricData batches with their arrival time; the evaluating thread
// calls `DrainInto(&store, now)` before each `Evaluate(now)`, which stores
// every queued batch that arrived at or before `now`, in queue order.
//
//   IngestQueue queue(/*capacity_datums=*/100000);
//   // Any thread:
//   absl::StatusOr<PutMetricDataResult> r = queue.Push(batch, arrived_at);
//   if (!r.ok()) { /* kResourceExhausted: full, nothing queued; retry */ }
//   // The evaluating thread:
//   queue.DrainInto(&store, now);
//   evaluator.Evaluate(now);
//
// Validation happens in Push (the producer's thread), with the arrival time
// as PutMetricData's clock, so a producer learns at once which datums were
// refused and why (the same statuses as MetricStore::PutMetricData); only
// valid datums are queued.
//
// Memory is bounded: at most `capacity_datums` datums are queued (a datum
// holds at most 150 values). When a batch's valid datums do not fit, `Push`
// refuses the whole batch with kResourceExhausted and queues nothing, and
// `PushBlocking` waits until the evaluating thread has drained enough.
// Nothing is ever dropped silently: a datum is either refused to its
// producer or stored exactly once. (The spec is silent on concurrent
// PutMetricData; refusing the whole batch is what CloudWatch does with a
// throttled request: docs/choices.md #66.)
//
// Order: batches are drained in the order their Push calls queued them, so
// each producer's batches reach the store in its own order (batches with a
// later arrival than DrainInto's `up_to` wait, keeping their order).
// Batches of different producers interleave in Push order; for the standard
// statistics the order does not matter, beyond the last bits of
// floating-point sums.
//
// Thread-safety: Push, PushBlocking, Close and the queries are safe from
// any number of threads; DrainInto may run concurrently with them (one
// DrainInto at a time per store, from the thread that owns the store).
// (std::mutex and std::condition_variable rather than absl::Mutex: the
// ThreadSanitizer build sees pthread waits natively, while Debian's Abseil
// is not instrumented and Mutex::Await is not annotated there; see
// cmake/tsan_absl_mutex.cc.)

#ifndef CWALARM_METRICS_INGEST_QUEUE_H_
#define CWALARM_METRICS_INGEST_QUEUE_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "metrics/datapoint.h"
#include "metrics/metric_store.h"

namespace cwalarm {

// What one DrainInto call stored.
struct IngestDrainResult {
  int batches = 0;  // Batches taken from the queue.
  int datums = 0;   // Datums stored (every datum of those batches).
};

class IngestQueue {
 public:
  // `capacity_datums` > 0: the most datums queued at once.
  explicit IngestQueue(size_t capacity_datums);
  IngestQueue(const IngestQueue&) = delete;
  IngestQueue& operator=(const IngestQueue&) = delete;

  // Validates each datum of one PutMetricData request received at
  // `arrival` (ValidateMetricDatum with that clock, context
  // `MetricData.member.<i+1>`) and queues the valid ones as one batch.
  // Returns what PutMetricData would: `accepted` datums queued and each
  // rejection with its index. Errors (nothing queued):
  // kResourceExhausted when the valid datums do not fit in the free
  // capacity (`ingest queue: full (Q of C datums queued); batch of K datums
  // refused, nothing queued: retry after the evaluator drains`), or when
  // the batch alone exceeds the capacity; kFailedPrecondition after Close.
  absl::StatusOr<PutMetricDataResult> Push(absl::Span<const MetricDatum> data,
                                           absl::Time arrival);

  // Push, but waits until there is room instead of refusing a batch that
  // fits in the capacity. Still kResourceExhausted for a batch larger than
  // the capacity; kFailedPrecondition when the queue is or gets closed
  // while waiting.
  absl::StatusOr<PutMetricDataResult> PushBlocking(
      absl::Span<const MetricDatum> data, absl::Time arrival);

  // Refuses every later Push and wakes producers waiting in PushBlocking.
  // Queued batches stay and can still be drained.
  void Close();

  // Stores, in queue order, every queued batch whose arrival is <= `up_to`
  // (MetricStore::Put, which cannot fail: the datums were validated), and
  // then frees their capacity (so queued and being-stored datums together
  // never exceed it). Later batches stay queued in their order. `store`
  // must not be null and must not be used by another thread meanwhile.
  IngestDrainResult DrainInto(MetricStore* store,
                              absl::Time up_to = absl::InfiniteFuture());

  // Datums queued now.
  size_t queued_datums() const;
  size_t capacity_datums() const { return capacity_; }

 private:
  struct Batch {
    absl::Time arrival;
    std::vector<MetricDatum> data;
  };

  // Validates into `valid` and `result`.
  static PutMetricDataResult Validate(absl::Span<const MetricDatum> data,
                                      absl::Time arrival,
                                      std::vector<MetricDatum>* valid);
  absl::Status RefuseOversized(size_t n) const;
  // Requires mu_ held.
  void Enqueue(absl::Time arrival, std::vector<MetricDatum> valid);

  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable room_;  // Signalled when capacity is freed or on Close.
  // Guarded by mu_:
  std::deque<Batch> batches_;
  size_t queued_ = 0;
  bool closed_ = false;
};

}  // namespace cwalarm

#endif  // CWALARM_METRICS_INGEST_QUEUE_H_
