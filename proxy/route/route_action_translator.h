#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "proxy/http/route_config.h"
#include "proxy/route/path_rewrite.h"
#include "proxy/route/route_action.h"

namespace envoy::config::route::v3 {
class RouteAction;
}
namespace envoy::type::matcher::v3 {
class RegexMatchAndSubstitute;
}

namespace meshproxy::route {

// Config time: a RouteAction (cluster specifier, rewrites, timeouts), translated.
absl::StatusOr<RouteAction> translateRouteAction(
    const envoy::config::route::v3::RouteAction& proto, uint32_t max_regex_program_size,
    const http::FindPerFilterConfigTranslator* find_per_filter_config = nullptr);

// prefix_rewrite or regex_rewrite (`regex` is null when not set), shared with RedirectAction.
absl::StatusOr<PathRewrite> translatePathRewrite(
    const std::string& prefix, const envoy::type::matcher::v3::RegexMatchAndSubstitute* regex,
    uint32_t max_regex_program_size);

}  // namespace meshproxy::route
