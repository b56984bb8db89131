#pragma once

#include <cstdint>
#include <string_view>

namespace meshproxy::filters::jwt_authn {

// Why a JWT or a JWKS was refused. The messages are Envoy's (its jwt_verify_lib), because they
// are what a client sees in a 401 body and what operators grep for; a few are meshproxy's own
// where it is stricter than Envoy (marked "meshproxy").
enum class JwtStatus : uint8_t {
  kOk,
  kJwtMissed,
  kJwtNotYetValid,
  kJwtExpired,
  kJwtBadFormat,
  kJwtHeaderParseErrorBadBase64,
  kJwtHeaderParseErrorBadJson,
  kJwtHeaderBadAlg,
  kJwtHeaderNotImplementedAlg,
  kJwtHeaderBadKid,
  kJwtHeaderCritNotSupported,  // meshproxy: a "crit" header names extensions we do not know
  kJwtPayloadParseErrorBadBase64,
  kJwtPayloadParseErrorBadJson,
  kJwtPayloadParseErrorIssNotString,
  kJwtPayloadParseErrorSubNotString,
  kJwtPayloadParseErrorIatNotInteger,
  kJwtPayloadParseErrorIatOutOfRange,
  kJwtPayloadParseErrorNbfNotInteger,
  kJwtPayloadParseErrorNbfOutOfRange,
  kJwtPayloadParseErrorExpNotInteger,
  kJwtPayloadParseErrorExpOutOfRange,
  kJwtPayloadParseErrorJtiNotString,
  kJwtPayloadParseErrorAudNotString,
  kJwtSignatureParseErrorBadBase64,
  kJwtEd25519SignatureWrongLength,
  kJwtUnknownIssuer,
  kJwtAudienceNotAllowed,
  kJwtSubjectNotAllowed,
  kJwtMissingExpiration,
  kJwtLifetimeTooLong,
  kJwtVerificationFail,
  kJwtMultipleTokens,
  kJwksParseError,
  kJwksNoKeys,
  kJwksBadKeys,
  kJwksNoValidKeys,
  kJwksKidAlgMismatch,
  kJwksFetchFail,
};

// Envoy's text for the status ("Jwt is expired").
std::string_view jwtStatusMessage(JwtStatus status);

}  // namespace meshproxy::filters::jwt_authn
