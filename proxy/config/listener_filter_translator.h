#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/network/listener_config.h"

namespace envoy::config::listener::v3 {
class ListenerFilter;
}

namespace meshproxy::config {

// One listener filter (original_dst, tls_inspector, http_inspector), by typed_config type
// URL, or by its well-known name when typed_config is absent. Any other filter, or a set field
// in its config, is an error.
absl::StatusOr<network::ListenerFilterKind> translateListenerFilter(
    const envoy::config::listener::v3::ListenerFilter& proto, const std::string& where);

}  // namespace meshproxy::config
