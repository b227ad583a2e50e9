// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The store's metric identity side (issue 7): MetricKeyBuilder builds
// exactly the canonical key (namespace, name, dimensions sorted by name then
// value, separated by \x1f and \x1e); MetricIdTable finds an id iff its key
// was inserted and gives back the canonical id; and PutMetricData's batched
// lookup stores exactly what one-by-one Put stores, with the same
// rejections, in request order, with the same messages.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/datapoint.h"
#include "metrics/metric_id.h"
#include "metrics/metric_store.h"
#include "metrics/statistic.h"
#include "metrics/unit.h"
#include "tests/testing/status_matchers.h"

namespace cwalarm {
namespace {

using ::cwalarm_testing::IsOk;

// The key as spec'd in metric_id.h, built the plain way.
std::string ReferenceKey(const MetricId& id) {
  const MetricId c = id.Canonical();
  std::string key = absl::StrCat(c.metric_namespace, "\x1f", c.metric_name);
  for (const Dimension& d : c.dimensions) {
    absl::StrAppend(&key, "\x1f", d.name, "\x1e", d.value);
  }
  return key;
}

std::string RandomText(std::mt19937_64& rng, size_t max_size) {
  static const char kChars[] = "abcXYZ019-_/.: #";
  const size_t n = std::uniform_int_distribution<size_t>(0, max_size)(rng);
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s.push_back(kChars[rng() % (sizeof(kChars) - 1)]);
  }
  return s;
}

MetricId RandomId(std::mt19937_64& rng) {
  MetricId id;
  id.metric_namespace = RandomText(rng, 12);
  id.metric_name = RandomText(rng, 20);
  const size_t dims = rng() % 4 == 0 ? rng() % 40 : rng() % 4;
  for (size_t i = 0; i < dims; ++i) {
    // Short names repeat (duplicate names, equal names with other values).
    id.dimensions.push_back(
        {RandomText(rng, rng() % 2 ? 2 : 24),
         RandomText(rng, rng() % 8 == 0 ? 300 : 16)});
  }
  return id;
}

// Rule (metric_id.h): Key() is namespace \x1f name, then \x1f name \x1e
// value per dimension sorted by name then value, for any id (unsorted, more
// than 8 or 30 dimensions, duplicates, empty strings, long values).
TEST(MetricKeyBuilderTest, BuildsTheCanonicalKeyOfAnyId) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 5000; ++i) {
    const MetricId id = RandomId(rng);
    ASSERT_EQ(MetricKeyBuilder(id).view(), ReferenceKey(id)) << i;
    ASSERT_EQ(id.Key(), ReferenceKey(id)) << i;
  }
  MetricId huge{"N", std::string(400, 'm'), {}};
  for (int k = 0; k < 30; ++k) {
    huge.dimensions.push_back({absl::StrCat("d", 29 - k), std::string(900, 'v')});
  }
  EXPECT_EQ(MetricKeyBuilder(huge).view(), ReferenceKey(huge));
}

// Rule (metric_id.h, WriteAt): keys written end to end into one reused
// buffer, which grows from empty past keys of any size, are each exactly
// the canonical key, and leave earlier keys and later garbage alone.
TEST(MetricKeyBuilderTest, WriteAtWritesCanonicalKeysEndToEnd) {
  std::mt19937_64 rng(9);
  std::string buffer;
  for (int round = 0; round < 20; ++round) {
    std::vector<std::string> expected;
    size_t used = 0;
    for (int i = 0; i < 100; ++i) {
      MetricId id = RandomId(rng);
      if (i == 50) id.metric_name = std::string(5000, 'x');  // Grows.
      const size_t size = MetricKeyBuilder::WriteAt(id, &buffer, used);
      expected.push_back(ReferenceKey(id));
      ASSERT_EQ(size, expected.back().size()) << round << " " << i;
      used += size;
      ASSERT_LE(used, buffer.size());
    }
    size_t at = 0;
    for (const std::string& key : expected) {
      ASSERT_EQ(absl::string_view(buffer).substr(at, key.size()), key);
      at += key.size();
    }
  }
}

