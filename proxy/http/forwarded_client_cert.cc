#include "proxy/http/forwarded_client_cert.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "proxy/core/strings.h"

namespace meshproxy::http {
namespace {

constexpr std::string_view kXfcc = "x-forwarded-client-cert";

void appendElement(std::string& out, std::string_view key, std::string_view value) {
  absl::StrAppend(&out, out.empty() ? "" : ";", toAbsl(key), "=", toAbsl(value));
}

// Our element, fields in Envoy's order.
std::string currentElement(const ClientCertDetails& details,
                           const network::SslConnectionInfo& ssl) {
  std::string out;
  for (const auto& uri : ssl.localUriSans()) appendElement(out, "By", uri);
  if (!ssl.peerCertSha256().empty()) appendElement(out, "Hash", ssl.peerCertSha256());
  if (details.subject) appendElement(out, "Subject", absl::StrCat("\"", ssl.peerSubject(), "\""));
  if (details.cert) {
    std::string pem = ssl.urlEncodedPeerCertPem();
    if (!pem.empty()) appendElement(out, "Cert", absl::StrCat("\"", pem, "\""));
  }
  if (details.chain) {
    std::string pem = ssl.urlEncodedPeerChainPem();
    if (!pem.empty()) appendElement(out, "Chain", absl::StrCat("\"", pem, "\""));
  }
  if (details.uri) {
    // The URI key is present even when the certificate has no URI SAN.
    if (ssl.peerUriSans().empty()) appendElement(out, "URI", "");
    for (const auto& uri : ssl.peerUriSans()) appendElement(out, "URI", uri);
  }
  if (details.dns) {
    for (const auto& dns : ssl.peerDnsSans()) appendElement(out, "DNS", dns);
  }
  return out;
}

}  // namespace

void mutateForwardedClientCert(HeaderMap& headers, ForwardClientCert mode,
                               const ClientCertDetails& details,
                               const network::SslConnectionInfo* ssl) {
  if (mode == ForwardClientCert::kAlwaysForwardOnly) return;
  if (mode == ForwardClientCert::kSanitize || ssl == nullptr || !ssl->peerCertificatePresented()) {
    headers.remove(kXfcc);
    return;
  }
  if (mode == ForwardClientCert::kForwardOnly) return;
  std::string element = currentElement(details, *ssl);
  if (mode == ForwardClientCert::kAppendForward) {
    auto existing = headers.getJoined(kXfcc);
    headers.set(kXfcc, existing.has_value() && !existing->empty()
                           ? absl::StrCat(*existing, ",", element)
                           : element);
  } else {
    headers.set(kXfcc, element);
  }
}

}  // namespace meshproxy::http
