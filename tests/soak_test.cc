// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Soak test (issue 8): ingest continuously while evaluating 20 alarms and
// delivering to an SNS sink whose endpoint fails intermittently (outages of
// up to an hour, plus scattered errors). The data comes from a producer
// thread through an IngestQueue (metrics/ingest_queue.h), as a service that
// receives PutMetricData on other threads would: the evaluating thread
// drains it before each evaluation, and every datum pushed must be stored.
// Checks that state stays bounded (store cells, untaken history, outbox
// backlog after each outage), that the heap stays flat (glibc's counters;
// not under sanitizers), and that
// every notification is delivered once SNS recovers. Simulated time only:
// CWALARM_SOAK_TICKS (30-second ticks; default 4320 = a day and a half)
// makes it longer. Its cost is mostly the outbox's fsyncs.

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <malloc.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "actions/http_client.h"
#include "actions/outbox.h"
#include "actions/sns_client.h"
#include "actions/sns_message.h"
#include "actions/sns_sink.h"
#include "alarm/action_sink.h"
#include "alarm/alarm_evaluator.h"
#include "alarm/alarm_spec.h"
#include "gtest/gtest.h"
#include "metrics/ingest_queue.h"
#include "metrics/metric_store.h"
#include "tests/sns_fakes.h"
#include "tests/testing/differential_trial.h"

namespace cwalarm {
namespace {

// Bytes the process has allocated and not freed (glibc's heap), or 0 under
// a sanitizer, whose allocator glibc's counters do not see.
size_t HeapInUse() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return 0;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
  return 0;
#else
  return mallinfo2().uordblks;
#endif
#else
  return mallinfo2().uordblks;
#endif
}

using Trial = ::cwalarm_testing::Trial<std::mt19937_64>;

// SNS that is down while `down` is set and fails 5% of other requests.
class FlakySns : public HttpClient {
 public:
  absl::StatusOr<HttpResponse> Send(const HttpRequest&) override {
    if (down || std::bernoulli_distribution(0.05)(rng_)) {
      return cwalarm_testing::FakeHttpClient::Error(503, "ServiceUnavailable");
    }
    return cwalarm_testing::FakeHttpClient::Ok();
  }
  bool down = false;

 private:
  std::mt19937_64 rng_{99};
};

// Forwards to `next` and remembers the idempotency key of each action.
class KeyTee : public ActionSink {
 public:
  explicit KeyTee(ActionSink* next) : next_(next) {}
  absl::Status Execute(const StateChange& change) override {
    absl::StatusOr<SnsPublish> p = MakeSnsPublish(change);
    if (p.ok()) keys.insert(p->idempotency_key);
    return next_->Execute(change);
  }
  std::set<std::string> keys;

