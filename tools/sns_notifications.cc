// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "tools/sns_notifications.h"

#include <random>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "actions/sigv4.h"
#include "actions/sns_message.h"
#include "alarm/alarm_history.h"
#include "alarm/cw_format.h"
#include "alarm/json_writer.h"

namespace cwalarm {

absl::Time SystemDeliveryClock::Now() { return absl::Now(); }

void SystemDeliveryClock::WaitUntil(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  // Wakes are latched: a Wake() before this call returns at once.
  mu_.AwaitWithDeadline(absl::Condition(&woken_), deadline);
  woken_ = false;
}

void SystemDeliveryClock::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

absl::Status PrintingSnsSink::Execute(const StateChange& change) {
  if (!ParseSnsTopicArn(change.action).ok()) return absl::OkStatus();
  absl::StatusOr<SnsPublish> p = MakeSnsPublish(change);
  if (!p.ok()) return p.status();
  JsonWriter w;
  w.BeginObject();
  w.Key("TopicArn");
  w.String(p->topic_arn);
  w.Key("Subject");
  w.String(p->subject);
  w.Key("Message");
  w.String(p->message);
  w.Key("IdempotencyKey");
  w.String(p->idempotency_key);
  w.EndObject();
  absl::StrAppend(&lines_, w.str(), "\n");
  return absl::OkStatus();
}

absl::Status SnsPublishing::SnsOnly::Execute(const StateChange& change) {
  if (!ParseSnsTopicArn(change.action).ok()) return absl::OkStatus();
  return sink->Execute(change);
}

absl::StatusOr<std::unique_ptr<SnsPublishing>> SnsPublishing::Create(
    SnsPublishingOptions options) {
  absl::StatusOr<AwsCredentials> credentials = AwsCredentialsFromEnvironment();
  if (!credentials.ok()) return credentials.status();
  std::unique_ptr<SnsPublishing> s(new SnsPublishing());
  s->options_ = std::move(options);
  OutboxOptions outbox_options;
  outbox_options.max_pending = s->options_.max_pending;
  absl::StatusOr<std::unique_ptr<Outbox>> outbox =
      Outbox::Open(s->options_.outbox_path, outbox_options);
  if (!outbox.ok()) return outbox.status();
  s->outbox_ = std::move(*outbox);
  s->http_ = std::make_unique<CurlHttpClient>(absl::Seconds(10));
  s->client_ = std::make_unique<SnsClient>(
      s->http_.get(), SnsClientOptions{s->options_.endpoint, *credentials});
  SnsSinkOptions sink_options;
  sink_options.retry = s->options_.retry;
  if (s->options_.on_line) {
    sink_options.on_history_item =
        [on_line = s->options_.on_line](const AlarmHistoryItem& item) {
          on_line(HistoryItemLine(item));
        };
  }
  if (sink_options.retry.jitter_seed == 0) {
    sink_options.retry.jitter_seed = std::random_device{}();
  }
  s->sink_ = std::make_unique<SnsSink>(s->outbox_.get(), s->client_.get(),
                                       &s->clock_, sink_options);
  s->filter_.sink = s->sink_.get();
  s->sink_->Start();
  return s;
}

std::string HistoryItemLine(const AlarmHistoryItem& item) {
  JsonWriter w;
  w.BeginObject();
  w.Key("alarmName");
  w.String(item.alarm_name);
  w.Key("timestamp");
  w.String(FormatIsoTimestamp(item.timestamp));
  w.Key("historyItemType");
  w.String(HistoryItemTypeName(item.type));
  w.Key("historySummary");
  w.String(item.summary);
  w.Key("historyData");
  w.String(item.data);
  w.EndObject();
  return w.Release();
}

absl::Status SnsPublishing::Finish(std::string* lines) {
  absl::Status drained = sink_->Drain(clock_.Now() + options_.drain_timeout);
  for (const AlarmHistoryItem& item : sink_->TakeDeliveryHistory()) {
    if (!options_.on_line) absl::StrAppend(lines, HistoryItemLine(item), "\n");
  }
  return drained;
}

}  // namespace cwalarm
