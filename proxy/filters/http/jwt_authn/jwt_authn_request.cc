#include "proxy/filters/http/jwt_authn/jwt_authn_request.h"

#include <google/protobuf/struct.pb.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "proxy/core/strings.h"
#include "proxy/http/header_map.h"

namespace meshproxy::filters::jwt_authn {
namespace {

// Envoy's generateRcDetails: spaces become underscores.
std::string details(std::string_view message) {
  std::string text(message);
  std::replace(text.begin(), text.end(), ' ', '_');
  return absl::StrCat("jwt_authn_access_denied{", text, "}");
}

}  // namespace

JwtAuthnOutcome denyOutcome(const JwtAuthnConfig& config, const http::HeaderMap& headers,
                            JwtStatus status) {
  const uint32_t code = status == JwtStatus::kJwtAudienceNotAllowed ? 403 : 401;
  const std::string_view message = jwtStatusMessage(status);
  JwtAuthnOutcome out;
  out.kind = JwtAuthnOutcome::Kind::kDeny;
  out.status = status;
  out.http_status = code;
  out.details = details(message);
  if (!config.strip_failure_response) {
    out.body = std::string(message);
    // Envoy sets it on every verification failure, the 403 of a disallowed audience included.
    out.www_authenticate = wwwAuthenticateValue(headers, status);
  }
  return out;
}

namespace {

// PerRouteConfig.requirement_name not in requirement_map: Envoy's 403, without
// www-authenticate (no token was looked at).
JwtAuthnOutcome denyWrongRequirementName(const JwtAuthnConfig& config, std::string_view name) {
  const std::string message = absl::StrCat("Wrong requirement_name: ", toAbsl(name));
  JwtAuthnOutcome out;
  out.kind = JwtAuthnOutcome::Kind::kDeny;
  out.status = JwtStatus::kJwtUnknownIssuer;
  out.http_status = 403;
  out.details = details(message);
  if (!config.strip_failure_response) {
    out.body = absl::StrCat("Failed JWT authentication: ", message);
  }
  return out;
}

}  // namespace

JwtAuthnOutcome authenticateRequest(const JwtAuthnRequestContext& context, http::HeaderMap& headers,
                                    google::protobuf::Struct& metadata) {
  const JwtAuthnConfig& config = context.config;
  JwtAuthnOutcome out;
  if (config.bypass_cors_preflight && isCorsPreflight(headers)) {
    out.cors_preflight_bypassed = true;
    return out;
  }
  // Before anything else, so that a request that needs no token cannot carry forged claims.
  context.verifier.sanitizeHeaders(headers);

  const Requirement* requirement = nullptr;
  if (context.per_route != nullptr) {
    if (context.per_route->disabled) return out;
    requirement = config.namedRequirement(context.per_route->requirement_name);
    if (requirement == nullptr) {
      return denyWrongRequirementName(config, context.per_route->requirement_name);
    }
  } else {
    requirement = config.requirementFor(headers);
  }
  if (requirement == nullptr) return out;

  VerifyResult result =
      context.verifier.verify(*requirement, headers, context.jwks, context.now_seconds);
  if (result.pending()) {
    out.kind = JwtAuthnOutcome::Kind::kFetchJwks;
    out.status = result.status;
    out.fetch = std::move(result.jwks_needed);
    return out;
  }
  if (result.status != JwtStatus::kOk) {
    if (context.may_refetch_unknown_kid && result.status == JwtStatus::kJwksKidAlgMismatch &&
        !result.unknown_kid.empty()) {
      out.kind = JwtAuthnOutcome::Kind::kFetchJwks;
      out.status = result.status;
      out.fetch = std::move(result.unknown_kid);
      return out;
    }
    return denyOutcome(config, headers, result.status);
  }

  for (const FailedJwt& failed : result.failed) {
    addFailedStatusMetadata(*failed.provider, failed.status, metadata);
  }
  for (const VerifiedJwt& verified : result.verified) {
    applyVerifiedJwtHeaders(verified, headers);
    addVerifiedJwtMetadata(verified, metadata);
    if (verified.provider->clear_route_cache) out.clear_route_cache = true;
  }
  return out;
}

}  // namespace meshproxy::filters::jwt_authn
