// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Metric identity (dimension order ignored) and its validation (spec 1.2),
// and the huge-page allocator of the id table's and the store's arrays.

#include "metrics/metric_id.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/huge_page_allocator.h"
#include "tests/testing/status_matchers.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::IsOk;
using ::cwalarm_testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

MetricId Lb() {
  return {"AWS/ELB", "Latency", {{"LoadBalancerName", "lb"}, {"AvailabilityZone", "a"}}};
}

TEST(MetricIdTest, KeyIgnoresDimensionOrder) {
  MetricId a = Lb();
  MetricId b{"AWS/ELB", "Latency", {{"AvailabilityZone", "a"}, {"LoadBalancerName", "lb"}}};
  EXPECT_EQ(a.Key(), b.Key());
  EXPECT_TRUE(a == b);
  EXPECT_EQ(a.Canonical().dimensions[0].name, "AvailabilityZone");
  EXPECT_EQ(a.Canonical().dimensions[1].name, "LoadBalancerName");
}

TEST(MetricIdTest, KeyDistinguishesNamespaceNameAndDimensions) {
  MetricId base = Lb();
  MetricId other_ns = base;
  other_ns.metric_namespace = "Custom";
  MetricId other_name = base;
  other_name.metric_name = "Count";
  MetricId other_value = base;
  other_value.dimensions[0].value = "lb2";
  MetricId fewer = base;
  fewer.dimensions.pop_back();
  for (const MetricId& m : {other_ns, other_name, other_value, fewer}) {
    EXPECT_NE(base.Key(), m.Key());
  }
}

TEST(MetricIdTest, KeyFormat) {
  MetricId id{"AWS/EC2", "CPUUtilization", {{"InstanceId", "i-1"}}};
  EXPECT_EQ(id.Key(), "AWS/EC2\x1f" "CPUUtilization\x1fInstanceId\x1ei-1");
}

// spec 1.2: '=' is a valid character of dimension names and values, so the
// key must not use it as the name/value separator.
TEST(MetricIdTest, KeySeparatesDimensionNameAndValueUnambiguously) {
  MetricId a{"Custom", "M", {{"a=b", "c"}}};
  MetricId b{"Custom", "M", {{"a", "b=c"}}};
  ASSERT_THAT(ValidateMetricId(a, "a"), IsOk());
  ASSERT_THAT(ValidateMetricId(b, "b"), IsOk());
  EXPECT_NE(a.Key(), b.Key());
  EXPECT_FALSE(a == b);
}

// MetricKeyBuilder writes Key() into an inline buffer and orders unsorted
// dimensions through pointers; the key must not depend on either path.
TEST(MetricKeyBuilderTest, EqualsKeyForSortedUnsortedAndLongIds) {
  MetricId sorted{"AWS/EC2", "CPUUtilization", {{"A", "1"}, {"B", "2"}}};
  MetricId unsorted{"AWS/EC2", "CPUUtilization", {{"B", "2"}, {"A", "1"}}};
  EXPECT_EQ(MetricKeyBuilder(sorted).view(),
            "AWS/EC2\x1f" "CPUUtilization\x1f" "A\x1e" "1\x1f" "B\x1e" "2");
  EXPECT_EQ(MetricKeyBuilder(unsorted).view(), MetricKeyBuilder(sorted).view());
  // Longer than the inline buffer: 30 dimensions of 1024-character values,
  // unsorted, then 31 (an invalid id still gets a key).
  MetricId big{"Custom", "Big", {}};
  for (int i = 30; i >= 0; --i) {
    big.dimensions.push_back(
        {absl::StrCat("D", 100 + i),
         std::string(1024, static_cast<char>('a' + i % 26))});
    MetricId canonical = big.Canonical();
    std::string expected = "Custom\x1f" "Big";
    for (const Dimension& d : canonical.dimensions) {
      absl::StrAppend(&expected, "\x1f", d.name, "\x1e", d.value);
    }
    ASSERT_EQ(MetricKeyBuilder(big).view(), expected) << i;
    ASSERT_EQ(big.Key(), expected) << i;
  }
}

TEST(ValidateMetricIdTest, AcceptsAValidId) {
  EXPECT_THAT(ValidateMetricId(Lb(), "ctx"), IsOk());
  MetricId max = Lb();
  max.dimensions.clear();
  for (int i = 0; i < kMaxDimensions; ++i) {
    max.dimensions.push_back({absl::StrCat("D", i), "v"});
  }
  EXPECT_THAT(ValidateMetricId(max, "ctx"), IsOk());
}

struct BadId {
  std::string rule;
  MetricId id;
  std::string part;
};

class ValidateMetricIdRejectTest : public ::testing::TestWithParam<BadId> {};

TEST_P(ValidateMetricIdRejectTest, RejectsNamingContextAndField) {
  EXPECT_THAT(ValidateMetricId(GetParam().id, "alarm \"a\""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(StartsWith("alarm \"a\": "),
                             HasSubstr(GetParam().part))))
      << GetParam().rule;
}

MetricId With31Dimensions() {
  MetricId id{"NS", "M", {}};
  for (int i = 0; i < 31; ++i) id.dimensions.push_back({absl::StrCat("D", i), "v"});
  return id;
}

