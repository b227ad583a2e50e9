// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The snapshot envelope (config/snapshot_file.h): round trip, and every
// damaged form refused with a clear error and no payload (issue 8: "a
// corrupt or truncated snapshot is refused, never half-loaded").

#include "config/snapshot_file.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::IsOk;
using ::cwalarm_testing::StatusIs;
using ::testing::HasSubstr;

// A new empty directory under TEST_TMPDIR (Bazel, ctest sets none: /tmp).
std::string NewDir() {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string tmpl =
      absl::StrCat(base != nullptr ? base : "/tmp", "/cwalarm_snapshot_XXXXXX");
  char* dir = ::mkdtemp(tmpl.data());
  EXPECT_NE(dir, nullptr);
  return tmpl;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::string kPayload = std::string("alarm state \0 with a NUL", 24);

TEST(SnapshotFileTest, EncodeDecodeRoundTrips) {
  absl::StatusOr<std::string> back =
      DecodeSnapshot(EncodeSnapshot(kPayload), "mem");
  ASSERT_THAT(back.status(), IsOk());
  EXPECT_EQ(*back, kPayload);
}

TEST(SnapshotFileTest, EmptyPayloadRoundTrips) {
  absl::StatusOr<std::string> back = DecodeSnapshot(EncodeSnapshot(""), "mem");
  ASSERT_THAT(back.status(), IsOk());
  EXPECT_EQ(*back, "");
}

TEST(SnapshotFileTest, EveryTruncationIsRefusedAsDataLoss) {
  const std::string bytes = EncodeSnapshot(kPayload);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_THAT(DecodeSnapshot(bytes.substr(0, n), "s.snap").status(),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr("s.snap")))
        << "truncated to " << n << " bytes";
  }
}

TEST(SnapshotFileTest, EveryFlippedBitIsRefused) {
  const std::string bytes = EncodeSnapshot(kPayload);
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      absl::StatusOr<std::string> r = DecodeSnapshot(bad, "s.snap");
      EXPECT_FALSE(r.ok()) << "byte " << i << " bit " << bit;
    }
  }
}

TEST(SnapshotFileTest, CorruptPayloadNamesTheChecksum) {
  std::string bytes = EncodeSnapshot(kPayload);
  bytes.back() ^= 0x40;
  EXPECT_THAT(DecodeSnapshot(bytes, "s.snap").status(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("s.snap: snapshot corrupt: CRC-32C")));
}

TEST(SnapshotFileTest, TrailingBytesAreRefused) {
  EXPECT_THAT(DecodeSnapshot(EncodeSnapshot(kPayload) + "x", "s.snap").status(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("1 bytes after its declared end")));
}

TEST(SnapshotFileTest, OtherVersionIsFailedPrecondition) {
  std::string bytes = EncodeSnapshot(kPayload);
  bytes[8] = 2;  // The version's low byte.
  EXPECT_THAT(DecodeSnapshot(bytes, "s.snap").status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("snapshot format version 2 is not supported")));
}

TEST(SnapshotFileTest, NotASnapshotIsRefused) {
  EXPECT_THAT(DecodeSnapshot("alarms { }", "a.textproto").status(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("a.textproto: snapshot has no CWSNAP header")));
}

TEST(SnapshotFileTest, WriteThenReadRoundTripsAndLeavesNoTemporaryFile) {
  const std::string dir = NewDir();
  const std::string path = dir + "/state.snap";
  ASSERT_THAT(WriteSnapshotFile(path, kPayload), IsOk());
  ASSERT_THAT(WriteSnapshotFile(path, "second"), IsOk());
  absl::StatusOr<std::string> back = ReadSnapshotFile(path);
  ASSERT_THAT(back.status(), IsOk());
  EXPECT_EQ(*back, "second");
  struct stat st;
  EXPECT_NE(::stat((path + ".tmp").c_str(), &st), 0);
}

TEST(SnapshotFileTest, StaleTemporaryFileFromACrashIsIgnoredAndReplaced) {
  const std::string dir = NewDir();
  const std::string path = dir + "/state.snap";
  ASSERT_THAT(WriteSnapshotFile(path, kPayload), IsOk());
  {
    // A crash between write and rename leaves a partial temporary file.
    std::ofstream(path + ".tmp", std::ios::binary) << "CWSNAP\r\n\x01";
  }
  absl::StatusOr<std::string> back = ReadSnapshotFile(path);
  ASSERT_THAT(back.status(), IsOk());
  EXPECT_EQ(*back, kPayload);
  ASSERT_THAT(WriteSnapshotFile(path, "next"), IsOk());
  EXPECT_EQ(*ReadSnapshotFile(path), "next");
}

TEST(SnapshotFileTest, TruncatedFileOnDiskIsRefused) {
  const std::string dir = NewDir();
  const std::string path = dir + "/state.snap";
  ASSERT_THAT(WriteSnapshotFile(path, kPayload), IsOk());
  const std::string bytes = Slurp(path);
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      << bytes.substr(0, bytes.size() - 3);
  EXPECT_THAT(ReadSnapshotFile(path).status(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("snapshot truncated")));
}

TEST(SnapshotFileTest, MissingFileIsNotFound) {
  EXPECT_THAT(ReadSnapshotFile(NewDir() + "/none.snap").status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no snapshot")));
}

TEST(SnapshotFileTest, UnwritableDirectoryIsUnavailable) {
  EXPECT_THAT(WriteSnapshotFile("/nonexistent-dir/state.snap", kPayload),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("snapshot open temporary file")));
}

}  // namespace
}  // namespace cwalarm
