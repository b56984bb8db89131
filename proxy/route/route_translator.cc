#include "proxy/route/route_translator.h"

#include <fmt/format.h>

#include "envoy/config/route/v3/route_components.pb.h"
#include "proxy/route/header_mutations_translator.h"
#include "proxy/matcher/matcher_translator.h"
#include "proxy/route/route_match_translator.h"
#include "proxy/route/route_action_translator.h"
#include "proxy/core/ascii_case.h"
#include "proxy/http/header_validation.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/tracing/tracing_config_translator.h"

namespace meshproxy::route {

using http::isValidHeaderValue;
namespace {

using envoy::config::route::v3::DirectResponseAction;
using envoy::config::route::v3::RedirectAction;

uint32_t redirectCode(RedirectAction::RedirectResponseCode code) {
  switch (code) {
    case RedirectAction::FOUND:
      return 302;
    case RedirectAction::SEE_OTHER:
      return 303;
    case RedirectAction::TEMPORARY_REDIRECT:
      return 307;
    case RedirectAction::PERMANENT_REDIRECT:
      return 308;
    default:
      return 301;  // MOVED_PERMANENTLY, the default
  }
}

absl::StatusOr<Redirect> translateRedirect(const RedirectAction& proto,
                                           uint32_t max_regex_program_size) {
  if (!RedirectAction::RedirectResponseCode_IsValid(proto.response_code())) {
    return absl::InvalidArgumentError(fmt::format("redirect.response_code {} is not defined",
                                                  static_cast<int>(proto.response_code())));
  }
  for (const std::string* value :
       {&proto.host_redirect(), &proto.path_redirect(), &proto.scheme_redirect()}) {
    if (!isValidHeaderValue(*value)) {
      return absl::InvalidArgumentError("redirect values may not contain NUL, CR or LF");
    }
  }
  Redirect redirect;
  redirect.scheme = proto.https_redirect() ? "https" : proto.scheme_redirect();
  redirect.host = proto.host_redirect();
  if (proto.port_redirect() != 0) redirect.port = fmt::format(":{}", proto.port_redirect());
  redirect.path = proto.path_redirect();
  redirect.path_has_query = redirect.path.find('?') != std::string::npos;
  auto rewrite = translatePathRewrite(proto.prefix_rewrite(),
                                      proto.has_regex_rewrite() ? &proto.regex_rewrite() : nullptr,
                                      max_regex_program_size);
  if (!rewrite.ok()) return protobuf::withContext(rewrite.status(), "redirect");
  redirect.rewrite = std::move(*rewrite);
  redirect.strip_query = proto.strip_query();
  redirect.response_code = redirectCode(proto.response_code());
  return redirect;
}

absl::StatusOr<DirectResponse> translateDirectResponse(const DirectResponseAction& proto,
                                                       uint32_t max_body_size) {
  if (proto.status() < 200 || proto.status() >= 600) {
    return absl::InvalidArgumentError(
        fmt::format("direct_response.status {} is not in [200, 600)", proto.status()));
  }
  DirectResponse response;
  response.status = proto.status();
  if (proto.has_body()) {
    const auto& body = proto.body();
    if (body.has_inline_string()) {
      response.body = body.inline_string();
    } else if (body.has_inline_bytes()) {
      response.body = body.inline_bytes();
    } else {
      return absl::InvalidArgumentError("direct_response.body needs inline_string or inline_bytes");
    }
    // Envoy holds the body in memory for every response, hence the cap.
    if (response.body.size() > max_body_size) {
      return absl::InvalidArgumentError(
          fmt::format("direct_response.body is {} bytes; the maximum is {} "
                      "(max_direct_response_body_size_bytes)",
                      response.body.size(), max_body_size));
    }
  }
  return response;
}

absl::StatusOr<Route::Action> translateAction(const envoy::config::route::v3::Route& proto,
                                              const RouteTranslationLimits& limits) {
  switch (proto.action_case()) {
    case envoy::config::route::v3::Route::kRoute: {
      auto action = translateRouteAction(proto.route(), limits.max_regex_program_size,
                                         limits.find_per_filter_config);
      if (!action.ok()) return protobuf::withContext(action.status(), "route");
      return Route::Action(std::move(*action));
    }
    case envoy::config::route::v3::Route::kRedirect: {
      auto redirect = translateRedirect(proto.redirect(), limits.max_regex_program_size);
      if (!redirect.ok()) return redirect.status();
      return Route::Action(std::move(*redirect));
    }
    case envoy::config::route::v3::Route::kDirectResponse: {
      auto response =
          translateDirectResponse(proto.direct_response(), limits.max_direct_response_body_size);
      if (!response.ok()) return response.status();
      return Route::Action(std::move(*response));
    }
    default:
      return absl::InvalidArgumentError("needs one of route, redirect or direct_response");
  }
}

}  // namespace

absl::StatusOr<Route> translateRoute(const envoy::config::route::v3::Route& proto,
                                     const VirtualHost& virtual_host,
                                     const RouteTranslationLimits& limits) {
  if (!proto.has_match()) return absl::InvalidArgumentError("match is required");
  auto match = translateRouteMatch(proto.match(), limits.max_regex_program_size);
  if (!match.ok()) return match.status();
  auto action = translateAction(proto, limits);
  if (!action.ok()) return action.status();
  auto request =
      translateHeaderMutations(proto.request_headers_to_add(), proto.request_headers_to_remove());
  if (!request.ok()) return protobuf::withContext(request.status(), "request_headers_to_add/remove");
  auto response =
      translateHeaderMutations(proto.response_headers_to_add(), proto.response_headers_to_remove());
  if (!response.ok()) return protobuf::withContext(response.status(), "response_headers_to_add/remove");
  auto per_filter = translatePerFilterConfigs(proto.typed_per_filter_config(),
                                              limits.find_per_filter_config != nullptr
                                                  ? *limits.find_per_filter_config
                                                  : http::FindPerFilterConfigTranslator());
  if (!per_filter.ok()) return per_filter.status();
  Route route(virtual_host, proto.name(), std::move(*match), std::move(*action),
              std::move(*request), std::move(*response));
  route.setPerFilterConfigs(*std::move(per_filter));
  if (proto.has_tracing() || proto.has_decorator()) {
    std::shared_ptr<const tracing::RouteTracingConfig> route_tracing;
    if (proto.has_tracing()) {
      auto t = tracing::translateRouteTracing(proto.tracing());
      if (!t.ok()) return protobuf::withContext(t.status(), "tracing");
      route_tracing = std::make_shared<const tracing::RouteTracingConfig>(std::move(*t));
    }
    if (proto.has_decorator() && proto.decorator().operation().empty()) {
      return absl::InvalidArgumentError("decorator.operation must not be empty");
    }
    route.setTracing(std::move(route_tracing), proto.decorator().operation(),
                     !proto.decorator().has_propagate() || proto.decorator().propagate().value());
  }
  route.setMetadata(protobuf::keepMetadata(proto.metadata()));
  return route;
}

}  // namespace meshproxy::route
