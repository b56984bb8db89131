#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/network/address.h"
#include "proxy/network/cidr_range.h"
#include "proxy/network/filter_chain.h"

namespace meshproxy::network {

// listener.v3.FilterChainMatch.ConnectionSourceType.
enum class SourceType { kAny, kSameIpOrLoopback, kExternal };

// The conditions of one filter chain, translated. An empty list (or unset field) means "any".
struct FilterChainMatch {
  std::optional<uint32_t> destination_port;
  std::vector<CidrRange> prefix_ranges;
  // Lower case; "*.example.com" is a wildcard for any name ending in ".example.com".
  std::vector<std::string> server_names;
  std::string transport_protocol;
  std::vector<std::string> application_protocols;
  SourceType source_type = SourceType::kAny;
  std::vector<CidrRange> source_prefix_ranges;
  std::vector<uint32_t> source_ports;
};

// What the listener knows about a connection when it picks its chain: the addresses (the
// local one restored by original_dst) and what listener filters detected.
struct ConnectionMatchInfo {
  const Address& local;
  const Address& remote;
  std::string_view server_name;  // lower case; "" if none
  std::string_view transport_protocol = "raw_buffer";
  const std::vector<std::string>* application_protocols = nullptr;
};

// Picks a listener's filter chain for a connection the way Envoy does: criteria are tried in
// a fixed order (destination port, destination IP, server name, transport protocol,
// application protocols, source type, source IP, source port); at each step only the chains
// with the most specific match survive (an exact value beats a longer prefix or wildcard,
// which beats "any"), and if none matches, the default chain (or none) is used. There is no
// backtracking, so a more specific port match that fails later does not fall back to a chain
// without a port.
class FilterChainMatcher {
 public:
  struct Entry {
    FilterChainMatch match;
    std::shared_ptr<const FilterChain> chain;
  };

  FilterChainMatcher() = default;
  // Fails if two chains match exactly the same connections (Envoy: "multiple filter chains
  // with the same matching rules").
  static absl::StatusOr<FilterChainMatcher> create(
      std::vector<Entry> entries, std::shared_ptr<const FilterChain> default_chain);

  // The chain for this connection; nullptr if none matches and there is no default.
  const FilterChain* select(const ConnectionMatchInfo& info) const;

  const std::vector<Entry>& entries() const { return entries_; }
  const std::shared_ptr<const FilterChain>& defaultChain() const { return default_chain_; }

 private:
  std::vector<Entry> entries_;
  std::shared_ptr<const FilterChain> default_chain_;
  // One chain that matches everything (the common single-chain listener): no scan needed.
  const FilterChain* match_all_ = nullptr;
};

}  // namespace meshproxy::network
