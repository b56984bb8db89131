#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace meshproxy::network {

// An IPv4 or IPv6 socket address, parsed once at config time.
class Address {
 public:
  Address() = default;
  static absl::StatusOr<Address> fromIpPort(std::string_view ip, uint32_t port);
  // "1.2.3.4:80" or "[::1]:80".
  static absl::StatusOr<Address> parse(std::string_view host_port);
  static Address fromSockaddr(const sockaddr* sa);

  const sockaddr* sockaddr_ptr() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t sockaddr_len() const;
  int family() const { return storage_.ss_family; }
  uint32_t port() const;
  void setPort(uint32_t port);
  bool valid() const { return storage_.ss_family == AF_INET || storage_.ss_family == AF_INET6; }

  // "1.2.3.4:80" / "[::1]:80"; computed on construction so logging costs nothing.
  const std::string& str() const { return str_; }
  std::string ip() const;

  bool operator==(const Address& other) const { return str_ == other.str_; }

 private:
  void refreshString();

  sockaddr_storage storage_{};
  std::string str_;
};

}  // namespace meshproxy::network
