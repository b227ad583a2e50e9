// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "metrics/metric_id.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
#define CWALARM_CRC32C_SSE42 1
#else
#define CWALARM_CRC32C_SSE42 0
#endif

namespace cwalarm {
namespace {

bool HasNonWhitespace(absl::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return !absl::ascii_isspace(c); });
}

bool IsPrintableAscii(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f;
  });
}

bool IsNamespaceChar(char c) {
  return absl::ascii_isalnum(c) || c == '.' || c == '-' || c == '_' ||
         c == '/' || c == '#' || c == ':' || c == ' ';
}

absl::Status Invalid(absl::string_view context, absl::string_view field,
                     absl::string_view value, absl::string_view rule) {
  return absl::InvalidArgumentError(
      absl::StrCat(context, ": ", field, " \"", value, "\" ", rule));
}

// Byte copies and comparisons of the short strings of a metric key (a few
// to a few dozen bytes), inlined: a libc call per piece cost as much as the
// rest of a lookup (callgrind). Loads and stores stay within [p, p + n).
inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
inline uint32_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline void CopyBytes(char* dst, const char* src, size_t n) {
  if (n >= 8) {
    size_t i = 0;
    for (; i + 8 < n; i += 8) {
      const uint64_t v = Load64(src + i);
      std::memcpy(dst + i, &v, sizeof(v));
    }
    const uint64_t last = Load64(src + n - 8);
    std::memcpy(dst + n - 8, &last, sizeof(last));
  } else if (n >= 4) {
    const uint32_t a = Load32(src);
    const uint32_t b = Load32(src + n - 4);
    std::memcpy(dst, &a, sizeof(a));
    std::memcpy(dst + n - 4, &b, sizeof(b));
  } else {
    for (size_t i = 0; i < n; ++i) dst[i] = src[i];
  }
}

inline bool SameBytes(const char* a, const char* b, size_t n) {
  if (n >= 8) {
    size_t i = 0;
    for (; i + 8 < n; i += 8) {
      if (Load64(a + i) != Load64(b + i)) return false;
    }
    return Load64(a + n - 8) == Load64(b + n - 8);
  }
  if (n >= 4) {
    return Load32(a) == Load32(b) && Load32(a + n - 4) == Load32(b + n - 4);
  }
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// 64x64 -> 128-bit multiply, folded: the mixing step of the key hash.
inline uint64_t Mix(uint64_t a, uint64_t b) {
  const unsigned __int128 m = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(m) ^ static_cast<uint64_t>(m >> 64);
}

// Canonical dimension order: by name, then value (names are unique in
// valid ids).
inline bool DimensionLess(const Dimension& a, const Dimension& b) {
  // Names usually differ in their first byte: decided without a memcmp
  // call. std::string compares bytes as unsigned char, as here.
  if (!a.name.empty() && !b.name.empty() && a.name[0] != b.name[0]) {
    return static_cast<unsigned char>(a.name[0]) <
           static_cast<unsigned char>(b.name[0]);
  }
  const int c = a.name.compare(b.name);
  return c != 0 ? c < 0 : a.value < b.value;
}

// Writes pointers to `dims` in canonical order to order[0, dims.size()):
// insertion sort for the usual handful of dimensions (already sorted input,
// the common case, costs n - 1 comparisons), std::sort beyond. Only
// identical dimensions compare equal, so every sort gives the same
// sequence of names and values.
__attribute__((noinline)) void SortManyDimensions(
    const std::vector<Dimension>& dims, const Dimension** order) {
  const size_t n = dims.size();
  constexpr size_t kInsertionSortMax = 8;
  if (n > kInsertionSortMax) {
    for (size_t i = 0; i < n; ++i) order[i] = &dims[i];
    std::sort(order, order + n, [](const Dimension* a, const Dimension* b) {
      return DimensionLess(*a, *b);
    });
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    const Dimension* d = &dims[i];
    size_t j = i;
    for (; j > 0 && DimensionLess(*d, *order[j - 1]); --j) {
      order[j] = order[j - 1];
    }
    order[j] = d;
  }
}

// SortManyDimensions, with one or two dimensions (the most common ids)
// ordered inline: every lookup sorts.
inline void SortDimensions(const std::vector<Dimension>& dims,
                           const Dimension** order) {
  const Dimension* d = dims.data();
  switch (dims.size()) {
    case 0:
      return;
    case 1:
      order[0] = d;
      return;
    case 2: {
      const bool swap = DimensionLess(d[1], d[0]);
      order[0] = &d[swap ? 1 : 0];
      order[1] = &d[swap ? 0 : 1];
      return;
    }
    default:
      SortManyDimensions(dims, order);
  }
}

inline bool SameString(const std::string& a, const std::string& b) {
  return a.size() == b.size() && SameBytes(a.data(), b.data(), a.size());
}

// The key's hash: CRC-32C (Castagnoli, reflected, as the SSE4.2 crc32
// instruction computes it, without the customary pre- and post-inversion;
// kCrcSeed plays that part) of the key's bytes, then the CRC and the key's
// length mixed into 64 bits. A CRC is a running state over a byte stream,
// so feeding the key's pieces one after the other gives the CRC of the
// whole key: this is what lets MetricIdTable::Hash(id) skip building the
// key. CRC-32C also tells apart any two keys of one length that differ
// within 32 consecutive bits (a counter in a dimension value).
constexpr uint32_t kCrcSeed = 0xffffffffu;

constexpr std::array<uint32_t, 256> MakeCrc32cTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ ((c & 1) ? 0x82f63b78u : 0);
    table[i] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrc32cTable = MakeCrc32cTable();

uint32_t Crc32cPortable(uint32_t crc, const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    crc = kCrc32cTable[(crc ^ static_cast<unsigned char>(p[i])) & 0xff] ^
          (crc >> 8);
  }
  return crc;
}

