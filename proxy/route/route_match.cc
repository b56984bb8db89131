#include "proxy/route/route_match.h"

namespace meshproxy::route {

RouteMatch::RouteMatch(PathMatcher path, std::vector<matcher::HeaderMatcher> headers,
                       std::vector<matcher::QueryParameterMatcher> query_parameters,
                       std::optional<runtime::FractionalFeature> runtime_fraction)
    : path_(std::move(path)),
      headers_(std::move(headers)),
      query_parameters_(std::move(query_parameters)),
      runtime_fraction_(std::move(runtime_fraction)) {}

bool RouteMatch::matches(const http::HeaderMap& headers, std::string_view full_path,
                         bool ignore_path_parameters, uint64_t random) const {
  // The path first: it is the cheapest test and rules out most routes.
  if (!path_.matches(pathForMatching(full_path, ignore_path_parameters))) return false;
  for (const matcher::HeaderMatcher& matcher : headers_) {
    if (!matcher.matches(headers)) return false;
  }
  if (!query_parameters_.empty()) {
    size_t q = full_path.find('?');
    std::string_view query =
        q == std::string_view::npos ? std::string_view() : full_path.substr(q + 1);
    for (const matcher::QueryParameterMatcher& matcher : query_parameters_) {
      if (!matcher.matches(query)) return false;
    }
  }
  // Last, as in Envoy's matchRoute: the runtime key is read by slot, without hashing.
  return !runtime_fraction_ || runtime_fraction_->enabled(random);
}

}  // namespace meshproxy::route
