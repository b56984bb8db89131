#pragma once

#include "proxy/http/header_map.h"
#include "proxy/network/ssl_connection_info.h"

namespace meshproxy::http {

// HttpConnectionManager.forward_client_cert_details.
enum class ForwardClientCert {
  kSanitize,
  kForwardOnly,
  kAppendForward,
  kSanitizeSet,
  kAlwaysForwardOnly
};

// HttpConnectionManager.set_current_client_cert_details: what goes into our XFCC element
// besides By= and Hash=.
struct ClientCertDetails {
  bool subject = false;
  bool cert = false;
  bool chain = false;
  bool uri = false;
  bool dns = false;
};

// Envoy's x-forwarded-client-cert rules for a request that arrived on a connection with
// TLS info `ssl` (null: plaintext). The element we add reads
//   By=<our URI SAN>;Hash=<sha256 of the peer cert>;Subject="...";URI=<peer URI SAN>;DNS=...
// Only mutual TLS adds one: without a client certificate the header is removed (unless the
// mode is ALWAYS_FORWARD_ONLY), so a client cannot claim an identity it did not prove.
void mutateForwardedClientCert(HeaderMap& headers, ForwardClientCert mode,
                               const ClientCertDetails& details,
                               const network::SslConnectionInfo* ssl);

}  // namespace meshproxy::http
