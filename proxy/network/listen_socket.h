#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/network/address.h"

namespace meshproxy::network {

// The listening sockets of one listener: one per worker, all bound to the same address
// with SO_REUSEPORT so the kernel spreads connections across workers without a shared
// accept lock. Created and bound on the main thread, so a bind error (port in use) is a
// config error there; each worker later takes its own fd exactly once.
class ListenSockets {
 public:
  // Binds `count` sockets. Port 0 binds the first to an ephemeral port and the rest to it.
  struct Options {
    bool transparent = false;  // IP_TRANSPARENT (needs CAP_NET_ADMIN)
    bool freebind = false;     // IP_FREEBIND
    int backlog = 1024;
  };
  static absl::StatusOr<std::unique_ptr<ListenSockets>> bind(const Address& address, int count,
                                                             const Options& options);
  static absl::StatusOr<std::unique_ptr<ListenSockets>> bind(const Address& address, int count) {
    return bind(address, count, Options{});
  }
  // A listener with bind_to_port: false: an address, no sockets (takeFd gives -1).
  static std::unique_ptr<ListenSockets> unbound(const Address& address);
  ~ListenSockets();
  ListenSockets(const ListenSockets&) = delete;
  ListenSockets& operator=(const ListenSockets&) = delete;

  // The address actually bound (the real port when 0 was asked for).
  const Address& address() const { return address_; }
  // Hands the fd of one worker over to it (the worker then owns and closes it); -1 if taken.
  int takeFd(int worker_index);

 private:
  ListenSockets(Address address, std::vector<int> fds);

  Address address_;
  std::vector<std::atomic<int>> fds_;
};

}  // namespace meshproxy::network
