#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

#include "proxy/upstream/lb_tables.h"
#include "proxy/upstream/load_balancer.h"

namespace meshproxy::upstream {
namespace {

std::vector<std::string> addresses(size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.push_back("10.0.0." + std::to_string(i + 1) + ":8080");
  return out;
}

std::vector<TableHost> tableOf(const std::vector<std::string>& keys,
                               std::vector<uint32_t> weights = {}) {
  std::vector<TableHost> hosts;
  for (size_t i = 0; i < keys.size(); ++i) {
    hosts.push_back({keys[i], weights.empty() ? 1u : weights[i]});
  }
  return hosts;
}

// Keys 0..n-1 hashed as a request would be.
uint64_t requestHash(int i) { return xxHash64("user-" + std::to_string(i)); }

TEST(HashFunctionsTest, KnownValues) {
  // XXH64 of "" with seed 0 (the reference value), and the murmur variant Envoy uses.
  EXPECT_EQ(xxHash64(""), 0xef46db3751d8e999ULL);
  EXPECT_NE(murmurHash2("abc"), murmurHash2("abd"));
  EXPECT_EQ(murmurHash2("abc"), murmurHash2("abc"));
}

template <typename Table>
void expectEvenSplit(const Table& table, size_t hosts, double tolerance) {
  std::map<uint32_t, int> counts;
  const int keys = 100000;
  for (int i = 0; i < keys; ++i) ++counts[table.lookup(requestHash(i))];
  ASSERT_EQ(counts.size(), hosts);
  for (const auto& [host, count] : counts) {
    EXPECT_NEAR(static_cast<double>(count) / keys, 1.0 / hosts, tolerance) << "host " << host;
  }
}

TEST(RingHashTableTest, SpreadsKeysEvenly) {
  RingHashTable ring(tableOf(addresses(5)), 1024, 8 * 1024 * 1024, HashFunction::kXxHash);
  EXPECT_GE(ring.size(), 1024u);
  expectEvenSplit(ring, 5, 0.05);
}

TEST(RingHashTableTest, MurmurRingSpreadsToo) {
  RingHashTable ring(tableOf(addresses(4)), 4096, 8 * 1024 * 1024, HashFunction::kMurmurHash2);
  expectEvenSplit(ring, 4, 0.05);
}

TEST(RingHashTableTest, WeightsShareTheRing) {
  RingHashTable ring(tableOf(addresses(2), {3, 1}), 4096, 8 * 1024 * 1024, HashFunction::kXxHash);
  int first = 0;
  for (int i = 0; i < 40000; ++i) first += ring.lookup(requestHash(i)) == 0 ? 1 : 0;
  EXPECT_NEAR(first / 40000.0, 0.75, 0.04);
}

TEST(RingHashTableTest, MaximumRingSizeCaps) {
  RingHashTable ring(tableOf(addresses(3), {1000, 1, 1}), 1024, 2000, HashFunction::kXxHash);
  EXPECT_LE(ring.size(), 2003u);
}

// The property consistent hashing exists for: adding one host to N moves about 1/(N+1) of the
// keys, nearly all to the new host. (Envoy's ring resizes so that each host keeps
// minimum_ring_size / N entries: old hosts lose a few entries, and a few keys move between
// them.)
TEST(RingHashTableTest, AddingOneHostMovesAboutOneNth) {
  const size_t n = 10;
  auto keys_before = addresses(n);
  auto keys_after = addresses(n + 1);
  RingHashTable before(tableOf(keys_before), 1024, 8 * 1024 * 1024, HashFunction::kXxHash);
  RingHashTable after(tableOf(keys_after), 1024, 8 * 1024 * 1024, HashFunction::kXxHash);
  const int keys = 50000;
  int moved = 0, to_new = 0;
  for (int i = 0; i < keys; ++i) {
    uint32_t a = before.lookup(requestHash(i));
    uint32_t b = after.lookup(requestHash(i));
    if (a != b) ++moved;
    if (b == n) ++to_new;
  }
  EXPECT_NEAR(static_cast<double>(to_new) / keys, 1.0 / (n + 1), 0.03);
  // The shrinking share of the old hosts moves some more (about 15% in all here); a rehash of
  // everything (hash mod N) would move N/(N+1), about 91%.
  EXPECT_LT(static_cast<double>(moved) / keys, 2.0 / (n + 1));
}

TEST(MaglevTableTest, SpreadsKeysEvenly) {
  MaglevTable table(tableOf(addresses(5)), 65537);
  EXPECT_EQ(table.size(), 65537u);
  expectEvenSplit(table, 5, 0.02);
}

TEST(MaglevTableTest, WeightsShareTheTable) {
  MaglevTable table(tableOf(addresses(2), {3, 1}), 65537);
  int first = 0;
  for (int i = 0; i < 40000; ++i) first += table.lookup(requestHash(i)) == 0 ? 1 : 0;
  EXPECT_NEAR(first / 40000.0, 0.75, 0.02);
}

TEST(MaglevTableTest, AddingOneHostMovesAboutOneNth) {
  // Maglev trades a little stability for balance: slightly more than 1/N moves, and a few keys
  // move between old hosts.
  const size_t n = 10;
  MaglevTable before(tableOf(addresses(n)), 65537);
  MaglevTable after(tableOf(addresses(n + 1)), 65537);
  const int keys = 50000;
  int moved = 0, to_new = 0;
  for (int i = 0; i < keys; ++i) {
    uint32_t a = before.lookup(requestHash(i));
    uint32_t b = after.lookup(requestHash(i));
    if (a != b) ++moved;
    if (b == n) ++to_new;
  }
  EXPECT_NEAR(static_cast<double>(to_new) / keys, 1.0 / (n + 1), 0.02);
  EXPECT_LT(static_cast<double>(moved) / keys, 1.5 / (n + 1));
}

TEST(MaglevTableTest, NonPrimeSizeStillFills) {
  MaglevTable table(tableOf(addresses(3)), 1000);
  std::map<uint32_t, int> counts;
  for (int i = 0; i < 1000; ++i) ++counts[table.lookup(static_cast<uint64_t>(i))];
  EXPECT_EQ(counts.size(), 3u);
}

WorkerHostVector workerHosts(size_t n) {
  WorkerHostVector hosts;
  for (size_t i = 0; i < n; ++i) {
    auto address = *network::Address::fromIpPort("127.0.0.1", static_cast<uint32_t>(9000 + i));
    hosts.push_back(std::make_shared<WorkerHost>(std::make_shared<Host>(address, address.str())));
  }
  return hosts;
}

HostVector shared(const WorkerHostVector& hosts) {
  HostVector out;
  for (const auto& h : hosts) out.push_back(h->sharedHost());
  return out;
}

class HashedContext : public LbContext {
 public:
  explicit HashedContext(std::optional<uint64_t> hash) : hash_(hash) {}
  std::optional<uint64_t> hashKey() const override { return hash_; }

