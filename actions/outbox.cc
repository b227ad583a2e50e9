// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "actions/outbox.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace cwalarm {
namespace {

constexpr char kMagic[4] = {'C', 'W', 'O', 'B'};
constexpr size_t kHeaderBytes = 12;
// No single Publish comes near this (message <= 256 KiB); a larger length
// field is damage.
constexpr uint32_t kMaxPayload = 4u << 20;
constexpr uint8_t kEnqueue = 1;
constexpr uint8_t kDone = 2;

absl::Status IoError(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(
      absl::StrCat("outbox ", path, ": ", what, ": ", std::strerror(errno)));
}

void PutU32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutU64(uint64_t v, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutString(absl::string_view s, std::string* out) {
  PutU32(static_cast<uint32_t>(s.size()), out);
  out->append(s.data(), s.size());
}

uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// A bounds-checked reader over one payload.
class Reader {
 public:
  explicit Reader(absl::string_view s) : s_(s) {}
  bool U8(uint8_t* v) {
    if (s_.size() < 1) return false;
    *v = static_cast<uint8_t>(s_[0]);
    s_.remove_prefix(1);
    return true;
  }
  bool U64(uint64_t* v) {
    if (s_.size() < 8) return false;
    *v = GetU64(s_.data());
    s_.remove_prefix(8);
    return true;
  }
  bool String(std::string* v) {
    if (s_.size() < 4) return false;
    uint32_t n = GetU32(s_.data());
    if (s_.size() - 4 < n) return false;
    v->assign(s_.data() + 4, n);
    s_.remove_prefix(4 + n);
    return true;
  }

 private:
  absl::string_view s_;
};

std::string EnqueuePayload(uint64_t seq, const SnsPublish& p) {
  std::string out;
  out.push_back(static_cast<char>(kEnqueue));
  PutU64(seq, &out);
  PutString(p.idempotency_key, &out);
  PutString(p.topic_arn, &out);
  PutString(p.region, &out);
  PutString(p.subject, &out);
  PutString(p.message, &out);
  PutString(p.alarm_arn, &out);
  PutString(p.alarm_name, &out);
  PutU64(static_cast<uint64_t>(absl::ToUnixMicros(p.state_change_time)), &out);
  return out;
}

std::string Frame(const std::string& payload) {
  std::string out(kMagic, 4);
  PutU32(static_cast<uint32_t>(payload.size()), &out);
  PutU32(internal::Crc32c(payload), &out);
  out += payload;
  return out;
}

bool WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Whether a complete, checksum-valid record starts at `pos`.
bool ValidRecordAt(absl::string_view data, size_t pos, uint32_t* length) {
  if (data.size() - pos < kHeaderBytes) return false;
  if (std::memcmp(data.data() + pos, kMagic, 4) != 0) return false;
  uint32_t len = GetU32(data.data() + pos + 4);
  if (len > kMaxPayload || data.size() - pos - kHeaderBytes < len) return false;
  uint32_t crc = GetU32(data.data() + pos + 8);
  if (internal::Crc32c(data.substr(pos + kHeaderBytes, len)) != crc) {
    return false;
  }
  *length = len;
  return true;
}

std::string Dir(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

namespace internal {
uint32_t Crc32c(absl::string_view data) {
  static const auto* table = [] {
    auto* t = new uint32_t[256];
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char b : data) crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}
}  // namespace internal

Outbox::Outbox(std::string path, OutboxOptions options)
    : path_(std::move(path)), options_(options) {}

Outbox::~Outbox() {
  absl::MutexLock lock(&mu_);
  if (fd_ >= 0) ::close(fd_);
}

absl::StatusOr<std::unique_ptr<Outbox>> Outbox::Open(const std::string& path,
                                                     OutboxOptions options) {
  std::unique_ptr<Outbox> box(new Outbox(path, options));
  absl::Status s = box->Recover();
  if (!s.ok()) return s;
  return box;
}

absl::Status Outbox::Recover() {
  absl::MutexLock lock(&mu_);
  std::string data;
  {
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno != ENOENT) return IoError("open for reading", path_);
    if (fd >= 0) {
      char buf[1 << 16];
      for (;;) {
        ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
          ::close(fd);
          return IoError("read", path_);
        }
        if (n == 0) break;
        data.append(buf, static_cast<size_t>(n));
      }
      ::close(fd);
    }
  }

  absl::string_view all(data);
  size_t pos = 0;
  bool rewrite = false;
  while (pos < all.size()) {
    uint32_t len = 0;
    if (!ValidRecordAt(all, pos, &len)) {
      // Look for the next valid record: if there is one, this is damage in
      // the middle; if not, a torn tail.
      size_t next = pos + 1;
      uint32_t ignored;
      while (next < all.size() && !ValidRecordAt(all, next, &ignored)) ++next;
      if (next >= all.size()) {
        recovery_.torn_tail_bytes = static_cast<int64_t>(all.size() - pos);
      } else {
        recovery_.corrupted.push_back(
            absl::StrCat("offset ", pos, ": ", next - pos,
                         " bytes skipped (bad magic, length or checksum)"));
      }
      rewrite = true;
      pos = next;
      continue;
    }
    Reader r(all.substr(pos + kHeaderBytes, len));
    uint8_t type = 0;
    uint64_t seq = 0;
    bool ok = r.U8(&type) && r.U64(&seq);
    if (ok && type == kEnqueue) {
      SnsPublish p;
      uint64_t micros = 0;
      ok = r.String(&p.idempotency_key) && r.String(&p.topic_arn) &&
           r.String(&p.region) && r.String(&p.subject) &&
           r.String(&p.message) && r.String(&p.alarm_arn) &&
           r.String(&p.alarm_name) && r.U64(&micros);
      if (ok) {
        p.state_change_time =
            absl::FromUnixMicros(static_cast<int64_t>(micros));
        pending_[seq] = std::move(p);
      }
    } else if (ok && type == kDone) {
      pending_.erase(seq);
      rewrite = true;
    } else {
      ok = false;
    }
    if (!ok) {
      recovery_.corrupted.push_back(absl::StrCat(
          "offset ", pos, ": ", kHeaderBytes + len,
          " bytes skipped (checksum valid but record unreadable)"));
      rewrite = true;
    }
    if (ok && seq >= next_sequence_) next_sequence_ = seq + 1;
    pos += kHeaderBytes + len;
  }
  recovery_.pending = pending_.size();

  if (rewrite) return Compact();
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) return IoError("open for appending", path_);
  file_bytes_ = static_cast<int64_t>(data.size());
  return absl::OkStatus();
}