inline uint64_t FinishHash(uint32_t crc, size_t size) {
  constexpr uint64_t kA = 0xa0761d6478bd642full;
  constexpr uint64_t kC = 0x8ebc6af09c88c6e3ull;
  return Mix(((static_cast<uint64_t>(crc) << 32) |
              static_cast<uint32_t>(size)) ^ kA,
             kC);
}

#if CWALARM_CRC32C_SSE42
// Whether this CPU has SSE4.2's crc32 (every x86-64 CPU since about 2009);
// without it the portable table gives the same CRC, slower. Set during
// static initialization; code running before that reads false and takes
// the portable path, with the same results.
const bool kHaveSse42 = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2") != 0;
}();

// The functions below run SSE4.2's crc32 instruction; they are called only
// when kHaveSse42. Always inlined into each other (same target), so a
// lookup's hash is one call.
#define CWALARM_SSE42_INLINE \
  __attribute__((target("sse4.2"), always_inline)) inline

CWALARM_SSE42_INLINE uint32_t Crc32cSse42(uint32_t crc, const char* p,
                                          size_t n) {
  if (n >= 8) {
    uint64_t c = crc;
    for (size_t words = n >> 3; words != 0; --words, p += 8) {
      c = _mm_crc32_u64(c, Load64(p));
    }
    crc = static_cast<uint32_t>(c);
  }
  if (n & 4) {
    crc = _mm_crc32_u32(crc, Load32(p));
    p += 4;
  }
  if (n & 2) {
    uint16_t v;
    std::memcpy(&v, p, sizeof(v));
    crc = _mm_crc32_u16(crc, v);
    p += 2;
  }
  if (n & 1) crc = _mm_crc32_u8(crc, static_cast<unsigned char>(*p));
  return crc;
}

