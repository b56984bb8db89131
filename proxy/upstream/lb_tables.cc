#include "proxy/upstream/lb_tables.h"

#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

namespace meshproxy::upstream {

uint64_t xxHash64(std::string_view data, uint64_t seed) {
  return XXH64(data.data(), data.size(), seed);
}

namespace {
inline uint64_t shiftMix(uint64_t v) { return v ^ (v >> 47); }
inline uint64_t loadBytes(const char* p, int n) {
  uint64_t result = 0;
  --n;
  do {
    result = (result << 8) + static_cast<unsigned char>(p[n]);
  } while (--n >= 0);
  return result;
}
}  // namespace

uint64_t murmurHash2(std::string_view key, uint64_t seed) {
  constexpr uint64_t kMul = 0xc6a4a7935bd1e995ULL;
  const char* const buf = key.data();
  const uint64_t len = key.size();
  const char* const end = buf + (len & ~uint64_t{7});
  uint64_t hash = seed ^ (len * kMul);
  for (const char* p = buf; p != end; p += 8) {
    uint64_t word;
    std::memcpy(&word, p, sizeof(word));
    hash ^= shiftMix(word * kMul) * kMul;
    hash *= kMul;
  }
  if ((len & 7) != 0) {
    hash ^= loadBytes(end, static_cast<int>(len & 7));
    hash *= kMul;
  }
  hash = shiftMix(hash) * kMul;
  return shiftMix(hash);
}

RingHashTable::RingHashTable(const std::vector<TableHost>& hosts, uint64_t minimum_ring_size,
                             uint64_t maximum_ring_size, HashFunction function) {
  if (hosts.empty()) return;
  double total = 0;
  for (const TableHost& host : hosts) total += host.weight;
  double min_normalized = 1.0;
  for (const TableHost& host : hosts)
    min_normalized = std::min(min_normalized, host.weight / total);
  // Envoy's sizing: enough entries that the lightest host gets its share of
  // minimum_ring_size, never more than maximum_ring_size.
  const double scale =
      std::min(std::ceil(min_normalized * static_cast<double>(minimum_ring_size)) / min_normalized,
               static_cast<double>(maximum_ring_size));
  ring_.reserve(static_cast<size_t>(scale) + hosts.size());
  double target = 0;
  uint64_t current = 0;
  std::string key;
  for (uint32_t h = 0; h < hosts.size(); ++h) {
    target += scale * (hosts[h].weight / total);
    for (uint64_t i = 0; static_cast<double>(current) < target; ++i, ++current) {
      key.assign(hosts[h].key);
      absl::StrAppend(&key, "_", i);
      uint64_t hash = function == HashFunction::kXxHash ? xxHash64(key) : murmurHash2(key);
      ring_.push_back({hash, h});
    }
  }
  std::sort(ring_.begin(), ring_.end(), [](const Entry& a, const Entry& b) {
    return a.hash < b.hash || (a.hash == b.hash && a.host < b.host);
  });
}

size_t RingHashTable::position(uint64_t hash) const {
  auto it = std::lower_bound(ring_.begin(), ring_.end(), hash,
                             [](const Entry& e, uint64_t h) { return e.hash < h; });
  return it == ring_.end() ? 0 : static_cast<size_t>(it - ring_.begin());
}

uint32_t RingHashTable::lookup(uint64_t hash) const { return ring_[position(hash)].host; }

uint32_t RingHashTable::lookup(uint64_t hash, uint32_t steps) const {
  return ring_[(position(hash) + steps) % ring_.size()].host;
}

MaglevTable::MaglevTable(const std::vector<TableHost>& hosts, uint64_t table_size) {
  if (hosts.empty() || table_size == 0) return;
  struct Build {
    uint64_t offset, skip, next = 0;
    double weight, target = 0;
  };
  std::vector<Build> builds;
  double max_weight = 0;
  for (const TableHost& host : hosts) max_weight = std::max<double>(max_weight, host.weight);
  for (const TableHost& host : hosts) {
    builds.push_back({xxHash64(host.key, 0) % table_size,
                      table_size > 1 ? xxHash64(host.key, 1) % (table_size - 1) + 1 : 1, 0,
                      host.weight / max_weight, 0});
  }
  constexpr uint32_t kEmpty = UINT32_MAX;
  table_.assign(table_size, kEmpty);
  uint64_t filled = 0;
  // Each round every host whose weight has caught up with its target takes the next free
  // slot of its permutation; the heaviest host takes one per round.
  for (uint64_t round = 0; filled < table_size; ++round) {
    for (uint32_t h = 0; h < builds.size() && filled < table_size; ++h) {
      Build& b = builds[h];
      if (static_cast<double>(round) * b.weight < b.target) continue;
      b.target += 1.0;
      uint64_t slot = (b.offset + b.skip * b.next) % table_size;
      while (table_[slot] != kEmpty) {
        ++b.next;
        // With a prime table_size the permutation visits every slot; past a full cycle (a
        // size that is not prime) probe linearly so that the build always ends.
        slot = b.next < table_size ? (b.offset + b.skip * b.next) % table_size
                                   : (slot + 1) % table_size;
      }
      table_[slot] = h;
      ++b.next;
      ++filled;
    }
  }
}

std::vector<TableHost> tableHosts(const HostVector& hosts) {
  std::vector<TableHost> out;
  out.reserve(hosts.size());
  for (const auto& host : hosts) out.push_back({host->address().str(), host->weight()});
  return out;
}

LbTableCache::Key LbTableCache::keyOf(const HostVector& hosts) {
  Key key;
  key.reserve(hosts.size());
  for (const auto& host : hosts) key.emplace_back(host, host->weight());
  return key;
}

template <typename Table, typename Build>
std::shared_ptr<const Table> LbTableCache::getOrBuild(const HostVector& hosts, uint64_t params,
                                                      Build build) {
  Key key = keyOf(hosts);
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Entry& entry : entries_) {
    if (entry.params == params && entry.key == key) {
      return std::static_pointer_cast<const Table>(entry.table);
    }
  }
  if (entries_.size() >= 8) entries_.clear();
  auto table = std::make_shared<const Table>(build());
  ++builds_;
  entries_.push_back({std::move(key), params, table});
  return table;
}

std::shared_ptr<const RingHashTable> LbTableCache::ring(const HostVector& hosts,
                                                        uint64_t minimum_ring_size,
                                                        uint64_t maximum_ring_size,
                                                        HashFunction function) {
  uint64_t params = xxHash64(absl::StrCat("ring/", minimum_ring_size, "/", maximum_ring_size, "/",
                                          static_cast<int>(function)));
  return getOrBuild<RingHashTable>(hosts, params, [&] {
    return RingHashTable(tableHosts(hosts), minimum_ring_size, maximum_ring_size, function);
  });
}

std::shared_ptr<const MaglevTable> LbTableCache::maglev(const HostVector& hosts,
                                                        uint64_t table_size) {
  uint64_t params = xxHash64(absl::StrCat("maglev/", table_size));
  return getOrBuild<MaglevTable>(hosts, params,
                                 [&] { return MaglevTable(tableHosts(hosts), table_size); });
}

uint64_t LbTableCache::builds() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return builds_;
}

}  // namespace meshproxy::upstream
