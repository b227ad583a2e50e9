// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "metrics/huge_page_allocator.h"

#include <atomic>
#include <cstdint>
#include <new>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#include <unistd.h>
#define CWALARM_HUGE_PAGES_MMAP 1
#else
#define CWALARM_HUGE_PAGES_MMAP 0
#endif

namespace cwalarm {
namespace internal {
namespace {

std::atomic<size_t> mapped_bytes{0};

#if CWALARM_HUGE_PAGES_MMAP
size_t BasePageBytes() {
  static const size_t page = [] {
    const long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? static_cast<size_t>(p) : size_t{4096};
  }();
  return page;
}

// `bytes` rounded up to whole base pages: the length actually mapped.
size_t MappedLength(size_t bytes) {
  const size_t page = BasePageBytes();
  return (bytes + page - 1) / page * page;
}
#endif

}  // namespace

void* MapHugePages(size_t bytes) {
#if CWALARM_HUGE_PAGES_MMAP
  const size_t page = BasePageBytes();
  if (bytes > SIZE_MAX - 2 * kHugePageBytes) throw std::bad_alloc();
  const size_t length = MappedLength(bytes);
  // Over-map by a huge page less a base page, so that the range holds a
  // kHugePageBytes boundary followed by `length` bytes, then unmap the two
  // ends: mmap only promises base-page alignment, and the kernel backs only
  // aligned 2 MiB ranges with huge pages.
  const size_t span = length + kHugePageBytes - page;
  void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const uintptr_t begin = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned =
      (begin + kHugePageBytes - 1) & ~uintptr_t{kHugePageBytes - 1};
  if (aligned != begin) munmap(raw, aligned - begin);
  const uintptr_t end = begin + span;
  if (aligned + length != end) {
    munmap(reinterpret_cast<void*>(aligned + length), end - aligned - length);
  }
  void* block = reinterpret_cast<void*>(aligned);
#ifdef MADV_HUGEPAGE
  // Advice only: where THP is off (or not built in) the block keeps base
  // pages, which is correct, only slower.
  (void)madvise(block, length, MADV_HUGEPAGE);
#endif
  mapped_bytes.fetch_add(length, std::memory_order_relaxed);
  return block;
#else
  // No mmap: an ordinary block on the same boundary.
  return ::operator new(bytes, std::align_val_t{kHugePageBytes});
#endif
}

void UnmapHugePages(void* p, size_t bytes) noexcept {
#if CWALARM_HUGE_PAGES_MMAP
  const size_t length = MappedLength(bytes);
  munmap(p, length);
  mapped_bytes.fetch_sub(length, std::memory_order_relaxed);
#else
  (void)bytes;
  ::operator delete(p, std::align_val_t{kHugePageBytes});
#endif
}

size_t HugePageBytesMapped() noexcept {
  return mapped_bytes.load(std::memory_order_relaxed);
}

}  // namespace internal
}  // namespace cwalarm