// One dimension's part of the key: "\x1f" name "\x1e" value; adds its
// length to `*size`.
CWALARM_SSE42_INLINE uint32_t CrcDimensionSse42(uint32_t crc,
                                                const Dimension& d,
                                                size_t* size) {
  *size += 2 + d.name.size() + d.value.size();
  crc = _mm_crc32_u8(crc, 0x1f);
  crc = Crc32cSse42(crc, d.name.data(), d.name.size());
  crc = _mm_crc32_u8(crc, 0x1e);
  return Crc32cSse42(crc, d.value.data(), d.value.size());
}

// Hash(key) of the key MetricKeyBuilder would write for `id`, from its
// pieces and separators fed to the CRC in key order. Precondition:
// id.dimensions.size() <= kMaxDimensions.
__attribute__((target("sse4.2"))) uint64_t HashIdSse42(const MetricId& id) {
  const std::vector<Dimension>& dims = id.dimensions;
  const size_t n = dims.size();
  uint32_t crc = Crc32cSse42(kCrcSeed, id.metric_namespace.data(),
                             id.metric_namespace.size());
  crc = _mm_crc32_u8(crc, 0x1f);
  crc = Crc32cSse42(crc, id.metric_name.data(), id.metric_name.size());
  size_t size = id.metric_namespace.size() + 1 + id.metric_name.size();
  if (n == 1) {
    crc = CrcDimensionSse42(crc, dims[0], &size);
  } else if (n == 2) {  // SortDimensions' case 2, written out.
    const bool swap = DimensionLess(dims[1], dims[0]);
    crc = CrcDimensionSse42(crc, dims[swap ? 1 : 0], &size);
    crc = CrcDimensionSse42(crc, dims[swap ? 0 : 1], &size);
  } else if (n > 2) {
    const Dimension* order[kMaxDimensions];
    SortManyDimensions(dims, order);
    for (size_t k = 0; k < n; ++k) {
      crc = CrcDimensionSse42(crc, *order[k], &size);
    }
  }
  return FinishHash(crc, size);
}
#endif  // CWALARM_CRC32C_SSE42

#if CWALARM_CRC32C_SSE42
__attribute__((target("sse4.2"))) uint32_t Crc32cSse42Bytes(uint32_t crc,
                                                            const char* p,
                                                            size_t n) {
  return Crc32cSse42(crc, p, n);
}
#endif

uint32_t Crc32c(uint32_t crc, const char* p, size_t n) {
#if CWALARM_CRC32C_SSE42
  if (kHaveSse42) return Crc32cSse42Bytes(crc, p, n);
#endif
  return Crc32cPortable(crc, p, n);
}

}  // namespace

MetricId MetricId::Canonical() const {
  MetricId out = *this;
  std::sort(out.dimensions.begin(), out.dimensions.end(),
            [](const Dimension& a, const Dimension& b) {
              return std::tie(a.name, a.value) < std::tie(b.name, b.value);
            });
  return out;
}

std::string MetricId::Key() const {
  return std::string(MetricKeyBuilder(*this).view());
}

namespace {

// Writes the key of `id` into `reserve(size)`, a buffer of `size` bytes
// (the key's size); returns the size. MetricKeyBuilder's constructor and
// AppendTo share it, so Key() has one definition.
template <typename ReserveFn>
inline size_t WriteKey(const MetricId& id, ReserveFn reserve) {
  // \x1f (unit separator) and \x1e (record separator) cannot occur in a
  // valid namespace or dimension, so dimensions cannot be confused: '=' is
  // allowed in dimension names and values, so {"a=b": "c"} and
  // {"a": "b=c"} would share a key with '=' as the separator.
  const std::vector<Dimension>& dims = id.dimensions;
  const size_t n = dims.size();
  // Canonical order through an array of pointers (no copy of the
  // dimensions).
  std::array<const Dimension*, kMaxDimensions> inline_order;
  std::vector<const Dimension*> heap_order;  // Only for invalid ids (> 30).
  const Dimension** order = inline_order.data();
  if (n > inline_order.size()) {
    heap_order.resize(n);
    order = heap_order.data();
  }
  SortDimensions(dims, order);
  // One size computation and one capacity check, then plain copies.
  size_t size = id.metric_namespace.size() + 1 + id.metric_name.size();
  for (size_t i = 0; i < n; ++i) {
    size += 2 + dims[i].name.size() + dims[i].value.size();
  }
  char* const begin = reserve(size);
  char* out = begin;
  auto put = [&out](const std::string& s) {
    CopyBytes(out, s.data(), s.size());
    out += s.size();
  };
  put(id.metric_namespace);
  *out++ = '\x1f';
  put(id.metric_name);
  for (size_t i = 0; i < n; ++i) {
    *out++ = '\x1f';
    put(order[i]->name);
    *out++ = '\x1e';
    put(order[i]->value);
  }
  return static_cast<size_t>(out - begin);
}

}  // namespace

