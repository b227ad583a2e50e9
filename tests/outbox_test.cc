// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "actions/outbox.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "actions/sns_message.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/sns_fakes.h"
#include "tests/testing/read_file.h"

namespace cwalarm {
namespace {

using cwalarm_testing::NewTestDir;

SnsPublish Publish(const std::string& alarm, int second) {
  SnsPublish p;
  p.alarm_name = alarm;
  p.alarm_arn =
      absl::StrCat("arn:aws:cloudwatch:us-east-1:123456789012:alarm:", alarm);
  p.topic_arn = "arn:aws:sns:us-east-1:123456789012:t";
  p.region = "us-east-1";
  p.state_change_time = absl::FromUnixSeconds(1700000000 + second);
  p.subject = absl::StrCat("ALARM: \"", alarm, "\" in US East (N. Virginia)");
  p.message =
      absl::StrCat("{\"AlarmName\":\"", alarm, "\",\"n\":", second, "}");
  p.idempotency_key = IdempotencyKey(p.alarm_arn, p.state_change_time);
  return p;
}

using ::cwalarm_testing::ReadFile;

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

TEST(OutboxTest, PendingRecordsSurviveReopenInOrder) {
  std::string path = NewTestDir() + "/sns.outbox";
  {
    auto box = Outbox::Open(path);
    ASSERT_TRUE(box.ok()) << box.status();
    ASSERT_TRUE((*box)->Append(Publish("a", 1)).ok());
    ASSERT_TRUE((*box)->Append(Publish("b", 2)).ok());
    absl::StatusOr<uint64_t> c = (*box)->Append(Publish("c", 3));
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE((*box)->MarkDone(1, OutboxOutcome::kDelivered).ok());
  }  // Dropped without any shutdown step, as in a crash.
  auto box = Outbox::Open(path);
  ASSERT_TRUE(box.ok());
  std::vector<OutboxRecord> pending = (*box)->Pending();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].sequence, 2u);
  EXPECT_EQ(pending[0].publish.alarm_name, "b");
  EXPECT_EQ(pending[0].publish.message, "{\"AlarmName\":\"b\",\"n\":2}");
  EXPECT_EQ(pending[0].publish.state_change_time,
            absl::FromUnixSeconds(1700000002));
  EXPECT_EQ(pending[1].publish.alarm_name, "c");
  EXPECT_EQ((*box)->recovery().pending, 2u);
  // Sequence numbers keep increasing across restarts.
  EXPECT_EQ(*(*box)->Append(Publish("d", 4)), 4u);
}

TEST(OutboxTest, AppendIsIdempotentPerKeyAndTopic) {
  std::string path = NewTestDir() + "/sns.outbox";
  auto box = Outbox::Open(path);
  ASSERT_TRUE(box.ok());
  EXPECT_EQ(*(*box)->Append(Publish("a", 1)), 1u);
  EXPECT_EQ(*(*box)->Append(Publish("a", 1)), 1u);
  EXPECT_EQ((*box)->pending_count(), 1u);
}

TEST(OutboxTest, FullOutboxRefusesWithResourceExhausted) {
  std::string path = NewTestDir() + "/sns.outbox";
  OutboxOptions options;
  options.max_pending = 2;
  auto box = Outbox::Open(path, options);
  ASSERT_TRUE(box.ok());
  ASSERT_TRUE((*box)->Append(Publish("a", 1)).ok());
  ASSERT_TRUE((*box)->Append(Publish("a", 2)).ok());
  absl::StatusOr<uint64_t> third = (*box)->Append(Publish("a", 3));
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(third.status().message(),
              testing::HasSubstr("full (2 notifications pending"));
  ASSERT_TRUE((*box)->MarkDone(1, OutboxOutcome::kDelivered).ok());
  EXPECT_TRUE((*box)->Append(Publish("a", 3)).ok());
}

