#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace meshproxy::http {

// Path normalization as Envoy's normalize_path / merge_slashes do it, on the path part only
// (the query string is kept as is).

// RFC 3986 section 5.2.4 dot-segment removal; nullopt if the path does not start with '/'.
std::optional<std::string> normalizePath(std::string_view path_and_query);
// Collapses runs of '/' in the path part.
std::string mergeSlashes(std::string_view path_and_query);
// The path without "?query" and "#fragment".
std::string_view stripQueryAndFragment(std::string_view path_and_query);

}  // namespace meshproxy::http
