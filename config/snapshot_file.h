// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// A crash-consistent, checksummed, versioned file holding one serialized
// snapshot (issue 8): the envelope around the serialized evaluator state,
// independent of what the payload means.
//
//   absl::Status s = WriteSnapshotFile("/var/lib/cwalarm/state.snap", bytes);
//   absl::StatusOr<std::string> back = ReadSnapshotFile(path);
//
// Layout (little-endian): the 8 magic bytes "CWSNAP\r\n", a uint32 format
// version (kSnapshotFormatVersion), a uint64 payload length, a uint32 CRC-32C
// of the payload, then the payload. The "\r\n" catches text-mode mangling.
//
// Crash consistency: WriteSnapshotFile writes `<path>.tmp`, fsyncs it,
// renames it over `path` and fsyncs the directory, so after a crash `path`
// holds either the previous snapshot or the new one, never a mixture; a
// stale `<path>.tmp` is overwritten by the next write.
//
// Thread-safety: the functions hold no state; concurrent writers to one
// path must be serialised by the caller.

#ifndef CWALARM_CONFIG_SNAPSHOT_FILE_H_
#define CWALARM_CONFIG_SNAPSHOT_FILE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cwalarm {

// The envelope version written by WriteSnapshotFile. A reader refuses any
// other version rather than guess.
inline constexpr uint32_t kSnapshotFormatVersion = 1;

// Frames `payload` (magic, version, length, CRC-32C). Pure; for tests and
// for callers that store the bytes elsewhere.
std::string EncodeSnapshot(absl::string_view payload);

// Checks the frame of `bytes` and returns the payload. `source` names the
// bytes in messages. Errors, all `<source>: snapshot ...`:
// kDataLoss when the magic is wrong, the file is shorter than its header or
// its declared length (truncated), longer than declared (trailing bytes), or
// the CRC-32C does not match (corrupt); kFailedPrecondition when the version
// is not kSnapshotFormatVersion. Never returns part of a payload.
absl::StatusOr<std::string> DecodeSnapshot(absl::string_view bytes,
                                           absl::string_view source);

// Writes EncodeSnapshot(payload) to `path` crash-consistently (see above).
// Returns kUnavailable naming the step and errno's text when a write, fsync
// or rename fails; `path` is then unchanged.
absl::Status WriteSnapshotFile(absl::string_view path,
                               absl::string_view payload);

// Reads `path` and DecodeSnapshot's it. kNotFound when `path` does not
// exist, kUnavailable when it cannot be read, DecodeSnapshot's errors
// otherwise.
absl::StatusOr<std::string> ReadSnapshotFile(absl::string_view path);

}  // namespace cwalarm

#endif  // CWALARM_CONFIG_SNAPSHOT_FILE_H_
