#include "proxy/filters/http/cors/cors_evaluation.h"

namespace meshproxy::filters::cors {
namespace {

// The first policy that sets a field, as Envoy's CorsFilter reads each one.
template <typename Get>
auto firstSet(std::span<const CorsPolicy* const> policies, Get get) -> decltype(get(*policies[0])) {
  for (const CorsPolicy* p : policies) {
    if (p == nullptr) continue;
    auto v = get(*p);
    if (v) return v;
  }
  return {};
}

const CorsPolicy* first(std::span<const CorsPolicy* const> policies) {
  for (const CorsPolicy* p : policies) {
    if (p != nullptr) return p;
  }
  return nullptr;
}

std::string_view firstString(std::span<const CorsPolicy* const> policies,
                             std::string CorsPolicy::*field) {
  for (const CorsPolicy* p : policies) {
    if (p != nullptr && !(p->*field).empty()) return p->*field;
  }
  return {};
}

bool originAllowed(std::span<const CorsPolicy* const> policies, std::string_view origin) {
  for (const CorsPolicy* p : policies) {
    if (p == nullptr || p->allow_origins.empty()) continue;
    // The first policy with a list decides; a matcher of "*" allows every origin.
    for (const matcher::StringMatcher& m : p->allow_origins) {
      if (m.match("*") || m.match(origin)) return true;
    }
    return false;
  }
  return false;
}

bool allowCredentials(std::span<const CorsPolicy* const> policies) {
  return firstSet(policies, [](const CorsPolicy& p) { return p.allow_credentials; })
      .value_or(false);
}

}  // namespace

CorsRequestState evaluateRequest(std::span<const CorsPolicy* const> policies,
                                 const http::HeaderMap& request, RandomSource& random,
                                 const CorsStats& stats) {
  CorsRequestState state;
  const CorsPolicy* policy = first(policies);
  if (policy == nullptr) return state;
  const bool enabled = !policy->filter_enabled || policy->filter_enabled->enabled(random.next());
  const bool shadow = policy->shadow_enabled && policy->shadow_enabled->enabled(random.next());
  if (!enabled && !shadow) return state;

  const std::string_view origin = request.get("origin").value_or("");
  if (origin.empty()) return state;
  const bool allowed = originAllowed(policies, origin);
  if (allowed) {
    if (stats.origin_valid != nullptr) stats.origin_valid->inc();
  } else if (stats.origin_invalid != nullptr) {
    stats.origin_invalid->inc();
  }
  // Shadow mode counts, and changes nothing.
  if (!enabled) return state;

  state.action = CorsAction::kCors;
  if (allowed) state.allowed_origin = std::string(origin);
  const bool preflight = request.method() == "OPTIONS" &&
                         !request.get("access-control-request-method").value_or("").empty();
  if (!preflight) return state;
  const bool forward_not_matching = firstSet(policies, [](const CorsPolicy& p) {
                                      return p.forward_not_matching_preflights;
                                    }).value_or(true);
  if (!allowed && forward_not_matching) return state;
  state.action = CorsAction::kAnswerPreflight;
  return state;
}

http::HeaderMap preflightResponse(std::span<const CorsPolicy* const> policies,
                                  const http::HeaderMap& request, const CorsRequestState& state) {
  http::HeaderMap response = {{":status", "200"}};
  if (!state.allowed_origin.empty()) {
    response.set("access-control-allow-origin", state.allowed_origin);
  }
  if (allowCredentials(policies)) response.set("access-control-allow-credentials", "true");
  const std::string_view methods = firstString(policies, &CorsPolicy::allow_methods);
  if (!methods.empty()) {
    response.set(
        "access-control-allow-methods",
        methods == "*" ? request.get("access-control-request-method").value_or("") : methods);
  }
  const std::string_view headers = firstString(policies, &CorsPolicy::allow_headers);
  if (!headers.empty()) {
    response.set(
        "access-control-allow-headers",
        headers == "*" ? request.get("access-control-request-headers").value_or("") : headers);
  }
  const std::string_view max_age = firstString(policies, &CorsPolicy::max_age);
  if (!max_age.empty()) response.set("access-control-max-age", max_age);
  const bool private_network = firstSet(policies, [](const CorsPolicy& p) {
                                 return p.allow_private_network_access;
                               }).value_or(false);
  if (private_network && request.get("access-control-request-private-network") == "true") {
    response.set("access-control-allow-private-network", "true");
  }
  return response;
}

void addResponseHeaders(std::span<const CorsPolicy* const> policies, const CorsRequestState& state,
                        http::HeaderMap& response) {
  if (state.action == CorsAction::kContinue || state.allowed_origin.empty()) return;
  response.set("access-control-allow-origin", state.allowed_origin);
  if (allowCredentials(policies)) response.set("access-control-allow-credentials", "true");
  const std::string_view expose = firstString(policies, &CorsPolicy::expose_headers);
  if (!expose.empty()) response.set("access-control-expose-headers", expose);
}

}  // namespace meshproxy::filters::cors
