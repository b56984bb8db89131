#include "proxy/filters/http/jwt_authn/signature_verifier.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <string>

namespace meshproxy::filters::jwt_authn {
namespace {

using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, tls::OpenSslDeleter<EVP_MD_CTX_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, tls::OpenSslDeleter<ECDSA_SIG_free>>;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

const char* digestName(JwtAlgorithm alg) {
  switch (hashBits(alg)) {
    case 256:
      return "SHA256";
    case 384:
      return "SHA384";
    case 512:
      return "SHA512";
    default:
      return nullptr;  // EdDSA
  }
}

// One EVP_DigestVerify over the signed data; `pss` sets RSASSA-PSS padding.
bool digestVerify(EVP_PKEY* pkey, JwtAlgorithm alg, bool pss, std::string_view signature,
                  std::string_view data) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  bool ok = ctx && EVP_DigestVerifyInit_ex(ctx.get(), &pctx, digestName(alg), nullptr, nullptr,
                                           pkey, nullptr) == 1;
  if (ok && pss) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, digestName(alg), nullptr) == 1;
  }
  ok = ok && EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(), bytes(data),
                              data.size()) == 1;
  if (!ok) (void)tls::takeOpenSslError();
  return ok;
}

// JOSE's ECDSA signature is r||s, each the curve's size (RFC 7518 section 3.4); OpenSSL wants DER.
bool ecdsaVerify(EVP_PKEY* pkey, JwtAlgorithm alg, std::string_view signature,
                 std::string_view data) {
  const size_t half = ecCoordinateBytes(alg);
  if (signature.size() != 2 * half) return false;
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes(signature), half, nullptr);
  BIGNUM* s = BN_bin2bn(bytes(signature) + half, half, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return false;
  }
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_len <= 0) return false;
  const bool ok =
      digestVerify(pkey, alg, false, std::string_view(reinterpret_cast<char*>(der), der_len), data);
  OPENSSL_free(der);
  return ok;
}

bool hmacVerify(const std::string& secret, JwtAlgorithm alg, std::string_view signature,
                std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t mac_len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, digestName(alg), nullptr, secret.data(), secret.size(),
                bytes(data), data.size(), mac, sizeof(mac), &mac_len) == nullptr) {
    (void)tls::takeOpenSslError();
    return false;
  }
  return mac_len == signature.size() && CRYPTO_memcmp(mac, signature.data(), mac_len) == 0;
}

bool usable(const Jwk& key, const Jwt& jwt) {
  if (!jwt.kid.empty() && !key.kid.empty() && key.kid != jwt.kid) return false;
  if (key.alg && *key.alg != jwt.alg) return false;
  if (key.kty != keyTypeFor(jwt.alg)) return false;
  if (key.kty == KeyType::kEc && key.curve_alg != jwt.alg) return false;
  // RFC 7518 section 3.2: an HMAC key at least as long as the hash.
  if (key.kty == KeyType::kOct && key.secret.size() * 8 < hashBits(jwt.alg)) return false;
  return true;
}

}  // namespace

JwtStatus verifySignature(const Jwt& jwt, const Jwks& jwks) {
  const std::string_view data = jwt.signedData();
  const std::string_view sig = jwt.signature;
  bool matched = false;
  for (const Jwk& key : jwks.keys()) {
    if (!usable(key, jwt)) continue;
    matched = true;
    bool ok = false;
    switch (jwt.alg) {
      case JwtAlgorithm::kRS256:
      case JwtAlgorithm::kRS384:
      case JwtAlgorithm::kRS512:
        ok = digestVerify(key.pkey.get(), jwt.alg, false, sig, data);
        break;
      case JwtAlgorithm::kPS256:
      case JwtAlgorithm::kPS384:
      case JwtAlgorithm::kPS512:
        ok = digestVerify(key.pkey.get(), jwt.alg, true, sig, data);
        break;
      case JwtAlgorithm::kES256:
      case JwtAlgorithm::kES384:
      case JwtAlgorithm::kES512:
        ok = ecdsaVerify(key.pkey.get(), jwt.alg, sig, data);
        break;
      case JwtAlgorithm::kHS256:
      case JwtAlgorithm::kHS384:
      case JwtAlgorithm::kHS512:
        ok = hmacVerify(key.secret, jwt.alg, sig, data);
        break;
      case JwtAlgorithm::kEdDSA:
        if (sig.size() != 64) return JwtStatus::kJwtEd25519SignatureWrongLength;
        ok = digestVerify(key.pkey.get(), jwt.alg, false, sig, data);
        break;
    }
    if (ok) return JwtStatus::kOk;
  }
  return matched ? JwtStatus::kJwtVerificationFail : JwtStatus::kJwksKidAlgMismatch;
}

}  // namespace meshproxy::filters::jwt_authn
