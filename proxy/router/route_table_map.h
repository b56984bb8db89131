#pragma once

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"

namespace meshproxy::router {

class RouteTable;

// Route tables by RouteConfiguration name (RDS), as a worker sees them.
struct RouteTableMap {
  absl::flat_hash_map<std::string, std::shared_ptr<const RouteTable>> tables;
};

}  // namespace meshproxy::router