// Rule: the table finds an id iff an id with the same key was inserted,
// indices are dense in insertion order, and Get returns id.Canonical().
TEST(MetricIdTableTest, FindsExactlyTheInsertedKeysAndReturnsCanonicalIds) {
  std::mt19937_64 rng(11);
  std::vector<MetricId> ids;
  for (int i = 0; i < 10000; ++i) ids.push_back(RandomId(rng));
  MetricIdTable table;
  std::vector<std::string> keys;  // keys[index]
  absl::flat_hash_map<std::string, uint32_t> index_of;
  std::vector<MetricId> canonical;
  for (const MetricId& id : ids) {
    MetricKeyBuilder key(id);
    const uint64_t hash = MetricIdTable::Hash(key.view());
    const uint32_t found = table.Find(key.view(), hash);
    auto known = index_of.find(key.view());
    if (known != index_of.end()) {
      ASSERT_EQ(found, known->second);
      continue;
    }
    ASSERT_EQ(found, MetricIdTable::kNone);
    ASSERT_EQ(table.Insert(key.view(), hash, id), keys.size());
    index_of.emplace(std::string(key.view()),
                     static_cast<uint32_t>(keys.size()));
    keys.emplace_back(key.view());
    canonical.push_back(id.Canonical());
  }
  ASSERT_EQ(table.size(), keys.size());
  for (uint32_t i = 0; i < keys.size(); ++i) {
    const uint64_t hash = MetricIdTable::Hash(keys[i]);
    EXPECT_EQ(table.Find(keys[i], hash), i);
    EXPECT_TRUE(table.Matches(i, keys[i]));
    const MetricId got = table.Get(i);
    EXPECT_EQ(got.metric_namespace, canonical[i].metric_namespace);
    EXPECT_EQ(got.metric_name, canonical[i].metric_name);
    EXPECT_EQ(got.dimensions, canonical[i].dimensions);
    EXPECT_EQ(table.metric_name(i), canonical[i].metric_name);
    // Prefixes and extensions of a key are other keys.
    const std::string longer = keys[i] + "x";
    EXPECT_FALSE(table.Matches(i, longer));
    if (!keys[i].empty()) {
      const std::string shorter = keys[i].substr(0, keys[i].size() - 1);
      EXPECT_FALSE(table.Matches(i, shorter));
    }
  }
  // Ids never inserted are not found.
  std::mt19937_64 other(12345);
  int absent = 0;
  for (int i = 0; i < 2000; ++i) {
    const MetricId id = RandomId(other);
    MetricKeyBuilder key(id);
    if (index_of.contains(key.view())) continue;
    ++absent;
    EXPECT_EQ(table.Find(key.view(), MetricIdTable::Hash(key.view())),
              MetricIdTable::kNone);
  }
  EXPECT_GT(absent, 1000);
}

// Ids that stress the lookup without a built key (MetricIdTable::Hash(id),
// Find(id, hash), Matches(index, id)): dimension orders shuffled, duplicate
// names (and duplicate dimensions), multi-byte UTF-8, empty strings,
// lengths at the limits (255-byte names, 1024-byte values) and around the
// one-byte length (127/128), the same text split differently between
// namespace and name or a dimension's name and value ({"ab","c"} vs
// {"a","bc"}), key separators inside strings, and 0, 1, 2, 3..8, 9..30 and
// more than 30 dimensions. Drawn from a small alphabet so that different
// ids often share a key.
MetricId TrickyId(std::mt19937_64& rng) {
  static const char* const kPieces[] = {
      "a",   "b",    "ab",          "c",  "bc",    "",     "\x1f", "\x1e",
      "a\x1e" "b", "\x1f" "a", "\xc3\xa9", "\xe2\x82\xac", " ", "i-1",  "abc"};
  auto text = [&rng](size_t max_pieces) {
    std::string s;
    const size_t n = rng() % (max_pieces + 1);
    for (size_t i = 0; i < n; ++i) s += kPieces[rng() % std::size(kPieces)];
    return s;
  };
  auto sized = [&rng, &text](size_t max_pieces) {
    switch (rng() % 16) {
      case 0:
        return std::string(127 + rng() % 3, 'v');  // Around the varint step.
      case 1:
        return std::string(255, 'n');
      case 2:
        return std::string(1024, 'w');
      default:
        return text(max_pieces);
    }
  };
  MetricId id;
  id.metric_namespace = text(2);
  id.metric_name = rng() % 8 == 0 ? sized(3) : text(3);
  size_t dims;
  switch (rng() % 8) {
    case 0:
      dims = 0;
      break;
    case 1:
      dims = 3 + rng() % 6;
      break;
    case 2:
      dims = 9 + rng() % 25;  // std::sort; past kMaxDimensions.
      break;
    default:
      dims = 1 + rng() % 2;
  }
  for (size_t i = 0; i < dims; ++i) {
    id.dimensions.push_back({text(2), sized(2)});
  }
  if (dims > 1 && rng() % 4 == 0) id.dimensions.push_back(id.dimensions[0]);
  std::shuffle(id.dimensions.begin(), id.dimensions.end(), rng);
  return id;
}