INSTANTIATE_TEST_SUITE_P(
    Spec12, ValidateMetricIdRejectTest,
    ::testing::Values(
        BadId{"empty namespace", {"", "M", {}}, "Namespace"},
        BadId{"namespace starting with ':'", {":NS", "M", {}}, "must not start with ':'"},
        BadId{"namespace with a forbidden character", {"NS!", "M", {}}, "Namespace \"NS!\""},
        BadId{"whitespace-only namespace", {"   ", "M", {}}, "Namespace"},
        BadId{"namespace of 256 characters", {std::string(256, 'n'), "M", {}}, "255"},
        BadId{"empty metric name", {"NS", "", {}}, "MetricName"},
        BadId{"metric name of 256 characters", {"NS", std::string(256, 'm'), {}}, "255"},
        BadId{"31 dimensions", With31Dimensions(), "30"},
        BadId{"empty dimension name", {"NS", "M", {{"", "v"}}}, "Dimensions[0].Name"},
        BadId{"dimension name starting with ':'", {"NS", "M", {{":d", "v"}}}, "Dimensions[0].Name"},
        BadId{"empty dimension value", {"NS", "M", {{"d", ""}}}, "Dimensions[0].Value"},
        BadId{"dimension value of 1025 characters",
              {"NS", "M", {{"d", std::string(1025, 'v')}}}, "1024"},
        BadId{"dimension value with a control character",
              {"NS", "M", {{"d", "a\tb"}}}, "Dimensions[0].Value"},
        BadId{"duplicate dimension name",
              {"NS", "M", {{"d", "1"}, {"d", "2"}}}, "appears more than once"}));

TEST(MetricIdTableTest, GrowthAndReserveKeepEveryEntry) {
  // 300000 reserves slots and entry addresses of more than 2 MiB each, on
  // huge pages (internal::HugePageAllocator), through every smaller size.
  for (const size_t reserve : {size_t{0}, size_t{5000}, size_t{300000}}) {
    MetricIdTable table;
    const size_t mapped = internal::HugePageBytesMapped();
    table.Reserve(reserve);
    if (reserve == 300000) {
      EXPECT_GE(internal::HugePageBytesMapped() - mapped, 4u << 20);
    }
    auto id = [](int i) {
      return MetricId{"NS", absl::StrCat("M", i % 3),
                      {{"Id", absl::StrCat("v-", i)}}};
    };
    for (int i = 0; i < 5000; ++i) {
      MetricKeyBuilder key(id(i));
      const uint64_t hash = MetricIdTable::Hash(key.view());
      ASSERT_EQ(table.Find(key.view(), hash), MetricIdTable::kNone);
      ASSERT_EQ(table.Insert(key.view(), hash, id(i)),
                static_cast<uint32_t>(i));
      if (i % 2 == 0) table.set_flag(static_cast<uint32_t>(i));
    }
    for (int i = 0; i < 5000; ++i) {
      MetricKeyBuilder key(id(i));
      ASSERT_EQ(table.Find(key.view(), MetricIdTable::Hash(key.view())),
                static_cast<uint32_t>(i));
      EXPECT_EQ(table.Get(static_cast<uint32_t>(i)).Key(), id(i).Key());
      EXPECT_EQ(table.flag(static_cast<uint32_t>(i)), i % 2 == 0);
    }
  }
}

// GetInto over an id that held another one (more, fewer or no dimensions,
// longer and shorter strings, empty values, 30 dimensions) gives what Get
// gives, field by field and in Get's dimension order.
TEST(MetricIdTableTest, GetIntoOverwritesAPreviousIdExactly) {
  MetricIdTable table;
  std::vector<MetricId> ids;
  for (int i = 0; i < 40; ++i) {
    MetricId id{absl::StrCat("Namespace/", std::string(i % 7 * 5, 'n')),
                absl::StrCat("M", i % 4), {}};
    const int dims = i % 5 == 4 ? 30 : i % 4;
    for (int k = 0; k < dims; ++k) {
      id.dimensions.push_back({absl::StrCat("D", (k * 7 + i) % 30),
                               std::string((i + k) % 3 * 9, 'v')});
    }
    MetricKeyBuilder key(id);
    const uint64_t hash = MetricIdTable::Hash(key.view());
    if (table.Find(key.view(), hash) != MetricIdTable::kNone) continue;
    table.Insert(key.view(), hash, id);
    ids.push_back(id);
  }
  MetricId reused;
  for (int round = 0; round < 3; ++round) {
    for (uint32_t i = 0; i < ids.size(); ++i) {
      // Every order of visits: forward, backward, strided.
      const uint32_t index =
          round == 0 ? i
          : round == 1 ? static_cast<uint32_t>(ids.size() - 1 - i)
                       : static_cast<uint32_t>((i * 7) % ids.size());
      table.GetInto(index, &reused);
      const MetricId want = table.Get(index);
      EXPECT_EQ(reused.metric_namespace, want.metric_namespace);
      EXPECT_EQ(reused.metric_name, want.metric_name);
      EXPECT_EQ(reused.dimensions, want.dimensions);
    }
  }
}

