// GET /nodes: every connected stream, then the recently disconnected ones ("connected": false).
#pragma once

#include <functional>
#include <string>

#include "xds/server/node_registry.h"

namespace meshproxy::xds_server {

std::string nodesJson(const NodeRegistry& registry);
// With `certificate` (the CA's view of a node id, as JSON; "" leaves the field out), each
// node also shows "certificate": serial, SPIFFE ID and expiry of its workload certificate.
std::string nodesJson(const NodeRegistry& registry,
                      const std::function<std::string(const std::string&)>& certificate);

}  // namespace meshproxy::xds_server
