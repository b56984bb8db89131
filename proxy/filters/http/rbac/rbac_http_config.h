#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "proxy/filters/common/rbac/rbac_filter_config.h"

namespace envoy::extensions::filters::http::rbac::v3 {
class RBAC;
class RBACPerRoute;
}  // namespace envoy::extensions::filters::http::rbac::v3

// envoy.filters.http.rbac without the HTTP filter API: config translation and the per-request
// decision. The filter class (to be written once the FilterManager rework lands) is a thin
// layer over these: it builds a RequestView (request_view_builder.h), picks the route's
// RBACPerRoute config or the filter's, calls decideRequest(), stores the metadata and either
// continues or sends the local reply.
namespace meshproxy::filters::rbac {

inline constexpr const char* kHttpRbacFilterName = "envoy.filters.http.rbac";
inline constexpr const char* kNetworkRbacFilterName = "envoy.filters.network.rbac";
// The local reply to a denied request: Envoy's body; a gRPC request gets grpc-status 7
// (PERMISSION_DENIED), which is what the local reply path maps 403 to.
inline constexpr uint32_t kDeniedStatus = 403;
inline constexpr const char* kDeniedBody = "RBAC: access denied";

// envoy.extensions.filters.http.rbac.v3.RBAC. `http_scope` is the connection manager's
// "http.<stat_prefix>" scope; stats are "http.<stat_prefix>.rbac.<rules_stat_prefix>allowed"
// and so on. matcher, shadow_matcher and track_per_rule_stats are refused by name.
absl::StatusOr<std::shared_ptr<const RbacFilterConfig>> translateRbacHttp(
    const envoy::extensions::filters::http::rbac::v3::RBAC& proto, const stats::Scope& http_scope);

// RBACPerRoute: the route's own rules and shadow rules replace the filter's (Envoy's
// semantics); an absent `rbac` enforces nothing on that route. Its stats are the same names
// (Envoy counts per-route decisions in the filter's counters too).
absl::StatusOr<std::shared_ptr<const RbacFilterConfig>> translateRbacPerRoute(
    const envoy::extensions::filters::http::rbac::v3::RBACPerRoute& proto,
    const stats::Scope& http_scope);

// What the filter does with one request.
struct RbacHttpDecision {
  RbacCheckResult result;
  // When denied: %RESPONSE_CODE_DETAILS% of the local reply,
  // "rbac_access_denied_matched_policy[<policy>|none]" (allocated only on denial).
  std::string details;
  bool denied() const { return !result.allowed; }
};

// Evaluates the request. The caller then:
// - when config.shadowRules() != nullptr: config.addShadowMetadata(result, <metadata of
//   "envoy.filters.http.rbac">);
// - when result.log_action: sets "envoy.common" { access_log_hint: result.log_hint };
// - when denied(): sendLocalReply(kDeniedStatus, kDeniedBody, details) and stops iteration.
RbacHttpDecision decideRequest(const RbacFilterConfig& config, const RequestView& request);

}  // namespace meshproxy::filters::rbac
