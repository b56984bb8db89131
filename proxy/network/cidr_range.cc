#include "proxy/network/cidr_range.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "proxy/core/strings.h"

namespace meshproxy::network {

const uint8_t* addressBytes(const Address& address, size_t* length) {
  const sockaddr* sa = address.sockaddr_ptr();
  if (sa->sa_family == AF_INET) {
    *length = 4;
    return reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in*>(sa)->sin_addr);
  }
  if (sa->sa_family == AF_INET6) {
    *length = 16;
    return reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr);
  }
  *length = 0;
  return nullptr;
}

absl::StatusOr<CidrRange> CidrRange::create(std::string_view ip, uint32_t prefix_len) {
  auto address = Address::fromIpPort(ip, 0);
  if (!address.ok()) return address.status();
  CidrRange range;
  size_t n = 0;
  const uint8_t* bytes = addressBytes(*address, &n);
  if (prefix_len > n * 8) {
    return absl::InvalidArgumentError(
        absl::StrCat("prefix length ", prefix_len, " too long for ", toAbsl(ip)));
  }
  range.family_ = address->family();
  range.prefix_len_ = prefix_len;
  std::memcpy(range.bytes_, bytes, n);
  // Clear the host bits so that contains() and str() need not care about them.
  for (size_t i = 0; i < n; ++i) {
    uint32_t bit = static_cast<uint32_t>(i) * 8;
    if (bit >= prefix_len) {
      range.bytes_[i] = 0;
    } else if (prefix_len - bit < 8) {
      range.bytes_[i] &= static_cast<uint8_t>(0xff << (8 - (prefix_len - bit)));
    }
  }
  return range;
}

bool CidrRange::contains(const Address& address) const {
  if (address.family() != family_) return false;
  size_t n = 0;
  const uint8_t* bytes = addressBytes(address, &n);
  uint32_t full = prefix_len_ / 8;
  if (std::memcmp(bytes, bytes_, full) != 0) return false;
  uint32_t rest = prefix_len_ % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (bytes[full] & mask) == bytes_[full];
}

std::string CidrRange::str() const {
  char buf[INET6_ADDRSTRLEN] = {0};
  inet_ntop(family_, bytes_, buf, sizeof(buf));
  return absl::StrCat(buf, "/", prefix_len_);
}

}  // namespace meshproxy::network
