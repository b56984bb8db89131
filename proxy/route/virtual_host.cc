#include "proxy/route/virtual_host.h"

namespace meshproxy::route {

const Route* VirtualHost::match(const http::HeaderMap& request_headers, uint64_t random) const {
  std::optional<std::string_view> path = request_headers.get(http::headers::kPath);
  if (!path) return nullptr;
  for (const Route& route : routes) {
    if (route.matches(request_headers, *path, random)) return &route;
  }
  return nullptr;
}

}  // namespace meshproxy::route
