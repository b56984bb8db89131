#pragma once

#include <string_view>

#include "proxy/http/header_map.h"

namespace meshproxy::http {

// Envoy's internal/external request distinction (config_http_conn_man_header_sanitizing): a
// request is internal when its x-forwarded-for holds exactly one address (after the
// connection manager appended the peer, with use_remote_address) and that address is
// internal: RFC 1918, loopback, IPv6 unique-local or ::1 (Envoy's default
// internal_address_config). Only internal clients may steer the proxy with x-envoy-* headers.
bool isInternalAddress(std::string_view ip);

// `xff`: the x-forwarded-for value the upstream will see.
bool isInternalRequest(std::string_view xff);

// Removes the x-envoy-* request headers an external client may not set (Envoy's
// cleanInternalHeaders): retry, timeout and hedging control, expected timeout, force-trace,
// IP tags, original URL, alt stat name.
void removeEnvoyControlHeaders(HeaderMap& headers);

}  // namespace meshproxy::http
