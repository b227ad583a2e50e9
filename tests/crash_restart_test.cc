// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Crash test (issue 8): a child process replays a long random history with
// a durable SNS sink (outbox + SnsSink delivering through a fake SNS that
// logs every Publish it receives to a file, fsync'd), saving a snapshot after
// every tick. The parent SIGKILLs it at random moments (whenever it reports
// progress; the kill lands wherever the child has got to), restarts it from
// its snapshot and outbox, and so on, then lets it finish. Every
// notification of the uninterrupted replay must have reached the fake SNS at
// least once, nothing else may have, and a notification received twice is
// byte-identical (same idempotency key). No sleeps: the parent waits on a
// pipe.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "actions/http_client.h"
#include "actions/outbox.h"
#include "actions/sns_client.h"
#include "actions/sns_sink.h"
#include "alarm/alarm_evaluator.h"
#include "config/snapshot_file.h"
#include "config/snapshot_io.h"
#include "gtest/gtest.h"
#include "metrics/metric_store.h"
#include "tests/sns_fakes.h"
#include "tests/testing/differential_trial.h"

namespace cwalarm {
namespace {

using Trial = ::cwalarm_testing::Trial<std::mt19937_64>;

constexpr int kTicks = 200;

// The fake SNS: answers 200 to every Publish and appends the request body to
// `log` (fsync'd) first, as the receiving side would have it.
class LoggingSns : public HttpClient {
 public:
  explicit LoggingSns(std::string log) : log_(std::move(log)) {}
  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override {
    int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return absl::UnavailableError("log");
    std::string line = request.body + "\n";
    bool ok = ::write(fd, line.data(), line.size()) ==
                  static_cast<ssize_t>(line.size()) &&
              ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) return absl::UnavailableError("log");
    return cwalarm_testing::FakeHttpClient::Ok();
  }