// Rule: the CRC the table hashes with is CRC-32C continued across calls:
// the hardware path (where the CPU has one) and the table give the same
// value, the check value of "123456789" is CRC-32C's, and feeding a string
// in any two parts gives the CRC of the whole.
TEST(MetricIdTableTest, Crc32cIsOneRunningStateOverTheBytes) {
  EXPECT_EQ(~internal::ExtendCrc32c(~0u, "123456789"), 0xe3069283u);
  EXPECT_EQ(~internal::ExtendCrc32cPortable(~0u, "123456789"), 0xe3069283u);
  std::mt19937_64 rng(5);
  for (int i = 0; i < 300; ++i) {
    std::string s(rng() % 40, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    const uint32_t seed = static_cast<uint32_t>(rng());
    const uint32_t whole = internal::ExtendCrc32c(seed, s);
    ASSERT_EQ(internal::ExtendCrc32cPortable(seed, s), whole) << i;
    const size_t cut = s.empty() ? 0 : rng() % (s.size() + 1);
    ASSERT_EQ(internal::ExtendCrc32c(
                  internal::ExtendCrc32c(seed, absl::string_view(s).substr(0, cut)),
                  absl::string_view(s).substr(cut)),
              whole)
        << i;
  }
}

// Rule (issue 7, lookup without building the key): for every id, Hash(id)
// is Hash(key), and Find(id, ...) and Matches(index, id) give what
// Find(key, ...) and Matches(index, key) give, on a table filled through
// keys, for the tricky ids above (same index, or none, for every input).
TEST(MetricIdTableTest, LookupByIdAgreesWithLookupByKey) {
  for (uint64_t seed : {21u, 22u}) {
    std::mt19937_64 rng(seed);
    std::vector<MetricId> ids;
    for (int i = 0; i < 1500; ++i) ids.push_back(TrickyId(rng));
    // Spellings that share a key across the pieces, and their neighbours.
    ids.push_back({"a", "b\x1f" "c", {}});
    ids.push_back({"a\x1f" "b", "c", {}});
    ids.push_back({"N", "m", {{"ab", "c"}}});
    ids.push_back({"N", "m", {{"a", "bc"}}});
    ids.push_back({"N", "m\x1f" "ab", {{"x", "c"}}});
    ids.push_back({"N", "m\x1f" "ab\x1e" "c", {}});
    ids.push_back({"N", "m", {{"ab\x1e" "c", "d"}}});
    ids.push_back({"N", "m", {{"ab", "c\x1f" "d"}}});
    MetricIdTable table;
    for (size_t i = 0; i < ids.size(); ++i) {
      const MetricId& id = ids[i];
      MetricKeyBuilder key(id);
      const uint64_t hash = MetricIdTable::Hash(key.view());
      ASSERT_EQ(MetricIdTable::Hash(id), hash) << seed << " " << i;
      const uint32_t by_key = table.Find(key.view(), hash);
      ASSERT_EQ(table.Find(id, hash), by_key) << seed << " " << i;
      if (by_key != MetricIdTable::kNone) {
        ASSERT_TRUE(table.Matches(by_key, id)) << seed << " " << i;
      } else if (i % 2 == 0) {  // Half the ids are inserted.
        table.Insert(key.view(), hash, id);
      }
      // Entries that are not the id's: the id-side compare agrees with the
      // key's, also for entries with the same schema or the same length.
      for (int probe = 0; probe < 4 && table.size() > 0; ++probe) {
        const auto other = static_cast<uint32_t>(rng() % table.size());
        ASSERT_EQ(table.Matches(other, id), table.Matches(other, key.view()))
            << seed << " " << i << " entry " << other;
      }
    }
    // Every id again, after all insertions (and table growth).
    for (size_t i = 0; i < ids.size(); ++i) {
      MetricKeyBuilder key(ids[i]);
      const uint64_t hash = MetricIdTable::Hash(key.view());
      ASSERT_EQ(table.Find(ids[i], hash), table.Find(key.view(), hash))
          << seed << " " << i;
    }
  }
}

// Rule: identity is the key, as before the compact table: a metric name
// holding the key separators names the same metric as the id whose
// dimensions spell the same key (spec-silent; kept from MetricId::Key()).
TEST(MetricIdTableTest, IdsWithTheSameKeyAreOneEntry) {
  MetricStore store;
  const MetricIndex a = store.Intern({"App", "x\x1f" "D\x1e" "v", {}});
  const MetricIndex b = store.Intern({"App", "x", {{"D", "v"}}});
  EXPECT_EQ(a, b);
  EXPECT_EQ(store.metric(a).metric_name, "x\x1f" "D\x1e" "v");
  EXPECT_TRUE(store.metric(a).dimensions.empty());
}

// Rule: the flag starts false and sticks once set (the store's "id passed
// ValidateMetricId").
TEST(MetricIdTableTest, FlagIsPerEntry) {
  MetricIdTable table;
  const MetricId a{"A", "m", {{"d", "1"}}};
  const MetricId b{"A", "m", {{"d", "2"}}};
  MetricKeyBuilder ka(a), kb(b);
  const uint32_t ia = table.Insert(ka.view(), MetricIdTable::Hash(ka.view()), a);
  const uint32_t ib = table.Insert(kb.view(), MetricIdTable::Hash(kb.view()), b);
  EXPECT_FALSE(table.flag(ia));
  table.set_flag(ia);
  EXPECT_TRUE(table.flag(ia));
  EXPECT_FALSE(table.flag(ib));
  EXPECT_TRUE(table.Matches(ia, ka.view()));
}

// Rule: MetricStore::metric(index) returns the interned id with dimensions
// sorted by name (dimension order ignored at Intern and Find).
TEST(MetricStoreIdentityTest, MetricReturnsTheCanonicalId) {
  MetricStore store;
  const MetricIndex m =
      store.Intern({"AWS/EC2", "CPUUtilization", {{"z", "1"}, {"a", "2"}}});
  const MetricId id = store.metric(m);
  EXPECT_EQ(id.metric_namespace, "AWS/EC2");
  EXPECT_EQ(id.metric_name, "CPUUtilization");
  ASSERT_EQ(id.dimensions.size(), 2u);
  EXPECT_EQ(id.dimensions[0], (Dimension{"a", "2"}));
  EXPECT_EQ(id.dimensions[1], (Dimension{"z", "1"}));
  EXPECT_EQ(store.Find({"AWS/EC2", "CPUUtilization", {{"a", "2"}, {"z", "1"}}}),
            m);
  EXPECT_EQ(store.Find({"AWS/EC2", "CPUUtilization", {{"a", "2"}}}),
            std::nullopt);
}

const absl::Time kClock = absl::FromUnixSeconds(1710590400);  // 2024-03-16Z

// What PutMetricData must give for `request` (each datum is
// validated on its own and the valid ones are stored): every datum checked
// with ValidateMetricDatum and, when valid, stored into `store` with Put.
struct OneByOne {
  int accepted = 0;
  std::vector<PutMetricDataResult::Rejection> rejected;
};
OneByOne PutOneByOne(MetricStore& store,
                     const std::vector<MetricDatum>& request) {
  OneByOne out;
  for (size_t i = 0; i < request.size(); ++i) {
    const std::string context = absl::StrCat("MetricData.member.", i + 1);
    absl::Status status = ValidateMetricDatum(request[i], context, kClock);
    if (!status.ok()) {
      out.rejected.push_back({i, status});
      continue;
    }
    EXPECT_THAT(store.Put(request[i], context), IsOk());
    ++out.accepted;
  }
  return out;
}

// A request mixing everything the lookup must get right: metrics interned
// before, metrics first named in this request (and named again in the same
// 256-datum batch and in later ones), shuffled dimension orders, invalid
// ids, invalid values, timestamps outside the window, zero-count datums
// (which do not intern), and one metric under two spellings of its key.
std::vector<MetricDatum> MixedRequest(std::mt19937_64& rng, size_t n) {
  std::vector<MetricDatum> out;
  for (size_t i = 0; i < n; ++i) {
    MetricDatum d;
    const int metric = static_cast<int>(rng() % 400);
    d.metric.metric_namespace = metric % 50 == 0 ? "Other/App" : "Bench/App";
    d.metric.metric_name = metric % 7 == 0 ? "Errors" : "Latency";
    d.metric.dimensions = {{"InstanceId", absl::StrCat("i-", metric)},
                           {"AutoScalingGroupName", absl::StrCat("asg-", metric % 9)}};
    if (rng() % 2) std::swap(d.metric.dimensions[0], d.metric.dimensions[1]);
    d.timestamp = kClock - absl::Seconds(static_cast<int64_t>(rng() % 7200));
    d.value = static_cast<double>(rng() % 1000);
    d.unit = rng() % 5 == 0 ? Unit::kMilliseconds : Unit::kNone;
    if (rng() % 4 == 0) d.storage_resolution = 1;
    switch (rng() % 23) {
      case 0:
        d.metric.metric_namespace = ":bad";
        break;
      case 1:
        d.metric.dimensions.push_back({"InstanceId", "dup"});
        break;
      case 2:
        d.value = std::nan("");
        break;
      case 3:
        d.timestamp = kClock - absl::Hours(24 * 15);
        break;
      case 4:
        d.timestamp = kClock + absl::Hours(3);
        break;
      case 5:  // Zero counts: accepted, stores nothing, interns nothing.
        d.value.reset();
        d.values = {1, 2};
        d.counts = {0, 0};
        d.metric.dimensions[0].value = absl::StrCat("zero-", metric);
        break;
      case 6:
        d.storage_resolution = 5;
        break;
      case 7:  // The key of {"x", {D: v}} spelled as a metric name.
        d.metric.metric_name = "x\x1f" "D\x1e" "v";
        d.metric.dimensions.clear();
        break;
      case 8:
        d.metric.metric_name = "x";
        d.metric.dimensions = {{"D", "v"}};
        break;
      case 9:
        d.value.reset();
        d.statistic_values = StatisticSet{3, 10, 1, 5};
        break;
      default:
        break;
    }
    out.push_back(std::move(d));
  }
  return out;
}

void ExpectSameStores(const MetricStore& a, const MetricStore& b) {
  ASSERT_EQ(a.metric_count(), b.metric_count());
  for (MetricIndex m = 0; m < a.metric_count(); ++m) {
    const MetricId ia = a.metric(m);
    const MetricId ib = b.metric(m);
    EXPECT_EQ(ia.metric_namespace, ib.metric_namespace) << m;
    EXPECT_EQ(ia.metric_name, ib.metric_name) << m;
    EXPECT_EQ(ia.dimensions, ib.dimensions) << m;
    for (std::optional<Unit> unit :
         {std::optional<Unit>(), std::optional<Unit>(Unit::kNone),
          std::optional<Unit>(Unit::kMilliseconds)}) {
      // Accepted datums lie in [kClock - 2 h, kClock + 2 h].
      std::vector<StatisticSet> sa(25 * 60), sb(25 * 60);
      a.AggregateBuckets(m, unit, kClock - absl::Minutes(125),
                         absl::Seconds(10), absl::MakeSpan(sa));
      b.AggregateBuckets(m, unit, kClock - absl::Minutes(125),
                         absl::Seconds(10), absl::MakeSpan(sb));
      for (size_t k = 0; k < sa.size(); ++k) {
        ASSERT_EQ(sa[k].sample_count, sb[k].sample_count) << m << " " << k;
        ASSERT_EQ(sa[k].sum, sb[k].sum) << m << " " << k;
        ASSERT_EQ(sa[k].minimum, sb[k].minimum) << m << " " << k;
        ASSERT_EQ(sa[k].maximum, sb[k].maximum) << m << " " << k;
      }
    }
  }
}

// Rule (issue 7, batched lookup): PutMetricData stores exactly what Put
// stores datum by datum in request order (same metrics, same indices, same
// cells), and rejects the same datums, in request order, with the statuses
// ValidateMetricDatum gives with the ingest clock (code and message).
TEST(PutMetricDataBatchTest, StoresExactlyWhatOneByOnePutStores) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    std::mt19937_64 rng(seed);
    MetricStore batched;
    MetricStore one_by_one;
    // Some metrics known before the requests (interned by "alarms").
    for (int metric = 0; metric < 400; metric += 3) {
      const MetricId id{"Bench/App", metric % 7 == 0 ? "Errors" : "Latency",
                        {{"AutoScalingGroupName", absl::StrCat("asg-", metric % 9)},
                         {"InstanceId", absl::StrCat("i-", metric)}}};
      ASSERT_EQ(batched.Intern(id), one_by_one.Intern(id));
    }
    // Requests that end inside, at, and across the 256-datum batches.
    for (size_t size : {1u, 255u, 256u, 257u, 1000u, 700u}) {
      const std::vector<MetricDatum> request = MixedRequest(rng, size);
      const PutMetricDataResult r = batched.PutMetricData(request, kClock);
      const auto [accepted, rejected] = PutOneByOne(one_by_one, request);
      EXPECT_EQ(r.accepted, accepted) << seed << " " << size;
      ASSERT_EQ(r.rejected.size(), rejected.size()) << seed << " " << size;
      for (size_t k = 0; k < rejected.size(); ++k) {
        EXPECT_EQ(r.rejected[k].index, rejected[k].index);
        EXPECT_EQ(r.rejected[k].status, rejected[k].status);
      }
      ASSERT_EQ(batched.metric_count(), one_by_one.metric_count());
    }
    ExpectSameStores(batched, one_by_one);
  }
}

