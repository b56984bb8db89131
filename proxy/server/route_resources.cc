#include "proxy/server/route_resources.h"

namespace meshproxy::server {

absl::StatusOr<std::string> RouteResources::nameOf(
    const envoy::config::route::v3::RouteConfiguration& proto, size_t index) const {
  if (proto.name().empty())
    return absl::InvalidArgumentError(absl::StrCat("route configuration ", index, " has no name"));
  return proto.name();
}

absl::StatusOr<std::shared_ptr<const route::RouteTable>> RouteResources::translate(
    const envoy::config::route::v3::RouteConfiguration& proto) {
  auto table = route::RouteTable::create(proto);
  if (!table.ok())
    return protobuf::withContext(table.status(),
                                 absl::StrCat("route_configuration '", proto.name(), "'"));
  return *table;
}

}  // namespace meshproxy::server
