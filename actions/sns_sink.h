// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// SnsSink: the ActionSink for SNS topic actions. `Execute` renders
// CloudWatch's notification (actions/sns_message.h), appends it durably to
// the Outbox and returns; a background worker delivers it with retries
// (actions/delivery.h). Evaluation never waits for the network.
//
//   absl::StatusOr<std::unique_ptr<Outbox>> outbox = Outbox::Open(path);
//   CurlHttpClient http;
//   SnsClient sns(&http, {endpoint, credentials});
//   RealDeliveryClock clock;                      // tools/
//   SnsSink sink(outbox->get(), &sns, &clock, {});
//   sink.Start();                                 // delivers in background
//   AlarmEvaluator evaluator(&store, &sink);
//   ...
//   sink.Drain(deadline);                         // before exiting
//   for (AlarmHistoryItem& item : sink.TakeDeliveryHistory()) ...
//
// What Execute's status means: OK = the notification was *accepted
// durably* (fsync'd into the outbox), so the evaluator's own Action history
// item ("Successfully executed action ARN") records acceptance, not
// delivery. kResourceExhausted = the outbox is full (back-pressure; nothing
// was stored, retry later or raise max_pending); kInvalidArgument = the
// action is not an SNS topic ARN or the message is too large; kUnavailable =
// the outbox could not be written. Delivery outcomes are reported separately:
// every attempt becomes an Action history item (`TakeDeliveryHistory`,
// "Successfully executed action ARN" or `Failed to execute action ARN.
// Received error: "attempt 2: retrying at ...: HTTP 500 ..."`), and the raw
// attempts are available through `TakeAttempts`.
//
// Lifetime: records survive the sink; destroying it (or a crash) without
// Drain leaves undelivered records in the outbox, and a new sink on the
// same outbox delivers them (at least once: a record delivered just before
// a crash, but not yet marked done, is published again with the same
// Message and idempotency key).
//
// Thread-safety: Execute may be called from one thread (the evaluator's)
// while the worker runs; TakeDeliveryHistory/TakeAttempts from any thread.

#ifndef CWALARM_ACTIONS_SNS_SINK_H_
#define CWALARM_ACTIONS_SNS_SINK_H_

#include <cassert>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "actions/delivery.h"
#include "actions/outbox.h"
#include "actions/sns_client.h"
#include "alarm/action_sink.h"
#include "alarm/alarm_history.h"

namespace cwalarm {

struct SnsSinkOptions {
  RetryPolicy retry;
  // Called with each delivery attempt's Action history item as soon as the
  // attempt ends, from the delivering thread (the worker, or Drain's /
  // RunOnce's caller). The item is also kept for TakeDeliveryHistory.
  std::function<void(const AlarmHistoryItem&)> on_history_item;
};

class SnsSink : public ActionSink {
 public:
  // `outbox`, `client` and `clock` must outlive the sink. Records already
  // pending in `outbox` (from an earlier process) are delivered first.
  SnsSink(Outbox* outbox, SnsClient* client, DeliveryClock* clock,
          SnsSinkOptions options = {});
  // Stops the worker without draining.
  ~SnsSink() override;

  // Starts the background worker. Call at most once.
  void Start();
  // Stops and joins the worker; pending records stay in the outbox.
  void Stop();

  // See the file comment for what the status means.
  absl::Status Execute(const StateChange& change) override;

  // Stops the worker and delivers on the calling thread until the outbox is
  // empty (OK) or the clock reaches `deadline` (kDeadlineExceeded).
  absl::Status Drain(absl::Time deadline);

  // Delivers what is due now on the calling thread (tests drive delivery
  // with this and a fake clock instead of Start()). Returns when the next
  // attempt is due.
  absl::Time RunOnce();

  // One Action history item per delivery attempt since the last call.
  std::vector<AlarmHistoryItem> TakeDeliveryHistory();
  std::vector<DeliveryAttempt> TakeAttempts();

 private:
  void Worker();
  void Record(const DeliveryAttempt& attempt);

  Outbox* outbox_;
  DeliveryClock* clock_;
  std::function<void(const AlarmHistoryItem&)> on_history_item_;
  absl::Mutex delivery_mu_;  // Serialises the worker and Drain/RunOnce.
  Delivery delivery_ ABSL_GUARDED_BY(delivery_mu_);
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<DeliveryAttempt> attempts_ ABSL_GUARDED_BY(mu_);
  std::vector<AlarmHistoryItem> history_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<std::thread> worker_;
};

}  // namespace cwalarm

#endif  // CWALARM_ACTIONS_SNS_SINK_H_
