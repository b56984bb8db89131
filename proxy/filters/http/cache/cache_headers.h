#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "proxy/core/time_source.h"

// The header grammar of HTTP caching (RFC 9111 5.2, RFC 9110 5.6.7): Cache-Control directives
// of requests and responses, and HTTP dates. Envoy's RequestCacheControl / ResponseCacheControl.
namespace meshproxy::filters::cache {

using Seconds = std::chrono::seconds;

struct RequestCacheControl {
  bool must_validate = false;        // no-cache (or Pragma: no-cache without Cache-Control)
  bool no_store = false;             // no-store
  bool no_transform = false;         // no-transform
  bool only_if_cached = false;       // only-if-cached
  std::optional<Seconds> max_age;    // max-age=N: no response older than N
  std::optional<Seconds> min_fresh;  // min-fresh=N: fresh for at least N more
  // max-stale[=N]: stale by up to N accepted; without a value, any staleness.
  std::optional<Seconds> max_stale;
};

struct ResponseCacheControl {
  bool must_validate = false;  // no-cache: every use is validated first
  // no-store, or private (a shared cache must not store it)
  bool no_store = false;
  bool no_transform = false;
  bool no_stale = false;   // must-revalidate, proxy-revalidate: never served stale
  bool is_public = false;  // public
  // s-maxage, which a shared cache prefers, else max-age.
  std::optional<Seconds> max_age;
};

// A directive with a malformed argument ("max-age=abc") is ignored, as Envoy does; a
// directive's name is case-insensitive.
RequestCacheControl parseRequestCacheControl(std::string_view cache_control);
ResponseCacheControl parseResponseCacheControl(std::string_view cache_control);

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), and the obsolete RFC 850 and asctime forms a
// recipient must accept (RFC 9110 5.6.7). nullopt for anything else.
std::optional<SystemTime> parseHttpDate(std::string_view value);

}  // namespace meshproxy::filters::cache
