// GET /resources: the resource set being served (scope, type, name, source file, content
// version of each), and the errors and warnings of the latest load attempt.
#pragma once

#include <string>

#include "xds/server/load_state.h"

namespace meshproxy::xds_server {

std::string resourcesJson(const LoadState& state);

}  // namespace meshproxy::xds_server
