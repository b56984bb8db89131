// Response nonces, unique within the process, so a nonce from another stream (or from before a
// reconnect) never matches the latest one on a stream.
#pragma once

#include <string>

namespace meshproxy::xds_server {

std::string nextNonce();

}  // namespace meshproxy::xds_server
