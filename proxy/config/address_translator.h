#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "proxy/network/address.h"

namespace envoy::config::core::v3 {
class Address;
}

namespace meshproxy::config {

// core.v3.Address -> Address: a TCP socket_address with a literal IP, or a pipe (Unix domain
// socket path or "@abstract" name, with its mode).
absl::StatusOr<network::Address> translateAddress(const envoy::config::core::v3::Address& proto,
                                                  const std::string& where);

}  // namespace meshproxy::config
