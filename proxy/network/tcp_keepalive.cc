#include "proxy/network/tcp_keepalive.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>

namespace meshproxy::network {

int applyTcpKeepalive(int fd, const TcpKeepalive& keepalive) {
  auto set = [fd](int level, int name, int value) {
    return ::setsockopt(fd, level, name, &value, sizeof(value)) == 0 ? 0 : errno;
  };
  if (int err = set(SOL_SOCKET, SO_KEEPALIVE, 1); err != 0) return err;
  if (keepalive.probes != 0) {
    if (int err = set(IPPROTO_TCP, TCP_KEEPCNT, static_cast<int>(keepalive.probes)); err != 0) {
      return err;
    }
  }
  if (keepalive.time_s != 0) {
    if (int err = set(IPPROTO_TCP, TCP_KEEPIDLE, static_cast<int>(keepalive.time_s)); err != 0) {
      return err;
    }
  }
  if (keepalive.interval_s != 0) {
    if (int err = set(IPPROTO_TCP, TCP_KEEPINTVL, static_cast<int>(keepalive.interval_s));
        err != 0) {
      return err;
    }
  }
  return 0;
}

}  // namespace meshproxy::network