MetricKeyBuilder::MetricKeyBuilder(const MetricId& id) {
  size_ = WriteKey(id, [this](size_t size) {
    Reserve(size);
    return data_;
  });
}

size_t MetricKeyBuilder::AppendTo(const MetricId& id, std::string* out) {
  const size_t old = out->size();
  return WriteKey(id, [out, old](size_t size) {
    out->resize(old + size);
    return &(*out)[old];
  });
}

size_t MetricKeyBuilder::WriteAt(const MetricId& id, std::string* buffer,
                                 size_t at) {
  return WriteKey(id, [buffer, at](size_t size) {
    if (buffer->size() < at + size) {
      buffer->resize(std::max(at + size, 2 * buffer->size()));
    }
    return &(*buffer)[at];
  });
}

void MetricKeyBuilder::Reserve(size_t size) {
  if (size <= kInlineBytes) return;
  heap_.resize(size);
  data_ = &heap_[0];
}

namespace internal {

uint32_t ExtendCrc32c(uint32_t crc, absl::string_view bytes) {
  return Crc32c(crc, bytes.data(), bytes.size());
}

uint32_t ExtendCrc32cPortable(uint32_t crc, absl::string_view bytes) {
  return Crc32cPortable(crc, bytes.data(), bytes.size());
}

}  // namespace internal

uint64_t MetricIdTable::Hash(absl::string_view key) {
  // Deterministic (no per-process seed): the table never leaves the
  // process, and a fixed hash keeps runs reproducible.
  return FinishHash(Crc32c(kCrcSeed, key.data(), key.size()), key.size());
}

uint64_t MetricIdTable::Hash(const MetricId& id) {
#if CWALARM_CRC32C_SSE42
  const size_t n = id.dimensions.size();
  if (n <= kMaxDimensions && kHaveSse42) return HashIdSse42(id);
#endif
  return HashByKey(id);
}

__attribute__((noinline)) uint64_t MetricIdTable::HashByKey(
    const MetricId& id) {
  return Hash(MetricKeyBuilder(id).view());
}

uint32_t MetricIdTable::SchemaOf(const char* entry) {
  uint32_t schema;
  std::memcpy(&schema, entry + 1, sizeof(schema));
  return schema;
}

bool MetricIdTable::Matches(uint32_t index, absl::string_view key) const {
  const char* entry = entries_[index];
  const Schema& schema = schemas_[SchemaOf(entry)];
  const char* lengths = entry + 1 + sizeof(uint32_t);
  // The values follow the lengths: skip them first.
  const char* value = lengths;
  const size_t dims = schema.dimension_names.size();
  for (size_t k = 0; k < dims; ++k) {
    while (static_cast<unsigned char>(*value) & 0x80) ++value;
    ++value;
  }
  const char* p = key.data();
  const char* const end = p + key.size();
  auto take = [&p, end](const char* bytes, size_t n) {
    if (static_cast<size_t>(end - p) < n || !SameBytes(p, bytes, n)) {
      return false;
    }
    p += n;
    return true;
  };
  if (dims == 0) {
    const std::string& f = schema.fragments[0];
    return take(f.data(), f.size()) && p == end;
  }
  for (size_t k = 0; k < dims; ++k) {
    const std::string& f = schema.fragments[k];
    size_t n = 0;
    for (int shift = 0;; shift += 7) {
      const auto byte = static_cast<unsigned char>(*lengths++);
      n |= static_cast<size_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) break;
    }
    if (!take(f.data(), f.size()) || !take(value, n)) return false;
    value += n;
  }
  return p == end;
}

