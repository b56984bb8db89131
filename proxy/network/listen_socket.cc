#include "proxy/network/listen_socket.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace meshproxy::network {
namespace {

absl::Status setIpOption(int fd, int family, int v4_option, int v6_option, const char* name) {
  int one = 1;
  int rc = family == AF_INET6 ? ::setsockopt(fd, SOL_IPV6, v6_option, &one, sizeof(one))
                              : ::setsockopt(fd, SOL_IP, v4_option, &one, sizeof(one));
  if (rc != 0) {
    return absl::FailedPreconditionError(absl::StrCat(name, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> bindOne(const Address& address, const ListenSockets::Options& options) {
  int backlog = options.backlog;
  int fd = ::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("socket(): ", std::strerror(errno)));
  }
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  if (address.family() == AF_INET6) {
    // [::] should mean IPv6 only, as in Envoy; IPv4 gets its own listener.
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  }
  absl::Status opt;
  if (options.transparent) {
    opt = setIpOption(fd, address.family(), IP_TRANSPARENT, IPV6_TRANSPARENT, "IP_TRANSPARENT");
  }
  if (opt.ok() && options.freebind) {
    opt = setIpOption(fd, address.family(), IP_FREEBIND, IPV6_FREEBIND, "IP_FREEBIND");
  }
  if (!opt.ok()) {
    ::close(fd);
    return absl::Status(opt.code(),
                        absl::StrCat("listener on ", address.str(), ": ", opt.message()));
  }
  if (::bind(fd, address.sockaddr_ptr(), address.sockaddr_len()) != 0) {
    int err = errno;
    ::close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat("cannot bind ", address.str(), ": ", std::strerror(err)));
  }
  if (::listen(fd, backlog) != 0) {
    int err = errno;
    ::close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat("cannot listen on ", address.str(), ": ", std::strerror(err)));
  }
  return fd;
}

// A Unix domain socket listener, as Envoy binds one: a stale socket file at the path is
// removed first, and `mode` is applied to the new one. There is no SO_REUSEPORT balancing for
// Unix sockets, so the workers share one socket: each gets a duplicate of it and the kernel
// hands every connection to one of the workers waiting in accept.
absl::StatusOr<std::vector<int>> bindPipe(const Address& address, int count,
                                          const ListenSockets::Options& options) {
  if (options.transparent || options.freebind) {
    return absl::InvalidArgumentError(absl::StrCat("listener on pipe ", address.str(),
                                                   ": transparent and freebind need an IP address"));
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket(AF_UNIX): ", std::strerror(errno)));
  auto fail = [&](const char* what) {
    int err = errno;
    ::close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat("cannot ", what, " pipe ", address.str(), ": ", std::strerror(err)));
  };
  if (!address.isAbstractPipe()) ::unlink(address.pipePath().c_str());
  if (::bind(fd, address.sockaddr_ptr(), address.sockaddr_len()) != 0) return fail("bind");
  if (address.pipeMode() != 0 && ::chmod(address.pipePath().c_str(), address.pipeMode()) != 0)
    return fail("chmod");
  if (::listen(fd, options.backlog) != 0) return fail("listen on");
  std::vector<int> fds{fd};
  for (int i = 1; i < count; ++i) {
    int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) {
      for (int f : fds) ::close(f);
      return absl::InternalError(absl::StrCat("dup: ", std::strerror(errno)));
    }
    fds.push_back(copy);
  }
  return fds;
}

}  // namespace

std::unique_ptr<ListenSockets> ListenSockets::unbound(const Address& address) {
  return std::unique_ptr<ListenSockets>(new ListenSockets(address, {}));
}

absl::StatusOr<std::unique_ptr<ListenSockets>> ListenSockets::bind(const Address& address,
                                                                   int count,
                                                                   const Options& options) {
  if (address.isPipe()) {
    auto fds = bindPipe(address, count, options);
    if (!fds.ok()) return fds.status();
    return std::unique_ptr<ListenSockets>(new ListenSockets(address, std::move(*fds)));
  }
  std::vector<int> fds;
  Address bound = address;
  auto close_all = [&fds]() {
    for (int fd : fds) ::close(fd);
  };
  for (int i = 0; i < count; ++i) {
    auto fd = bindOne(bound, options);
    if (!fd.ok()) {
      close_all();
      return fd.status();
    }
    fds.push_back(*fd);
    if (i == 0 && bound.port() == 0) {
      sockaddr_storage ss{};
      socklen_t len = sizeof(ss);
      ::getsockname(*fd, reinterpret_cast<sockaddr*>(&ss), &len);
      bound = Address::fromSockaddr(reinterpret_cast<sockaddr*>(&ss));
    }
  }
  return std::unique_ptr<ListenSockets>(new ListenSockets(bound, std::move(fds)));
}

ListenSockets::ListenSockets(Address address, std::vector<int> fds)
    : address_(std::move(address)), fds_(fds.size()) {
  for (size_t i = 0; i < fds.size(); ++i) fds_[i].store(fds[i]);
}

ListenSockets::~ListenSockets() {
  for (auto& fd : fds_) {
    int v = fd.exchange(-1);
    if (v >= 0) ::close(v);
  }
}

int ListenSockets::takeFd(int worker_index) {
  if (worker_index < 0 || static_cast<size_t>(worker_index) >= fds_.size()) return -1;
  return fds_[static_cast<size_t>(worker_index)].exchange(-1);
}

}  // namespace meshproxy::network
