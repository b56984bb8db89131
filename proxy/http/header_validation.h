#pragma once

#include <string_view>

namespace meshproxy::http {

// Envoy's protoc-gen-validate rules for header names and values in config (well_known_regex
// HTTP_HEADER_* with strict: false): anything but NUL, CR and LF; a name is also non-empty.
bool isValidHeaderName(std::string_view name);
bool isValidHeaderValue(std::string_view value);

}  // namespace meshproxy::http
