#include "proxy/filters/http/jwt_authn/jwt.h"

#include "proxy/filters/http/jwt_authn/base64url.h"
#include "proxy/filters/http/jwt_authn/json_object.h"

namespace meshproxy::filters::jwt_authn {
namespace {

JwtStatus parseHeader(std::string_view segment, Jwt* out) {
  std::string json;
  if (!base64UrlDecode(segment, &json)) return JwtStatus::kJwtHeaderParseErrorBadBase64;
  if (!parseJsonObject(json, &out->header)) return JwtStatus::kJwtHeaderParseErrorBadJson;
  std::string alg;
  if (getString(out->header, "alg", &alg) != FieldResult::kOk) return JwtStatus::kJwtHeaderBadAlg;
  auto parsed = parseJwtAlgorithm(alg);
  if (!parsed) return JwtStatus::kJwtHeaderNotImplementedAlg;
  out->alg = *parsed;
  if (getString(out->header, "kid", &out->kid) == FieldResult::kWrongType) {
    return JwtStatus::kJwtHeaderBadKid;
  }
  if (out->header.fields().contains("crit")) return JwtStatus::kJwtHeaderCritNotSupported;
  return JwtStatus::kOk;
}

// Maps a NumericDate lookup to the claim's two errors.
JwtStatus timeClaim(const google::protobuf::Struct& payload, std::string_view name, uint64_t* out,
                    JwtStatus not_integer, JwtStatus out_of_range) {
  switch (getUInt64(payload, name, out)) {
    case FieldResult::kWrongType:
      return not_integer;
    case FieldResult::kOutOfRange:
      return out_of_range;
    default:
      return JwtStatus::kOk;
  }
}

JwtStatus parsePayload(std::string_view segment, Jwt* out) {
  std::string json;
  if (!base64UrlDecode(segment, &json)) return JwtStatus::kJwtPayloadParseErrorBadBase64;
  if (!parseJsonObject(json, &out->payload)) return JwtStatus::kJwtPayloadParseErrorBadJson;
  const auto& p = out->payload;
  if (getString(p, "iss", &out->iss) == FieldResult::kWrongType) {
    return JwtStatus::kJwtPayloadParseErrorIssNotString;
  }
  if (getString(p, "sub", &out->sub) == FieldResult::kWrongType) {
    return JwtStatus::kJwtPayloadParseErrorSubNotString;
  }
  JwtStatus s = timeClaim(p, "iat", &out->iat, JwtStatus::kJwtPayloadParseErrorIatNotInteger,
                          JwtStatus::kJwtPayloadParseErrorIatOutOfRange);
  if (s != JwtStatus::kOk) return s;
  s = timeClaim(p, "nbf", &out->nbf, JwtStatus::kJwtPayloadParseErrorNbfNotInteger,
                JwtStatus::kJwtPayloadParseErrorNbfOutOfRange);
  if (s != JwtStatus::kOk) return s;
  s = timeClaim(p, "exp", &out->exp, JwtStatus::kJwtPayloadParseErrorExpNotInteger,
                JwtStatus::kJwtPayloadParseErrorExpOutOfRange);
  if (s != JwtStatus::kOk) return s;
  if (getString(p, "jti", &out->jti) == FieldResult::kWrongType) {
    return JwtStatus::kJwtPayloadParseErrorJtiNotString;
  }
  if (getStringList(p, "aud", &out->audiences) == FieldResult::kWrongType) {
    return JwtStatus::kJwtPayloadParseErrorAudNotString;
  }
  return JwtStatus::kOk;
}

}  // namespace

JwtStatus parseJwt(std::string_view token, Jwt* out) {
  *out = Jwt{};
  const size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return JwtStatus::kJwtBadFormat;
  const size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return JwtStatus::kJwtBadFormat;
  }
  if (dot1 == 0 || dot2 == dot1 + 1 || dot2 + 1 == token.size()) return JwtStatus::kJwtBadFormat;

  out->token = std::string(token);
  out->payload_begin = dot1 + 1;
  out->signed_len = dot2;
  const std::string_view t = out->token;
  JwtStatus s = parseHeader(t.substr(0, dot1), out);
  if (s != JwtStatus::kOk) return s;
  s = parsePayload(t.substr(dot1 + 1, dot2 - dot1 - 1), out);
  if (s != JwtStatus::kOk) return s;
  if (!base64UrlDecode(t.substr(dot2 + 1), &out->signature)) {
    return JwtStatus::kJwtSignatureParseErrorBadBase64;
  }
  return JwtStatus::kOk;
}

}  // namespace meshproxy::filters::jwt_authn
