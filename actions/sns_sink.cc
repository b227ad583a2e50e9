// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "actions/sns_sink.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "actions/sns_message.h"

namespace cwalarm {

SnsSink::SnsSink(Outbox* outbox, SnsClient* client, DeliveryClock* clock,
                 SnsSinkOptions options)
    : outbox_(outbox),
      clock_(clock),
      on_history_item_(std::move(options.on_history_item)),
      delivery_(outbox, client, clock, options.retry,
                [this](const DeliveryAttempt& a) { Record(a); }) {}

SnsSink::~SnsSink() { Stop(); }

void SnsSink::Start() {
  assert(worker_ == nullptr);
  worker_ = std::make_unique<std::thread>([this] { Worker(); });
}

void SnsSink::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (worker_ != nullptr) {
    clock_->Wake();
    worker_->join();
    worker_.reset();
  }
}

void SnsSink::Worker() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
    }
    absl::Time next;
    {
      absl::MutexLock lock(&delivery_mu_);
      next = delivery_.RunOnce();
    }
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
    }
    clock_->WaitUntil(next);
  }
}

absl::Status SnsSink::Execute(const StateChange& change) {
  absl::StatusOr<SnsPublish> publish = MakeSnsPublish(change);
  if (!publish.ok()) return publish.status();
  absl::StatusOr<uint64_t> seq = outbox_->Append(*publish);
  if (!seq.ok()) return seq.status();
  clock_->Wake();
  return absl::OkStatus();
}

absl::Status SnsSink::Drain(absl::Time deadline) {
  Stop();
  absl::MutexLock lock(&delivery_mu_);
  return delivery_.RunUntilIdle(deadline);
}

absl::Time SnsSink::RunOnce() {
  absl::MutexLock lock(&delivery_mu_);
  return delivery_.RunOnce();
}

void SnsSink::Record(const DeliveryAttempt& attempt) {
  AlarmHistoryItem item =
      MakeActionItem(attempt.publish.alarm_name, attempt.publish.topic_arn,
                     attempt.status, attempt.publish.state_change_time);
  if (on_history_item_) on_history_item_(item);
  absl::MutexLock lock(&mu_);
  attempts_.push_back(attempt);
  history_.push_back(std::move(item));
}

std::vector<AlarmHistoryItem> SnsSink::TakeDeliveryHistory() {
  absl::MutexLock lock(&mu_);
  return std::exchange(history_, {});
}

std::vector<DeliveryAttempt> SnsSink::TakeAttempts() {
  absl::MutexLock lock(&mu_);
  return std::exchange(attempts_, {});
}

}  // namespace cwalarm
