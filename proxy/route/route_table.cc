#include "proxy/route/route_table.h"

namespace meshproxy::route {

const Route* RouteTable::match(const http::HeaderMap& request_headers, uint64_t random) const {
  const VirtualHost* vhost = index_.find(request_headers);
  return vhost == nullptr ? nullptr : vhost->match(request_headers, random);
}

void RouteTable::removeInternalOnlyHeaders(http::HeaderMap& request_headers) const {
  for (const std::string& name : internal_only_headers_) request_headers.remove(name);
}

}  // namespace meshproxy::route
