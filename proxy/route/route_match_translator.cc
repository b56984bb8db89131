#include "proxy/route/route_match_translator.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include "envoy/config/route/v3/route_components.pb.h"
#include "proxy/matcher/matcher_translator.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::route {

using ProtoRouteMatch = envoy::config::route::v3::RouteMatch;

absl::StatusOr<RouteMatch> translateRouteMatch(const ProtoRouteMatch& proto,
                                               uint32_t max_program_size) {
  const bool case_sensitive = !proto.has_case_sensitive() || proto.case_sensitive().value();
  std::optional<PathMatcher> path;
  switch (proto.path_specifier_case()) {
    case ProtoRouteMatch::kPrefix:
      path.emplace(PathMatcher::Kind::kPrefix, proto.prefix(), case_sensitive);
      break;
    case ProtoRouteMatch::kPath:
      path.emplace(PathMatcher::Kind::kExact, proto.path(), case_sensitive);
      break;
    case ProtoRouteMatch::kSafeRegex: {
      auto regex = matcher::translateRegex(proto.safe_regex(), max_program_size);
      if (!regex.ok()) return protobuf::withContext(regex.status(), "match.safe_regex");
      path.emplace(std::move(*regex));
      break;
    }
    case ProtoRouteMatch::kPathSeparatedPrefix: {
      // The proto's rule ^[^?#]+[^?#/]$: no query or fragment, no trailing '/'.
      static const re2::RE2 kValid("^[^?#]+[^?#/]$");
      if (!re2::RE2::FullMatch(proto.path_separated_prefix(), kValid)) {
        return absl::InvalidArgumentError(fmt::format(
            "match.path_separated_prefix '{}' must be non-empty, without '?' or '#', and not "
            "end in '/'",
            proto.path_separated_prefix()));
      }
      path.emplace(PathMatcher::Kind::kSeparatedPrefix, proto.path_separated_prefix(),
                   case_sensitive);
      break;
    }
    default:
      return absl::InvalidArgumentError(
          "match needs one of prefix, path, safe_regex or path_separated_prefix");
  }

  std::vector<matcher::HeaderMatcher> headers;
  for (int i = 0; i < proto.headers_size(); ++i) {
    auto matcher = matcher::translateHeaderMatcher(proto.headers(i), max_program_size);
    if (!matcher.ok()) return protobuf::withContext(matcher.status(), fmt::format("match.headers[{}]", i));
    headers.push_back(std::move(*matcher));
  }
  std::vector<matcher::QueryParameterMatcher> query_parameters;
  for (int i = 0; i < proto.query_parameters_size(); ++i) {
    auto matcher = matcher::translateQueryParameterMatcher(proto.query_parameters(i), max_program_size);
    if (!matcher.ok()) {
      return protobuf::withContext(matcher.status(), fmt::format("match.query_parameters[{}]", i));
    }
    query_parameters.push_back(std::move(*matcher));
  }
  std::optional<runtime::FractionalFeature> runtime_fraction;
  if (proto.has_runtime_fraction()) {
    auto fraction = runtime::translateRuntimeFractionalPercent(proto.runtime_fraction());
    if (!fraction.ok()) return protobuf::withContext(fraction.status(), "match.runtime_fraction");
    runtime_fraction = std::move(*fraction);
  }
  return RouteMatch(std::move(*path), std::move(headers), std::move(query_parameters),
                    std::move(runtime_fraction));
}

}  // namespace meshproxy::route
