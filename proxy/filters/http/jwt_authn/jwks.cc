#include "proxy/filters/http/jwt_authn/jwks.h"

#include <google/protobuf/struct.pb.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "absl/strings/str_cat.h"
#include "proxy/core/strings.h"
#include "proxy/filters/http/jwt_authn/base64url.h"
#include "proxy/filters/http/jwt_authn/json_object.h"

namespace meshproxy::filters::jwt_authn {
namespace {

using google::protobuf::Struct;
using BnPtr = std::unique_ptr<BIGNUM, tls::OpenSslDeleter<BN_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, tls::OpenSslDeleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, tls::OpenSslDeleter<OSSL_PARAM_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, tls::OpenSslDeleter<EVP_PKEY_CTX_free>>;

constexpr int kMinRsaBits = 2048;  // RFC 7518 section 3.3

// A key member: a string, base64url. JWKS publishers sometimes pad it; that is tolerated here
// (unlike in tokens, where the encoding is signed).
std::string member(const Struct& key, std::string_view name, std::string* error) {
  std::string text;
  if (getString(key, name, &text) != FieldResult::kOk) {
    *error = absl::StrCat("[", toAbsl(name), "] is missing or not a string");
    return "";
  }
  while (!text.empty() && text.back() == '=') text.pop_back();
  std::string bytes;
  if (text.empty() || !base64UrlDecode(text, &bytes)) {
    *error = absl::StrCat("[", toAbsl(name), "] is not base64url");
    return "";
  }
  return bytes;
}

tls::EvpPkeyPtr fromParams(const char* type, OSSL_PARAM_BLD* bld) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    (void)tls::takeOpenSslError();
    return nullptr;
  }
  return tls::EvpPkeyPtr(pkey);
}

std::string rsaKey(const Struct& key, Jwk* out) {
  std::string error;
  const std::string n = member(key, "n", &error);
  if (!error.empty()) return error;
  const std::string e = member(key, "e", &error);
  if (!error.empty()) return error;
  BnPtr bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), n.size(), nullptr));
  BnPtr bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), e.size(), nullptr));
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get())) {
    return "cannot build the RSA key";
  }
  out->pkey = fromParams("RSA", bld.get());
  if (!out->pkey) return "[n] and [e] do not make an RSA key";
  if (EVP_PKEY_get_bits(out->pkey.get()) < kMinRsaBits) {
    return absl::StrCat("RSA modulus of ", EVP_PKEY_get_bits(out->pkey.get()),
                        " bits is under 2048");
  }
  return "";
}

std::string ecKey(const Struct& key, Jwk* out) {
  std::string crv;
  if (getString(key, "crv", &crv) != FieldResult::kOk) return "[crv] is missing or not a string";
  const char* group = nullptr;
  if (crv == "P-256") {
    group = "prime256v1", out->curve_alg = JwtAlgorithm::kES256;
  } else if (crv == "P-384") {
    group = "secp384r1", out->curve_alg = JwtAlgorithm::kES384;
  } else if (crv == "P-521") {
    group = "secp521r1", out->curve_alg = JwtAlgorithm::kES512;
  } else {
    return absl::StrCat("unsupported EC crv '", crv, "'");
  }
  if (out->alg && *out->alg != *out->curve_alg) return "[alg] does not match [crv]";
  std::string error;
  const std::string x = member(key, "x", &error);
  if (!error.empty()) return error;
  const std::string y = member(key, "y", &error);
  if (!error.empty()) return error;
  // RFC 7518 wants each coordinate at full size, but some publishers (PyJWT's to_jwk among them)
  // drop leading zero bytes: pad them back; the point must still be on the curve.
  const size_t size = ecCoordinateBytes(*out->curve_alg);
  if (x.size() > size || y.size() > size) return "[x] or [y] is longer than the curve's size";
  // SEC 1 uncompressed point; OpenSSL refuses a point that is not on the curve.
  std::string point = absl::StrCat("\x04", std::string(size - x.size(), '\0'), x,
                                   std::string(size - y.size(), '\0'), y);
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                        point.size())) {
    return "cannot build the EC key";
  }
  out->pkey = fromParams("EC", bld.get());
  if (!out->pkey) return "[x] and [y] are not a point of the curve";
  return "";
}

