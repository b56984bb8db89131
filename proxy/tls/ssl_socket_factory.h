#pragma once

#include <memory>

#include "proxy/network/transport_socket.h"
#include "proxy/tls/context_provider.h"

namespace meshproxy::tls {

// The transport socket factory of a filter chain (DownstreamTlsContext) or a cluster
// (UpstreamTlsContext): each connection gets an SslSocket on the provider's current context.
class SslSocketFactory : public network::TransportSocketFactory {
 public:
  explicit SslSocketFactory(std::shared_ptr<TlsContextProvider> provider)
      : provider_(std::move(provider)) {}

  std::unique_ptr<network::TransportSocket> create(const network::TransportSocketOptions& options,
                                                   std::string* failure) const override;
  bool ready() const override { return provider_->current() != nullptr; }

  const std::shared_ptr<TlsContextProvider>& provider() const { return provider_; }

 private:
  std::shared_ptr<TlsContextProvider> provider_;
};

}  // namespace meshproxy::tls
