#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "proxy/http/header_map.h"
#include "proxy/route/path_rewrite.h"

namespace meshproxy::route {

// A route's RedirectAction, translated.
struct Redirect {
  std::string scheme;  // scheme_redirect, or "https" for https_redirect; "" keeps the request's
  std::string host;    // host_redirect; "" keeps the request's
  std::string port;    // ":<port_redirect>", or "" to keep the request's port (see newUri)
  std::string path;    // path_redirect; "" keeps the request's
  bool path_has_query = false;  // path_redirect contains '?': its query wins, even over strip_query
  PathRewrite rewrite;          // prefix_rewrite / regex_rewrite of the request's path
  bool strip_query = false;
  uint32_t response_code = 301;  // 301, 302, 303, 307 or 308
};

// Envoy's Http::Utility::newUri(): the Location URL "scheme://host[:port]/path". `redirect` is
// null for a direct response (Envoy gives 201 and 3xx direct responses a Location too).
// `path` is the request's :path after the redirect's prefix/regex rewrite.
//
// Port handling, as in Envoy: the request's host keeps its port unless port_redirect is set or
// the scheme changes from the one of the request (x-forwarded-proto, else :scheme) and the port
// is that scheme's default (":80" for http, ":443" for https).
std::string newUri(const Redirect* redirect, const http::HeaderMap& request_headers,
                   std::string_view path);

}  // namespace meshproxy::route
