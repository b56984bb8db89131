#pragma once

#include <string>

#include "proxy/filters/http/jwt_authn/requirement_verifier.h"

namespace google::protobuf {
class Struct;
}

// What a verified token does to the request, as Envoy's jwt_authn does it. The filter wiring
// calls these once the requirement passed.
namespace meshproxy::filters::jwt_authn {

// The dynamic metadata namespace of the filter.
inline constexpr const char* kJwtAuthnMetadataNamespace = "envoy.filters.http.jwt_authn";

// Header changes: the token's header is removed unless `forward`; forward_payload_header gets
// the payload segment as received (padded with '=' when pad_forward_payload_header);
// claim_to_headers copies claims (a string as is, a number as an integer when it is one, a bool
// as true/false, an object or list as base64 of its JSON, as Envoy does; a missing claim adds
// nothing).
void applyVerifiedJwtHeaders(const VerifiedJwt& verified, http::HeaderMap& headers);

// payload_in_metadata: the payload (space_delimited_claims split into lists) under that key;
// header_in_metadata: the JOSE header. `ns` is the filter's namespace struct.
void addVerifiedJwtMetadata(const VerifiedJwt& verified, google::protobuf::Struct& ns);

// failed_status_in_metadata: {"code": <status number>, "message": <Envoy's text>}.
void addFailedStatusMetadata(const JwtProviderConfig& provider, JwtStatus status,
                             google::protobuf::Struct& ns);

// The www-authenticate header of a denied request (Envoy's form): Bearer realm="<scheme>://
// <host><path>" (the path as received, query included, at most 256 bytes), followed by
// `, error="invalid_token"` unless the token was missing.
std::string wwwAuthenticateValue(const http::HeaderMap& request_headers, JwtStatus status);

// An OPTIONS CORS preflight (bypass_cors_preflight): OPTIONS with origin and
// access-control-request-method.
bool isCorsPreflight(const http::HeaderMap& headers);

}  // namespace meshproxy::filters::jwt_authn
