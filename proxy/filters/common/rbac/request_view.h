#pragma once

#include <string_view>

namespace google::protobuf {
class Struct;
}
namespace meshproxy::http {
class HeaderMap;
}
namespace meshproxy::network {
class Address;
class SslConnectionInfo;
}  // namespace meshproxy::network

namespace meshproxy::filters::rbac {

// Dynamic metadata by namespace ("envoy.filters.http.jwt_authn"); the filter wiring implements
// it over the stream's metadata.
class MetadataSource {
 public:
  virtual ~MetadataSource() = default;
  // The namespace's struct, nullptr when it has none.
  virtual const google::protobuf::Struct* find(std::string_view ns) const = 0;
};

// What RBAC may look at for one request (HTTP) or connection (TCP): borrowed pointers the
// caller fills from what the stream and connection already own, so evaluating allocates
// nothing. A null pointer is "not known": a rule that needs it does not match.
struct RequestView {
  // HTTP: the request headers (":path" included). TCP: nullptr, and header rules see no header,
  // as Envoy's network RBAC does.
  const http::HeaderMap* headers = nullptr;
  // The connection's local address: the original destination for captured traffic
  // (destination_ip, destination_port, destination_port_range).
  const network::Address* local = nullptr;
  // The socket's peer (direct_remote_ip).
  const network::Address* direct_remote = nullptr;
  // The peer after the PROXY protocol (source_ip); nullptr: direct_remote.
  const network::Address* source = nullptr;
  // The client after x-forwarded-for, as the connection manager resolved it (remote_ip);
  // nullptr: source.
  const network::Address* remote = nullptr;
  // TLS SNI; "" when none (requested_server_name).
  std::string_view requested_server_name;
  // The downstream TLS session; nullptr for plaintext (authenticated).
  const network::SslConnectionInfo* ssl = nullptr;
  // Dynamic metadata (metadata); nullptr: none.
  const MetadataSource* metadata = nullptr;
};

}  // namespace meshproxy::filters::rbac
