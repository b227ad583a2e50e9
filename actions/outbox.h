// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Outbox: the durable, append-only, checksummed queue of SNS Publish calls
// that the SNS sink has accepted but not yet finished delivering.
//
//   absl::StatusOr<std::unique_ptr<Outbox>> box =
//       Outbox::Open("/var/lib/cwalarm/sns.outbox", {.max_pending = 10000});
//   absl::StatusOr<uint64_t> seq = (*box)->Append(publish);  // fsync'd
//   ...deliver...
//   (*box)->MarkDone(*seq, OutboxOutcome::kDelivered);        // fsync'd
//
// File format: a sequence of records, each
//   magic "CWOB" (4 bytes) | payload length (u32 LE) | CRC-32C of payload
//   (u32 LE) | payload
// where the payload is an Enqueue record (sequence number and the whole
// Publish call) or a Done record (sequence number and outcome). Every Append
// and MarkDone writes one record and fdatasync()s before returning, so a
// record that was acknowledged survives a crash or power loss.
//
// Recovery (Open): records are read in order; an Enqueue without a later
// Done is pending. Damage followed by no valid record is a torn tail (a
// crash mid-write): it is dropped and counted in `recovery().torn_tail_bytes`.
// Damage followed by valid records is corruption in the middle: the
// damaged byte range is skipped, reported in `recovery().corrupted`, and the
// valid records after it are kept. Open then compacts the file (pending
// Enqueue records only, written to a temporary file, fsync'd and renamed
// over the old one), so the file does not grow without bound across
// restarts; it also compacts whenever the last pending record is done and
// the file is larger than `compact_bytes`.
//
// Thread-safety: thread-safe (one internal mutex); Append and MarkDone block
// on the disk. One process per file (not enforced).

#ifndef CWALARM_ACTIONS_OUTBOX_H_
#define CWALARM_ACTIONS_OUTBOX_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "actions/sns_message.h"

namespace cwalarm {

struct OutboxOptions {
  // Back-pressure: Append fails with kResourceExhausted while this many
  // records are pending.
  size_t max_pending = 10000;
  // Compact when nothing is pending and the file exceeds this size.
  int64_t compact_bytes = 1 << 20;
};

enum class OutboxOutcome : uint8_t {
  kDelivered = 0,  // SNS accepted the Publish.
  kAbandoned = 1,  // Permanent error or retry bounds exhausted.
};

struct OutboxRecord {
  // Increases with Append order, also across restarts (it may start again
  // from 1 once the outbox was empty and compacted).
  uint64_t sequence = 0;
  SnsPublish publish;
};

// What Open found.
struct OutboxRecovery {
  size_t pending = 0;           // Records still to deliver.
  int64_t torn_tail_bytes = 0;  // Dropped incomplete tail.
  // One line per skipped damaged range: `offset 123: 45 bytes skipped
  // (checksum mismatch)`.
  std::vector<std::string> corrupted;
};

class Outbox {
 public:
  // Opens or creates the outbox file at `path` and recovers it as described
  // above. Returns kUnavailable (with errno's text and the path) when the
  // file cannot be opened, read, written or synced.
  static absl::StatusOr<std::unique_ptr<Outbox>> Open(
      const std::string& path, OutboxOptions options = {});

  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;
  ~Outbox();

  const std::string& path() const { return path_; }
  const OutboxRecovery& recovery() const { return recovery_; }

  // Pending records in sequence (= acceptance) order.
  std::vector<OutboxRecord> Pending() const;
  size_t pending_count() const;

  // Durably appends `publish` and returns its sequence number. Idempotent:
  // a publish whose (idempotency_key, topic_arn) is already pending returns
  // the existing sequence number without writing. Returns kResourceExhausted
  // when `max_pending` records are pending (nothing written), kUnavailable
  // on an I/O error.
  absl::StatusOr<uint64_t> Append(const SnsPublish& publish);

  // Durably records that `sequence` is finished. Returns kNotFound when it
  // is not pending, kUnavailable on an I/O error.
  absl::Status MarkDone(uint64_t sequence, OutboxOutcome outcome);

 private:
  Outbox(std::string path, OutboxOptions options);
  absl::Status Recover();
  absl::Status Compact() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteRecord(const std::string& payload)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  const OutboxOptions options_;
  OutboxRecovery recovery_;
  mutable absl::Mutex mu_;
  int fd_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t file_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_sequence_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<uint64_t, SnsPublish> pending_ ABSL_GUARDED_BY(mu_);
};

namespace internal {
// CRC-32C (Castagnoli) of `data`.
uint32_t Crc32c(absl::string_view data);
}  // namespace internal

}  // namespace cwalarm

#endif  // CWALARM_ACTIONS_OUTBOX_H_
