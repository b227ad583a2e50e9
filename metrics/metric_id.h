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
// `MetricIdTable` interns ids compactly (the metric store's identity side):
// each id is a few bytes in an arena (its dimension values and a shared
// "schema" of namespace, name and dimension names) and an 8-byte hash slot.
//
//   MetricIdTable table;
//   const uint64_t hash = MetricIdTable::Hash(id);  // == Hash(id's key)
//   uint32_t i = table.Find(id, hash);  // Compares in place: no key built.
//   if (i == MetricIdTable::kNone) {
//     MetricKeyBuilder key(id);  // Only for a new metric.
//     i = table.Insert(key.view(), hash, id);
//   }
//   MetricId again = table.Get(i);  // id.Canonical()
//
// Thread-safety: MetricId and MetricKeyBuilder are plain value types;
// MetricIdTable's const methods are safe concurrently, its mutators are not.

#ifndef CWALARM_METRICS_METRIC_ID_H_
#define CWALARM_METRICS_METRIC_ID_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "metrics/huge_page_allocator.h"

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

  // Appends the key of `id` to `*out` (no builder, no intermediate copy)
  // and returns its size: batched lookups keep many keys in one buffer.
  static size_t AppendTo(const MetricId& id, std::string* out);

  // Writes the key of `id` at offset `at` of `*buffer` and returns its
  // size. The buffer grows (to at least twice its size) only when the key
  // does not fit, and never shrinks; bytes past the key are unspecified.
  // AppendTo without the zero-filling of std::string::resize for every key:
  // PutMetricData reuses one buffer for all the keys of a batch.
  static size_t WriteAt(const MetricId& id, std::string* buffer, size_t at);

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

namespace internal {

// The next capacity of a full vector with one record per interned metric
// (MetricIdTable's entries, MetricStore's records): doubling while small,
// then a quarter more each time. Doubling leaves up to half of a large
// vector unused (a store of 10,000 metrics held 16,384 records); growing
// by a quarter bounds the spare records to 20% of the capacity, at the cost
// of moving each record about four times over the store's growth instead of
// about once (interning only; the write path never grows these vectors).
inline size_t NextPerMetricCapacity(size_t capacity) {
  constexpr size_t kDoubleBelow = 1024;
  if (capacity < kDoubleBelow) return capacity < 8 ? 16 : 2 * capacity;
  return capacity + capacity / 4;
}

// CRC-32C (Castagnoli, reflected, no pre- or post-inversion) of `bytes`
// continued from `crc`: what MetricIdTable's hash is built on, with SSE4.2's
// crc32 instruction where the CPU has it. Exposed for tests.
uint32_t ExtendCrc32c(uint32_t crc, absl::string_view bytes);
// The same CRC by table lookup, on any CPU.
uint32_t ExtendCrc32cPortable(uint32_t crc, absl::string_view bytes);

}  // namespace internal

// Interned metric identities, dense indices 0, 1, 2, ... in insertion order.
// Two ids are the same entry iff their MetricId::Key() is equal (so
// dimension order is ignored). Stored compactly (issue 7: at most 128 bytes
// per metric in the store, all included):
//   - a "schema" per distinct (namespace, metric name, dimension names in
//     canonical order), shared by every metric with that shape;
//   - per metric, one arena entry: a flag byte, the schema number, the
//     length and bytes of each dimension value (canonical order);
//   - per metric, the entry's address (8 bytes);
//   - an open-addressing hash table of 8-byte slots (32 bits of the key's
//     hash, the index), at most 80% full, linear probing.
// Lookups compare the key against the entry piece by piece (schema
// fragments and values), without rebuilding the stored key. Ids with a
// unique namespace or name per metric pay a schema each (about 200 bytes).
//
// The hash is CRC-32C of the key's bytes (then mixed with its length). A
// CRC is computed over a byte stream, so it can be fed the id's pieces
// (namespace, separator, name, ...) one after the other: `Hash(id)` equals
// `Hash(key)` without building the key, however the id's strings split the
// key's bytes. `Find(id, ...)` and `Matches(index, id)` compare the id's
// pieces with the entry's in place; only when they differ and the key
// could still be equal (a string holding a key separator, or an id of more
// than kMaxDimensions dimensions) do they build the key and compare it.
class MetricIdTable {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  MetricIdTable() = default;
  MetricIdTable(const MetricIdTable&) = delete;
  MetricIdTable& operator=(const MetricIdTable&) = delete;
  MetricIdTable(MetricIdTable&&) = default;
  MetricIdTable& operator=(MetricIdTable&&) = default;