absl::Status Outbox::Compact() {
  std::string contents;
  for (const auto& [seq, p] : pending_)
    contents += Frame(EnqueuePayload(seq, p));
  const std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("open for compaction", tmp);
  if (!WriteAll(fd, contents) || ::fsync(fd) != 0) {
    absl::Status s = IoError("write compacted file", tmp);
    ::close(fd);
    return s;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    return IoError("rename compacted file", path_);
  }
  // Make the rename itself durable.
  int dir = ::open(Dir(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) return IoError("reopen after compaction", path_);
  file_bytes_ = static_cast<int64_t>(contents.size());
  return absl::OkStatus();
}

absl::Status Outbox::WriteRecord(const std::string& payload) {
  const std::string record = Frame(payload);
  if (!WriteAll(fd_, record)) return IoError("append", path_);
  if (::fdatasync(fd_) != 0) return IoError("fdatasync", path_);
  file_bytes_ += static_cast<int64_t>(record.size());
  return absl::OkStatus();
}

std::vector<OutboxRecord> Outbox::Pending() const {
  absl::MutexLock lock(&mu_);
  std::vector<OutboxRecord> out;
  out.reserve(pending_.size());
  for (const auto& [seq, p] : pending_) out.push_back({seq, p});
  return out;
}

size_t Outbox::pending_count() const {
  absl::MutexLock lock(&mu_);
  return pending_.size();
}

absl::StatusOr<uint64_t> Outbox::Append(const SnsPublish& publish) {
  absl::MutexLock lock(&mu_);
  for (const auto& [seq, p] : pending_) {
    if (p.idempotency_key == publish.idempotency_key &&
        p.topic_arn == publish.topic_arn) {
      return seq;
    }
  }
  if (pending_.size() >= options_.max_pending) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "outbox ", path_, ": full (", pending_.size(),
        " notifications pending, max_pending ", options_.max_pending,
        "); notification for ", publish.idempotency_key, " to ",
        publish.topic_arn, " not accepted"));
  }
  const uint64_t seq = next_sequence_;
  absl::Status s = WriteRecord(EnqueuePayload(seq, publish));
  if (!s.ok()) return s;
  ++next_sequence_;
  pending_[seq] = publish;
  return seq;
}

absl::Status Outbox::MarkDone(uint64_t sequence, OutboxOutcome outcome) {
  absl::MutexLock lock(&mu_);
  if (pending_.count(sequence) == 0) {
    return absl::NotFoundError(absl::StrCat("outbox ", path_, ": sequence ",
                                            sequence, " is not pending"));
  }
  std::string payload;
  payload.push_back(static_cast<char>(kDone));
  PutU64(sequence, &payload);
  payload.push_back(static_cast<char>(outcome));
  absl::Status s = WriteRecord(payload);
  if (!s.ok()) return s;
  pending_.erase(sequence);
  if (pending_.empty() && file_bytes_ > options_.compact_bytes)
    return Compact();
  return absl::OkStatus();
}

}  // namespace cwalarm
