// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "actions/delivery.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "alarm/cw_format.h"

namespace cwalarm {

Delivery::Delivery(Outbox* outbox, SnsClient* client, DeliveryClock* clock,
                   RetryPolicy policy, AttemptCallback on_attempt)
    : outbox_(outbox),
      client_(client),
      clock_(clock),
      policy_(policy),
      on_attempt_(std::move(on_attempt)),
      rng_(policy.jitter_seed) {}

absl::Duration Delivery::Backoff(int attempt) {
  double d = absl::ToDoubleSeconds(policy_.initial_backoff) *
             std::pow(policy_.multiplier, std::max(0, attempt - 1));
  d = std::min(d, absl::ToDoubleSeconds(policy_.max_backoff));
  std::uniform_real_distribution<double> jitter(d / 2, d);
  return absl::Seconds(jitter(rng_));
}

bool Delivery::Attempt(const OutboxRecord& record, absl::Time* next_due) {
  Progress& progress = progress_[record.sequence];
  DeliveryAttempt a;
  a.sequence = record.sequence;
  a.publish = record.publish;
  a.time = clock_->Now();
  if (progress.attempts == 0) progress.first_attempt = a.time;
  a.attempt = ++progress.attempts;

  absl::StatusOr<std::string> sent = client_->Publish(record.publish, a.time);
  OutboxOutcome outcome = OutboxOutcome::kDelivered;
  if (sent.ok()) {
    a.message_id = *sent;
    a.final = true;
  } else {
    const absl::Status& e = sent.status();
    const bool retryable = e.code() == absl::StatusCode::kUnavailable;
    const bool out_of_attempts = progress.attempts >= policy_.max_attempts;
    const bool out_of_time =
        a.time - progress.first_attempt >= policy_.max_total_time;
    std::string prefix;
    if (!retryable) {
      prefix = absl::StrCat("attempt ", a.attempt, ": not retried: ");
      a.final = true;
    } else if (out_of_attempts || out_of_time) {
      prefix = absl::StrCat(
          "attempt ", a.attempt, ": gave up (",
          out_of_attempts ? "max_attempts " : "max_total_time ",
          out_of_attempts ? absl::StrCat(policy_.max_attempts)
                          : absl::FormatDuration(policy_.max_total_time),
          " reached): ");
      a.final = true;
    } else {
      a.next_attempt = a.time + Backoff(progress.attempts);
      prefix = absl::StrCat("attempt ", a.attempt, ": retrying at ",
                            FormatCwTimestamp(a.next_attempt), ": ");
    }
    a.status = absl::Status(e.code(), absl::StrCat(prefix, e.message()));
    outcome = OutboxOutcome::kAbandoned;
  }

  if (a.final) {
    absl::Status done = outbox_->MarkDone(record.sequence, outcome);
    if (!done.ok()) {
      // Not recorded as done: stays pending and is tried again (at least
      // once delivery). Report the disk error, not a success.
      a.final = false;
      a.next_attempt = a.time + Backoff(progress.attempts);
      a.status = absl::Status(
          done.code(),
          absl::StrCat("attempt ", a.attempt, ": ",
                       sent.ok() ? "delivered but " : "", done.message()));
    } else {
      progress_.erase(record.sequence);
    }
  }
  if (!a.final) {
    progress.next_due = a.next_attempt;
    *next_due = a.next_attempt;
  }
  if (on_attempt_) on_attempt_(a);
  return a.final;
}

absl::Time Delivery::RunOnce() {
  absl::Time next = absl::InfiniteFuture();
  absl::flat_hash_set<std::string> blocked;  // Alarms whose head is waiting.
  for (const OutboxRecord& record : outbox_->Pending()) {
    if (blocked.contains(record.publish.alarm_arn)) continue;
    auto it = progress_.find(record.sequence);
    if (it != progress_.end() && it->second.next_due > clock_->Now()) {
      next = std::min(next, it->second.next_due);
      blocked.insert(record.publish.alarm_arn);
      continue;
    }
    absl::Time due;
    if (!Attempt(record, &due)) {
      next = std::min(next, due);
      blocked.insert(record.publish.alarm_arn);
    }
  }
  return next;
}

absl::Status Delivery::RunUntilIdle(absl::Time deadline) {
  for (;;) {
    absl::Time next = RunOnce();
    if (outbox_->pending_count() == 0) return absl::OkStatus();
    if (clock_->Now() >= deadline) break;
    clock_->WaitUntil(std::min(next, deadline));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("outbox ", outbox_->path(), ": ", outbox_->pending_count(),
                   " notifications still pending at the deadline"));
}

}  // namespace cwalarm