TEST(MetricIdTableTest, PerMetricCapacityAlwaysGrows) {
  size_t capacity = 0;
  for (int step = 0; step < 80; ++step) {
    const size_t next = internal::NextPerMetricCapacity(capacity);
    ASSERT_GT(next, capacity);
    // At most a quarter more past the doubling range.
    if (capacity >= 1024) {
      ASSERT_LE(next, capacity + capacity / 4);
    }
    capacity = next;
  }
}

// --- internal::HugePageAllocator --------------------------------------------

using internal::HugePageAllocator;
using internal::HugePageBytesMapped;
using internal::kHugePageBytes;

uintptr_t Address(const void* p) { return reinterpret_cast<uintptr_t>(p); }

struct alignas(128) WideRecord {
  char bytes[128];
};

TEST(HugePageAllocatorTest, SmallBlocksAreLineAlignedAndNotMapped) {
  const size_t mapped = HugePageBytesMapped();
  HugePageAllocator<char> chars;
  HugePageAllocator<WideRecord> wide;
  // 1 byte, odd sizes, and one byte below the huge-page threshold.
  for (size_t n : {size_t{1}, size_t{3}, size_t{4095}, kHugePageBytes - 1}) {
    char* p = chars.allocate(n);
    EXPECT_EQ(Address(p) % 64, 0u) << n;
    p[0] = 'a';
    p[n - 1] = 'z';
    EXPECT_EQ(HugePageBytesMapped(), mapped) << n;
    chars.deallocate(p, n);
  }
  WideRecord* w = wide.allocate(3);
  EXPECT_EQ(Address(w) % alignof(WideRecord), 0u);
  wide.deallocate(w, 3);
  EXPECT_EQ(HugePageBytesMapped(), mapped);
}

TEST(HugePageAllocatorTest, HugeBlocksAreMappedOnHugePageBoundaries) {
  const size_t mapped = HugePageBytesMapped();
  HugePageAllocator<uint64_t> words;
  // Exactly one huge page, one word more (a partial last huge page) and
  // several huge pages plus an odd tail.
  const size_t kWords = kHugePageBytes / sizeof(uint64_t);
  for (size_t n : {kWords, kWords + 1, 3 * kWords + 777}) {
    uint64_t* p = words.allocate(n);
    EXPECT_EQ(Address(p) % kHugePageBytes, 0u) << n;
    // Every byte is usable: ends, and a word in every huge page.
    for (size_t i = 0; i < n; i += kWords / 2) p[i] = i;
    p[n - 1] = n - 1;
    for (size_t i = 0; i < n; i += kWords / 2) ASSERT_EQ(p[i], i);
    EXPECT_EQ(p[n - 1], n - 1);
    // Counted rounded up to base pages: at least the block, less than a
    // base page (at most 64 KiB on any platform) more.
    const size_t counted = HugePageBytesMapped() - mapped;
    EXPECT_GE(counted, n * sizeof(uint64_t)) << n;
    EXPECT_LT(counted, n * sizeof(uint64_t) + 65536) << n;
    words.deallocate(p, n);
    EXPECT_EQ(HugePageBytesMapped(), mapped) << n;
  }
}

// Any values, reproducible from the position.
uint64_t ValueAt(size_t i) { return (i * 0x9E3779B97F4A7C15u) ^ (i >> 7); }

TEST(HugePageAllocatorTest, VectorGrowthKeepsContentsAcrossTheThreshold) {
  const size_t mapped = HugePageBytesMapped();
  {
    std::vector<uint64_t, HugePageAllocator<uint64_t>> v;
    // From a small block through the threshold (256 Ki words = 2 MiB) into
    // a block of two huge pages; each growth copies into a new block.
    const size_t kCount = kHugePageBytes / sizeof(uint64_t) + 1000;
    for (size_t i = 0; i < kCount; ++i) v.push_back(ValueAt(i));
    for (size_t i = 0; i < kCount; ++i) ASSERT_EQ(v[i], ValueAt(i)) << i;
    EXPECT_EQ(Address(v.data()) % kHugePageBytes, 0u);
    EXPECT_GE(HugePageBytesMapped() - mapped, v.capacity() * sizeof(uint64_t));
    // Moved, then shrunk below the threshold: contents survive both, and
    // the huge block is unmapped.
    auto moved = std::move(v);
    moved.resize(1000);
    moved.shrink_to_fit();
    EXPECT_EQ(Address(moved.data()) % 64, 0u);
    for (size_t i = 0; i < moved.size(); ++i) ASSERT_EQ(moved[i], ValueAt(i));
    EXPECT_EQ(HugePageBytesMapped(), mapped);
  }
  EXPECT_EQ(HugePageBytesMapped(), mapped);
}

TEST(HugePageAllocatorTest, IsStatelessAndRebinds) {
  static_assert(sizeof(std::vector<int, HugePageAllocator<int>>) ==
                    sizeof(std::vector<int>),
                "no per-container state");
  HugePageAllocator<int> a;
  HugePageAllocator<double> b(a);
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a != b);
}

}  // namespace
}  // namespace cwalarm
