#pragma once

#include <google/protobuf/struct.pb.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/filters/http/jwt_authn/jwt_algorithm.h"
#include "proxy/filters/http/jwt_authn/jwt_status.h"

namespace meshproxy::filters::jwt_authn {

// A JWS in compact serialization (RFC 7515 section 7.1), parsed but not yet verified: the
// header and payload as JSON objects, the registered claims meshproxy checks, and the bytes the
// signature covers.
struct Jwt {
  std::string token;  // as received
  JwtAlgorithm alg = JwtAlgorithm::kRS256;
  std::string kid;  // "" when absent
  google::protobuf::Struct header;
  google::protobuf::Struct payload;

  // Registered claims; an absent time claim is 0, as in Envoy (so "exp": 0 means none).
  std::string iss;
  std::string sub;
  std::string jti;
  std::vector<std::string> audiences;
  uint64_t iat = 0;
  uint64_t nbf = 0;
  uint64_t exp = 0;

  std::string signature;  // decoded

  // "<header>.<payload>" as in the token: what the signature covers.
  std::string_view signedData() const { return std::string_view(token).substr(0, signed_len); }
  // The payload segment, base64url as received (forward_payload_header).
  std::string_view payloadBase64Url() const {
    return std::string_view(token).substr(payload_begin, signed_len - payload_begin);
  }
  // The header segment, base64url as received.
  std::string_view headerBase64Url() const {
    return std::string_view(token).substr(0, payload_begin - 1);
  }

  size_t payload_begin = 0;
  size_t signed_len = 0;
};

// Parses `token`. Anything but kOk leaves `out` unusable. The checks are Envoy's, plus: exactly
// two dots and three non-empty segments, strict (canonical, unpadded) base64url, and a header
// with "crit" is refused since no extension is understood (RFC 7515 section 4.1.11).
JwtStatus parseJwt(std::string_view token, Jwt* out);

}  // namespace meshproxy::filters::jwt_authn