  // The hash of a key (MetricKeyBuilder::view()); what Find and Insert take.
  static uint64_t Hash(absl::string_view key);
  // The hash of `id`'s key, Hash(MetricKeyBuilder(id).view()), without
  // building the key (unless the id has more than kMaxDimensions
  // dimensions, or the CPU has no CRC-32C instruction).
  static uint64_t Hash(const MetricId& id);

  size_t size() const { return entries_.size(); }

  // Makes room for `entries` entries in all (hash slots and index), so that
  // inserting up to that many neither rehashes nor grows: for callers that
  // know how many metrics they will intern.
  void Reserve(size_t entries);

  // The index whose key is `key` (hash `hash`), or kNone.
  uint32_t Find(absl::string_view key, uint64_t hash) const {
    if (slots_.empty()) return kNone;
    const uint32_t tag = Tag(hash);
    for (size_t pos = tag & mask_;; pos = (pos + 1) & mask_) {
      const Slot slot = slots_[pos];
      if (slot.index == kNone) return kNone;
      if (slot.tag == tag && Matches(slot.index, key)) return slot.index;
    }
  }

  // How entry `index` relates to `id`:
  // - kNo: another key;
  // - kSamePieces: the same namespace, name and dimensions (in any order),
  //   so ValidateMetricId gives `id` the verdict it gave the entry;
  // - kSameKey: the same key, either spelled with other pieces (a string
  //   holding a key separator: "App\x1fx" "D\x1ev" is the key of
  //   {"App", "x", {D: v}}) or compared through the built key (a value of
  //   128 bytes or more, more than kMaxDimensions dimensions), so the id's
  //   own validity is not known.
  // The same key is the same metric either way (IdsWithTheSameKeyAreOneEntry
  // in tests/metric_lookup_test.cc). Precondition: index < size().
  enum class Match : uint8_t { kNo, kSameKey, kSamePieces };

  // The index whose key is `id`'s key (hash `hash` = Hash(id)), or kNone:
  // Find(MetricKeyBuilder(id).view(), hash) without building the key.
  // `how` (optional) receives how the entry found matched (Compare), or
  // Match::kNo when none did.
  uint32_t Find(const MetricId& id, uint64_t hash,
                Match* how = nullptr) const {
    if (slots_.empty()) return Found(kNone, Match::kNo, how);
    const uint32_t tag = Tag(hash);
    for (size_t pos = tag & mask_;; pos = (pos + 1) & mask_) {
      const Slot slot = slots_[pos];
      if (slot.index == kNone) return Found(kNone, Match::kNo, how);
      if (slot.tag != tag) continue;
      const Match m = Compare(slot.index, id);
      if (m != Match::kNo) return Found(slot.index, m, how);
    }
  }

