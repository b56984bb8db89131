#include "tests/support/test_certs.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"

namespace meshproxy::testing {
namespace {

EVP_PKEY* newKey() { return EVP_EC_gen("P-256"); }

std::string keyToPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

std::string certToPem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

void addExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) {
    ADD_FAILURE() << "bad test certificate extension " << value;
    return;
  }
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

X509* makeCert(EVP_PKEY* subject_key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key,
               const CertOptions& o, bool ca) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  uint64_t serial = o.serial;
  if (serial == 0) {
    RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof(serial));
    serial &= 0x7fffffffffffffffULL;
  }
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), o.not_before_s);
  X509_gmtime_adj(X509_getm_notAfter(cert), o.not_after_s);
  X509_set_pubkey(cert, subject_key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("meshproxy tests"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* signer = issuer == nullptr ? cert : issuer;
  X509_set_issuer_name(cert, X509_get_subject_name(signer));
  if (ca) {
    addExtension(cert, signer, NID_basic_constraints, "critical,CA:TRUE");
    addExtension(cert, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    addExtension(cert, signer, NID_subject_key_identifier, "hash");
  } else {
    addExtension(cert, signer, NID_basic_constraints, "critical,CA:FALSE");
    addExtension(cert, signer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    addExtension(cert, signer, NID_ext_key_usage, "serverAuth,clientAuth");
    addExtension(cert, signer, NID_authority_key_identifier, "keyid");
    std::vector<std::string> sans;
    for (const auto& u : o.uri_sans) sans.push_back("URI:" + u);
    for (const auto& d : o.dns_sans) sans.push_back("DNS:" + d);
    if (!sans.empty()) addExtension(cert, signer, NID_subject_alt_name, absl::StrJoin(sans, ","));
  }
  X509_sign(cert, issuer_key, EVP_sha256());
  return cert;
}

}  // namespace

TestCa::TestCa(std::string common_name) {
  EVP_PKEY* key = newKey();
  CertOptions o;
  o.not_before_s = -24 * 3600;
  o.not_after_s = 365 * 24 * 3600;
  X509* cert = makeCert(key, common_name, nullptr, key, o, /*ca=*/true);
  root_ = {certToPem(cert), keyToPem(key)};
  key_ = key;
  cert_ = cert;
}

TestCa::~TestCa() {
  EVP_PKEY_free(static_cast<EVP_PKEY*>(key_));
  X509_free(static_cast<X509*>(cert_));
}

CertAndKey TestCa::issue(const CertOptions& options) const {
  EVP_PKEY* key = newKey();
  X509* cert = makeCert(key, options.common_name, static_cast<X509*>(cert_),
                        static_cast<EVP_PKEY*>(key_), options, /*ca=*/false);
  CertAndKey out{certToPem(cert), keyToPem(key)};
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

std::string generateKeyPem() {
  EVP_PKEY* key = newKey();
  std::string pem = keyToPem(key);
  EVP_PKEY_free(key);
  return pem;
}

}  // namespace meshproxy::testing
