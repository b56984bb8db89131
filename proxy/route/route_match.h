#pragma once

#include <vector>

#include "proxy/http/header_map.h"
#include "proxy/matcher/header_matcher.h"
#include "proxy/route/path_matcher.h"
#include "proxy/matcher/query_parameter_matcher.h"

namespace meshproxy::route {

// A route's match conditions (envoy.config.route.v3.RouteMatch): the path specifier and
// every header and query parameter matcher must match.
class RouteMatch {
 public:
  RouteMatch(PathMatcher path, std::vector<matcher::HeaderMatcher> headers,
             std::vector<matcher::QueryParameterMatcher> query_parameters);

  // `full_path` is :path as received; a request without :path (CONNECT) matches no route,
  // because meshproxy implements no connect_matcher.
  bool matches(const http::HeaderMap& headers, std::string_view full_path,
               bool ignore_path_parameters) const;

  const PathMatcher& path() const { return path_; }

 private:
  PathMatcher path_;
  std::vector<matcher::HeaderMatcher> headers_;
  std::vector<matcher::QueryParameterMatcher> query_parameters_;
};

}  // namespace meshproxy::route
