// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "metrics/ingest_queue.h"

#include <cassert>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace cwalarm {

IngestQueue::IngestQueue(size_t capacity_datums) : capacity_(capacity_datums) {
  assert(capacity_ > 0);
}

PutMetricDataResult IngestQueue::Validate(absl::Span<const MetricDatum> data,
                                          absl::Time arrival,
                                          std::vector<MetricDatum>* valid) {
  PutMetricDataResult result;
  valid->reserve(data.size());
  for (size_t i = 0; i < data.size(); ++i) {
    absl::Status status = ValidateMetricDatum(
        data[i], absl::StrCat("MetricData.member.", i + 1), arrival);
    if (!status.ok()) {
      result.rejected.push_back({i, std::move(status)});
      continue;
    }
    valid->push_back(data[i]);
    ++result.accepted;
  }
  return result;
}

absl::Status IngestQueue::RefuseOversized(size_t n) const {
  return absl::ResourceExhaustedError(absl::StrCat(
      "ingest queue: a batch of ", n, " valid datums exceeds the capacity of ",
      capacity_, " datums; nothing queued (split the batch)"));
}

void IngestQueue::Enqueue(absl::Time arrival, std::vector<MetricDatum> valid) {
  queued_ += valid.size();
  batches_.push_back(Batch{arrival, std::move(valid)});
}

absl::StatusOr<PutMetricDataResult> IngestQueue::Push(
    absl::Span<const MetricDatum> data, absl::Time arrival) {
  std::vector<MetricDatum> valid;
  PutMetricDataResult result = Validate(data, arrival, &valid);
  if (valid.size() > capacity_) return RefuseOversized(valid.size());
  std::unique_lock<std::mutex> lock(mu_);
  if (closed_) {
    return absl::FailedPreconditionError(
        "ingest queue: closed; nothing queued");
  }
  if (queued_ + valid.size() > capacity_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "ingest queue: full (", queued_, " of ", capacity_,
        " datums queued); batch of ", valid.size(),
        " datums refused, nothing queued: retry after the evaluator drains"));
  }
  if (!valid.empty()) Enqueue(arrival, std::move(valid));
  return result;
}

absl::StatusOr<PutMetricDataResult> IngestQueue::PushBlocking(
    absl::Span<const MetricDatum> data, absl::Time arrival) {
  std::vector<MetricDatum> valid;
  PutMetricDataResult result = Validate(data, arrival, &valid);
  if (valid.size() > capacity_) return RefuseOversized(valid.size());
  const size_t n = valid.size();
  std::unique_lock<std::mutex> lock(mu_);
  room_.wait(lock, [this, n] { return closed_ || queued_ + n <= capacity_; });
  if (closed_) {
    return absl::FailedPreconditionError(
        "ingest queue: closed; nothing queued");
  }
  if (!valid.empty()) Enqueue(arrival, std::move(valid));
  return result;
}

void IngestQueue::Close() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    closed_ = true;
  }
  room_.notify_all();
}

IngestDrainResult IngestQueue::DrainInto(MetricStore* store, absl::Time up_to) {
  assert(store != nullptr);
  std::vector<Batch> taken;
  size_t taken_datums = 0;
  {
    std::unique_lock<std::mutex> lock(mu_);
    std::deque<Batch> kept;
    for (Batch& b : batches_) {
      if (b.arrival <= up_to) {
        taken_datums += b.data.size();
        taken.push_back(std::move(b));
      } else {
        kept.push_back(std::move(b));
      }
    }
    batches_.swap(kept);
  }
  // Store outside the lock: producers keep pushing meanwhile.
  IngestDrainResult result;
  for (const Batch& b : taken) {
    ++result.batches;
    for (size_t i = 0; i < b.data.size(); ++i) {
      absl::Status s = store->Put(b.data[i], "ingest queue");
      // Validated in Push (the window check included); Put cannot fail.
      assert(s.ok());
      (void)s;
      ++result.datums;
    }
  }
  // The capacity is freed only now, so queued plus being-stored datums
  // never exceed it: the memory bound holds during the drain too.
  taken.clear();
  if (taken_datums > 0) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      queued_ -= taken_datums;
    }
    room_.notify_all();
  }
  return result;
}

size_t IngestQueue::queued_datums() const {
  std::unique_lock<std::mutex> lock(mu_);
  return queued_;
}

}  // namespace cwalarm
