#include "proxy/stats/tag_names.h"

#include <array>
#include <utility>

namespace meshproxy::stats {

std::string_view tagNameForKind(std::string_view kind) {
  // A linear scan over a handful of entries: this runs only when a scope is created.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kKinds = {{
      {"cluster", kClusterNameTag},
      {"listener", kListenerAddressTag},
      {"http", kHttpConnManagerPrefixTag},
      {"tcp", kTcpPrefixTag},
      {"udp", kUdpPrefixTag},
      {"vhost", kVirtualHostTag},
      {"vcluster", kVirtualClusterTag},
      {"rds", kRdsRouteConfigTag},
  }};
  for (const auto& [k, tag] : kKinds) {
    if (k == kind) return tag;
  }
  return {};
}

}  // namespace meshproxy::stats
