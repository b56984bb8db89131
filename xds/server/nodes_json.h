// GET /nodes: every connected stream, then the recently disconnected ones ("connected": false).
#pragma once

#include <string>

#include "xds/server/node_registry.h"

namespace meshproxy::xds_server {

std::string nodesJson(const NodeRegistry& registry);

}  // namespace meshproxy::xds_server
