#pragma once

#include <optional>
#include <vector>

#include "proxy/http/header_map.h"
#include "proxy/matcher/header_matcher.h"
#include "proxy/route/path_matcher.h"
#include "proxy/matcher/query_parameter_matcher.h"
#include "proxy/runtime/runtime_feature.h"

namespace meshproxy::route {

// A route's match conditions (envoy.config.route.v3.RouteMatch): the path specifier and
// every header and query parameter matcher must match, and the request must fall in the
// runtime_fraction when there is one.
class RouteMatch {
 public:
  RouteMatch(PathMatcher path, std::vector<matcher::HeaderMatcher> headers,
             std::vector<matcher::QueryParameterMatcher> query_parameters,
             std::optional<runtime::FractionalFeature> runtime_fraction = std::nullopt);

  // `full_path` is :path as received; a request without :path (CONNECT) matches no route,
  // because meshproxy implements no connect_matcher. `random` is the stream's random value,
  // for runtime_fraction (Envoy's featureEnabled(key, default, random)).
  bool matches(const http::HeaderMap& headers, std::string_view full_path,
               bool ignore_path_parameters, uint64_t random = 0) const;

  const PathMatcher& path() const { return path_; }

 private:
  PathMatcher path_;
  std::vector<matcher::HeaderMatcher> headers_;
  std::vector<matcher::QueryParameterMatcher> query_parameters_;
  std::optional<runtime::FractionalFeature> runtime_fraction_;
};

}  // namespace meshproxy::route
