#pragma once

#include <nghttp2/nghttp2.h>

#include <string>
#include <vector>

#include "proxy/http/header_map.h"

// Between the header maps every codec produces (HTTP/1-shaped: pseudo-headers first,
// :method/:scheme/:authority/:path or :status) and HTTP/2 header blocks.
namespace meshproxy::http::http2 {

// A header block for nghttp2_submit_*: entries point into strings owned here or in the map,
// which must outlive the submit call (nghttp2 copies them).
class NvList {
 public:
  void add(std::string_view name, std::string_view value);
  const nghttp2_nv* data() const { return nv_.data(); }
  size_t size() const { return nv_.size(); }

 private:
  std::vector<nghttp2_nv> nv_;
};

// Connection-specific fields HTTP/2 forbids (RFC 9113 8.2.2): connection, keep-alive,
// proxy-connection, transfer-encoding, upgrade, and te other than "trailers".
bool isConnectionSpecificHeader(std::string_view name, std::string_view value);

// A request to send. An HTTP/1-style upgrade (:protocol set, or upgrade + connection: upgrade)
// becomes extended CONNECT (RFC 8441) when `extended_connect` (the peer announced
// SETTINGS_ENABLE_CONNECT_PROTOCOL); CONNECT carries only :method and :authority; host
// becomes :authority when there is none. Returns false if the request cannot be sent over
// HTTP/2 (an upgrade the peer did not allow). `upgrade_protocol` receives the protocol of an
// upgrade sent as extended CONNECT, empty otherwise.
bool buildRequestHeaders(const HeaderMap& headers, bool extended_connect, NvList& out,
                         std::string& upgrade_protocol);
// A response (or 1xx, or trailers: no pseudo-headers then). `upgrade_request`: the request
// was an extended CONNECT, so a 101 from an HTTP/1 upstream becomes 200.
void buildResponseHeaders(const HeaderMap& headers, bool upgrade_request, NvList& out);
void buildTrailers(const HeaderMap& trailers, NvList& out);

// Received request headers, made to look like the HTTP/1 codec's: several cookie fields
// joined with "; " (RFC 9113 8.2.3), host as :authority when :authority is absent, and an
// extended CONNECT as the upgrade request HTTP/1 would carry (:method GET, upgrade: <protocol>,
// connection: upgrade, :protocol kept). Returns true for an extended CONNECT.
bool normalizeReceivedRequest(HeaderMap& headers);
// Received response headers to an extended CONNECT we sent: 200 becomes 101 with the
// upgrade fields an HTTP/1 client expects.
void normalizeUpgradeResponse(HeaderMap& headers, std::string_view protocol);

}  // namespace meshproxy::http::http2
