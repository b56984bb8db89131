#include "proxy/network/original_dst.h"

#include <netinet/in.h>
#include <sys/socket.h>

namespace meshproxy::network {
namespace {
// From <linux/netfilter_ipv4.h> and <linux/netfilter_ipv6/ip6_tables.h>, which cannot be
// included together with <netinet/in.h> (they redefine struct in_addr).
constexpr int kSoOriginalDst = 80;
constexpr int kIp6tSoOriginalDst = 80;
}  // namespace

std::optional<Address> originalDestination(int fd, int family) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  int rc = -1;
  if (family == AF_INET) {
    rc = ::getsockopt(fd, SOL_IP, kSoOriginalDst, &ss, &len);
  } else if (family == AF_INET6) {
    rc = ::getsockopt(fd, SOL_IPV6, kIp6tSoOriginalDst, &ss, &len);
  }
  if (rc != 0) return std::nullopt;
  Address a = Address::fromSockaddr(reinterpret_cast<const sockaddr*>(&ss));
  if (!a.valid()) return std::nullopt;
  return a;
}

}  // namespace meshproxy::network