MetricIdTable::Match MetricIdTable::Compare(uint32_t index,
                                            const MetricId& id) const {
  const std::vector<Dimension>& dims = id.dimensions;
  const size_t n = dims.size();
  const char* entry = entries_[index];
  const Schema& schema = schemas_[SchemaOf(entry)];
  // Piece by piece: namespace, name, then each dimension's name and value
  // in canonical order. Equal pieces make equal keys. Values shorter than
  // 128 bytes (one-byte lengths) are read in one pass.
  if (n <= kMaxDimensions && schema.dimension_names.size() == n &&
      SameString(schema.metric_namespace, id.metric_namespace) &&
      SameString(schema.name, id.metric_name)) {
    const Dimension* order[kMaxDimensions];
    SortDimensions(dims, order);
    const char* lengths = entry + 1 + sizeof(uint32_t);
    const char* value = lengths + n;
    size_t k = 0;
    for (; k < n; ++k) {
      const auto size = static_cast<unsigned char>(lengths[k]);
      const Dimension& d = *order[k];
      // A length of 128 or more takes two bytes: `value` is then wrong from
      // the start, so no such entry is accepted here (all reads stay inside
      // the entry); the key comparison below settles it.
      if ((size & 0x80) != 0 ||
          !SameString(schema.dimension_names[k], d.name) ||
          d.value.size() != size || !SameBytes(value, d.value.data(), size)) {
        break;
      }
      value += size;
    }
    if (k == n) return Match::kSamePieces;
  }
  // Different pieces can still spell the same key when a string holds a
  // key separator ("x\x1f" "D\x1e" "v" as a metric name is the key of
  // {"x", {D: v}}). Those, ids of more than kMaxDimensions dimensions,
  // values of 128 bytes or more, and the rare candidate whose hash tag
  // merely collides are settled by building the key and comparing it.
  return MatchesByKey(index, id) ? Match::kSameKey : Match::kNo;
}

__attribute__((noinline)) bool MetricIdTable::MatchesByKey(
    uint32_t index, const MetricId& id) const {
  return Matches(index, MetricKeyBuilder(id).view());
}

MetricId MetricIdTable::Get(uint32_t index) const {
  MetricId id;
  GetInto(index, &id);
  return id;
}

void MetricIdTable::GetInto(uint32_t index, MetricId* out) const {
  const char* entry = entries_[index];
  const Schema& schema = schemas_[SchemaOf(entry)];
  MetricId& id = *out;
  id.metric_namespace = schema.metric_namespace;
  id.metric_name = schema.name;
  const size_t dims = schema.dimension_names.size();
  id.dimensions.resize(dims);
  const char* lengths = entry + 1 + sizeof(uint32_t);
  size_t sizes[kMaxDimensions];
  std::vector<size_t> more;  // Only for ids beyond kMaxDimensions.
  size_t* n = sizes;
  if (dims > kMaxDimensions) {
    more.resize(dims);
    n = more.data();
  }
  for (size_t k = 0; k < dims; ++k) {
    n[k] = 0;
    for (int shift = 0;; shift += 7) {
      const auto byte = static_cast<unsigned char>(*lengths++);
      n[k] |= static_cast<size_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) break;
    }
  }
  const char* value = lengths;
  for (size_t k = 0; k < dims; ++k) {
    id.dimensions[k].name = schema.dimension_names[k];
    id.dimensions[k].value.assign(value, n[k]);
    value += n[k];
  }
}

