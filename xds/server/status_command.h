// `mesh-control status [--admin HOST:PORT]`: fetches /nodes and prints the status table.
#pragma once

#include "xds/server/options.h"

namespace meshproxy::xds_server {

// Returns the exit code: 0, or 1 when the admin server cannot be reached or answers oddly.
int runStatusCommand(const Options& options);

}  // namespace meshproxy::xds_server
