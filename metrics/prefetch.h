// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// internal::PrefetchLine: a read prefetch of the cache line holding an
// address, for the hot loops of MetricStore and AlarmEvaluator, which ask
// for the lines of records a few items ahead of the one they work on.
//
//   internal::PrefetchLine(reinterpret_cast<uintptr_t>(&records[i + 8]));
//
// On x86-64 it is an asm statement (`prefetcht0`): GCC 12 may drop a
// __builtin_prefetch whose result it sees no use of. A prefetch never
// faults, so any address may be given (past the end of an array included).
// Thread-safe: it reads nothing.

#ifndef CWALARM_METRICS_PREFETCH_H_
#define CWALARM_METRICS_PREFETCH_H_

#include <cstdint>

namespace cwalarm {
namespace internal {

inline void PrefetchLine(uintptr_t address) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  asm volatile("prefetcht0 (%0)" : : "r"(address));
#else
  __builtin_prefetch(reinterpret_cast<const void*>(address));
#endif
}

}  // namespace internal
}  // namespace cwalarm

#endif  // CWALARM_METRICS_PREFETCH_H_
