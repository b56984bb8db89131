#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "proxy/network/address.h"

namespace envoy::config::core::v3 {
class Address;
}

namespace meshproxy::config {

// core.v3.Address -> Address; only TCP socket addresses with literal IPs.
absl::StatusOr<network::Address> translateAddress(const envoy::config::core::v3::Address& proto,
                                                  const std::string& where);

}  // namespace meshproxy::config
