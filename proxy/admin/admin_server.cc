#include "proxy/admin/admin_server.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <memory>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "proxy/admin/admin_connection.h"
#include "proxy/admin/endpoint_registry.h"
#include "proxy/network/accept_poller.h"

namespace meshproxy::admin {
namespace {

constexpr int kListenBacklog = 128;
constexpr size_t kReadBufferBytes = 64 * 1024;

AdminResponse handlerFailed(const std::string& path, const char* what) {
  return textResponse(500, absl::StrCat("admin handler for ", path, " failed: ", what, "\n"));
}

}  // namespace

// Everything libuv can call back into. It outlives the AdminServer when handles are still
// closing, and deletes itself once both the owner and the last handle are gone.
class AdminServer::Core final : public AdminConnectionOwner {
 public:
  Core(uv_loop_t* loop, const AdminServerOptions& options) : loop_(loop), options_(options) {}

  EndpointRegistry& registry() { return registry_; }
  int boundPort() const { return bound_port_; }

  absl::Status listen(const std::string& host, int port) {
    if (closing_) return absl::FailedPreconditionError("admin server is closed");
    if (acceptor_ != nullptr) {
      return absl::FailedPreconditionError("admin server already listening");
    }
    if (port < 0 || port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("admin port out of range: ", port));
    }
    sockaddr_storage addr{};
    if (uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr)) != 0 &&
        uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr)) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("admin address is not a numeric IPv4 or IPv6 address: '", host, "'"));
    }
    // A plain socket polled by AcceptPoller rather than uv_listen: on descriptor exhaustion
    // libuv's accept loop can spin without returning to the loop (see accept_poller.h), and
    // this loop is the main thread's (xDS, signals, config).
    const auto* sa = reinterpret_cast<const sockaddr*>(&addr);
    int fd = ::socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int rc = fd < 0 ? errno : 0;
    if (rc == 0) {
      int one = 1;  // what uv_tcp_bind did: a restart may bind while old connections linger
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
      socklen_t length = sa->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
      if (::bind(fd, sa, length) != 0 || ::listen(fd, kListenBacklog) != 0) rc = errno;
    }
    if (rc != 0) {
      if (fd >= 0) ::close(fd);
      return absl::UnavailableError(
          absl::StrCat("admin listen on ", host, ":", port, ": ", std::strerror(rc)));
    }
    sockaddr_storage bound{};
    socklen_t length = sizeof(bound);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
    bound_port_ =
        ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port
                                          : reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
    acceptor_ = std::make_unique<network::AcceptPoller>(
        loop_, fd, "admin listener", [this](int accepted) { onAccepted(accepted); });
    if (int start = acceptor_->start(); start != 0) {
      acceptor_.reset();
      return absl::UnavailableError(
          absl::StrCat("admin listen on ", host, ":", port, ": ", uv_strerror(start)));
    }
    return absl::OkStatus();
  }

  void close(std::function<void()> on_closed) {
    if (on_closed) on_closed_.push_back(std::move(on_closed));
    closing_ = true;
    acceptor_.reset();  // its handles free themselves; nothing of this object is used there
    // close() only starts closing; connections leave the set in their close callbacks.
    for (AdminConnection* connection : connections_) connection->close();
    maybeFinishClose();  // may delete this
  }

  // The AdminServer is being destroyed.
  void releaseOwner() {
    owner_alive_ = false;
    close(nullptr);  // may delete this
  }

  void dispatch(const AdminRequest& request, AdminRespondFn respond) override {
    auto resolved = registry_.resolve(request.method, request.path);
    if (auto* error = std::get_if<AdminResponse>(&resolved)) {
      respond(std::move(*error));
      return;
    }
    // A copy, because a handler that adds endpoints may move the registry's storage.
    const AsyncAdminHandler handler = *std::get<const AsyncAdminHandler*>(resolved);
    // Handlers are ordinary code and might throw; that must not unwind through libuv. If the
    // handler responded before throwing, the second respond is ignored.
    try {
      handler(request, respond);
    } catch (const std::exception& e) {
      respond(handlerFailed(request.path, e.what()));
    } catch (...) {
      respond(handlerFailed(request.path, "unknown exception"));
    }
  }

  uv_buf_t readBuffer() override {
    if (read_buffer_ == nullptr) read_buffer_ = std::make_unique<char[]>(kReadBufferBytes);
    return uv_buf_init(read_buffer_.get(), kReadBufferBytes);
  }

  void onConnectionClosed(AdminConnection* connection) override {
    connections_.erase(connection);
    delete connection;
    maybeFinishClose();
  }

 private:
  void onAccepted(int fd) {
    auto* connection = new AdminConnection(
        *this, AdminConnectionLimits{.max_request_bytes = options_.max_request_bytes,
                                     .request_timeout_ms = options_.request_timeout_ms,
                                     .linger_timeout_ms = options_.linger_timeout_ms});
    connections_.insert(connection);
    connection->start(loop_, fd);
  }

  void maybeFinishClose() {
    if (!closing_ || finishing_ || !connections_.empty()) return;
    // A callback may call close() again (adding a callback) or destroy the AdminServer; both
    // are handled here, after the callbacks, rather than re-entrantly.
    finishing_ = true;
    while (!on_closed_.empty()) {
      std::vector<std::function<void()>> callbacks = std::move(on_closed_);
      on_closed_.clear();
      for (auto& callback : callbacks) callback();
    }
    finishing_ = false;
    if (!owner_alive_) delete this;
  }

  uv_loop_t* const loop_;
  const AdminServerOptions options_;
  EndpointRegistry registry_;
  std::unique_ptr<network::AcceptPoller> acceptor_;
  int bound_port_ = 0;
  absl::flat_hash_set<AdminConnection*> connections_;  // owned; deleted once closed
  std::vector<std::function<void()>> on_closed_;
  bool closing_ = false;
  bool finishing_ = false;
  bool owner_alive_ = true;
  std::unique_ptr<char[]> read_buffer_;  // shared: every read is processed before the next
};

AdminServer::AdminServer(uv_loop_t* loop, AdminServerOptions options)
    : core_(new Core(loop, options)) {
  EndpointRegistry& registry = core_->registry();
  auto help = [&registry](const AdminRequest&, AdminRespondFn respond) {
    respond(textResponse(200, registry.helpText()));
  };
  // Cannot fail: the registry is empty and the arguments are valid.
  registry.add("/", "GET", "admin home page: this list", help).IgnoreError();
  registry.add("/help", "GET", "print out list of admin commands", help).IgnoreError();
}

AdminServer::~AdminServer() { core_->releaseOwner(); }

absl::Status AdminServer::addHandler(std::string path, std::string method, std::string help,
                                     AdminHandler handler) {
  if (!handler) return absl::InvalidArgumentError(absl::StrCat("no handler for ", path));
  return addAsyncHandler(
      std::move(path), std::move(method), std::move(help),
      [handler = std::move(handler)](const AdminRequest& request, AdminRespondFn respond) {
        respond(handler(request));
      });
}

absl::Status AdminServer::addAsyncHandler(std::string path, std::string method, std::string help,
                                          AsyncAdminHandler handler) {
  return core_->registry().add(std::move(path), std::move(method), std::move(help),
                               std::move(handler));
}

absl::Status AdminServer::listen(const std::string& host, int port) {
  return core_->listen(host, port);
}

int AdminServer::boundPort() const { return core_->boundPort(); }

void AdminServer::close(std::function<void()> on_closed) { core_->close(std::move(on_closed)); }

}  // namespace meshproxy::admin
