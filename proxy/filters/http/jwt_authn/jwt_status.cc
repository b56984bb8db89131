#include "proxy/filters/http/jwt_authn/jwt_status.h"

namespace meshproxy::filters::jwt_authn {

std::string_view jwtStatusMessage(JwtStatus status) {
  switch (status) {
    case JwtStatus::kOk:
      return "OK";
    case JwtStatus::kJwtMissed:
      return "Jwt is missing";
    case JwtStatus::kJwtNotYetValid:
      return "Jwt not yet valid";
    case JwtStatus::kJwtExpired:
      return "Jwt is expired";
    case JwtStatus::kJwtBadFormat:
      return "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections";
    case JwtStatus::kJwtHeaderParseErrorBadBase64:
      return "Jwt header is an invalid Base64url encoded";
    case JwtStatus::kJwtHeaderParseErrorBadJson:
      return "Jwt header is an invalid JSON";
    case JwtStatus::kJwtHeaderBadAlg:
      return "Jwt header [alg] field is required and must be a string";
    case JwtStatus::kJwtHeaderNotImplementedAlg:
      return "Jwt header [alg] is not supported";
    case JwtStatus::kJwtHeaderBadKid:
      return "Jwt header [kid] field is not a string";
    case JwtStatus::kJwtHeaderCritNotSupported:
      return "Jwt header [crit] names an extension that is not supported";
    case JwtStatus::kJwtPayloadParseErrorBadBase64:
      return "Jwt payload is an invalid Base64url encoded";
    case JwtStatus::kJwtPayloadParseErrorBadJson:
      return "Jwt payload is an invalid JSON";
    case JwtStatus::kJwtPayloadParseErrorIssNotString:
      return "Jwt payload [iss] field is not a string";
    case JwtStatus::kJwtPayloadParseErrorSubNotString:
      return "Jwt payload [sub] field is not a string";
    case JwtStatus::kJwtPayloadParseErrorIatNotInteger:
      return "Jwt payload [iat] field is not an integer";
    case JwtStatus::kJwtPayloadParseErrorIatOutOfRange:
      return "Jwt payload [iat] field is not a positive 64 bit integer";
    case JwtStatus::kJwtPayloadParseErrorNbfNotInteger:
      return "Jwt payload [nbf] field is not an integer";
    case JwtStatus::kJwtPayloadParseErrorNbfOutOfRange:
      return "Jwt payload [nbf] field is not a positive 64 bit integer";
    case JwtStatus::kJwtPayloadParseErrorExpNotInteger:
      return "Jwt payload [exp] field is not an integer";
    case JwtStatus::kJwtPayloadParseErrorExpOutOfRange:
      return "Jwt payload [exp] field is not a positive 64 bit integer";
    case JwtStatus::kJwtPayloadParseErrorJtiNotString:
      return "Jwt payload [jti] field is not a string";
    case JwtStatus::kJwtPayloadParseErrorAudNotString:
      return "Jwt payload [aud] field is not a string or string list";
    case JwtStatus::kJwtSignatureParseErrorBadBase64:
      return "Jwt signature is an invalid Base64url encoded";
    case JwtStatus::kJwtEd25519SignatureWrongLength:
      return "Jwt ED25519 signature is wrong length";
    case JwtStatus::kJwtUnknownIssuer:
      return "Jwt issuer is not configured";
    case JwtStatus::kJwtAudienceNotAllowed:
      return "Audiences in Jwt are not allowed";
    case JwtStatus::kJwtSubjectNotAllowed:
      return "Jwt subject is not allowed";
    case JwtStatus::kJwtMissingExpiration:
      return "Jwt is missing expiration";
    case JwtStatus::kJwtLifetimeTooLong:
      return "Jwt lifetime is longer than allowed";
    case JwtStatus::kJwtVerificationFail:
      return "Jwt verification fails";
    case JwtStatus::kJwtMultipleTokens:
      return "Found multiple Jwt tokens";
    case JwtStatus::kJwksParseError:
      return "Jwks is an invalid JSON";
    case JwtStatus::kJwksNoKeys:
      return "Jwks does not have [keys] field";
    case JwtStatus::kJwksBadKeys:
      return "[keys] in Jwks is not an array";
    case JwtStatus::kJwksNoValidKeys:
      return "Jwks doesn't have any valid public key";
    case JwtStatus::kJwksKidAlgMismatch:
      return "Jwks doesn't have key to match kid or alg from Jwt";
    case JwtStatus::kJwksFetchFail:
      return "Jwks remote fetch is failed";
  }
  return "unknown";
}

}  // namespace meshproxy::filters::jwt_authn