 private:
  std::optional<uint64_t> hash_;
};

TEST(LbTableCacheTest, OneBuildSharedUntilTheHostsChange) {
  LbTableCache cache;
  WorkerHostVector hosts = workerHosts(3);
  auto a = cache.ring(shared(hosts), 1024, 8 << 20, HashFunction::kXxHash);
  auto b = cache.ring(shared(hosts), 1024, 8 << 20, HashFunction::kXxHash);
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(cache.builds(), 1u);
  hosts[1]->sharedHost()->setWeight(5);  // a weight update is another table
  auto c = cache.ring(shared(hosts), 1024, 8 << 20, HashFunction::kXxHash);
  EXPECT_NE(a.get(), c.get());
  auto m = cache.maglev(shared(hosts), 65537);
  EXPECT_EQ(cache.builds(), 3u);
  EXPECT_EQ(m.get(), cache.maglev(shared(hosts), 65537).get());
}

TEST(HashBalancerTest, SameHashSameHostAndNoHashIsRandom) {
  WorkerHostVector hosts = workerHosts(4);
  LbTableCache cache;
  std::mt19937_64 random(3);
  RingHashLoadBalancer ring(hosts, cache.ring(shared(hosts), 1024, 8 << 20, HashFunction::kXxHash),
                            random);
  MaglevLoadBalancer maglev(hosts, cache.maglev(shared(hosts), 65537), random);
  for (int i = 0; i < 100; ++i) {
    HashedContext context(requestHash(i));
    WorkerHost* first = ring.pick(context);
    EXPECT_EQ(ring.pick(context), first);
    WorkerHost* m = maglev.pick(context);
    EXPECT_EQ(maglev.pick(context), m);
  }
  std::map<WorkerHost*, int> seen;
  HashedContext none(std::nullopt);
  for (int i = 0; i < 400; ++i) ++seen[ring.pick(none)];
  EXPECT_EQ(seen.size(), 4u);
}

TEST(HashBalancerTest, PickAgainStepsToAnotherHost) {
  WorkerHostVector hosts = workerHosts(3);
  LbTableCache cache;
  std::mt19937_64 random(3);
  MaglevLoadBalancer maglev(hosts, cache.maglev(shared(hosts), 65537), random);
  int differs = 0;
  for (int i = 0; i < 100; ++i) {
    HashedContext context(requestHash(i));
    WorkerHost* first = maglev.pick(context);
    for (uint32_t attempt = 1; attempt < 8; ++attempt) {
      if (maglev.pickAgain(context, attempt) != first) {
        ++differs;
        break;
      }
    }
  }
  EXPECT_EQ(differs, 100);
}

}  // namespace
}  // namespace meshproxy::upstream
