// A tiny blocking HTTP/1.1 GET for `mesh-control status` (one request, Connection: close).
#pragma once

#include <chrono>
#include <string>

#include "absl/status/statusor.h"

namespace meshproxy::xds_server {

struct HttpResult {
  int status = 0;
  std::string body;
};

// `address` is "HOST:PORT" with a numeric IP. Errors: Unavailable (cannot connect, timeout,
// connection closed early), InvalidArgument (bad address), DataLoss (not an HTTP response).
absl::StatusOr<HttpResult> httpGet(const std::string& address, const std::string& path,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace meshproxy::xds_server
