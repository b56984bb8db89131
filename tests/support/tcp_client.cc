#include "tests/support/tcp_client.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/support/process.h"

namespace meshproxy::testing {

TcpClient::~TcpClient() { close(); }

void TcpClient::setReceiveBufferSize(int bytes) {
  rcvbuf_ = bytes;
  applyBufferSizes();
}

void TcpClient::setSendBufferSize(int bytes) {
  sndbuf_ = bytes;
  applyBufferSizes();
}

void TcpClient::applyBufferSizes() {
  if (fd_ < 0) return;
  if (rcvbuf_ > 0) setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf_, sizeof(rcvbuf_));
  if (sndbuf_ > 0) setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &sndbuf_, sizeof(sndbuf_));
}

bool TcpClient::connect(const std::string& host, int port, absl::Duration timeout) {
  ignoreSigpipe();
  close();
  eof_seen_ = reset_seen_ = false;
  error_.clear();
  const absl::Time deadline = absl::Now() + timeout;

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string port_text = std::to_string(port);
  int rc = getaddrinfo(host.c_str(), port_text.c_str(), &hints, &res);
  if (rc != 0 || res == nullptr) {
    error_ = absl::StrCat("resolve ", host, ": ", gai_strerror(rc));
    return false;
  }
  fd_ = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) {
    error_ = absl::StrCat("socket: ", strerror(errno));
    freeaddrinfo(res);
    return false;
  }
  applyBufferSizes();
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  rc = ::connect(fd_, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  if (rc != 0 && errno != EINPROGRESS) {
    error_ = absl::StrCat("connect ", host, ":", port, ": ", strerror(errno));
    close();
    return false;
  }
  if (rc != 0) {
    Wait w = waitFor(POLLOUT, deadline);
    int so_error = 0;
    socklen_t len = sizeof(so_error);
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &so_error, &len);
    if (w != Wait::kReady || so_error != 0) {
      error_ = absl::StrCat("connect ", host, ":", port, ": ",
                            w == Wait::kTimeout ? "timeout" : strerror(so_error));
      close();
      return false;
    }
  }
  return true;
}

int TcpClient::localPort() const {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (fd_ < 0 || getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
}

TcpClient::Wait TcpClient::waitFor(short events, absl::Time deadline) {
  while (true) {
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return Wait::kTimeout;
    pollfd pfd{fd_, events, 0};
    int ms = static_cast<int>(std::max<int64_t>(1, absl::ToInt64Milliseconds(left)));
    int rc = poll(&pfd, 1, std::min(ms, 1000));
    if (rc > 0) return Wait::kReady;  // includes POLLERR/POLLHUP: the next call reports it
    if (rc < 0 && errno != EINTR) return Wait::kError;
  }
}

bool TcpClient::sendAll(std::string_view data, absl::Duration timeout) {
  if (fd_ < 0) {
    error_ = "not connected";
    return false;
  }
  const absl::Time deadline = absl::Now() + timeout;
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (waitFor(POLLOUT, deadline) != Wait::kReady) {
        error_ = absl::StrCat("send timeout after ", sent, " of ", data.size(), " bytes");
        return false;
      }
      continue;
    }
    error_ = absl::StrCat("send: ", strerror(errno));
    return false;
  }
  return true;
}

ssize_t TcpClient::recvOnce(char* buf, size_t len) {
  if (fd_ < 0 || eof_seen_) return 0;
  while (true) {
    ssize_t n = recv(fd_, buf, len, 0);
    if (n > 0) return n;
    if (n == 0) {
      eof_seen_ = true;
      return 0;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return -1;
    if (errno == ECONNRESET) reset_seen_ = true;
    eof_seen_ = true;
    error_ = absl::StrCat("recv: ", strerror(errno));
    return 0;
  }
}

std::string TcpClient::recvExactly(size_t n, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::string out;
  out.resize(n);
  size_t got = 0;
  while (got < n) {
    ssize_t r = recvOnce(out.data() + got, n - got);
    if (r > 0) {
      got += static_cast<size_t>(r);
    } else if (r == 0 || waitFor(POLLIN, deadline) != Wait::kReady) {
      break;
    }
  }
  out.resize(got);
  return out;
}

std::string TcpClient::recvSome(size_t max_bytes, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::string out(max_bytes, '\0');
  while (true) {
    ssize_t r = recvOnce(out.data(), max_bytes);
    if (r > 0) {
      out.resize(static_cast<size_t>(r));
      return out;
    }
    if (r == 0 || waitFor(POLLIN, deadline) != Wait::kReady) return "";
  }
}

std::string TcpClient::recvUntilClose(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t r = recvOnce(buf, sizeof(buf));
    if (r > 0) {
      out.append(buf, static_cast<size_t>(r));
    } else if (r == 0 || waitFor(POLLIN, deadline) != Wait::kReady) {
      return out;
    }
  }
}

size_t TcpClient::discardUntilClose(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  size_t total = 0;
  char buf[65536];
  while (true) {
    ssize_t r = recvOnce(buf, sizeof(buf));
    if (r > 0) {
      total += static_cast<size_t>(r);
    } else if (r == 0 || waitFor(POLLIN, deadline) != Wait::kReady) {
      return total;
    }
  }
}

bool TcpClient::peerClosed(absl::Duration timeout) {
  discardUntilClose(timeout);
  return eof_seen_;
}

void TcpClient::shutdownWrite() {
  if (fd_ >= 0) shutdown(fd_, SHUT_WR);
}

void TcpClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void TcpClient::resetConnection() {
  if (fd_ < 0) return;
  linger lg{1, 0};
  setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  close();
}

}  // namespace meshproxy::testing
