// The version_info of a response: derived from exactly the resources it carries, so it
// changes when (and only when) what the node is sent changes, and it is the same after a
// control-plane restart (a reconnecting client then sees its version again).
#pragma once

#include <string>

#include "xds/server/resource.h"

namespace meshproxy::xds_server {

// 16 hex characters (64 bits of SHA-256 over each resource's type, name and content hash).
std::string computeVersion(const ResourceMap& resources);

}  // namespace meshproxy::xds_server
