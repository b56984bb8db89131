#include "xds/server/ca.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "proxy/core/log.h"

namespace meshproxy::xds_server {
namespace {

constexpr char kRootCertFile[] = "root-cert.pem";
constexpr char kRootKeyFile[] = "root-key.pem";
// Ten years, as Istio's self-signed root.
constexpr long kRootValiditySeconds = 10L * 365 * 24 * 3600;
// Workload certificates start a little in the past, so a peer whose clock lags accepts them.
constexpr long kBackdateSeconds = 60;

absl::Status sslError(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, ": ", tls::takeOpenSslError()));
}

std::string keyToPem(EVP_PKEY* key) {
  tls::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string certToPem(X509* cert) {
  tls::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string serialHex(X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get_serialNumber(cert), nullptr);
  char* hex = BN_bn2hex(bn);
  std::string out = hex;
  OPENSSL_free(hex);
  BN_free(bn);
  return absl::AsciiStrToUpper(out);
}

std::chrono::system_clock::time_point asTimePoint(const ASN1_TIME* t) {
  struct tm tm {};
  ASN1_TIME_to_tm(t, &tm);
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

absl::Status addExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return sslError(absl::StrCat("extension ", OBJ_nid2sn(nid)));
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return absl::OkStatus();
}

// 159 random bits: positive, unique with overwhelming probability (RFC 5280 allows 20 bytes).
absl::Status setRandomSerial(X509* cert) {
  unsigned char bytes[20];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) return sslError("random serial");
  bytes[0] &= 0x7f;
  if (bytes[0] == 0) bytes[0] = 1;
  BIGNUM* bn = BN_bin2bn(bytes, sizeof(bytes), nullptr);
  ASN1_INTEGER* serial = BN_to_ASN1_INTEGER(bn, nullptr);
  X509_set_serialNumber(cert, serial);
  ASN1_INTEGER_free(serial);
  BN_free(bn);
  return absl::OkStatus();
}

absl::StatusOr<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Written to a temporary name and renamed, so a crash never leaves half a key behind.
absl::Status writeFile(const std::string& path, const std::string& content, mode_t mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return absl::InternalError(absl::StrCat("cannot write ", tmp, ": ", strerror(errno)));
  ::fchmod(fd, mode);  // despite the umask
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("cannot write ", path, ": ", strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::pair<tls::X509Ptr, tls::EvpPkeyPtr>> generateRoot(
    const std::string& trust_domain) {
  tls::EvpPkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return sslError("generating the root key");
  tls::X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  if (auto s = setRandomSerial(cert.get()); !s.ok()) return s;
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kBackdateSeconds);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), kRootValiditySeconds);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(trust_domain.c_str()), -1, -1,
                             0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("mesh-control root CA"), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), name);
  for (auto [nid, value] : std::vector<std::pair<int, std::string>>{
           {NID_basic_constraints, "critical,CA:TRUE"},
           {NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature"},
           {NID_subject_key_identifier, "hash"}}) {
    if (auto s = addExtension(cert.get(), cert.get(), nid, value); !s.ok()) return s;
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return sslError("signing the root");
  return std::make_pair(std::move(cert), std::move(key));
}

}  // namespace

CertificateAuthority::CertificateAuthority(tls::X509Ptr cert, tls::EvpPkeyPtr key)
    : cert_(std::move(cert)), key_(std::move(key)) {
  root_pem_ = certToPem(cert_.get());
  root_serial_ = serialHex(cert_.get());
}