 private:
  std::string log_;
};

// Per-tick operations, drawn up front so a restarted run knows tick k's.
struct Tick {
  int put_alarm = -1;  // Index into alarms, or -1.
  std::vector<MetricDatum> data;
  bool evaluate = false;
  absl::Time now;
};

struct Script {
  std::vector<AlarmSpec> alarms;
  std::vector<Tick> ticks;
};

Script MakeScript(uint64_t seed) {
  Trial t(seed, std::mt19937_64(seed));
  Script s;
  const int n = t.Uniform(2, 4);
  for (int i = 0; i < n; ++i) s.alarms.push_back(t.RandomAlarm(i));
  for (AlarmSpec& a : s.alarms) {
    a.actions_enabled = true;
    a.alarm_actions = {cwalarm_testing::kTopic};
    a.ok_actions = {cwalarm_testing::kTopic};
  }
  absl::Time now = absl::FromUnixSeconds(cwalarm_testing::kStart);
  int created = 0;
  for (int i = 0; i < kTicks; ++i) {
    Tick k;
    now += absl::Seconds(30);
    k.now = now;
    if (created < n && t.Chance(0.3)) k.put_alarm = created++;
    const int d = t.Chance(0.8) ? t.Uniform(1, 3) : 0;
    for (int j = 0; j < d; ++j) k.data.push_back(t.RandomDatum(now, 3600));
    k.evaluate = t.Chance(0.9);
    s.ticks.push_back(std::move(k));
  }
  return s;
}

// Runs the script from the snapshot at `dir` (or from the start), saving
// after every tick; writes the next tick's index to `progress` (if >= 0)
// before each tick. Returns 0 when done.
int RunChild(const Script& script, const std::string& dir, int progress) {
  LoggingSns http(dir + "/received.log");
  SnsClient sns(&http, {"http://127.0.0.1:1", {"AKID", "secret", ""}});
  cwalarm_testing::FakeDeliveryClock clock(absl::FromUnixSeconds(1767225600));
  absl::StatusOr<std::unique_ptr<Outbox>> outbox =
      Outbox::Open(dir + "/sns.outbox");
  if (!outbox.ok()) return 2;
  SnsSink sink(outbox->get(), &sns, &clock);
  const std::string path = dir + "/state.snap";
  std::unique_ptr<MetricStore> store;
  std::unique_ptr<AlarmEvaluator> evaluator;
  int next = 0;
  absl::StatusOr<std::string> saved = ReadSnapshotFile(path);
  if (saved.ok()) {
    // Payload: the next tick as 8 decimal digits, then the evaluator state.
    next = std::atoi(saved->substr(0, 8).c_str());
    absl::StatusOr<RestoredEvaluator> r =
        DeserializeEvaluatorState(absl::string_view(*saved).substr(8), &sink);
    if (!r.ok()) return 3;
    store = std::move(r->store);
    evaluator = std::move(r->evaluator);
  } else if (absl::IsNotFound(saved.status())) {
    store = std::make_unique<MetricStore>();
    evaluator = std::make_unique<AlarmEvaluator>(store.get(), &sink);
  } else {
    return 4;
  }
  sink.RunOnce();  // What an earlier process accepted and did not deliver.
  for (int i = next; i < kTicks; ++i) {
    if (progress >= 0) {
      char c = 'x';
      if (::write(progress, &c, 1) != 1) return 5;
    }
    const Tick& k = script.ticks[i];
    if (k.put_alarm >= 0) {
      (void)evaluator->PutMetricAlarm(script.alarms[k.put_alarm], k.now);
    }
    for (const MetricDatum& d : k.data) (void)store->Put(d, "d");
    if (k.evaluate) evaluator->Evaluate(k.now);
    evaluator->TakeHistory();
    sink.RunOnce();
    absl::StatusOr<std::string> state =
        SerializeEvaluatorState(*store, *evaluator);
    if (!state.ok()) return 6;
    char head[16];
    std::snprintf(head, sizeof head, "%08d", i + 1);
    if (!WriteSnapshotFile(path, absl::StrCat(head, *state)).ok()) return 7;
  }
  return sink.Drain(absl::InfiniteFuture()).ok() ? 0 : 8;
}

std::vector<std::string> Received(const std::string& dir) {
  std::ifstream in(dir + "/received.log");
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string NewDir() {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string tmpl =
      absl::StrCat(base != nullptr ? base : "/tmp", "/cwalarm_crash_XXXXXX");
  EXPECT_NE(::mkdtemp(tmpl.data()), nullptr);
  return tmpl;
}

// Forks a child running the script; kills it with SIGKILL after it reported
// `kill_after` ticks of progress (never, when < 0). Returns the child's exit
// code, or -1 when killed.
int RunProcess(const Script& script, const std::string& dir, int kill_after) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    ::_exit(RunChild(script, dir, fds[1]));
  }
  ::close(fds[1]);
  int seen = 0;
  char c;
  while (::read(fds[0], &c, 1) == 1) {
    if (kill_after >= 0 && ++seen > kill_after) {
      ::kill(pid, SIGKILL);
      break;
    }
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
}

TEST(CrashRestartTest, SigkillAtRandomMomentsLosesNoNotification) {
  for (uint64_t seed : {3u, 8u, 21u}) {
    const Script script = MakeScript(seed);
    const std::string reference_dir = NewDir();
    ASSERT_EQ(RunProcess(script, reference_dir, -1), 0);
    const std::vector<std::string> reference = Received(reference_dir);
    ASSERT_FALSE(reference.empty()) << "seed " << seed << ": vacuous";

    const std::string dir = NewDir();
    std::mt19937_64 rng(seed);
    int kills = 0;
    for (int attempt = 0; attempt < 8; ++attempt) {
      int rc = RunProcess(script, dir,
                          std::uniform_int_distribution<int>(0, 40)(rng));
      if (rc == -1) {
        ++kills;
        continue;
      }
      ASSERT_EQ(rc, 0) << "seed " << seed;
      break;
    }
    ASSERT_EQ(RunProcess(script, dir, -1), 0);  // Finish (no-op if done).
    EXPECT_GT(kills, 0);
    const std::vector<std::string> received = Received(dir);
    std::set<std::string> got(received.begin(), received.end());
    std::set<std::string> want(reference.begin(), reference.end());
    for (const std::string& r : want) {
      EXPECT_TRUE(got.count(r)) << "seed " << seed << ": lost " << r;
    }
    for (const std::string& r : got) {
      EXPECT_TRUE(want.count(r)) << "seed " << seed << ": unexpected " << r;
    }
    // Duplicates are whole identical requests: same key, same message.
    EXPECT_GE(received.size(), reference.size());
    std::printf("seed %d: %d kills, %zu notifications received (%zu distinct), "
                "%zu in the uninterrupted run\n",
                static_cast<int>(seed), kills, received.size(), got.size(),
                reference.size());
  }
}

}  // namespace
}  // namespace cwalarm
