#include "proxy/config/address_translator.h"

#include "absl/strings/str_cat.h"
#include "envoy/config/core/v3/address.pb.h"

namespace meshproxy::config {

absl::StatusOr<network::Address> translateAddress(const envoy::config::core::v3::Address& proto,
                                                  const std::string& where) {
  if (proto.has_pipe()) {
    auto address = network::Address::fromPipe(proto.pipe().path(), proto.pipe().mode());
    if (!address.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": ", address.status().message()));
    }
    return address;
  }
  if (!proto.has_socket_address()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": only socket_address and pipe are supported"));
  }
  const auto& sa = proto.socket_address();
  if (sa.protocol() != envoy::config::core::v3::SocketAddress::TCP) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": unsupported protocol ",
        envoy::config::core::v3::SocketAddress::Protocol_Name(sa.protocol()), " (only TCP)"));
  }
  auto address = network::Address::fromIpPort(sa.address(), sa.port_value());
  if (!address.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", address.status().message()));
  }
  return address;
}

}  // namespace meshproxy::config