// Rule: a datum whose metric is first interned by an earlier datum of the
// same request (same batch) is stored into that metric, and a metric whose
// first datum was rejected is interned by its first valid one.
TEST(PutMetricDataBatchTest, LaterDatumsSeeMetricsInternedEarlierInTheRequest) {
  MetricStore store;
  std::vector<MetricDatum> request(3);
  for (MetricDatum& d : request) {
    d.metric = {"App", "Latency", {{"B", "2"}, {"A", "1"}}};
    d.timestamp = kClock - absl::Minutes(1);
    d.value = 5;
  }
  request[0].value = std::nan("");
  request[2].metric.dimensions = {{"A", "1"}, {"B", "2"}};
  const PutMetricDataResult r = store.PutMetricData(request, kClock);
  EXPECT_EQ(r.accepted, 2);
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].index, 0u);
  ASSERT_EQ(store.metric_count(), 1u);
  const StatisticSet s = store.Aggregate(0, std::nullopt, kClock - absl::Hours(1),
                                         kClock + absl::Hours(1));
  EXPECT_EQ(s.sample_count, 2);
  EXPECT_EQ(s.sum, 10);
}


// Every stored cell of both stores, compared bit for bit (-0.0 is not 0.0).
void ExpectSameExport(const MetricStore& a, const MetricStore& b) {
  absl::StatusOr<std::vector<MetricStore::MetricState>> sa = a.ExportState();
  absl::StatusOr<std::vector<MetricStore::MetricState>> sb = b.ExportState();
  ASSERT_THAT(sa.status(), IsOk());
  ASSERT_THAT(sb.status(), IsOk());
  ASSERT_EQ(sa->size(), sb->size());
  for (size_t m = 0; m < sa->size(); ++m) {
    const MetricStore::MetricState& ma = (*sa)[m];
    const MetricStore::MetricState& mb = (*sb)[m];
    EXPECT_EQ(ma.id.metric_name, mb.id.metric_name) << m;
    EXPECT_EQ(ma.id.dimensions, mb.id.dimensions) << m;
    ASSERT_EQ(ma.units.size(), mb.units.size()) << m;
    for (size_t u = 0; u < ma.units.size(); ++u) {
      EXPECT_EQ(ma.units[u].unit, mb.units[u].unit) << m;
      EXPECT_EQ(ma.units[u].starts, mb.units[u].starts) << m;
      ASSERT_EQ(ma.units[u].sets.size(), mb.units[u].sets.size()) << m;
      for (size_t i = 0; i < ma.units[u].sets.size(); ++i) {
        EXPECT_EQ(std::memcmp(&ma.units[u].sets[i], &mb.units[u].sets[i],
                              sizeof(StatisticSet)),
                  0)
            << "metric " << m << " unit " << u << " cell " << i;
      }
    }
  }
}

