#include "proxy/tls/ssl_info.h"

#include "proxy/tls/certificate.h"

namespace meshproxy::tls {

SslInfo::SslInfo(SSL* ssl, std::shared_ptr<const SslContext> context)
    : protocol_(SSL_get_version(ssl)),
      cipher_(SSL_get_cipher_name(ssl)),
      session_reused_(SSL_session_reused(ssl) == 1),
      context_(std::move(context)) {
  const unsigned char* alpn = nullptr;
  unsigned int alpn_len = 0;
  SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
  if (alpn != nullptr) alpn_.assign(reinterpret_cast<const char*>(alpn), alpn_len);
  // Server: the name the client asked for. Client: the name we sent.
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (name != nullptr) server_name_ = name;
  peer_cert_.reset(SSL_get1_peer_certificate(ssl));
  if (peer_cert_ == nullptr) return;
  peer_uri_sans_ = uriSans(peer_cert_.get());
  if (!peer_uri_sans_.empty()) peer_uri_san_ = peer_uri_sans_[0];
  peer_dns_sans_ = dnsSans(peer_cert_.get());
  peer_subject_ = subjectRfc2253(peer_cert_.get());
  peer_cert_sha256_ = sha256Hex(peer_cert_.get());
  // A server's view of the chain leaves out the leaf; a client's includes it.
  if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl); chain != nullptr) {
    for (int i = 0; i < sk_X509_num(chain); ++i) {
      X509* c = sk_X509_value(chain, i);
      if (X509_cmp(c, peer_cert_.get()) != 0) peer_chain_.push_back(upRef(c));
    }
  }
}

std::string SslInfo::urlEncodedPeerCertPem() const {
  return peer_cert_ == nullptr ? std::string() : urlEncode(toPem(peer_cert_.get()));
}

std::string SslInfo::urlEncodedPeerChainPem() const {
  if (peer_cert_ == nullptr) return "";
  std::string pem = toPem(peer_cert_.get());
  for (const auto& c : peer_chain_) pem += toPem(c.get());
  return urlEncode(pem);
}

}  // namespace meshproxy::tls