absl::StatusOr<std::unique_ptr<CertificateAuthority>> CertificateAuthority::load(
    const std::string& cert_path, const std::string& key_path) {
  auto cert_pem = readFile(cert_path);
  if (!cert_pem.ok()) return cert_pem.status();
  auto key_pem = readFile(key_path);
  if (!key_pem.ok()) return key_pem.status();
  tls::BioPtr cert_bio(BIO_new_mem_buf(cert_pem->data(), static_cast<int>(cert_pem->size())));
  tls::X509Ptr cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return sslError(absl::StrCat(cert_path, ": not a PEM certificate"));
  tls::BioPtr key_bio(BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size())));
  tls::EvpPkeyPtr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!key) return sslError(absl::StrCat(key_path, ": not a PEM private key"));
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    tls::takeOpenSslError();
    return absl::InvalidArgumentError(
        absl::StrCat(key_path, " is not the private key of ", cert_path));
  }
  if (X509_check_ca(cert.get()) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(cert_path, " is not a CA certificate"));
  }
  return std::unique_ptr<CertificateAuthority>(
      new CertificateAuthority(std::move(cert), std::move(key)));
}

absl::StatusOr<std::unique_ptr<CertificateAuthority>> CertificateAuthority::loadOrCreate(
    const std::string& dir, const std::string& trust_domain) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("--ca-dir ", dir, ": ", ec.message()));
  std::string cert_path = absl::StrCat(dir, "/", kRootCertFile);
  std::string key_path = absl::StrCat(dir, "/", kRootKeyFile);
  bool has_cert = std::filesystem::exists(cert_path);
  bool has_key = std::filesystem::exists(key_path);
  if (has_cert && has_key) {
    auto ca = load(cert_path, key_path);
    if (ca.ok()) log::info("CA: loaded root {} (serial {})", cert_path, (*ca)->rootSerial());
    return ca;
  }
  if (has_cert || has_key) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--ca-dir ", dir, ": has ", has_cert ? kRootCertFile : kRootKeyFile, " but not ",
        has_cert ? kRootKeyFile : kRootCertFile, "; restore it or empty the directory"));
  }
  ::chmod(dir.c_str(), 0700);
  auto root = generateRoot(trust_domain);
  if (!root.ok()) return root.status();
  // The key first: a certificate without its key would block the next start.
  if (auto s = writeFile(key_path, keyToPem(root->second.get()), 0600); !s.ok()) return s;
  if (auto s = writeFile(cert_path, certToPem(root->first.get()), 0644); !s.ok()) return s;
  auto ca = std::unique_ptr<CertificateAuthority>(
      new CertificateAuthority(std::move(root->first), std::move(root->second)));
  log::info("CA: created a new root in {} (serial {})", dir, ca->rootSerial());
  return ca;
}

absl::StatusOr<WorkloadCertificate> CertificateAuthority::issue(const std::string& spiffe_id,
                                                                std::chrono::seconds ttl) const {
  tls::EvpPkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return sslError("generating a workload key");
  tls::X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  if (auto s = setRandomSerial(cert.get()); !s.ok()) return s;
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kBackdateSeconds);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(ttl.count()));
  X509_set_pubkey(cert.get(), key.get());
  // Like Istio's workload certificates: an empty subject, the identity is the URI SAN alone.
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert_.get()));
  for (auto [nid, value] : std::vector<std::pair<int, std::string>>{
           {NID_basic_constraints, "critical,CA:FALSE"},
           {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
           {NID_ext_key_usage, "serverAuth,clientAuth"},
           {NID_authority_key_identifier, "keyid"},
           {NID_subject_alt_name, absl::StrCat("critical,URI:", spiffe_id)}}) {
    if (auto s = addExtension(cert.get(), cert_.get(), nid, value); !s.ok()) return s;
  }
  if (X509_sign(cert.get(), key_.get(), EVP_sha256()) == 0) return sslError("signing");
  WorkloadCertificate out;
  out.spiffe_id = spiffe_id;
  out.cert_pem = certToPem(cert.get());
  out.key_pem = keyToPem(key.get());
  out.serial = serialHex(cert.get());
  out.not_before = asTimePoint(X509_get0_notBefore(cert.get()));
  out.not_after = asTimePoint(X509_get0_notAfter(cert.get()));
  return out;
}

}  // namespace meshproxy::xds_server
