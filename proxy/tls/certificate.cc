#include "proxy/tls/certificate.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "absl/strings/str_cat.h"
#include "proxy/core/strings.h"

namespace meshproxy::tls {
namespace {

using GeneralNamesPtr =
    std::unique_ptr<GENERAL_NAMES, decltype([](GENERAL_NAMES* n) { GENERAL_NAMES_free(n); })>;

std::string_view asString(const ASN1_STRING* s) {
  return std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                          static_cast<size_t>(ASN1_STRING_length(s)));
}

std::string ipToString(const ASN1_OCTET_STRING* ip) {
  const unsigned char* p = ASN1_STRING_get0_data(ip);
  int len = ASN1_STRING_length(ip);
  char text[INET6_ADDRSTRLEN] = {0};
  if (len == 4 || len == 16) inet_ntop(len == 4 ? AF_INET : AF_INET6, p, text, sizeof(text));
  return text;
}

std::vector<std::string> sansOfType(X509* cert, std::string_view type) {
  std::vector<std::string> out;
  forEachSubjectAltName(cert, [&](std::string_view t, std::string_view value) {
    if (t == type) out.emplace_back(value);
    return true;
  });
  return out;
}

std::chrono::system_clock::time_point toTimePoint(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return {};
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

absl::StatusOr<std::vector<X509Ptr>> parsePemCertificates(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::vector<X509Ptr> certs;
  while (true) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (cert == nullptr) break;
    certs.push_back(std::move(cert));
  }
  // The loop ends on "no start line" after the last certificate; anything else is damage.
  unsigned long err = ERR_peek_last_error();
  bool clean_end = ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
  std::string error = takeOpenSslError();
  if (certs.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no PEM certificate found", error.empty() ? "" : ": ", error));
  }
  if (err != 0 && !clean_end) {
    return absl::InvalidArgumentError(absl::StrCat("bad PEM certificate: ", error));
  }
  return certs;
}

absl::StatusOr<EvpPkeyPtr> parsePemPrivateKey(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  // An empty passphrase callback: an encrypted key fails instead of prompting on a tty.
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(
      bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr));
  std::string error = takeOpenSslError();
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("no usable PEM private key found", error.empty() ? "" : ": ", error));
  }
  return key;
}

bool privateKeyMatches(X509* cert, EVP_PKEY* key) {
  bool ok = X509_check_private_key(cert, key) == 1;
  ERR_clear_error();
  return ok;
}

void forEachSubjectAltName(X509* cert,
                           absl::FunctionRef<bool(std::string_view, std::string_view)> f) {
  GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (names == nullptr) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    bool more = true;
    switch (name->type) {
      case GEN_URI:
        more = f("uri", asString(name->d.uniformResourceIdentifier));
        break;
      case GEN_DNS:
        more = f("dns", asString(name->d.dNSName));
        break;
      case GEN_EMAIL:
        more = f("email", asString(name->d.rfc822Name));
        break;
      case GEN_IPADD:
        more = f("ip_address", ipToString(name->d.iPAddress));
        break;
      default:
        break;
    }
    if (!more) return;
  }
}

std::vector<std::string> uriSans(X509* cert) { return sansOfType(cert, "uri"); }
std::vector<std::string> dnsSans(X509* cert) { return sansOfType(cert, "dns"); }

std::string subjectRfc2253(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string sha256Hex(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &len) != 1) return "";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(len * 2, '0');
  for (unsigned int i = 0; i < len; ++i) {
    out[2 * i] = kHex[md[i] >> 4];
    out[2 * i + 1] = kHex[md[i] & 0xf];
  }
  return out;
}

std::string toPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string urlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3 / 2);
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

CertificateInfo describeCertificate(X509* cert, std::string source) {
  CertificateInfo info;
  info.source = std::move(source);
  if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr); bn != nullptr) {
    char* hex = BN_bn2hex(bn);
    info.serial_number = hex;
    for (char& c : info.serial_number) c = static_cast<char>(std::tolower(c));
    OPENSSL_free(hex);
    BN_free(bn);
  }
  forEachSubjectAltName(cert, [&](std::string_view type, std::string_view value) {
    info.subject_alt_names.emplace_back(std::string(type), std::string(value));
    return true;
  });
  info.valid_from = toTimePoint(X509_get0_notBefore(cert));
  info.expiration_time = toTimePoint(X509_get0_notAfter(cert));
  return info;
}

}  // namespace meshproxy::tls
