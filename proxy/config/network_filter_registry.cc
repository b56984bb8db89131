#include "proxy/config/network_filter_registry.h"

#include <string>

#include "absl/container/flat_hash_map.h"
#include "proxy/core/strings.h"
#include "proxy/filters/network/http_connection_manager/hcm_factory.h"
#include "proxy/filters/network/tcp_proxy/tcp_proxy_factory.h"

namespace meshproxy::config {

// An explicit table rather than self-registering statics: with a static library, a filter
// whose object file nothing references would silently vanish from the registry.
const NetworkFilterTranslator* findNetworkFilter(std::string_view type_url) {
  static const auto* registry = new absl::flat_hash_map<std::string, NetworkFilterTranslator>{
      {"type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
       &filters::tcp_proxy::createTcpProxyFactory},
      {"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3."
       "HttpConnectionManager",
       &filters::hcm::createHttpConnectionManagerFactory},
  };
  auto it = registry->find(toAbsl(type_url));
  return it == registry->end() ? nullptr : &it->second;
}

}  // namespace meshproxy::config
