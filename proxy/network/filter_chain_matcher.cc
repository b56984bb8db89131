#include "proxy/network/filter_chain_matcher.h"

#include <array>
#include <functional>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace meshproxy::network {
namespace {

// A score per criterion: -1 no match, 0 matched because the chain does not care, higher is
// more specific.
constexpr int kNoMatch = -1;
constexpr int kAny = 0;

bool isSameIpOrLoopback(const Address& local, const Address& remote) {
  size_t n = 0;
  const uint8_t* bytes = addressBytes(remote, &n);
  if (bytes == nullptr) return false;
  if (n == 4 && bytes[0] == 127) return true;
  if (n == 16) {
    static const uint8_t kLoopback6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    if (std::equal(bytes, bytes + 16, kLoopback6)) return true;
  }
  size_t ln = 0;
  const uint8_t* local_bytes = addressBytes(local, &ln);
  return ln == n && std::equal(bytes, bytes + n, local_bytes);
}

int scorePrefixes(const std::vector<CidrRange>& ranges, const Address& address) {
  if (ranges.empty()) return kAny;
  int best = kNoMatch;
  for (const auto& r : ranges) {
    // /0 still beats "any", as in Envoy's trie.
    if (r.contains(address)) best = std::max(best, static_cast<int>(r.prefixLength()) + 1);
  }
  return best;
}

int scoreServerName(const std::vector<std::string>& names, std::string_view sni) {
  if (names.empty()) return kAny;
  if (sni.empty()) return kNoMatch;
  int best = kNoMatch;
  for (const auto& name : names) {
    if (name.size() > 1 && name[0] == '*') {
      // "*.example.com" matches any name ending in ".example.com"; a longer suffix is more
      // specific.
      std::string_view suffix = std::string_view(name).substr(1);
      if (sni.size() > suffix.size() && sni.substr(sni.size() - suffix.size()) == suffix) {
        best = std::max(best, 1 + static_cast<int>(suffix.size()));
      }
    } else if (name == sni) {
      return 1 << 20;  // exact beats every wildcard
    }
  }
  return best;
}

int score(const FilterChainMatch& m, int level, const ConnectionMatchInfo& info) {
  switch (level) {
    case 0:
      if (!m.destination_port) return kAny;
      return *m.destination_port == info.local.port() ? 1 : kNoMatch;
    case 1:
      return scorePrefixes(m.prefix_ranges, info.local);
    case 2:
      return scoreServerName(m.server_names, info.server_name);
    case 3:
      if (m.transport_protocol.empty()) return kAny;
      return m.transport_protocol == info.transport_protocol ? 1 : kNoMatch;
    case 4:
      if (m.application_protocols.empty()) return kAny;
      if (info.application_protocols == nullptr) return kNoMatch;
      // The connection's order decides (Envoy takes its first protocol any chain lists).
      for (size_t i = 0; i < info.application_protocols->size(); ++i) {
        for (const auto& want : m.application_protocols) {
          if (want == (*info.application_protocols)[i])
            return 1000 - static_cast<int>(std::min<size_t>(i, 999));
        }
      }
      return kNoMatch;
    case 5:
      if (m.source_type == SourceType::kAny) return kAny;
      return (m.source_type == SourceType::kSameIpOrLoopback) ==
                     isSameIpOrLoopback(info.local, info.remote)
                 ? 1
                 : kNoMatch;
    case 6:
      return scorePrefixes(m.source_prefix_ranges, info.remote);
    case 7:
      if (m.source_ports.empty()) return kAny;
      for (uint32_t p : m.source_ports) {
        if (p == info.remote.port()) return 1;
      }
      return kNoMatch;
  }
  return kNoMatch;
}
constexpr int kLevels = 8;

bool matchesAll(const FilterChainMatch& m) {
  return !m.destination_port && m.prefix_ranges.empty() && m.server_names.empty() &&
         m.transport_protocol.empty() && m.application_protocols.empty() &&
         m.source_type == SourceType::kAny && m.source_prefix_ranges.empty() &&
         m.source_ports.empty();
}

// The values one chain lists per criterion, as strings; "*" for "any".
std::array<std::vector<std::string>, kLevels> keyValues(const FilterChainMatch& m) {
  std::array<std::vector<std::string>, kLevels> v;
  auto or_any = [](std::vector<std::string> values) {
    if (values.empty()) values.push_back("*");
    return values;
  };
  auto ranges = [](const std::vector<CidrRange>& rs) {
    std::vector<std::string> out;
    for (const auto& r : rs) out.push_back(r.str());
    return out;
  };
  v[0] = {m.destination_port ? absl::StrCat(*m.destination_port) : "*"};
  v[1] = or_any(ranges(m.prefix_ranges));
  v[2] = or_any(m.server_names);
  v[3] = {m.transport_protocol.empty() ? "*" : m.transport_protocol};
  v[4] = or_any(m.application_protocols);
  v[5] = {absl::StrCat(static_cast<int>(m.source_type))};
  v[6] = or_any(ranges(m.source_prefix_ranges));
  std::vector<std::string> ports;
  for (uint32_t p : m.source_ports) ports.push_back(absl::StrCat(p));
  v[7] = or_any(std::move(ports));
  return v;
}

}  // namespace

