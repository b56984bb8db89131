// What an admin endpoint sees and returns. Handlers run on the admin server's loop thread (the
// proxy's main thread), so they may read main-thread state without locks.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace meshproxy::admin {

struct AdminRequest {
  std::string method;  // "GET", "POST", ...; HEAD requests are served by GET handlers.
  std::string path;    // Request path without the query string, not percent-decoded.
  std::string query;   // Raw query string without '?'.
  // Percent-decoded ('+' is a space). A repeated name keeps its first value, like Envoy's admin.
  absl::flat_hash_map<std::string, std::string> query_params;
  // Names lower-cased; repeated headers joined with ", ".
  absl::flat_hash_map<std::string, std::string> headers;
  std::string body;
};

struct AdminResponse {
  int status = 200;  // Outside 200..599 is answered as 500: 1xx would break HTTP/1.1 framing.
  std::string content_type = "text/plain; charset=UTF-8";
  std::string body;
  // Extra headers. Content-Length, Transfer-Encoding, Connection and Content-Type (use
  // content_type) are the server's to set and are dropped here, as is any containing CR or LF.
  std::vector<std::pair<std::string, std::string>> headers;
};

// The common case: a plain-text body with a status.
inline AdminResponse textResponse(int status, std::string body) {
  AdminResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

using AdminHandler = std::function<AdminResponse(const AdminRequest&)>;

// Delivers the response of an async handler. Call it on the loop thread, now or later; calls
// after the first, or after the connection has gone away, are ignored.
using AdminRespondFn = std::function<void(AdminResponse)>;

// `request` is valid only during the call; copy what a later response needs.
using AsyncAdminHandler = std::function<void(const AdminRequest& request, AdminRespondFn respond)>;

}  // namespace meshproxy::admin
