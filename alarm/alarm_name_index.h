// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// AlarmNameIndex: AlarmEvaluator's index from alarm name to slot, compact
// (issue 7, at most 128 bytes of evaluator state per alarm). It holds slot
// numbers only; names are read through a callable `NameOf(slot)` (the
// evaluator's name arena), so an entry costs 5 bytes: a 4-byte slot and a
// tag byte (7 bits of the name's hash). Open addressing over groups of 8
// entries, probed group by group; at most 7/8 of the entries are used.
// Unlike absl::flat_hash_set (power-of-two capacities that double: 44% to
// 88% full, so 5.7 to 11.4 bytes an alarm), the number of groups is any
// integer: it doubles up to 128 groups, then grows by a quarter, and
// Reserve(n) sizes it to n exactly (5.7 to 7.2 bytes an alarm).
//
//   struct NameOf { absl::string_view operator()(uint32_t slot) const; };
//   AlarmNameIndex<NameOf> index(NameOf{...});
//   index.Insert(slot);                        // NameOf(slot) must be new.
//   uint32_t s = index.Find("cpu-high");       // kNone when absent.
//   index.Erase(slot);                         // Before NameOf(slot) changes.
//
// A slot's name must not change while it is in the index (its hash is not
// stored: growth rehashes every name through NameOf).
//
// Thread-safety: not thread-safe; const methods may run concurrently when
// nothing mutates the index.