absl::StatusOr<FilterChainMatcher> FilterChainMatcher::create(
    std::vector<Entry> entries, std::shared_ptr<const FilterChain> default_chain) {
  // Two chains overlap when some combination of their listed values is the same: expand each
  // chain into its combinations (bounded) and look for a repeat.
  constexpr size_t kMaxCombinations = 1 << 20;
  absl::flat_hash_map<std::string, size_t> seen;
  size_t total = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    auto values = keyValues(entries[i].match);
    size_t combos = 1;
    for (const auto& v : values) combos *= v.size();
    total += combos;
    if (total > kMaxCombinations) {
      return absl::InvalidArgumentError("filter_chain_match: too many combinations of values");
    }
    std::array<size_t, kLevels> idx{};
    for (size_t c = 0; c < combos; ++c) {
      std::string key;
      for (int l = 0; l < kLevels; ++l) absl::StrAppend(&key, values[l][idx[l]], "\x1f");
      auto [it, inserted] = seen.emplace(key, i);
      if (!inserted && it->second != i) {
        std::string shown = key;
        std::replace(shown.begin(), shown.end(), '\x1f', ' ');
        return absl::InvalidArgumentError(
            absl::StrCat("filter_chains[", it->second, "] and filter_chains[", i,
                         "] have the same filter_chain_match (both match: ", shown,
                         "); multiple filter chains with the same matching rules are not allowed"));
      }
      for (int l = kLevels - 1; l >= 0; --l) {
        if (++idx[l] < values[l].size()) break;
        idx[l] = 0;
      }
    }
  }
  FilterChainMatcher m;
  m.entries_ = std::move(entries);
  m.default_chain_ = std::move(default_chain);
  if (m.entries_.size() == 1 && matchesAll(m.entries_[0].match)) {
    m.match_all_ = m.entries_[0].chain.get();
  }
  return m;
}

const FilterChain* FilterChainMatcher::select(const ConnectionMatchInfo& info) const {
  if (match_all_ != nullptr) return match_all_;
  // Inline storage: picking a chain allocates nothing for listeners of up to 16 chains.
  absl::InlinedVector<uint32_t, 16> candidates;
  for (uint32_t i = 0; i < entries_.size(); ++i) candidates.push_back(i);
  for (int level = 0; level < kLevels && !candidates.empty(); ++level) {
    int best = kNoMatch;
    for (uint32_t i : candidates) best = std::max(best, score(entries_[i].match, level, info));
    if (best == kNoMatch) {
      candidates.clear();
      break;
    }
    size_t kept = 0;
    for (uint32_t i : candidates) {
      if (score(entries_[i].match, level, info) == best) candidates[kept++] = i;
    }
    candidates.resize(kept);
  }
  if (!candidates.empty()) return entries_[candidates.front()].chain.get();
  return default_chain_.get();
}

}  // namespace meshproxy::network
