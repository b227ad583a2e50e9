// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Test doubles for the SNS sink: a scripted HttpClient, a DeliveryClock
// whose WaitUntil jumps to the deadline (tests never sleep), and a fresh
// per-test directory for outbox files (under $TEST_TMPDIR with Bazel).
//
// Thread-safety: FakeHttpClient and FakeDeliveryClock are thread-safe.

#ifndef CWALARM_TESTS_SNS_FAKES_H_
#define CWALARM_TESTS_SNS_FAKES_H_

#include <cstdlib>
#include <deque>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "actions/delivery.h"
#include "actions/http_client.h"

namespace cwalarm_testing {

// Answers each Send with the next scripted response; once the script is
// empty, answers 200 with a PublishResponse. Records every request.
class FakeHttpClient : public cwalarm::HttpClient {
 public:
  static cwalarm::HttpResponse Ok(const std::string& id = "msg-1") {
    return {200,
            absl::StrCat("<PublishResponse><PublishResult><MessageId>", id,
                         "</MessageId></PublishResult></PublishResponse>")};
  }
  static cwalarm::HttpResponse Error(int status, const std::string& code) {
    return {status,
            absl::StrCat("<ErrorResponse><Error><Type>Sender</Type><Code>",
                         code, "</Code><Message>", code,
                         " happened</Message></Error></ErrorResponse>")};
  }

  void Push(absl::StatusOr<cwalarm::HttpResponse> r) {
    absl::MutexLock l(&mu_);
    script_.push_back(std::move(r));
  }
  std::vector<cwalarm::HttpRequest> requests() {
    absl::MutexLock l(&mu_);
    return requests_;
  }
  absl::StatusOr<cwalarm::HttpResponse> Send(
      const cwalarm::HttpRequest& request) override {
    absl::MutexLock l(&mu_);
    requests_.push_back(request);
    if (script_.empty()) return Ok(absl::StrCat("msg-", requests_.size()));
    absl::StatusOr<cwalarm::HttpResponse> r = std::move(script_.front());
    script_.pop_front();
    return r;
  }

 private:
  absl::Mutex mu_;
  std::deque<absl::StatusOr<cwalarm::HttpResponse>> script_;
  std::vector<cwalarm::HttpRequest> requests_;
};

class FakeDeliveryClock : public cwalarm::DeliveryClock {
 public:
  explicit FakeDeliveryClock(absl::Time start) : now_(start) {}
  absl::Time Now() override {
    absl::MutexLock l(&mu_);
    return now_;
  }
  void WaitUntil(absl::Time deadline) override {
    absl::MutexLock l(&mu_);
    if (deadline != absl::InfiniteFuture() && deadline > now_) now_ = deadline;
  }
  void Wake() override {}
  void Advance(absl::Duration d) {
    absl::MutexLock l(&mu_);
    now_ += d;
  }

 private:
  absl::Mutex mu_;
  absl::Time now_;
};

// A new empty directory for this test.
inline std::string NewTestDir() {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string tmpl =
      absl::StrCat(base != nullptr ? base : "/tmp", "/cwalarm_outbox_XXXXXX");
  char* dir = mkdtemp(tmpl.data());
  return dir != nullptr ? std::string(dir) : std::string();
}

}  // namespace cwalarm_testing

#endif  // CWALARM_TESTS_SNS_FAKES_H_
