#include "xds/server/admin_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "proxy/network/address.h"

namespace meshproxy::xds_server {
namespace {

using Clock = std::chrono::steady_clock;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Waits for `events` on fd until the deadline; false on timeout or error.
bool waitFor(int fd, short events, Clock::time_point deadline) {
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc > 0) return true;
    if (rc < 0 && errno != EINTR) return false;
  }
}

}  // namespace

absl::StatusOr<HttpResult> httpGet(const std::string& address, const std::string& path,
                                   std::chrono::milliseconds timeout) {
  auto addr = network::Address::parse(address);
  if (!addr.ok()) return addr.status();
  auto deadline = Clock::now() + timeout;
  Fd fd(::socket(addr->family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return absl::UnavailableError(absl::StrCat("socket: ", std::strerror(errno)));
  if (::connect(fd.get(), addr->sockaddr_ptr(), addr->sockaddr_len()) != 0 &&
      errno != EINPROGRESS) {
    return absl::UnavailableError(absl::StrCat("connect to ", address, ": ", std::strerror(errno)));
  }
  if (!waitFor(fd.get(), POLLOUT, deadline)) {
    return absl::UnavailableError(absl::StrCat("connect to ", address, ": timed out"));
  }
  int err = 0;
  socklen_t len = sizeof(err);
  ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    return absl::UnavailableError(absl::StrCat("connect to ", address, ": ", std::strerror(err)));
  }

  std::string request =
      absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: ", address, "\r\nConnection: close\r\n\r\n");
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!waitFor(fd.get(), POLLOUT, deadline)) return absl::UnavailableError("send timed out");
    } else {
      return absl::UnavailableError(absl::StrCat("send: ", std::strerror(errno)));
    }
  }

  // The admin server frames with Content-Length and closes after "Connection: close".
  std::string response;
  char buf[16384];
  while (true) {
    ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
    if (n > 0) {
      response.append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno == EAGAIN || errno == EINTR) {
      if (!waitFor(fd.get(), POLLIN, deadline)) return absl::UnavailableError("read timed out");
    } else {
      return absl::UnavailableError(absl::StrCat("recv: ", std::strerror(errno)));
    }
  }

  size_t head_end = response.find("\r\n\r\n");
  int status = 0;
  if (head_end == std::string::npos || response.compare(0, 9, "HTTP/1.1 ") != 0 ||
      !absl::SimpleAtoi(response.substr(9, 3), &status)) {
    return absl::DataLossError(absl::StrCat("not an HTTP response from ", address));
  }
  return HttpResult{status, response.substr(head_end + 4)};
}

}  // namespace meshproxy::xds_server
