#pragma once

#include "proxy/server/options.h"

namespace meshproxy::server {

// `meshproxy --mode validate`: loads the bootstrap and translates everything it defines (static
// listeners and clusters, TLS contexts and their certificate files, the ADS source) as `serve`
// does before it binds, but opens no socket, starts no worker and no xDS stream, like Envoy's
// validate mode. Prints a summary on stdout and returns 0, or prints the error on stderr and
// returns 1, so a CI step can gate a config change.
int runValidateMode(const Options& options);

}  // namespace meshproxy::server
