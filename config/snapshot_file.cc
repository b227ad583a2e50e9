// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "config/snapshot_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

namespace cwalarm {
namespace {

constexpr char kMagic[8] = {'C', 'W', 'S', 'N', 'A', 'P', '\r', '\n'};
constexpr size_t kHeaderBytes = 8 + 4 + 8 + 4;

// CRC-32C (Castagnoli), bitwise: snapshots are written rarely, and a table
// would be the only reason for static state here.
uint32_t Crc32c(absl::string_view data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void PutLe(uint64_t v, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

uint64_t GetLe(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  }
  return v;
}

absl::Status Io(absl::string_view step, absl::string_view path) {
  return absl::UnavailableError(
      absl::StrCat(path, ": snapshot ", step, ": ", std::strerror(errno)));
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

std::string Dir(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

std::string EncodeSnapshot(absl::string_view payload) {
  std::string out(kMagic, sizeof kMagic);
  PutLe(kSnapshotFormatVersion, 4, &out);
  PutLe(payload.size(), 8, &out);
  PutLe(Crc32c(payload), 4, &out);
  out.append(payload.data(), payload.size());
  return out;
}

absl::StatusOr<std::string> DecodeSnapshot(absl::string_view bytes,
                                           absl::string_view source) {
  if (bytes.size() < sizeof kMagic ||
      std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    return absl::DataLossError(absl::StrCat(
        source, ": snapshot has no CWSNAP header (not a snapshot, or damaged)"));
  }
  if (bytes.size() < kHeaderBytes) {
    return absl::DataLossError(absl::StrCat(
        source, ": snapshot truncated: ", bytes.size(),
        " bytes, shorter than its ", kHeaderBytes, "-byte header"));
  }
  const uint32_t version = static_cast<uint32_t>(GetLe(bytes.data() + 8, 4));
  if (version != kSnapshotFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        source, ": snapshot format version ", version,
        " is not supported (this build reads version ",
        kSnapshotFormatVersion, ")"));
  }
  const uint64_t length = GetLe(bytes.data() + 12, 8);
  const uint32_t crc = static_cast<uint32_t>(GetLe(bytes.data() + 20, 4));
  const uint64_t have = bytes.size() - kHeaderBytes;
  if (have < length) {
    return absl::DataLossError(absl::StrCat(source, ": snapshot truncated: ",
                                            have, " of ", length,
                                            " payload bytes present"));
  }
  if (have > length) {
    return absl::DataLossError(absl::StrCat(
        source, ": snapshot has ", have - length,
        " bytes after its declared end (damaged or concatenated)"));
  }
  absl::string_view payload = bytes.substr(kHeaderBytes);
  const uint32_t actual = Crc32c(payload);
  if (actual != crc) {
    return absl::DataLossError(absl::StrCat(
        source, ": snapshot corrupt: CRC-32C ", actual, " does not match the ",
        "recorded ", crc));
  }
  return std::string(payload);
}

absl::Status WriteSnapshotFile(absl::string_view path,
                               absl::string_view payload) {
  const std::string target(path);
  const std::string tmp = absl::StrCat(target, ".tmp");
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Io("open temporary file", tmp);
  if (!WriteAll(fd, EncodeSnapshot(payload))) {
    absl::Status s = Io("write", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  }
  if (::fsync(fd) != 0) {
    absl::Status s = Io("fsync", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  }
  if (::close(fd) != 0) return Io("close", tmp);
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    absl::Status s = Io("rename", target);
    ::unlink(tmp.c_str());
    return s;
  }
  // Without this the rename itself may not survive a power loss.
  int dir = ::open(Dir(target).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return Io("open directory", Dir(target));
  const bool synced = ::fsync(dir) == 0;
  absl::Status s = synced ? absl::OkStatus() : Io("fsync directory", Dir(target));
  ::close(dir);
  return s;
}

absl::StatusOr<std::string> ReadSnapshotFile(absl::string_view path) {
  const std::string p(path);
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat(p, ": no snapshot"));
    }
    return Io("open", p);
  }
  std::string data;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      absl::Status s = Io("read", p);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return DecodeSnapshot(data, p);
}

}  // namespace cwalarm
