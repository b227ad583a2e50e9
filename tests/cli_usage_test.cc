// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// docs/errors.md rows that need the command or the file system:
// * CliUsage: the `cwalarm` binary run with a missing or unknown
//   subcommand, an unknown flag or an extra argument exits 2 and prints the
//   problem, then the usage, on stderr.
// * ReplayPlotUnwritable: RunReplay with --plot under a directory that does
//   not exist, or naming a directory, is kUnavailable
//   `--plot: cannot write "<path>"`.
//
// The binary is `tools/cwalarm` in Bazel's runfiles (the test's working
// directory); CMake passes its path as CWALARM_BINARY_PATH.

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tools/replay.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

#ifdef CWALARM_BINARY_PATH
constexpr char kBinary[] = CWALARM_BINARY_PATH;
#else
constexpr char kBinary[] = "tools/cwalarm";
#endif

struct CliRun {
  int exit_code = -1;
  std::string stderr_text;
  std::string stdout_text;
};

// Runs the binary with `args` (fixed test strings, no shell quoting needed
// beyond the single quotes added here).
CliRun RunCwalarm(const std::vector<std::string>& args) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string err_path =
      absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/cli_usage_stderr.txt");
  std::string command = absl::StrCat("'", kBinary, "'");
  for (const std::string& a : args) absl::StrAppend(&command, " '", a, "'");
  absl::StrAppend(&command, " 2>'", err_path, "'");
  CliRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr) << command;
  if (pipe == nullptr) return run;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) {
    run.stdout_text.append(buf.data(), n);
  }
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (FILE* f = std::fopen(err_path.c_str(), "rb")) {
    while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
      run.stderr_text.append(buf.data(), n);
    }
    std::fclose(f);
  }
  return run;
}

struct UsageCase {
  const char* name;  // docs/errors.md row and what is wrong.
  std::vector<std::string> args;
  const char* first_line;  // The problem, before the usage.
};

TEST(CliUsageTest, UsageErrorsExitTwoWithTheProblemThenTheUsage) {
  const UsageCase kCases[] = {
      {"CliUsage: missing subcommand", {}, "missing subcommand"},
      {"CliUsage: unknown subcommand", {"frobnicate"},
       "unknown subcommand \"frobnicate\""},
      {"CliUsage: unknown flag",
       {"replay", "--alarms=examples/cpu_alarm.json", "--bogus=1"},
       "unknown flag: --bogus"},
      {"CliUsage: extra argument",
       {"replay", "extra", "--alarms=examples/cpu_alarm.json"},
       "unexpected argument \"extra\""},
  };
  for (const UsageCase& c : kCases) {
    CliRun run = RunCwalarm(c.args);
    EXPECT_EQ(run.exit_code, 2) << c.name;
    EXPECT_THAT(run.stderr_text, StartsWith(absl::StrCat(c.first_line, "\n")))
        << c.name;
    EXPECT_THAT(run.stderr_text, HasSubstr("usage: cwalarm replay")) << c.name;
    EXPECT_EQ(run.stdout_text, "") << c.name;
  }
}

TEST(CliUsageTest, ValidCommandExitsZero) {
  // The same binary and paths succeed when nothing is wrong, so the cases
  // above fail for the reason they name.
  CliRun run = RunCwalarm({"replay", "--alarms=examples/cpu_alarm.json",
                        "--metrics=examples/cpu_metrics.csv"});
  EXPECT_EQ(run.exit_code, 0) << run.stderr_text;
  EXPECT_THAT(run.stdout_text, HasSubstr("cpu"));
}

TEST(ReplayPlotTest, UnwritablePlotPathIsUnavailable) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = tmp != nullptr ? tmp : "/tmp";
  struct Case {
    const char* name;
    std::string path;
  };
  const Case kCases[] = {
      {"ReplayPlotUnwritable: directory does not exist",
       dir + "/no-such-directory/plot.svg"},
      {"ReplayPlotUnwritable: the path is a directory", dir},
  };
  for (const Case& c : kCases) {
    ReplayOptions options;
    options.alarms_path = "examples/cpu_alarm.json";
    options.metrics_path = "examples/cpu_metrics.csv";
    options.plot_path = c.path;
    std::string out;
    EXPECT_THAT(RunReplay(options, &out),
                StatusIs(absl::StatusCode::kUnavailable,
                         HasSubstr(absl::StrCat("--plot: cannot write \"",
                                                c.path, "\""))))
        << c.name;
  }
  // A writable path works (the refusal is about the path).
  ReplayOptions options;
  options.alarms_path = "examples/cpu_alarm.json";
  options.metrics_path = "examples/cpu_metrics.csv";
  options.plot_path = dir + "/plot.svg";
  std::string out;
  EXPECT_TRUE(RunReplay(options, &out).ok());
}

}  // namespace
}  // namespace cwalarm
