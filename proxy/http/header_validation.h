#pragma once

#include <string_view>

namespace meshproxy::http {

// Envoy's protoc-gen-validate rules for header names and values in config (well_known_regex
// HTTP_HEADER_* with strict: false): anything but NUL, CR and LF; a name is also non-empty.
bool isValidHeaderName(std::string_view name);
bool isValidHeaderValue(std::string_view value);

// Envoy's HttpProtocolOptions.headers_with_underscores_action: what the server codec does with
// a request header (or trailer) whose name contains '_'. Such a name is a valid token, but an
// origin that maps '_' to '-' (CGI, WSGI, PHP) reads `Transfer_Encoding` as framing or
// `X_Auth_User` as the header a filter checked; REJECT_REQUEST or DROP_HEADER closes that gap.
enum class HeadersWithUnderscoresAction {
  kAllow,          // forwarded as it is (Envoy's default)
  kRejectRequest,  // 400 and the connection closed (HTTP/1)
  kDropHeader,     // the field is removed, the request goes on
};

}  // namespace meshproxy::http
