#pragma once

#include <string_view>

#include "proxy/filters/common/rbac/request_view.h"
#include "proxy/network/connection.h"

namespace meshproxy::filters::rbac {

// The RequestView of an HTTP request, from what the stream already owns: nothing is copied.
// `remote` is the client after x-forwarded-for as the connection manager resolved it (nullptr:
// the connection's peer); `requested_server_name` is the stream info's SNI; `metadata` reads the
// stream's dynamic metadata (nullptr: none).
inline RequestView httpRequestView(const http::HeaderMap& headers,
                                   const network::Connection& connection,
                                   const network::Address* remote,
                                   std::string_view requested_server_name,
                                   const MetadataSource* metadata) {
  RequestView view;
  view.headers = &headers;
  view.local = &connection.localAddress();
  view.direct_remote = &connection.remoteAddress();
  view.remote = remote;
  view.requested_server_name = requested_server_name;
  view.ssl = connection.ssl().get();
  view.metadata = metadata;
  return view;
}

}  // namespace meshproxy::filters::rbac
