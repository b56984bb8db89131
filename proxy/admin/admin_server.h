// The admin HTTP/1.1 server (/help, /stats, /config_dump, ...) on the main thread's libuv loop.
//
// Every method must be called on the loop's thread (or before the loop runs). Handlers run there
// too. Built in: "GET /" and "GET /help" list the endpoints; an unknown path gets 404 with that
// list, a known path with the wrong method 405.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "proxy/admin/admin_handler.h"

namespace meshproxy::admin {

struct AdminServerOptions {
  // Request target + headers + body; larger requests are answered 413 and the connection closed.
  size_t max_request_bytes = 1 << 20;
  // A connection waiting this long for a complete request (idle keep-alive included) is closed.
  uint64_t request_timeout_ms = 5 * 60 * 1000;
  // How long to drain a client's unread input after the final response before closing.
  uint64_t linger_timeout_ms = 2000;
};

class AdminServer {
 public:
  explicit AdminServer(uv_loop_t* loop, AdminServerOptions options = AdminServerOptions());
  // Starts closing whatever is still open, as close() does. Memory libuv still references is
  // freed in its close callbacks, so destroying a server that has not finished closing is safe;
  // the loop must still run those callbacks.
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // `method`: "GET", "POST", another upper-case method, or "" for any. GET handlers also
  // serve HEAD. Errors: InvalidArgument (bad path or method), AlreadyExists (clashing method).
  absl::Status addHandler(std::string path, std::string method, std::string help,
                          AdminHandler handler);
  // For answers that come later (e.g. after a drain): call `respond` once, on the loop thread.
  absl::Status addAsyncHandler(std::string path, std::string method, std::string help,
                               AsyncAdminHandler handler);

  // Binds a numeric IPv4 or IPv6 address; port 0 picks an ephemeral port (see boundPort()).
  // Errors: InvalidArgument (host or port), FailedPrecondition (already listening or closed),
  // Unavailable (bind/listen failed, e.g. address in use).
  absl::Status listen(const std::string& host, int port);
  int boundPort() const;  // 0 until listen() succeeds

  // Stops listening and closes every connection (in-flight async requests get no answer; a
  // handler that closes the server should respond first, as its response is then already
  // written). `on_closed` runs once all handles are closed: later on the loop, or right away if
  // nothing was open. The server cannot listen again afterwards.
  void close(std::function<void()> on_closed);

 private:
  class Core;
  // Owned jointly with the libuv handles: deleted by whichever of ~AdminServer and the last
  // close callback comes later.
  Core* core_;
};

}  // namespace meshproxy::admin
