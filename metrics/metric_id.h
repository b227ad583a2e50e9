// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The identity of a CloudWatch metric: namespace, metric name and dimensions.
//
// Two MetricIds name the same metric when namespace, name and the *set* of
// dimensions are equal; dimension order does not matter (CloudWatch sorts
// them), so `Canonical()` sorts dimensions by name. The unit is not part of
// the identity: one metric may hold samples of several units (spec 3.2.4).
//
//   MetricId id{"AWS/EC2", "CPUUtilization", {{"InstanceId", "i-1"}}};
//   id.Key();  // "AWS/EC2\x1fCPUUtilization\x1fInstanceId\x1ei-1"
//
// Hot paths look a metric up without allocating: `MetricKeyBuilder` writes
// the same key into an inline buffer (and does not copy the dimensions when
// they are already sorted), and absl's string maps accept its view:
//
//   MetricKeyBuilder key(id);
//   auto it = index_by_key.find(key.view());
//
// Thread-safety: a plain value type; const methods are safe concurrently.

#ifndef CWALARM_METRICS_METRIC_ID_H_
#define CWALARM_METRICS_METRIC_ID_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace cwalarm {

// One `{Name, Value}` pair.
struct Dimension {
  std::string name;
  std::string value;

  friend bool operator==(const Dimension& a, const Dimension& b) {
    return a.name == b.name && a.value == b.value;
  }
  friend bool operator!=(const Dimension& a, const Dimension& b) {
    return !(a == b);
  }
};

// At most this many dimensions per metric (spec 1.2).
inline constexpr int kMaxDimensions = 30;

struct MetricId {
  std::string metric_namespace;  // `Namespace`; `namespace` is a C++ keyword.
  std::string metric_name;       // `MetricName`.
  std::vector<Dimension> dimensions;

  // Returns a copy with dimensions sorted by name (then value).
  MetricId Canonical() const;

  // Returns a string that is equal for two ids iff they name the same metric
  // (dimension order ignored). Suitable as a hash-map key.
  std::string Key() const;

  friend bool operator==(const MetricId& a, const MetricId& b) {
    return a.Key() == b.Key();
  }
};

// Builds `MetricId::Key()` of an id into an inline buffer: no allocation
// for keys up to kInlineBytes (ordinary ids; longer ones move to the heap)
// and no copy of the dimensions (already sorted dimensions are read in
// place; others are ordered through an array of pointers). `Key()` itself is
// built by this class, so the two always agree. Not copyable; the id must
// outlive nothing (the key is copied into the builder).
class MetricKeyBuilder {
 public:
  explicit MetricKeyBuilder(const MetricId& id);
  MetricKeyBuilder(const MetricKeyBuilder&) = delete;
  MetricKeyBuilder& operator=(const MetricKeyBuilder&) = delete;

  // The key; valid while the builder lives.
  absl::string_view view() const { return absl::string_view(data_, size_); }

 private:
  static constexpr size_t kInlineBytes = 320;

  // Makes data_ hold at least `size` bytes (the heap only past the inline
  // buffer).
  void Reserve(size_t size);

  char inline_[kInlineBytes];
  std::string heap_;  // Holds the key when it is longer than inline_.
  char* data_ = inline_;
  size_t size_ = 0;
};

// Checks CloudWatch's rules for a metric identity (spec 1.2): namespace 1-255
// characters, not starting with ':', from `0-9A-Za-z.-_/#:` and space, with a
// non-whitespace character; metric name 1-255; at most 30 dimensions, each
// name 1-255 and value 1-1024 characters, ASCII without control characters,
// with one non-whitespace character; no dimension name twice.
// Returns kInvalidArgument whose message starts with `context` (for example
// `alarm "cpu-high"`) and names the field, the value and the rule.
absl::Status ValidateMetricId(const MetricId& id, absl::string_view context);

}  // namespace cwalarm

#endif  // CWALARM_METRICS_METRIC_ID_H_
