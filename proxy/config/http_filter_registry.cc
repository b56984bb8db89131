#include "proxy/config/http_filter_registry.h"

#include <string>

#include "absl/container/flat_hash_map.h"
#include "proxy/core/strings.h"
#include "proxy/filters/http/router/router_factory.h"

namespace meshproxy::config {

// Explicit, like the network filter table: a static library drops unreferenced objects.
const HttpFilterTranslator* findHttpFilter(std::string_view type_url) {
  static const auto* registry = new absl::flat_hash_map<std::string, HttpFilterTranslator>{
      {"type.googleapis.com/envoy.extensions.filters.http.router.v3.Router",
       &filters::router::createRouterFactory},
  };
  auto it = registry->find(toAbsl(type_url));
  return it == registry->end() ? nullptr : &it->second;
}

}  // namespace meshproxy::config
