#include "proxy/tls/ssl_socket_factory.h"

#include "absl/strings/str_cat.h"
#include "proxy/tls/ssl_socket.h"

namespace meshproxy::tls {

std::unique_ptr<network::TransportSocket> SslSocketFactory::create(
    const network::TransportSocketOptions& options, std::string* failure) const {
  std::shared_ptr<const SslContext> context = provider_->current();
  if (context == nullptr) {
    // Only reachable if a listener or cluster were activated before its secrets arrived.
    provider_->stats().connection_error.inc();
    if (failure != nullptr) {
      *failure = absl::StrCat("TLS context of ", provider_->config().owner,
                              " has no certificates yet (SDS secrets not received)");
    }
    return nullptr;
  }
  return std::make_unique<SslSocket>(std::move(context), std::string(options.session_key));
}

}  // namespace meshproxy::tls
