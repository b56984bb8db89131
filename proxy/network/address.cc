#include "proxy/network/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

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

Address Address::fromSockaddr(const sockaddr* sa) {
  Address a;
  if (sa->sa_family == AF_INET) {
    std::memcpy(&a.storage_, sa, sizeof(sockaddr_in));
  } else if (sa->sa_family == AF_INET6) {
    std::memcpy(&a.storage_, sa, sizeof(sockaddr_in6));
  }
  a.refreshString();
  return a;
}

socklen_t Address::sockaddr_len() const {
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
  } else {
    str_.clear();
  }
}

}  // namespace meshproxy::network
