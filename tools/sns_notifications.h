// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The SNS side of `cwalarm replay` (issue 4): `--print-notifications`
// (render each Publish call, send nothing) and `--sns-endpoint=URL` (publish
// for real through SnsSink: durable outbox, background delivery, retries).
// This is the one place that supplies the real clock to the delivery worker
// (SystemDeliveryClock); everything below tools/ takes time as an argument
// or through DeliveryClock.
//
//   PrintingSnsSink printer;              // --print-notifications
//   RunReplay(options_with_extra_sink(&printer), &out);
//   std::cout << printer.Lines();
//
//   absl::StatusOr<std::unique_ptr<SnsPublishing>> sns =
//       SnsPublishing::Create({.endpoint = url, .outbox_path = path});
//   RunReplay(options_with_extra_sink((*sns)->sink()), &out);
//   absl::Status drained = (*sns)->Finish(&delivery_lines);
//
// Thread-safety: PrintingSnsSink is not thread-safe (called by the
// evaluator's thread). SnsPublishing runs a worker thread internally; call
// its methods from one thread.

#ifndef CWALARM_TOOLS_SNS_NOTIFICATIONS_H_
#define CWALARM_TOOLS_SNS_NOTIFICATIONS_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "actions/delivery.h"
#include "actions/http_client.h"
#include "actions/outbox.h"
#include "actions/sns_client.h"
#include "actions/sns_sink.h"
#include "alarm/action_sink.h"
#include "alarm/alarm_history.h"

namespace cwalarm {

// DeliveryClock on the real clock: absl::Now() and a condition variable.
class SystemDeliveryClock : public DeliveryClock {
 public:
  absl::Time Now() override;
  void WaitUntil(absl::Time deadline) override;
  void Wake() override;

 private:
  absl::Mutex mu_;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
};

// An ActionSink that renders the Publish call of every SNS action and keeps
// it. Actions whose ARN is not an SNS topic are ignored (OK), so alarms may
// mix SNS and other actions.
class PrintingSnsSink : public ActionSink {
 public:
  absl::Status Execute(const StateChange& change) override;
  // One compact JSON object per Publish call, in call order, each line
  // `{"TopicArn":...,"Subject":...,"Message":...,"IdempotencyKey":...}\n`.
  const std::string& lines() const { return lines_; }

 private:
  std::string lines_;
};

struct SnsPublishingOptions {
  std::string endpoint;     // Base URL; empty: AWS_ENDPOINT_URL_SNS etc.
  std::string outbox_path;  // The durable outbox file.
  size_t max_pending = 10000;
  absl::Duration drain_timeout = absl::Seconds(30);
  RetryPolicy retry;
  // Receives each delivery attempt's Action history item as one line of
  // compact JSON (see Finish) as soon as the attempt ends, from the worker
  // thread. Empty: lines are only returned by Finish.
  std::function<void(const std::string&)> on_line;
};

// An Action history item as one line of compact JSON:
// `{"alarmName":..,"timestamp":..,"historyItemType":"Action",
// "historySummary":..,"historyData":..}`.
std::string HistoryItemLine(const AlarmHistoryItem& item);

// Owns the HTTP client, SNS client, outbox and SnsSink for one run.
class SnsPublishing {
 public:
  // Opens (and recovers) the outbox, reads credentials from the environment
  // (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN]; for a
  // local emulator any non-empty values do) and starts the delivery worker,
  // which first delivers whatever an earlier run left pending. Errors: the
  // outbox's (kUnavailable) and missing credentials (kFailedPrecondition).
  static absl::StatusOr<std::unique_ptr<SnsPublishing>> Create(
      SnsPublishingOptions options);

  // The sink to hand to the evaluator: SNS topic ARNs go to the SnsSink,
  // other ARNs are ignored (OK).
  ActionSink* sink() { return &filter_; }
  const OutboxRecovery& recovery() const { return outbox_->recovery(); }

  // Waits up to `drain_timeout` for every pending notification to be
  // delivered or abandoned, then appends one HistoryItemLine per delivery
  // attempt to `*lines` (all attempts when `on_line` is empty, else none:
  // they were handed to `on_line`). Returns kDeadlineExceeded when
  // notifications are still pending (they stay in the outbox for the next
  // run).
  absl::Status Finish(std::string* lines);

 private:
  SnsPublishing() = default;

  class SnsOnly : public ActionSink {
   public:
    absl::Status Execute(const StateChange& change) override;
    SnsSink* sink = nullptr;
  };

  SnsPublishingOptions options_;
  SystemDeliveryClock clock_;
  std::unique_ptr<CurlHttpClient> http_;
  std::unique_ptr<SnsClient> client_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<SnsSink> sink_;
  SnsOnly filter_;
};

}  // namespace cwalarm

#endif  // CWALARM_TOOLS_SNS_NOTIFICATIONS_H_