// Rule (issue 7, PutMetricData's fast acceptance): a datum of a metric
// whose id is known valid, with one Value, is accepted without the full
// validation only when ValidateMetricDatum with the ingest clock accepts
// it; at every boundary of that test (the 2^360 magnitude, NaN and the
// infinities, -0, the two-week and two-hour window to the nanosecond,
// StorageResolution, units outside the enum, a second value form, Counts
// without Values) the request's verdict, position and message are those
// of ValidateMetricDatum, and the store holds exactly what one-by-one Put
// stores, bit for bit, also when a metric changes unit mid-request and
// when unknown metrics (valid or not) come in between.
TEST(PutMetricDataBatchTest, FastAcceptanceKeepsValidationsVerdictAndMessage) {
  const MetricId known{"App", "Latency", {{"Host", "a"}}};
  auto datum = [&](double value) {
    MetricDatum d;
    d.metric = known;
    d.timestamp = kClock - absl::Minutes(3);
    d.value = value;
    return d;
  };
  std::vector<MetricDatum> edges;
  const double max = std::ldexp(1.0, 360);
  const double inf = std::numeric_limits<double>::infinity();
  for (double v : {max, -max, std::nextafter(max, inf),
                   -std::nextafter(max, inf), std::nan(""), inf, -inf, -0.0,
                   0.0, 1e-300}) {
    edges.push_back(datum(v));
  }
  for (absl::Time t :
       {kClock - kMaxDatumAge, kClock - kMaxDatumAge - absl::Nanoseconds(1),
        kClock + kMaxDatumLead, kClock + kMaxDatumLead + absl::Nanoseconds(1),
        absl::InfiniteFuture(), absl::InfinitePast()}) {
    edges.push_back(datum(7));
    edges.back().timestamp = t;
  }
  for (int resolution : {0, 1, 59, 60, 61, -60}) {
    edges.push_back(datum(8));
    edges.back().storage_resolution = resolution;
  }
  for (int unit : {-1, kUnitCount, 255}) {
    edges.push_back(datum(9));
    edges.back().unit = static_cast<Unit>(unit);
  }
  for (Unit unit : {Unit::kCount, Unit::kNone, Unit::kCount, Unit::kSeconds}) {
    edges.push_back(datum(10));  // The metric changes unit.
    edges.back().unit = unit;
  }
  edges.push_back(datum(11));
  edges.back().values = {1, 2};  // Two value forms.
  edges.push_back(datum(12));
  edges.back().statistic_values = StatisticSet{1, 2, 2, 2};
  edges.push_back(datum(13));
  edges.back().counts = {0, 5};  // Counts are read only with Values.
  edges.push_back(datum(14));
  edges.back().metric = {"App", "Latency", {{"Host", "new"}}};  // Unknown.
  edges.push_back(datum(15));
  edges.back().metric = {":bad", "Latency", {}};  // Unknown, invalid id.
  edges.push_back(datum(16));
  edges.back().metric.dimensions = {{"Host", "a"}, {"Host", "a"}};

  // Each edge datum in the middle of good datums of the known metric, near
  // the start of a request and across the 256-datum lookup batch.
  for (size_t position : {3u, 255u, 256u, 300u}) {
    for (const MetricDatum& edge : edges) {
      MetricStore batched;
      MetricStore one_by_one;
      std::vector<MetricDatum> request(position + 20, datum(1));
      for (size_t i = 0; i < request.size(); ++i) {
        request[i].value = static_cast<double>(i);
      }
      request[position] = edge;
      // The known metric's id is validated by an earlier request.
      ASSERT_EQ(batched.PutMetricData({datum(0)}, kClock).accepted, 1);
      ASSERT_THAT(one_by_one.Put(datum(0), "MetricData.member.1"), IsOk());
      const PutMetricDataResult r = batched.PutMetricData(request, kClock);
      const auto [accepted, rejected] = PutOneByOne(one_by_one, request);
      const std::string where = absl::StrCat(
          "position ", position, " edge ", &edge - edges.data());
      EXPECT_EQ(r.accepted, accepted) << where;
      ASSERT_EQ(r.rejected.size(), rejected.size()) << where;
      for (size_t k = 0; k < rejected.size(); ++k) {
        EXPECT_EQ(r.rejected[k].index, rejected[k].index) << where;
        EXPECT_EQ(r.rejected[k].status, rejected[k].status) << where;
      }
      ExpectSameExport(batched, one_by_one);
    }
  }
}

