#pragma once

#include <string_view>

#include "proxy/core/ascii_case.h"

// Comma-separated header field values (RFC 9110 5.6.1: `#element` lists), read without copies:
// Cache-Control, Vary, Accept-Encoding, Transfer-Encoding, Connection, If-None-Match ...
namespace meshproxy::http {

// Without optional whitespace (spaces and tabs) at either end.
inline std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls f(element) for each non-empty element of the list, trimmed. f returns false to stop.
template <typename F>
void forEachListElement(std::string_view value, F&& f) {
  while (true) {
    const size_t comma = value.find(',');
    std::string_view element = trimOws(value.substr(0, comma));
    if (!element.empty() && !f(element)) return;
    if (comma == std::string_view::npos) return;
    value.remove_prefix(comma + 1);
  }
}

// Whether the list has an element equal to `token` (ASCII case-insensitive), parameters aside
// ("gzip;q=1" has "gzip").
inline bool listHasToken(std::string_view value, std::string_view token) {
  bool found = false;
  forEachListElement(value, [&](std::string_view element) {
    const size_t semi = element.find(';');
    found = equalsIgnoreCase(trimOws(element.substr(0, semi)), token);
    return !found;
  });
  return found;
}

}  // namespace meshproxy::http
