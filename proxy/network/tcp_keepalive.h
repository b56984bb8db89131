#pragma once

#include <cstdint>

namespace meshproxy::network {

// TCP keepalive on a socket (Envoy's core.v3.TcpKeepalive): SO_KEEPALIVE, and where set, the
// probe count, idle time before the first probe and interval between probes. 0 leaves the
// kernel's default (net.ipv4.tcp_keepalive_*) for that value.
struct TcpKeepalive {
  uint32_t probes = 0;
  uint32_t time_s = 0;
  uint32_t interval_s = 0;
};

// Sets them on `fd`; 0 or the errno of the first setsockopt that failed.
int applyTcpKeepalive(int fd, const TcpKeepalive& keepalive);

}  // namespace meshproxy::network
