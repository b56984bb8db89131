#pragma once

#include "proxy/filters/http/jwt_authn/jwks.h"
#include "proxy/filters/http/jwt_authn/jwt.h"

namespace meshproxy::filters::jwt_authn {

// Verifies the JWS signature of `jwt` with the keys of `jwks` that may sign it, as Envoy selects
// them: a key whose "kid" differs from the token's (both given) is skipped, and so is one whose
// "alg" is not the token's; then meshproxy also skips keys of another type or curve than the
// algorithm needs. kOk if one of them verifies; kJwksKidAlgMismatch if no key qualified (a
// rotation: the caller may refetch the JWKS once); kJwtVerificationFail otherwise.
// Signatures: RSASSA-PKCS1-v1_5, RSASSA-PSS (MGF1 with the same hash, salt = hash length),
// ECDSA with the JOSE r||s form, HMAC (constant-time compare; a key shorter than the hash is
// not used), Ed25519.
JwtStatus verifySignature(const Jwt& jwt, const Jwks& jwks);

}  // namespace meshproxy::filters::jwt_authn
