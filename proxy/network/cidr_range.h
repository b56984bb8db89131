#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "proxy/network/address.h"

namespace meshproxy::network {

// An IPv4 or IPv6 prefix (core.v3.CidrRange), parsed once at config time so that matching a
// connection's address is a few byte compares.
class CidrRange {
 public:
  // "10.0.0.0", 8. Bits beyond the prefix are ignored (10.1.2.3/8 is 10.0.0.0/8), as in Envoy.
  static absl::StatusOr<CidrRange> create(std::string_view ip, uint32_t prefix_len);

  bool contains(const Address& address) const;
  int family() const { return family_; }
  uint32_t prefixLength() const { return prefix_len_; }
  // "10.0.0.0/8": canonical, so equal ranges print equal.
  std::string str() const;

 private:
  int family_ = 0;
  uint32_t prefix_len_ = 0;
  uint8_t bytes_[16] = {};
};

// The address bytes of `address` (4 or 16); nullptr if it is neither IPv4 nor IPv6.
const uint8_t* addressBytes(const Address& address, size_t* length);

}  // namespace meshproxy::network
