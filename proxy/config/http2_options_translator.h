#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "proxy/http/http2/settings.h"

namespace envoy::config::core::v3 {
class Http2ProtocolOptions;
}

namespace meshproxy::config {

// Envoy's Http2ProtocolOptions (downstream in the HttpConnectionManager, upstream in a
// cluster's HttpProtocolOptions or legacy http2_protocol_options) into the codec's settings.
// Fields left unset keep what `settings` holds (Envoy's defaults, or the header limits the
// caller filled in). Every field is implemented or rejected by name: allow_metadata,
// custom_settings_parameters, use_oghttp2_codec: true and
// connection_keepalive.connection_idle_interval are errors. Values outside Envoy's validation
// ranges are errors naming the field. `where` prefixes the messages.
absl::Status translateHttp2ProtocolOptions(
    const envoy::config::core::v3::Http2ProtocolOptions& proto, std::string_view where,
    http::http2::Http2Settings& settings);

}  // namespace meshproxy::config
