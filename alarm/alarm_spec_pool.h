// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// AlarmSpecPool: interns the parts of AlarmSpecs that many alarms share, so
// that a million alarms with the same period, statistic, actions and tags
// hold one copy of them (issue 7, at most 128 bytes of evaluator state per
// alarm). AlarmEvaluator interns each alarm's "shape": its spec with the
// name, the metric (when the store holds it) and the threshold's value
// cleared, and keeps those per alarm.
//
//   AlarmSpecPool pool;
//   uint32_t id = pool.Intern(std::move(shape));   // Equal shapes share an id.
//   const AlarmSpec& s = pool.Get(id);
//   pool.Release(id);                               // One per Intern.
//
// Two shapes are the same when SameAlarmSpec holds: every field equal.
//
// Thread-safety: not thread-safe; Get may be called concurrently when
// nothing mutates the pool.

#ifndef CWALARM_ALARM_ALARM_SPEC_POOL_H_
#define CWALARM_ALARM_ALARM_SPEC_POOL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "alarm/alarm_spec.h"

namespace cwalarm {

// True when every field of `a` and `b` is equal (doubles compared with ==,
// so 0 and -0 are the same and NaN never is: a NaN-carrying spec simply is
// not shared).
bool SameAlarmSpec(const AlarmSpec& a, const AlarmSpec& b);

// True when `a` and `b` are the same metric written the same way: namespace,
// name and dimensions in the same order. `MetricId::operator==` ignores the
// dimension order (it names the metric); an alarm describes its metric as it
// was put (spec 4.1), so two specs differing only in that order differ.
bool SameMetricAsPut(const MetricId& a, const MetricId& b);

class AlarmSpecPool {
 public:
  AlarmSpecPool();
  AlarmSpecPool(const AlarmSpecPool&) = delete;
  AlarmSpecPool& operator=(const AlarmSpecPool&) = delete;

  // The id of a spec equal to `spec` (SameAlarmSpec), adding it when new.
  // Each call takes one reference.
  uint32_t Intern(AlarmSpec spec);
  // Drops one reference; the spec is freed with its last.
  void Release(uint32_t id);
  // Valid while a reference to `id` is held.
  const AlarmSpec& Get(uint32_t id) const { return entries_[id]->spec; }

  // Distinct specs held.
  size_t size() const { return index_.size(); }

 private:
  struct Entry {
    AlarmSpec spec;
    size_t hash;
    uint32_t refs;
  };
  // The index holds ids; lookups by a candidate spec go through Probe.
  struct Probe {
    const AlarmSpec* spec;
    size_t hash;
  };
  struct Hash {
    using is_transparent = void;
    const AlarmSpecPool* pool;
    size_t operator()(uint32_t id) const { return pool->entries_[id]->hash; }
    size_t operator()(const Probe& p) const { return p.hash; }
  };
  struct Eq {
    using is_transparent = void;
    const AlarmSpecPool* pool;
    bool operator()(uint32_t a, uint32_t b) const { return a == b; }
    bool operator()(uint32_t a, const Probe& b) const {
      return SameAlarmSpec(pool->entries_[a]->spec, *b.spec);
    }
    bool operator()(const Probe& a, uint32_t b) const { return (*this)(b, a); }
  };

  std::vector<std::unique_ptr<Entry>> entries_;  // By id; null when free.
  std::vector<uint32_t> free_ids_;
  absl::flat_hash_set<uint32_t, Hash, Eq> index_;
};

}  // namespace cwalarm

#endif  // CWALARM_ALARM_ALARM_SPEC_POOL_H_
