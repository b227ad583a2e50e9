// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Reads a whole file for tests that compare output with an expected file
// (golden replays, outbox contents).
//
//   EXPECT_EQ(out, cwalarm_testing::ReadFile("examples/cpu_replay.expected.txt"));
//
// A missing file reads as "", which then fails the comparison it feeds.

#ifndef CWALARM_TESTS_TESTING_READ_FILE_H_
#define CWALARM_TESTS_TESTING_READ_FILE_H_

#include <fstream>
#include <sstream>
#include <string>

namespace cwalarm_testing {

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

}  // namespace cwalarm_testing

#endif  // CWALARM_TESTS_TESTING_READ_FILE_H_