// True when `a` and `b` have the same namespace, name and dimensions, in
// any order.
bool SamePieces(const MetricId& a, const MetricId& b) {
  auto sorted = [](std::vector<Dimension> d) {
    std::sort(d.begin(), d.end(), [](const Dimension& x, const Dimension& y) {
      return std::tie(x.name, x.value) < std::tie(y.name, y.value);
    });
    return d;
  };
  return a.metric_namespace == b.metric_namespace &&
         a.metric_name == b.metric_name &&
         sorted(a.dimensions) == sorted(b.dimensions);
}

// Rule (issue 7, lookup without building the key): PutMetricData gives
// every datum the metric, verdict and message that a lookup by the built
// key gives: a reference interns by MetricKeyBuilder keys, validates the id
// only while its metric is not known valid (ValidateMetricDatumValues once
// it is), and interns after acceptance. Covers the tricky ids (their
// rejections name the field the key lookup names), invalid ids that spell
// the key of a valid, known metric (rejected: only a datum that names the
// metric with the entry's own pieces skips the id rules), and zero-count
// datums (which do not intern).
TEST(PutMetricDataBatchTest, LookupByIdGivesTheKeyLookupsMetricAndVerdict) {
  std::mt19937_64 rng(31);
  MetricStore store;
  struct Entry {
    MetricIndex index;
    bool id_valid;  // Some datum's id with the entry's pieces passed.
    MetricId pieces;  // The id first interned under the key.
  };
  absl::flat_hash_map<std::string, Entry> reference;
  MetricIndex next = 0;
  int rejected_spellings = 0;  // Invalid ids spelling a known valid key.
  auto clean = [](int k) {
    return MetricId{"App", absl::StrCat("m", k % 5),
                    {{"Host", absl::StrCat("h", k)}, {"Az", "a"}}};
  };
  for (int request = 0; request < 6; ++request) {
    std::vector<MetricDatum> data(300);
    for (MetricDatum& d : data) {
      switch (rng() % 6) {
        case 0:
        case 1:
          d.metric = TrickyId(rng);
          break;
        case 2:  // Three spellings of one key; the first has an invalid
                 // namespace (a control character).
          switch (rng() % 3) {
            case 0:
              d.metric = {"App\x1f" "x", "D\x1e" "v", {}};
              break;
            case 1:
              d.metric = {"App", "x", {{"D", "v"}}};
              break;
            default:
              d.metric = {"App", "x\x1f" "D\x1e" "v", {}};
          }
          break;
        default:
          d.metric = clean(static_cast<int>(rng() % 60));
          if (rng() % 2) {
            std::swap(d.metric.dimensions[0], d.metric.dimensions[1]);
          }
      }
      d.timestamp = kClock - absl::Seconds(static_cast<int64_t>(rng() % 600));
      d.value = static_cast<double>(rng() % 100);
      if (rng() % 10 == 0) {  // Zero counts: accepted, nothing interned.
        d.value.reset();
        d.values = {1};
        d.counts = {0};
      }
    }
    const PutMetricDataResult r = store.PutMetricData(data, kClock);
    size_t rejected = 0;
    int accepted = 0;
    for (size_t i = 0; i < data.size(); ++i) {
      const std::string context = absl::StrCat("MetricData.member.", i + 1);
      const std::string key(MetricKeyBuilder(data[i].metric).view());
      auto known = reference.find(key);
      const bool id_valid = known != reference.end() &&
                            known->second.id_valid &&
                            SamePieces(known->second.pieces, data[i].metric);
      const absl::Status expected =
          id_valid ? ValidateMetricDatumValues(data[i], context, kClock)
                   : ValidateMetricDatum(data[i], context, kClock);
      const std::string where = absl::StrCat(request, " ", i);
      if (!expected.ok()) {
        if (known != reference.end() && known->second.id_valid) {
          ++rejected_spellings;
        }
        ASSERT_LT(rejected, r.rejected.size()) << where;
        EXPECT_EQ(r.rejected[rejected].index, i) << where;
        EXPECT_EQ(r.rejected[rejected].status, expected) << where;
        ++rejected;
        continue;
      }
      ++accepted;
      EXPECT_TRUE(ValidateMetricId(data[i].metric, "id").ok()) << where;
      if (data[i].ToStatisticSet().empty()) continue;
      if (known == reference.end()) {
        known = reference.emplace(key, Entry{next++, false, data[i].metric})
                    .first;
      }
      if (SamePieces(known->second.pieces, data[i].metric)) {
        known->second.id_valid = true;
      }
      EXPECT_EQ(store.Find(data[i].metric), known->second.index) << where;
    }
    EXPECT_EQ(rejected, r.rejected.size()) << request;
    EXPECT_EQ(r.accepted, accepted) << request;
    ASSERT_EQ(store.metric_count(), next) << request;
  }
  EXPECT_GT(rejected_spellings, 0);
}

}  // namespace
}  // namespace cwalarm
