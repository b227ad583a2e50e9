// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// An allocator for the large per-metric and per-alarm arrays that hot loops
// index at random (the store's metric records, tails and minute copies, the
// id table's hash slots and entries): at a million metrics each of them
// spans hundreds of 4 KiB pages, and with 4 KiB pages nearly every access
// misses the TLB as well as the cache. Blocks of at least 2 MiB
// (kHugePageBytes) are mapped directly, starting on a 2 MiB boundary, and
// the kernel is asked to back them with transparent huge pages
// (madvise(MADV_HUGEPAGE), which works when THP is `always` or `madvise`);
// where it will not, they are ordinary pages and only the speed differs.
// Smaller blocks come from the C++17 aligned operator new. Every block
// starts on a 64-byte cache line.
//
//   std::vector<Record, internal::HugePageAllocator<Record>> records;
//   records.reserve(1000000);  // 64 MB, mapped on 2 MiB pages.
//
// The allocator is stateless (every instance is equal), so a container
// holding it is no larger than with std::allocator. Memory mapped here is
// outside malloc's heap, so malloc statistics (mallinfo2) do not see it;
// HugePageBytesMapped() counts it for memory measurements.
//
// Thread-safety: allocate and deallocate may be called from any thread
// concurrently (mmap, munmap and operator new are thread-safe; the byte
// counter is atomic).

#ifndef CWALARM_METRICS_HUGE_PAGE_ALLOCATOR_H_
#define CWALARM_METRICS_HUGE_PAGE_ALLOCATOR_H_

#include <cstddef>
#include <new>

namespace cwalarm {
namespace internal {

// The huge page size of x86-64 and of arm64 with 4 KiB base pages: blocks
// of at least this many bytes are mapped on huge pages.
inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// `bytes` (>= 1) of memory on a kHugePageBytes boundary, mapped
// privately and advised for transparent huge pages; the mapping is `bytes`
// rounded up to the base page size (the last partial huge page, if any, is
// backed by base pages). Throws std::bad_alloc when the mapping fails, as
// operator new does. Release with UnmapHugePages(p, bytes).
void* MapHugePages(size_t bytes);
// Releases a block from MapHugePages(bytes), with the same `bytes`.
void UnmapHugePages(void* p, size_t bytes) noexcept;
// Bytes currently mapped by MapHugePages in this process (base-page
// rounded), for memory accounting: what mallinfo2 misses.
size_t HugePageBytesMapped() noexcept;

// A stateless std::allocator replacement: blocks of at least kHugePageBytes
// from MapHugePages, smaller ones from aligned operator new; every block is
// aligned to at least a cache line (64 bytes) and to alignof(T).
template <typename T>
class HugePageAllocator {
 public:
  using value_type = T;
  static constexpr size_t kAlignment = alignof(T) > 64 ? alignof(T) : 64;

  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}  // NOLINT: rebinding.

  T* allocate(size_t n) {
    if (n > static_cast<size_t>(-1) / sizeof(T)) throw std::bad_alloc();
    const size_t bytes = n * sizeof(T);
    if (bytes >= kHugePageBytes) return static_cast<T*>(MapHugePages(bytes));
    return static_cast<T*>(
        ::operator new(bytes, std::align_val_t{kAlignment}));
  }
  // Precondition: `p` came from allocate(n) with the same `n` (as every
  // standard container guarantees); `n` tells which of the two sources the
  // block came from.
  void deallocate(T* p, size_t n) noexcept {
    const size_t bytes = n * sizeof(T);
    if (bytes >= kHugePageBytes) {
      UnmapHugePages(p, bytes);
      return;
    }
    // Unsized: clang enables sized deallocation only on request.
    ::operator delete(p, std::align_val_t{kAlignment});
  }

  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
  template <typename U>
  bool operator!=(const HugePageAllocator<U>&) const {
    return false;
  }
};

}  // namespace internal
}  // namespace cwalarm

#endif  // CWALARM_METRICS_HUGE_PAGE_ALLOCATOR_H_
