#include "proxy/network/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "proxy/core/strings.h"

namespace meshproxy::network {

absl::StatusOr<Address> Address::fromIpPort(std::string_view ip, uint32_t port) {
  if (port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("port ", port, " out of range (0-65535)"));
  }
  Address a;
  std::string ip_str(ip);
  if (!ip_str.empty() && ip_str.front() == '[' && ip_str.back() == ']') {
    ip_str = ip_str.substr(1, ip_str.size() - 2);
  }
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage_);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage_);
  if (inet_pton(AF_INET, ip_str.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
  } else if (inet_pton(AF_INET6, ip_str.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
  } else {
    return absl::InvalidArgumentError(absl::StrCat("malformed IP address: '", toAbsl(ip), "'"));
  }
  a.refreshString();
  return a;
}

absl::StatusOr<Address> Address::parse(std::string_view host_port) {
  size_t colon = host_port.rfind(':');
  if (colon == std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("address '", toAbsl(host_port), "' must be IP:PORT"));
  }
  uint32_t port = 0;
  if (!absl::SimpleAtoi(toAbsl(host_port.substr(colon + 1)), &port)) {
    return absl::InvalidArgumentError(absl::StrCat("address '", toAbsl(host_port), "' has a bad port"));
  }
  return fromIpPort(host_port.substr(0, colon), port);
}

absl::StatusOr<Address> Address::fromPipe(std::string_view path, uint32_t mode) {
  Address a;
  auto* un = reinterpret_cast<sockaddr_un*>(&a.storage_);
  if (path.empty()) return absl::InvalidArgumentError("pipe path is empty");
  if (path.size() >= sizeof(un->sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat("pipe path '", toAbsl(path), "' is longer than ",
                                                   sizeof(un->sun_path) - 1, " bytes"));
  }
  if (path.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError("pipe path contains a NUL byte");
  }
  if (mode > 0777) {
    return absl::InvalidArgumentError(absl::StrCat("pipe mode ", mode, " is above 0777"));
  }
  bool abstract = path[0] == '@';
  if (abstract && mode != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("pipe '", toAbsl(path), "': mode does not apply to an abstract socket"));
  }
  un->sun_family = AF_UNIX;
  std::memcpy(un->sun_path, path.data(), path.size());
  if (abstract) un->sun_path[0] = '\0';
  // An abstract name is exactly its bytes; a path is NUL-terminated.
  a.pipe_len_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (abstract ? 0 : 1));
  a.pipe_path_ = std::string(path);
  a.pipe_mode_ = mode;
  a.refreshString();
  return a;
}

Address Address::fromSockaddr(const sockaddr* sa, socklen_t len) {
  Address a;
  if (sa->sa_family == AF_INET) {
    std::memcpy(&a.storage_, sa, sizeof(sockaddr_in));
  } else if (sa->sa_family == AF_INET6) {
    std::memcpy(&a.storage_, sa, sizeof(sockaddr_in6));
  } else if (sa->sa_family == AF_UNIX) {
    if (len == 0 || len > sizeof(sockaddr_un)) len = sizeof(sockaddr_un);
    std::memcpy(&a.storage_, sa, len);
    const auto* un = reinterpret_cast<const sockaddr_un*>(sa);
    size_t path_len = len > offsetof(sockaddr_un, sun_path) ? len - offsetof(sockaddr_un, sun_path) : 0;
    if (path_len > 0 && un->sun_path[0] == '\0') {
      a.pipe_path_ = "@" + std::string(un->sun_path + 1, path_len - 1);  // abstract
    } else if (path_len > 0) {
      a.pipe_path_ = std::string(un->sun_path, strnlen(un->sun_path, path_len));
    }
    a.pipe_len_ = len;
  }
  a.refreshString();
  return a;
}

socklen_t Address::sockaddr_len() const {
  if (isPipe()) return pipe_len_;
  return family() == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

uint32_t Address::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  }
  return 0;
}

void Address::setPort(uint32_t port) {
  if (family() == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&storage_)->sin_port = htons(static_cast<uint16_t>(port));
  } else if (family() == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(&storage_)->sin6_port = htons(static_cast<uint16_t>(port));
  }
  refreshString();
}

std::string Address::ip() const {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (family() == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf, sizeof(buf));
  } else if (family() == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, buf,
              sizeof(buf));
  }
  return buf;
}

void Address::refreshString() {
  if (family() == AF_INET) {
    str_ = absl::StrCat(ip(), ":", port());
  } else if (family() == AF_INET6) {
    str_ = absl::StrCat("[", ip(), "]:", port());
  } else if (isPipe()) {
    str_ = pipe_path_;
  } else {
    str_.clear();
  }
}

}  // namespace meshproxy::network