#ifndef CWALARM_ALARM_ALARM_NAME_INDEX_H_
#define CWALARM_ALARM_ALARM_NAME_INDEX_H_

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace cwalarm {
namespace internal {

template <typename NameOf>
class AlarmNameIndex {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  explicit AlarmNameIndex(NameOf name_of) : name_of_(std::move(name_of)) {}
  AlarmNameIndex(const AlarmNameIndex&) = delete;
  AlarmNameIndex& operator=(const AlarmNameIndex&) = delete;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Entries allocated (8 per group), used or not.
  size_t capacity() const { return groups_.size() * kGroupSize; }

  // The slot whose name is `name`, or kNone.
  uint32_t Find(absl::string_view name) const {
    if (groups_.empty()) return kNone;
    const size_t hash = Hash(name);
    const uint8_t tag = TagOf(hash);
    size_t g = HomeOf(hash);
    for (;;) {
      const Group& group = groups_[g];
      for (uint64_t m = MatchTag(group.tags, tag); m != 0; m &= m - 1) {
        const uint32_t slot = group.slots[LowestByte(m)];
        if (name_of_(slot) == name) return slot;
      }
      if (HasEmpty(group.tags)) return kNone;
      g = Next(g);
    }
  }

  // Adds `slot`. Precondition: no slot in the index has NameOf(slot)'s name.
  void Insert(uint32_t slot) {
    if (size_ + deleted_ + 1 > MaxUsed(groups_.size())) Grow();
    Place(slot, Hash(name_of_(slot)));
    ++size_;
  }

  // Removes `slot`, which must be in the index with its name unchanged.
  void Erase(uint32_t slot) {
    const size_t hash = Hash(name_of_(slot));
    const uint8_t tag = TagOf(hash);
    for (size_t g = HomeOf(hash);; g = Next(g)) {
      Group& group = groups_[g];
      for (uint64_t m = MatchTag(group.tags, tag); m != 0; m &= m - 1) {
        const int i = LowestByte(m);
        if (group.slots[i] != slot) continue;
        // A group that still has an empty entry has never been full since
        // the last rehash (entries go empty -> used -> deleted), so no
        // probe ever went past it: the entry may become empty again.
        // Otherwise it is marked deleted, for the probes that did.
        const uint8_t mark = HasEmpty(group.tags) ? kEmpty : kDeleted;
        SetTag(&group, i, mark);
        if (mark == kDeleted) ++deleted_;
        --size_;
        return;
      }
      if (HasEmpty(group.tags)) {
        assert(false && "AlarmNameIndex::Erase: slot not in the index");
        return;
      }
    }
  }

  // Makes room for `entries` entries in all, so that inserting up to that
  // many allocates nothing. Never shrinks.
  void Reserve(size_t entries) {
    const size_t groups = GroupsFor(entries);
    if (groups > groups_.size()) Rehash(groups);
  }

  // Calls f(slot) for every slot in the index, in no particular order.
  template <typename F>
  void ForEach(F f) const {
    for (const Group& group : groups_) {
      for (uint64_t m = Used(group.tags); m != 0; m &= m - 1) {
        f(group.slots[LowestByte(m)]);
      }
    }
  }

 private:
  static constexpr int kGroupSize = 8;
  // Tag bytes: empty, deleted, or 0x80 | 7 bits of the hash (used).
  static constexpr uint8_t kEmpty = 0;
  static constexpr uint8_t kDeleted = 1;
  static constexpr uint64_t kLows = 0x0101010101010101u;
  static constexpr uint64_t kHighs = 0x8080808080808080u;
  struct Group {
    uint64_t tags = 0;  // Byte i: entry i's tag (all empty).
    uint32_t slots[kGroupSize] = {};
  };

  static size_t Hash(absl::string_view name) {
    return absl::Hash<absl::string_view>()(name);
  }
  static uint8_t TagOf(size_t hash) {
    return static_cast<uint8_t>(0x80 | (hash & 0x7f));
  }
  // The first group probed: the hash's high bits scaled to the number of
  // groups (any number, not only powers of two).
  size_t HomeOf(size_t hash) const {
    return static_cast<size_t>(
        (static_cast<unsigned __int128>(uint64_t{hash}) * groups_.size()) >>
        64);
  }
  size_t Next(size_t g) const { return g + 1 == groups_.size() ? 0 : g + 1; }
  // Entries that may be used or deleted in `groups` groups: 7/8, so that
  // probes always reach an empty entry.
  static size_t MaxUsed(size_t groups) { return groups * kGroupSize / 8 * 7; }
  static size_t GroupsFor(size_t entries) { return (entries + 6) / 7; }

  // The high bit of every byte of `x` that is zero (exact: no carry
  // crosses bytes).
  static uint64_t ZeroBytes(uint64_t x) {
    constexpr uint64_t kLow7 = 0x7f7f7f7f7f7f7f7fu;
    return ~(((x & kLow7) + kLow7) | x | kLow7);
  }
  // The high bit of every byte of `tags` equal to `tag`.
  static uint64_t MatchTag(uint64_t tags, uint8_t tag) {
    return ZeroBytes(tags ^ (kLows * tag));
  }
  // The high bit of every used byte.
  static uint64_t Used(uint64_t tags) { return tags & kHighs; }
  static bool HasEmpty(uint64_t tags) { return ZeroBytes(tags) != 0; }
  static int LowestByte(uint64_t mask) { return __builtin_ctzll(mask) / 8; }
  static void SetTag(Group* group, int i, uint8_t tag) {
    group->tags &= ~(uint64_t{0xff} << (8 * i));
    group->tags |= uint64_t{tag} << (8 * i);
  }

  // Puts `slot` in the first entry not used on its probe sequence.
  void Place(uint32_t slot, size_t hash) {
    for (size_t g = HomeOf(hash);; g = Next(g)) {
      Group& group = groups_[g];
      const uint64_t free = ~group.tags & kHighs;  // Empty or deleted.
      if (free == 0) continue;
      const int i = LowestByte(free);
      if (((group.tags >> (8 * i)) & 0xff) == kDeleted) --deleted_;
      SetTag(&group, i, TagOf(hash));
      group.slots[i] = slot;
      return;
    }
  }

  // Room for one more entry: a rehash at the same size when deleted
  // entries fill the table and the used ones fit in 3/4 of it, else
  // doubling up to 128 groups and a quarter more past that.
  void Grow() {
    const size_t n = groups_.size();
    const size_t need = GroupsFor(size_ + 1);
    size_t groups = n;
    if (need > n * 3 / 4) groups = n < 128 ? std::max<size_t>(2 * n, 1) : n + n / 4;
    Rehash(std::max(groups, need));
  }

  // Names are read in slot order: the evaluator's arena holds them roughly
  // in that order, so the reads are mostly sequential instead of a cache
  // miss or two per name in table order (which made PutMetricAlarm without
  // Reserve ~20% slower at 1e5 alarms).
  void Rehash(size_t groups) {
    std::vector<uint32_t> slots;
    slots.reserve(size_);
    ForEach([&](uint32_t slot) { slots.push_back(slot); });
    std::sort(slots.begin(), slots.end());
    std::vector<Group>(groups).swap(groups_);
    deleted_ = 0;
    for (uint32_t slot : slots) Place(slot, Hash(name_of_(slot)));
  }

  NameOf name_of_;
  std::vector<Group> groups_;
  size_t size_ = 0;
  size_t deleted_ = 0;  // Entries marked kDeleted.
};

}  // namespace internal
}  // namespace cwalarm

#endif  // CWALARM_ALARM_ALARM_NAME_INDEX_H_