 private:
  ActionSink* next_;
};

size_t Cells(const MetricStore& store) {
  size_t n = 0;
  absl::StatusOr<std::vector<MetricStore::MetricState>> state =
      store.ExportState();
  for (const MetricStore::MetricState& m : *state) {
    for (const MetricStore::UnitCellsState& u : m.units) n += u.starts.size();
  }
  return n;
}

TEST(SoakTest, BoundedStateAndEveryNotificationDeliveredThroughOutages) {
  const char* env = std::getenv("CWALARM_SOAK_TICKS");
  const int ticks = env != nullptr ? std::atoi(env) : 4320;
  ASSERT_GE(ticks, 1000);
  const absl::Time start = absl::FromUnixSeconds(cwalarm_testing::kStart);

  FlakySns http;
  SnsClient sns(&http, {"http://127.0.0.1:1", {"AKID", "secret", ""}});
  cwalarm_testing::FakeDeliveryClock clock(start);
  OutboxOptions outbox_options;
  outbox_options.max_pending = 100000;
  std::unique_ptr<Outbox> outbox = std::move(
      *Outbox::Open(cwalarm_testing::NewTestDir() + "/soak.outbox",
                    outbox_options));
  SnsSinkOptions sink_options;
  sink_options.retry.max_attempts = 1000000;
  sink_options.retry.max_total_time = absl::Hours(24 * 365);
  sink_options.retry.max_backoff = absl::Minutes(2);
  SnsSink sns_sink(outbox.get(), &sns, &clock, sink_options);
  KeyTee sink(&sns_sink);

  MetricStore store;
  AlarmEvaluator evaluator(&store, &sink);
  Trial t(2026, std::mt19937_64(2026));
  for (int i = 0; i < 20; ++i) {
    AlarmSpec spec = t.RandomAlarm(i);
    spec.actions_enabled = true;
    spec.alarm_actions = {cwalarm_testing::kTopic};
    spec.ok_actions = {cwalarm_testing::kTopic};
    ASSERT_TRUE(evaluator.PutMetricAlarm(spec, start).ok());
  }
  // The producer thread publishes up to 6 datums per 30-second tick, at
  // most one tick ahead of the evaluating thread (which needs all of tick
  // t before evaluating t). Capacity: two ticks and a batch.
  IngestQueue queue(/*capacity_datums=*/18);
  std::mutex mu;
  std::condition_variable changed;
  int pushed_through = 0;   // Guarded by mu: last tick fully pushed.
  int evaluated_through = 0;  // Guarded by mu.
  int64_t pushed_datums = 0;  // Guarded by mu.
  std::thread producer([&] {
    Trial data(2027, std::mt19937_64(2027));
    for (int tick = 1; tick <= ticks; ++tick) {
      {
        std::unique_lock<std::mutex> lock(mu);
        changed.wait(lock, [&] { return evaluated_through >= tick - 2; });
      }
      const absl::Time arrival = start + tick * absl::Seconds(30);
      std::vector<MetricDatum> batch;
      for (int k = data.Uniform(0, 6); k > 0; --k) {
        batch.push_back(data.RandomDatum(arrival, 3600));
      }
      absl::StatusOr<PutMetricDataResult> r = queue.Push(batch, arrival);
      if (absl::IsResourceExhausted(r.status())) {
        r = queue.PushBlocking(batch, arrival);
      }
      EXPECT_TRUE(r.ok()) << r.status();
      {
        std::lock_guard<std::mutex> lock(mu);
        if (r.ok()) pushed_datums += r->accepted;
        pushed_through = tick;
      }
      changed.notify_all();
    }
  });

  std::set<std::string> delivered;
  size_t warm_cells = 0;
  size_t warm_heap = 0;
  size_t warm_keys = 0;
  int64_t stored_datums = 0;
  size_t max_queued = 0;
  absl::Time now = start;
  for (int tick = 1; tick <= ticks; ++tick) {
    now += absl::Seconds(30);
    clock.Advance(absl::Seconds(30));
    // An outage of 20 to 120 ticks (10 minutes to an hour) every 1000 ticks.
    http.down = tick % 1000 < 20 + (tick / 1000) % 5 * 25;
    {
      std::unique_lock<std::mutex> lock(mu);
      changed.wait(lock, [&] { return pushed_through >= tick; });
    }
    max_queued = std::max(max_queued, queue.queued_datums());
    stored_datums += queue.DrainInto(&store, now).datums;
    evaluator.Evaluate(now);
    evaluator.TakeHistory();
    store.DropBefore(evaluator.RetentionHorizon(now));
    sns_sink.RunOnce();
    for (const DeliveryAttempt& a : sns_sink.TakeAttempts()) {
      if (a.status.ok()) delivered.insert(a.publish.idempotency_key);
    }
    sns_sink.TakeDeliveryHistory();
    if (tick == ticks / 4) {
      warm_cells = Cells(store);
      warm_heap = HeapInUse();
      warm_keys = sink.keys.size() + delivered.size();
    }
    if (!http.down && tick % 1000 == 400) {
      // Hours after the outage the backlog is drained: only this minute's
      // notifications (or one in a short backoff) may be pending.
      EXPECT_LE(outbox->pending_count(), 5u) << "tick " << tick;
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      evaluated_through = tick;
    }
    changed.notify_all();
  }
  producer.join();
  // Every datum the producer got accepted was stored, once; the queue never
  // held more than its capacity.
  EXPECT_EQ(stored_datums, pushed_datums);
  EXPECT_EQ(queue.queued_datums(), 0u);
  EXPECT_LE(max_queued, queue.capacity_datums());
  http.down = false;
  ASSERT_TRUE(sns_sink.Drain(now + absl::Hours(1)).ok());
  for (const DeliveryAttempt& a : sns_sink.TakeAttempts()) {
    if (a.status.ok()) delivered.insert(a.publish.idempotency_key);
  }
  EXPECT_GT(sink.keys.size(), 20u) << "vacuous: too few notifications";
  for (const std::string& k : sink.keys) {
    EXPECT_TRUE(delivered.count(k)) << "lost " << k;
  }
  EXPECT_EQ(outbox->pending_count(), 0u);
  EXPECT_TRUE(evaluator.history().empty());
  // The store holds only what the evaluation ranges reach.
  EXPECT_LE(Cells(store), warm_cells + warm_cells / 5 + 50);
  // Memory stays flat (issue 8): the heap at the end is within 20 % + 256
  // KiB of the heap a quarter of the way in, once the test's own record of
  // every notification key (two sets of strings, which do grow) is taken
  // out: a string's bytes plus generous node and allocator overhead.
  const size_t end_heap = HeapInUse();
  // Per key added since the 1/4 mark: the string's heap block (its size
  // rounded up, plus malloc's header) and a set node (~64 bytes).
  size_t key_bytes = 0;
  for (const std::string& k : sink.keys) key_bytes = std::max(key_bytes, k.size());
  const size_t added_keys = sink.keys.size() + delivered.size() - warm_keys;
  const size_t bookkeeping = added_keys * (key_bytes + 16 + 16 + 64);
  if (warm_heap > 0) {
    EXPECT_LE(end_heap, warm_heap + warm_heap / 5 + (size_t{256} << 10) +
                            bookkeeping)
        << "heap grew from " << warm_heap << " to " << end_heap
        << " bytes; the test's key sets account for " << bookkeeping;
  }
  std::printf("soak: heap in use %zu bytes at 1/4, %zu at the end (%zu of it "
              "the test's key sets)\n",
              warm_heap, end_heap, bookkeeping);
  std::printf("soak: %d ticks, %lld datums through the ingest queue, %zu "
              "notifications, all delivered: %s; cells %zu (at 1/4: %zu)\n",
              ticks, static_cast<long long>(stored_datums), sink.keys.size(),
              delivered.size() >= sink.keys.size() ? "yes" : "no", Cells(store),
              warm_cells);
}

}  // namespace
}  // namespace cwalarm