TEST(OutboxTest, TornTailIsDroppedAndCounted) {
  std::string path = NewTestDir() + "/sns.outbox";
  {
    auto box = Outbox::Open(path);
    ASSERT_TRUE((*box)->Append(Publish("a", 1)).ok());
    ASSERT_TRUE((*box)->Append(Publish("b", 2)).ok());
  }
  std::string data = ReadFile(path);
  WriteFile(path, data.substr(0, data.size() - 7));  // Crash mid-write.
  auto box = Outbox::Open(path);
  ASSERT_TRUE(box.ok()) << box.status();
  ASSERT_EQ((*box)->pending_count(), 1u);
  EXPECT_EQ((*box)->Pending()[0].publish.alarm_name, "a");
  EXPECT_GT((*box)->recovery().torn_tail_bytes, 0);
  EXPECT_TRUE((*box)->recovery().corrupted.empty());
  // The file was rewritten without the torn bytes; appends work.
  ASSERT_TRUE((*box)->Append(Publish("c", 3)).ok());
  auto again = Outbox::Open(path);
  EXPECT_EQ((*again)->pending_count(), 2u);
  EXPECT_EQ((*again)->recovery().torn_tail_bytes, 0);
}

TEST(OutboxTest, CorruptedMiddleRecordIsReportedAndLaterRecordsKept) {
  std::string path = NewTestDir() + "/sns.outbox";
  {
    auto box = Outbox::Open(path);
    ASSERT_TRUE((*box)->Append(Publish("a", 1)).ok());
    ASSERT_TRUE((*box)->Append(Publish("b", 2)).ok());
    ASSERT_TRUE((*box)->Append(Publish("c", 3)).ok());
  }
  std::string data = ReadFile(path);
  size_t b = data.find("\"b\"");  // Inside the second record's message.
  ASSERT_NE(b, std::string::npos);
  data[b + 1] = 'X';  // Flip a byte: checksum mismatch.
  WriteFile(path, data);
  auto box = Outbox::Open(path);
  ASSERT_TRUE(box.ok());
  std::vector<OutboxRecord> pending = (*box)->Pending();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].publish.alarm_name, "a");
  EXPECT_EQ(pending[1].publish.alarm_name, "c");
  ASSERT_EQ((*box)->recovery().corrupted.size(), 1u);
  EXPECT_THAT((*box)->recovery().corrupted[0],
              testing::HasSubstr("bytes skipped"));
  EXPECT_EQ((*box)->recovery().torn_tail_bytes, 0);
}

TEST(OutboxTest, CompactsWhenEmptyAndLargerThanCompactBytes) {
  std::string path = NewTestDir() + "/sns.outbox";
  OutboxOptions options;
  options.compact_bytes = 100;
  auto box = Outbox::Open(path, options);
  ASSERT_TRUE((*box)->Append(Publish("a", 1)).ok());
  ASSERT_TRUE((*box)->Append(Publish("b", 2)).ok());
  ASSERT_TRUE((*box)->MarkDone(1, OutboxOutcome::kDelivered).ok());
  EXPECT_GT(ReadFile(path).size(), 100u);  // One record still pending.
  ASSERT_TRUE((*box)->MarkDone(2, OutboxOutcome::kAbandoned).ok());
  EXPECT_EQ(ReadFile(path).size(), 0u);
  // Appends after compaction go to the new file and survive a reopen.
  ASSERT_TRUE((*box)->Append(Publish("c", 3)).ok());
  auto again = Outbox::Open(path, options);
  ASSERT_EQ((*again)->pending_count(), 1u);
  EXPECT_EQ((*again)->Pending()[0].sequence, 3u);
}

TEST(OutboxTest, MarkDoneOfUnknownSequenceIsNotFound) {
  auto box = Outbox::Open(NewTestDir() + "/sns.outbox");
  absl::Status s = (*box)->MarkDone(42, OutboxOutcome::kDelivered);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.message(), testing::HasSubstr("sequence 42 is not pending"));
}

TEST(OutboxTest, UnwritableDirectoryIsUnavailable) {
  auto box = Outbox::Open("/nonexistent-dir-cwalarm/sns.outbox");
  EXPECT_EQ(box.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(box.status().message(), testing::HasSubstr("nonexistent"));
}

TEST(OutboxTest, Crc32cKnownAnswer) {
  // RFC 3720 B.4: CRC-32C of "123456789" is 0xE3069283.
  EXPECT_EQ(internal::Crc32c("123456789"), 0xE3069283u);
}

}  // namespace
}  // namespace cwalarm
