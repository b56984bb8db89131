#include "proxy/tls/ssl_socket.h"

#include <openssl/err.h>

#include <array>
#include <climits>

#include "absl/strings/str_cat.h"
#include "proxy/core/log.h"
#include "proxy/core/strings.h"
#include "proxy/tls/ssl_info.h"

namespace meshproxy::tls {

using network::TransportResult;

namespace {
// The most plaintext one TLS record carries (RFC 8446 5.1).
constexpr size_t kMaxRecordPlaintext = 16 * 1024;
}  // namespace

SslSocket::SslSocket(std::shared_ptr<const SslContext> context, std::string session_key)
    : context_(std::move(context)), ssl_(SSL_new(context_->sslCtx())) {
  record_.session_key = std::move(session_key);
  HandshakeRecord::attach(ssl_.get(), &record_);
  const TlsContextConfig& config = context_->config();
  if (config.server) {
    SSL_set_accept_state(ssl_.get());
    return;
  }
  SSL_set_connect_state(ssl_.get());
  if (!config.sni.empty()) SSL_set_tlsext_host_name(ssl_.get(), config.sni.c_str());
  if (config.max_session_keys > 0 && !record_.session_key.empty()) {
    if (SslSessionPtr session = context_->findSession(record_.session_key); session != nullptr) {
      SSL_set_session(ssl_.get(), session.get());
    }
  }
}

SslSocket::~SslSocket() {
  // OpenSSL marks the session of a connection freed without a close_notify as not
  // resumable. A connection closed abruptly (idle timeout, peer reset) says nothing against
  // its session, so only a failed one loses it.
  if (handshake_complete_ && !failed_) {
    SSL_set_shutdown(ssl_.get(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  }
}

void SslSocket::bind(Buffer& raw_in, Buffer& raw_out) {
  bio_target_.in = &raw_in;
  bio_target_.out = &raw_out;
  BIO* bio = newBufferBio(&bio_target_);
  SSL_set_bio(ssl_.get(), bio, bio);  // one reference, owned by the SSL from now on
}

TransportResult SslSocket::startHandshake() {
  TransportResult result;
  if (!server()) advanceHandshake(result);
  return result;
}

bool SslSocket::advanceHandshake(TransportResult& result) {
  ERR_clear_error();
  int rc = SSL_do_handshake(ssl_.get());
  if (rc == 1) {
    onHandshakeDone();
    result.handshake_complete = true;
    return true;
  }
  int error = SSL_get_error(ssl_.get(), rc);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return false;
  fail(error, "handshake");
  result.close = true;
  return false;
}

void SslSocket::onHandshakeDone() {
  handshake_complete_ = true;
  const SslStats& stats = context_->stats();
  stats.handshake.inc();
  if (SSL_session_reused(ssl_.get()) == 1) stats.session_reused.inc();
  auto info = std::make_shared<const SslInfo>(ssl_.get(), context_);
  if (server() && !info->peerCertificatePresented()) stats.no_certificate.inc();
  info_ = std::move(info);
}

TransportResult SslSocket::doRead(Buffer& plaintext) {
  TransportResult result;
  if (failed_) {
    result.close = true;
    return result;
  }
  if (!handshake_complete_ && !advanceHandshake(result)) return result;
  ERR_clear_error();
  while (true) {
    // Decrypt straight into the plaintext buffer's tail slice.
    uv_buf_t space = plaintext.reserveForRead();
    int n =
        SSL_read(ssl_.get(), space.base, static_cast<int>(std::min<size_t>(space.len, INT_MAX)));
    if (n > 0) {
      plaintext.commit(static_cast<size_t>(n));
      continue;
    }
    int error = SSL_get_error(ssl_.get(), n);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) break;
    if (error == SSL_ERROR_ZERO_RETURN) {
      result.end_stream = true;  // the peer's close_notify
      break;
    }
    fail(error, "read");
    result.close = true;
    break;
  }
  return result;
}

TransportResult SslSocket::doWrite(Buffer& plaintext) {
  TransportResult result;
  if (failed_) {
    result.close = true;
    return result;
  }
  if (!handshake_complete_ || shutdown_sent_) return result;
  ERR_clear_error();
  while (!plaintext.empty()) {
    // One record per SSL_write. A message is often a small slice of headers followed by the
    // body's slices: gathering them up to a full record (16 KiB, as Envoy does) saves a
    // record header, an AEAD tag and a cipher call per slice, on both sides.
    std::string_view slice = plaintext.frontSlice();
    const size_t record = std::min(plaintext.length(), kMaxRecordPlaintext);
    if (slice.size() < record) {
      thread_local std::array<char, kMaxRecordPlaintext> gathered;
      plaintext.copyOut(0, record, gathered.data());
      slice = std::string_view(gathered.data(), record);
    }
    // The BIO accepts everything, so a write is never partial or retried.
    int n = SSL_write(ssl_.get(), slice.data(),
                      static_cast<int>(std::min<size_t>(slice.size(), INT_MAX)));
    if (n <= 0) {
      fail(SSL_get_error(ssl_.get(), n), "write");
      result.close = true;
      return result;
    }
    plaintext.drain(static_cast<size_t>(n));
  }
  return result;
}

void SslSocket::shutdown() {
  if (!handshake_complete_ || shutdown_sent_ || failed_) return;
  shutdown_sent_ = true;
  ERR_clear_error();
  SSL_shutdown(ssl_.get());  // queues close_notify; we do not wait for the peer's
  ERR_clear_error();
}

void SslSocket::fail(int ssl_error, std::string_view during) {
  failed_ = true;
  const SslStats& stats = context_->stats();
  unsigned long code = ERR_peek_error();
  if (!handshake_complete_ && server() && ERR_GET_LIB(code) == ERR_LIB_SSL &&
      ERR_GET_REASON(code) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
    stats.fail_verify_no_cert.inc();
    record_.verify_failure = "peer did not present a certificate";
  }
  stats.connection_error.inc();
  std::string error = takeOpenSslError();
  if (!record_.verify_failure.empty()) {
    failure_ = absl::StrCat("TLS ", toAbsl(during), " failed: ", record_.verify_failure);
  } else if (!error.empty()) {
    failure_ = absl::StrCat("TLS ", toAbsl(during), " failed: ", error);
  } else {
    failure_ = absl::StrCat("TLS ", toAbsl(during), " failed: SSL error ", ssl_error);
  }
  log::debug("{} ({})", failure_, context_->config().owner);
}

}  // namespace meshproxy::tls