uint32_t MetricIdTable::InternSchema(const MetricId& canonical) {
  // Lengths first, so that no two shapes share a lookup key even when a
  // name contains the key separators.
  std::string lookup = absl::StrCat(canonical.dimensions.size(), ":",
                                    canonical.metric_namespace.size(), ":",
                                    canonical.metric_name.size());
  for (const Dimension& d : canonical.dimensions) {
    absl::StrAppend(&lookup, ":", d.name.size());
  }
  absl::StrAppend(&lookup, "|", canonical.metric_namespace, "|",
                  canonical.metric_name);
  for (const Dimension& d : canonical.dimensions) {
    absl::StrAppend(&lookup, "|", d.name);
  }
  auto [it, inserted] = schema_by_key_.try_emplace(
      std::move(lookup), static_cast<uint32_t>(schemas_.size()));
  if (!inserted) return it->second;
  Schema schema;
  schema.metric_namespace = canonical.metric_namespace;
  schema.name = canonical.metric_name;
  // The same text MetricKeyBuilder writes, cut before each value.
  std::string prefix = absl::StrCat(canonical.metric_namespace, "\x1f",
                                    canonical.metric_name);
  for (const Dimension& d : canonical.dimensions) {
    schema.dimension_names.push_back(d.name);
    absl::StrAppend(&prefix, "\x1f", d.name, "\x1e");
    schema.fragments.push_back(std::move(prefix));
    prefix.clear();
  }
  if (canonical.dimensions.empty()) schema.fragments.push_back(prefix);
  schemas_.push_back(std::move(schema));
  return it->second;
}

char* MetricIdTable::Allocate(size_t bytes) {
  if (bytes > chunk_left_) {
    // Chunks double from 4 KiB to 64 KiB, so that small stores stay small
    // and large ones waste at most a chunk's tail each. Past 64 KiB a chunk
    // doubles only while it stays within an eighth of the chunks so far
    // (the unused tail stays within 1/8 of the arena), up to 2 MiB: from
    // 16 MiB of entries on (some 700,000 typical metrics), each new chunk
    // is one huge page (internal::HugePageAllocator), one TLB entry.
    const size_t size = std::max(bytes, next_chunk_bytes_);
    chunks_.emplace_back(size);
    chunk_bytes_ += size;
    if (next_chunk_bytes_ < 64 * 1024) {
      next_chunk_bytes_ *= 2;
    } else {
      while (next_chunk_bytes_ < internal::kHugePageBytes &&
             next_chunk_bytes_ * 2 * 8 <= chunk_bytes_) {
        next_chunk_bytes_ *= 2;
      }
    }
    chunk_next_ = chunks_.back().data();
    chunk_left_ = size;
  }
  char* out = chunk_next_;
  chunk_next_ += bytes;
  chunk_left_ -= bytes;
  return out;
}

void MetricIdTable::Reserve(size_t entries) {
  if (entries > entries_.capacity()) entries_.reserve(entries);
  while (entries * 5 > slots_.size() * 4) Grow();
}

void MetricIdTable::Grow() {
  const size_t capacity = slots_.empty() ? 16 : slots_.size() * 2;
  HugeVector<Slot> old = std::move(slots_);
  slots_.assign(capacity, Slot{0, kNone});
  mask_ = capacity - 1;
  for (const Slot& slot : old) {
    if (slot.index == kNone) continue;
    size_t pos = slot.tag & mask_;
    while (slots_[pos].index != kNone) pos = (pos + 1) & mask_;
    slots_[pos] = slot;
  }
}

