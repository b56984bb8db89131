#include "proxy/tls/tls_material.h"

#include <openssl/pem.h>
#include <openssl/sha.h>

#include "absl/strings/str_cat.h"
#include "proxy/tls/certificate.h"

namespace meshproxy::tls {
namespace {

absl::StatusOr<std::vector<X509CrlPtr>> parseCrls(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::vector<X509CrlPtr> crls;
  while (true) {
    X509CrlPtr crl(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
    if (crl == nullptr) break;
    crls.push_back(std::move(crl));
  }
  std::string error = takeOpenSslError();
  if (crls.empty()) return absl::InvalidArgumentError(absl::StrCat("no PEM CRL found: ", error));
  return crls;
}

std::string sha256(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return std::string(reinterpret_cast<const char*>(md), sizeof(md));
}

}  // namespace

absl::StatusOr<std::shared_ptr<const CertificateMaterial>> CertificateMaterial::parse(
    std::string_view chain_pem, std::string_view key_pem, std::string source) {
  auto chain = parsePemCertificates(chain_pem);
  if (!chain.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("certificate_chain: ", chain.status().message()));
  }
  auto key = parsePemPrivateKey(key_pem);
  if (!key.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("private_key: ", key.status().message()));
  }
  if (!privateKeyMatches((*chain)[0].get(), key->get())) {
    return absl::InvalidArgumentError(
        "private_key does not match the certificate's public key (certificate_chain)");
  }
  auto material = std::make_shared<CertificateMaterial>();
  material->chain = std::move(*chain);
  material->key = std::move(*key);
  material->source = std::move(source);
  return std::shared_ptr<const CertificateMaterial>(std::move(material));
}

absl::StatusOr<std::shared_ptr<const CertificateMaterial>> CertificateMaterial::load(
    const CertificateSpec& spec, std::string source) {
  auto chain = readDataSource(spec.certificate_chain);
  if (!chain.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("certificate_chain: ", chain.status().message()));
  }
  auto key = readDataSource(spec.private_key);
  if (!key.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("private_key: ", key.status().message()));
  }
  return parse(*chain, *key, std::move(source));
}

absl::StatusOr<std::shared_ptr<const ValidationMaterial>> ValidationMaterial::load(
    const ValidationSpec& spec, std::vector<SanMatcher> matchers, std::string source,
    std::string_view identity) {
  auto material = std::make_shared<ValidationMaterial>();
  material->source = std::move(source);
  std::string digest_input(identity);
  if (spec.trusted_ca.has_value()) {
    auto pem = readDataSource(*spec.trusted_ca);
    if (!pem.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("trusted_ca: ", pem.status().message()));
    }
    auto cas = parsePemCertificates(*pem);
    if (!cas.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("trusted_ca: ", cas.status().message()));
    }
    material->trusted_ca = std::move(*cas);
    absl::StrAppend(&digest_input, *pem);
  }
  if (spec.crl.has_value()) {
    auto pem = readDataSource(*spec.crl);
    if (!pem.ok()) return absl::InvalidArgumentError(absl::StrCat("crl: ", pem.status().message()));
    auto crls = parseCrls(*pem);
    if (!crls.ok())
      return absl::InvalidArgumentError(absl::StrCat("crl: ", crls.status().message()));
    material->crls = std::move(*crls);
    absl::StrAppend(&digest_input, "\ncrl\n", *pem);
  }
  material->san_matchers = std::move(matchers);
  material->digest = sha256(digest_input);
  return std::shared_ptr<const ValidationMaterial>(std::move(material));
}

}  // namespace meshproxy::tls