std::string okpKey(const Struct& key, Jwk* out) {
  std::string crv;
  if (getString(key, "crv", &crv) != FieldResult::kOk) return "[crv] is missing or not a string";
  if (crv != "Ed25519") return absl::StrCat("unsupported OKP crv '", crv, "'");
  std::string error;
  const std::string x = member(key, "x", &error);
  if (!error.empty()) return error;
  if (x.size() != 32) return "[x] is not 32 bytes";
  out->pkey.reset(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x.data()), x.size()));
  if (!out->pkey) {
    (void)tls::takeOpenSslError();
    return "[x] is not an Ed25519 key";
  }
  return "";
}

std::string octKey(const Struct& key, Jwk* out) {
  std::string error;
  out->secret = member(key, "k", &error);
  return error;
}

// "" and the key in `out`, or why the key is skipped.
std::string parseKey(const Struct& key, Jwk* out) {
  std::string kty;
  if (getString(key, "kty", &kty) != FieldResult::kOk) return "[kty] is missing or not a string";
  if (getString(key, "kid", &out->kid) == FieldResult::kWrongType) return "[kid] is not a string";
  std::string use;
  if (getString(key, "use", &use) == FieldResult::kOk && use != "sig") {
    return absl::StrCat("[use] is '", use, "', not 'sig'");
  }
  std::string alg;
  switch (getString(key, "alg", &alg)) {
    case FieldResult::kOk:
      out->alg = parseJwtAlgorithm(alg);
      if (!out->alg) return absl::StrCat("unsupported alg '", alg, "'");
      break;
    case FieldResult::kMissing:
      break;
    default:
      return "[alg] is not a string";
  }
  if (kty == "RSA") {
    out->kty = KeyType::kRsa;
  } else if (kty == "EC") {
    out->kty = KeyType::kEc;
  } else if (kty == "OKP") {
    out->kty = KeyType::kOkp;
  } else if (kty == "oct") {
    out->kty = KeyType::kOct;
  } else {
    return absl::StrCat("unsupported kty '", kty, "'");
  }
  if (out->alg && keyTypeFor(*out->alg) != out->kty) {
    return absl::StrCat("alg '", alg, "' does not fit kty '", kty, "'");
  }
  switch (out->kty) {
    case KeyType::kRsa:
      return rsaKey(key, out);
    case KeyType::kEc:
      return ecKey(key, out);
    case KeyType::kOkp:
      return okpKey(key, out);
    case KeyType::kOct:
      return octKey(key, out);
  }
  return "unreachable";
}

}  // namespace

JwtStatus Jwks::parse(std::string_view json, Jwks* out) {
  out->keys_.clear();
  out->skipped_.clear();
  Struct root;
  if (!parseJsonObject(json, &root)) return JwtStatus::kJwksParseError;
  auto it = root.fields().find("keys");
  if (it == root.fields().end()) return JwtStatus::kJwksNoKeys;
  if (it->second.kind_case() != google::protobuf::Value::kListValue) return JwtStatus::kJwksBadKeys;
  const auto& list = it->second.list_value().values();
  for (int i = 0; i < list.size(); ++i) {
    Jwk jwk;
    std::string reason = list[i].kind_case() == google::protobuf::Value::kStructValue
                             ? parseKey(list[i].struct_value(), &jwk)
                             : "not an object";
    if (reason.empty()) {
      out->keys_.push_back(std::move(jwk));
    } else {
      out->skipped_.push_back(absl::StrCat(
          "key ", i, jwk.kid.empty() ? "" : absl::StrCat(" (kid '", jwk.kid, "')"), ": ", reason));
    }
  }
  return out->keys_.empty() ? JwtStatus::kJwksNoValidKeys : JwtStatus::kOk;
}

}  // namespace meshproxy::filters::jwt_authn
