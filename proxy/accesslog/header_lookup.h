#pragma once

#include <optional>
#include <string_view>

namespace meshproxy::accesslog {

// Read-only view of one header block (request headers, response headers or trailers).
//
// Access logging only ever reads a handful of headers by name, so it depends on this one
// method instead of on the HTTP codec's header map; the HTTP header map implements it, and the
// TCP proxy (which has no headers) passes nullptr.
class HeaderLookup {
 public:
  virtual ~HeaderLookup() = default;

  // `lowercase_name` is already lower case (the formatter lowercases names at config time), and
  // pseudo-headers use their HTTP/2 spelling (":method", ":path", ":authority").
  // Returns the first value, or nullopt when the header is absent.
  virtual std::optional<std::string_view> get(std::string_view lowercase_name) const = 0;
};

}  // namespace meshproxy::accesslog