  // Batched lookups (hide the cache misses of many lookups behind each
  // other): PrefetchSlot(hash), later Probe(hash) gives the first index
  // whose stored hash bits match (or kNone) without reading the entry;
  // PrefetchEntry(index), later Matches(index, key) confirms it. A
  // candidate that does not match is settled by Find.
  void PrefetchSlot(uint64_t hash) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[Tag(hash) & mask_]);
  }
  uint32_t Probe(uint64_t hash) const {
    if (slots_.empty()) return kNone;
    const uint32_t tag = Tag(hash);
    for (size_t pos = tag & mask_;; pos = (pos + 1) & mask_) {
      const Slot slot = slots_[pos];
      if (slot.index == kNone || slot.tag == tag) return slot.index;
    }
  }
  void PrefetchEntryAddress(uint32_t index) const {
    __builtin_prefetch(&entries_[index]);
  }
  void PrefetchEntry(uint32_t index) const {
    __builtin_prefetch(entries_[index]);
  }
  // True when entry `index` has key `key`. Precondition: index < size().
  bool Matches(uint32_t index, absl::string_view key) const;
  Match Compare(uint32_t index, const MetricId& id) const;
  // True when entry `index` has `id`'s key: Matches(index,
  // MetricKeyBuilder(id).view()), comparing the id's strings in place.
  // Precondition: index < size().
  bool Matches(uint32_t index, const MetricId& id) const {
    return Compare(index, id) != Match::kNo;
  }

  // Adds `id`, whose key is `key` and hash `hash`, as index size().
  // Precondition: Find(key, hash) == kNone.
  uint32_t Insert(absl::string_view key, uint64_t hash, const MetricId& id);

  // The id of entry `index`, dimensions in canonical order (what
  // `id.Canonical()` was for the id inserted). Precondition: index < size().
  MetricId Get(uint32_t index) const;
  // Get(index) assigned to `*out`, whose strings and dimension vector keep
  // their capacity (no allocation when they are large enough).
  void GetInto(uint32_t index, MetricId* out) const;
  // The metric name of entry `index`, without building the id.
  absl::string_view metric_name(uint32_t index) const {
    return schemas_[SchemaOf(entries_[index])].name;
  }

  // One flag per entry for the store (MetricStore: the id passed
  // ValidateMetricId), false at Insert.
  bool flag(uint32_t index) const { return (*entries_[index] & 1) != 0; }
  void set_flag(uint32_t index) { *entries_[index] |= 1; }

 private:
  struct Slot {
    uint32_t tag;
    uint32_t index;  // kNone: empty.
  };
  // Namespace, name and dimension names of some metrics; `fragments[k]` is
  // the key text before dimension k's value ("ns\x1fname\x1fdim\x1e" for
  // k = 0, "\x1fdim\x1e" after), and `fragments[0]` is "ns\x1fname" when
  // there are no dimensions.
  struct Schema {
    std::string metric_namespace;
    std::string name;
    std::vector<std::string> dimension_names;
    std::vector<std::string> fragments;
  };

  // Hash(id) and Matches(index, id) through the built key (out of line:
  // the key's buffer stays off the fast paths' stack frames).
  static uint64_t HashByKey(const MetricId& id);
  bool MatchesByKey(uint32_t index, const MetricId& id) const;

  static uint32_t Found(uint32_t index, Match m, Match* how) {
    if (how != nullptr) *how = m;
    return index;
  }
  static uint32_t Tag(uint64_t hash) {
    return static_cast<uint32_t>(hash ^ (hash >> 32));
  }
  // Entry layout: [flags: 1 byte][schema: 4 bytes, unaligned][per dimension
  // value: its length as a base-128 varint][the values' bytes].
  static uint32_t SchemaOf(const char* entry);
  uint32_t InternSchema(const MetricId& canonical);
  char* Allocate(size_t bytes);
  void Grow();

  // The slots, the entry addresses and (once large) the entries' chunks
  // are read at random by lookups: on huge pages (HugePageAllocator) once
  // they reach 2 MiB, so that a lookup at a million metrics misses the
  // cache but not the TLB.
  template <typename T>
  using HugeVector = std::vector<T, internal::HugePageAllocator<T>>;
  HugeVector<Slot> slots_;
  size_t mask_ = 0;
  HugeVector<char*> entries_;
  std::vector<HugeVector<char>> chunks_;
  char* chunk_next_ = nullptr;
  size_t chunk_left_ = 0;
  size_t next_chunk_bytes_ = 4096;
  size_t chunk_bytes_ = 0;  // The chunks' sizes, summed.
  std::vector<Schema> schemas_;
  absl::flat_hash_map<std::string, uint32_t> schema_by_key_;
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
