// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Delivery: takes pending Publish calls from the Outbox and sends them with
// SnsClient, retrying with exponential backoff and jitter, in order per
// alarm, and reports every attempt.
//
//   FakeClock clock(start);                    // tests; tools/ passes a real
//   one Delivery delivery(outbox, &sns, &clock, policy,
//                     [](const DeliveryAttempt& a) { ... });
//   absl::Time next = delivery.RunOnce();      // attempts what is due now
//   delivery.RunUntilIdle(deadline);           // RunOnce + clock->WaitUntil
//
// Rules:
// * Retried: kUnavailable from SnsClient (no response, HTTP 5xx,
//   throttling). Not retried: every other error (other 4xx) - the record is
//   abandoned at once.
// * Backoff before attempt k+1: d = min(max_backoff, initial_backoff *
//   multiplier^(k-1)), then "equal jitter": a uniform draw from [d/2, d]
//   using a std::mt19937_64 seeded with `jitter_seed` (deterministic in
//   tests, pass a random seed in production).
// * Bounds: a record is abandoned after `max_attempts` attempts, or when an
//   attempt fails at or after `max_total_time` since its first attempt in
//   this process (the budget restarts after a restart, so a record is never
//   abandoned merely because the process was down).
// * Order: per alarm ARN only the oldest pending record is attempted; later
//   records of that alarm wait until it is delivered or abandoned. Alarms
//   do not hold each other up.
// * A finished record (delivered or abandoned) is marked done in the outbox
//   (fsync'd) before the next record of its alarm is attempted.
//
// Time: nothing here reads the real clock or sleeps; both come from the
// injected DeliveryClock.
//
// Thread-safety: not thread-safe; one thread (SnsSink's worker, or a test)
// drives a Delivery. The Outbox may be appended to concurrently.

#ifndef CWALARM_ACTIONS_DELIVERY_H_
#define CWALARM_ACTIONS_DELIVERY_H_

#include <cstdint>
#include <functional>
#include <random>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "actions/outbox.h"
#include "actions/sns_client.h"
#include "actions/sns_message.h"

namespace cwalarm {

// Time and waiting for the delivery worker. tools/ implements it with the
// real clock and a condition variable; tests with a fake whose WaitUntil
// jumps to the deadline.
class DeliveryClock {
 public:
  DeliveryClock() = default;
  DeliveryClock(const DeliveryClock&) = delete;
  DeliveryClock& operator=(const DeliveryClock&) = delete;
  virtual ~DeliveryClock() = default;

  virtual absl::Time Now() = 0;
  // Blocks until `deadline` (absl::InfiniteFuture() = until woken) or until
  // Wake() is called, whichever is first. May return early.
  virtual void WaitUntil(absl::Time deadline) = 0;
  // Ends the current WaitUntil early; a Wake with no WaitUntil in progress
  // makes the next one return at once (wakes are latched). Thread-safe.
  virtual void Wake() = 0;
};

struct RetryPolicy {
  int max_attempts = 10;                              // >= 1.
  absl::Duration max_total_time = absl::Minutes(15);  // Per record.
  absl::Duration initial_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Minutes(1);
  double multiplier = 2.0;
  uint64_t jitter_seed = 0;
};

// One attempt to deliver one record.
struct DeliveryAttempt {
  uint64_t sequence = 0;
  SnsPublish publish;
  int attempt = 0;  // 1-based, within this process.
  absl::Time time;  // When it was made.
  // OK: delivered. Otherwise the error, prefixed with what happens next.
  absl::Status status;
  std::string message_id;  // SNS's MessageId when delivered.
  bool final = false;      // Delivered or abandoned: no more attempts.
  absl::Time next_attempt = absl::InfiniteFuture();  // When retrying.
};

class Delivery {
 public:
  using AttemptCallback = std::function<void(const DeliveryAttempt&)>;

  // `outbox`, `client` and `clock` must outlive the Delivery. `on_attempt`
  // (may be empty) is called after every attempt, from the driving thread.
  Delivery(Outbox* outbox, SnsClient* client, DeliveryClock* clock,
           RetryPolicy policy, AttemptCallback on_attempt);
  Delivery(const Delivery&) = delete;
  Delivery& operator=(const Delivery&) = delete;

  // Attempts every record that is due at clock->Now() (see the rules
  // above). Returns when the next attempt is due: absl::InfiniteFuture()
  // when nothing is pending. Errors writing the outbox are reported as the
  // attempt's status and the record stays pending.
  absl::Time RunOnce();

  // Calls RunOnce and clock->WaitUntil(min(next, deadline)) until nothing is
  // pending or the clock reaches `deadline`. Returns OK when the outbox is
  // empty, kDeadlineExceeded naming the count still pending otherwise.
  absl::Status RunUntilIdle(absl::Time deadline);

  // The backoff before attempt `attempt` + 1 (attempt >= 1), jittered.
  absl::Duration Backoff(int attempt);

 private:
  struct Progress {
    int attempts = 0;
    absl::Time first_attempt;
    absl::Time next_due = absl::InfinitePast();
  };

  // Attempts `record`; returns true when it is finished.
  bool Attempt(const OutboxRecord& record, absl::Time* next_due);

  Outbox* outbox_;
  SnsClient* client_;
  DeliveryClock* clock_;
  RetryPolicy policy_;
  AttemptCallback on_attempt_;
  std::mt19937_64 rng_;
  absl::flat_hash_map<uint64_t, Progress> progress_;
};

}  // namespace cwalarm

#endif  // CWALARM_ACTIONS_DELIVERY_H_
