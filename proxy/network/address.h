#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace meshproxy::network {

// An IPv4 or IPv6 socket address, or a Unix domain socket (Envoy's `pipe`), parsed once at
// config time.
class Address {
 public:
  Address() = default;
  static absl::StatusOr<Address> fromIpPort(std::string_view ip, uint32_t port);
  // "1.2.3.4:80" or "[::1]:80".
  static absl::StatusOr<Address> parse(std::string_view host_port);
  // A Unix domain socket path; "@name" is Linux's abstract namespace (the '@' becomes the
  // leading NUL byte, as in Envoy). `mode` (permission bits, at most 0777) is applied to the
  // socket file a listener creates; not for abstract names.
  static absl::StatusOr<Address> fromPipe(std::string_view path, uint32_t mode = 0);
  // `len` is needed for AF_UNIX (an abstract name is not NUL-terminated); 0: the family's size.
  static Address fromSockaddr(const sockaddr* sa, socklen_t len = 0);

  const sockaddr* sockaddr_ptr() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t sockaddr_len() const;
  int family() const { return storage_.ss_family; }
  uint32_t port() const;
  void setPort(uint32_t port);
  bool valid() const {
    return storage_.ss_family == AF_INET || storage_.ss_family == AF_INET6 ||
           storage_.ss_family == AF_UNIX;
  }

  bool isPipe() const { return storage_.ss_family == AF_UNIX; }
  // As configured: "/run/app.sock" or "@abstract"; empty for an unnamed peer.
  const std::string& pipePath() const { return pipe_path_; }
  bool isAbstractPipe() const { return isPipe() && !pipe_path_.empty() && pipe_path_[0] == '@'; }
  uint32_t pipeMode() const { return pipe_mode_; }
  // An IP address with port 0: every bind picks a new port, so it never names a listener.
  bool ephemeral() const { return !isPipe() && port() == 0; }

  // "1.2.3.4:80" / "[::1]:80" / the pipe path; computed on construction so logging costs
  // nothing.
  const std::string& str() const { return str_; }
  // The IP without port; empty for a pipe.
  std::string ip() const;

  bool operator==(const Address& other) const { return str_ == other.str_; }

 private:
  void refreshString();

  sockaddr_storage storage_{};
  std::string str_;
  std::string pipe_path_;
  uint32_t pipe_mode_ = 0;
  socklen_t pipe_len_ = 0;  // sockaddr length of a pipe address
};

}  // namespace meshproxy::network
