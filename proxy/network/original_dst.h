#pragma once

#include <optional>

#include "proxy/network/address.h"

namespace meshproxy::network {

// The destination a connection had before an iptables REDIRECT/DNAT rewrote it
// (SO_ORIGINAL_DST for IPv4, IP6T_SO_ORIGINAL_DST for IPv6, read from conntrack). nullopt if
// the connection was not redirected or conntrack does not know it.
std::optional<Address> originalDestination(int fd, int family);

}  // namespace meshproxy::network
