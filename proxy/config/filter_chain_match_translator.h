#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "proxy/network/filter_chain_matcher.h"

namespace envoy::config::listener::v3 {
class FilterChainMatch;
}

namespace meshproxy::config {

// listener.v3.FilterChainMatch -> FilterChainMatch. Field support is checked by the listener
// translator; this validates values (ports, prefixes, wildcard forms).
absl::StatusOr<network::FilterChainMatch> translateFilterChainMatch(
    const envoy::config::listener::v3::FilterChainMatch& proto, const std::string& where);

}  // namespace meshproxy::config
