#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

#include "proxy/upstream/host.h"
#include "proxy/upstream/lb_config.h"

// The lookup tables of the consistent-hashing balancers (RING_HASH, MAGLEV). They depend only
// on the hosts' addresses and weights, so a table is built once per host-set change and
// shared read-only by every worker (LbTableCache); entries are indices into the host list the
// table was built for, which each worker maps to its own WorkerHost objects.
namespace meshproxy::upstream {

// XXH64 with seed 0 (Envoy's HashUtil::xxHash64).
uint64_t xxHash64(std::string_view data, uint64_t seed = 0);
// Envoy's MurmurHash::murmurHash2 (the libstdc++ 64-bit _Hash_bytes), default seed.
uint64_t murmurHash2(std::string_view data, uint64_t seed = 0xc70f6907UL);

// One host as a table sees it: its hash key (the address, as Envoy hashes it) and weight.
struct TableHost {
  std::string_view key;
  uint32_t weight = 1;
};

// Envoy's ring hash: each host gets entries in proportion to its weight, at hash(key + "_" +
// i); a request's hash goes to the first entry at or after it, wrapping around. Adding one
// host of N moves about 1/N of the keys.
class RingHashTable {
 public:
  RingHashTable(const std::vector<TableHost>& hosts, uint64_t minimum_ring_size,
                uint64_t maximum_ring_size, HashFunction function);
  // Index of the host for `hash`; the table must not be empty.
  uint32_t lookup(uint64_t hash) const;
  // Index of the host `steps` entries after the one `hash` lands on (a retry that must avoid
  // the host the first pick gave).
  uint32_t lookup(uint64_t hash, uint32_t steps) const;
  size_t size() const { return ring_.size(); }
  bool empty() const { return ring_.empty(); }

 private:
  struct Entry {
    uint64_t hash;
    uint32_t host;
  };
  size_t position(uint64_t hash) const;
  std::vector<Entry> ring_;
};

// Google's Maglev (Envoy's MaglevTable): each host fills the table along its own permutation
// (offset, skip from two hashes of its key), taking turns weighted by host weight. Lookup is
// one index; adding one host of N moves a little over 1/N of the keys.
class MaglevTable {
 public:
  MaglevTable(const std::vector<TableHost>& hosts, uint64_t table_size);
  uint32_t lookup(uint64_t hash) const { return table_[hash % table_.size()]; }
  uint32_t lookup(uint64_t hash, uint32_t steps) const {
    return table_[(hash + steps) % table_.size()];
  }
  size_t size() const { return table_.size(); }
  bool empty() const { return table_.empty(); }

 private:
  std::vector<uint32_t> table_;
};

// The tables of one cluster, keyed by the exact hosts (objects and weights) they were built
// for. Workers call get() when they build their balancer (once per host-set change, not per
// request); the first one builds, the others wait on the mutex and take the same table.
class LbTableCache {
 public:
  using Key = std::vector<std::pair<HostSharedPtr, uint32_t>>;

  std::shared_ptr<const RingHashTable> ring(const HostVector& hosts, uint64_t minimum_ring_size,
                                            uint64_t maximum_ring_size, HashFunction function);
  std::shared_ptr<const MaglevTable> maglev(const HostVector& hosts, uint64_t table_size);
  // Tables built (not taken from the cache) so far: for tests.
  uint64_t builds() const;

 private:
  struct Entry {
    Key key;
    uint64_t params = 0;
    std::shared_ptr<const void> table;
  };
  static Key keyOf(const HostVector& hosts);
  template <typename Table, typename Build>
  std::shared_ptr<const Table> getOrBuild(const HostVector& hosts, uint64_t params, Build build);

  mutable std::mutex mutex_;
  // Usually one entry per priority level (healthy hosts); a few more while an update rolls
  // through the workers. Cleared when it grows past a handful.
  std::vector<Entry> entries_;
  uint64_t builds_ = 0;
};

// The table view of `hosts` (keys point into the Host objects, which outlive the call).
std::vector<TableHost> tableHosts(const HostVector& hosts);

}  // namespace meshproxy::upstream