uint32_t MetricIdTable::Insert(absl::string_view key, uint64_t hash,
                               const MetricId& id) {
  // At most 80% full: linear probing stays short for hits.
  if ((entries_.size() + 1) * 5 > slots_.size() * 4) Grow();
  const MetricId canonical = id.Canonical();
  const uint32_t schema = InternSchema(canonical);
  size_t bytes = 1 + sizeof(uint32_t);
  for (const Dimension& d : canonical.dimensions) {
    for (size_t n = d.value.size(); n >= 0x80; n >>= 7) ++bytes;
    bytes += 1 + d.value.size();
  }
  char* entry = Allocate(bytes);
  char* out = entry;
  *out++ = 0;  // Flags.
  std::memcpy(out, &schema, sizeof(schema));
  out += sizeof(schema);
  for (const Dimension& d : canonical.dimensions) {
    size_t n = d.value.size();
    for (; n >= 0x80; n >>= 7) *out++ = static_cast<char>((n & 0x7f) | 0x80);
    *out++ = static_cast<char>(n);
  }
  for (const Dimension& d : canonical.dimensions) {
    std::memcpy(out, d.value.data(), d.value.size());
    out += d.value.size();
  }
  const auto index = static_cast<uint32_t>(entries_.size());
  if (entries_.size() == entries_.capacity()) {
    entries_.reserve(internal::NextPerMetricCapacity(entries_.capacity()));
  }
  entries_.push_back(entry);
  const uint32_t tag = Tag(hash);
  size_t pos = tag & mask_;
  while (slots_[pos].index != kNone) pos = (pos + 1) & mask_;
  slots_[pos] = Slot{tag, index};
  // The entry holds the key's parts; the key itself is not kept.
  assert(Matches(index, key));
  (void)key;
  return index;
}

absl::Status ValidateMetricId(const MetricId& id, absl::string_view context) {
  const std::string& ns = id.metric_namespace;
  if (ns.empty() || ns.size() > 255) {
    return Invalid(context, "Namespace", ns,
                   "must have length between 1 and 255");
  }
  if (ns[0] == ':') {
    return Invalid(context, "Namespace", ns, "must not start with ':'");
  }
  if (!HasNonWhitespace(ns) ||
      !std::all_of(ns.begin(), ns.end(), IsNamespaceChar)) {
    return Invalid(context, "Namespace", ns,
                   "must contain only 0-9A-Za-z . - _ / # : and spaces, with "
                   "at least one non-whitespace character");
  }
  if (id.metric_name.empty() || id.metric_name.size() > 255) {
    return Invalid(context, "MetricName", id.metric_name,
                   "must have length between 1 and 255");
  }
  if (static_cast<int>(id.dimensions.size()) > kMaxDimensions) {
    return absl::InvalidArgumentError(absl::StrCat(
        context, ": Dimensions has ", id.dimensions.size(),
        " entries; a metric has at most ", kMaxDimensions, " dimensions"));
  }
  for (size_t i = 0; i < id.dimensions.size(); ++i) {
    const Dimension& d = id.dimensions[i];
    // Field names are formatted only on failure: the accepted path allocates
    // nothing.
    auto name_field = [i] { return absl::StrCat("Dimensions[", i, "].Name"); };
    auto value_field = [i] {
      return absl::StrCat("Dimensions[", i, "].Value");
    };
    if (d.name.empty() || d.name.size() > 255) {
      return Invalid(context, name_field(), d.name,
                     "must have length between 1 and 255");
    }
    if (d.name[0] == ':') {
      return Invalid(context, name_field(), d.name, "must not start with ':'");
    }
    if (!IsPrintableAscii(d.name) || !HasNonWhitespace(d.name)) {
      return Invalid(context, name_field(), d.name,
                     "must be ASCII without control characters and contain a "
                     "non-whitespace character");
    }
    if (d.value.empty() || d.value.size() > 1024) {
      return Invalid(context, value_field(), d.value,
                     "must have length between 1 and 1024");
    }
    if (!IsPrintableAscii(d.value) || !HasNonWhitespace(d.value)) {
      return Invalid(context, value_field(), d.value,
                     "must be ASCII without control characters and contain a "
                     "non-whitespace character");
    }
    for (size_t j = 0; j < i; ++j) {
      if (id.dimensions[j].name == d.name) {
        return Invalid(context, name_field(), d.name,
                       "appears more than once");
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace cwalarm
