// A blocking-style TCP client for tests; every operation has a timeout.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace meshproxy::testing {

class TcpClient {
 public:
  TcpClient() = default;
  ~TcpClient();  // closes the socket
  TcpClient(const TcpClient&) = delete;
  TcpClient& operator=(const TcpClient&) = delete;

  // SO_RCVBUF in bytes, to emulate a slow reader (the kernel doubles it and clamps it to its
  // limits). Best called before connect() so the TCP window is sized from it; applies at once
  // when already connected.
  void setReceiveBufferSize(int bytes);
  // SO_SNDBUF, likewise.
  void setSendBufferSize(int bytes);

  // Connects to host:port (numeric address or name); false on failure or timeout (see error()).
  bool connect(const std::string& host, int port, absl::Duration timeout = absl::Seconds(5));
  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  int localPort() const;

  // Sends everything; false if the connection failed or the timeout passed first.
  bool sendAll(std::string_view data, absl::Duration timeout = absl::Seconds(10));

  // Receives exactly n bytes; fewer if EOF, an error or the timeout came first.
  std::string recvExactly(size_t n, absl::Duration timeout);
  // Returns as soon as at least one byte arrived (at most max_bytes); "" on EOF/error/timeout.
  std::string recvSome(size_t max_bytes, absl::Duration timeout);
  // Everything that arrives until the peer closes (EOF or reset) or the timeout passes; check
  // eofSeen() to tell a close from a timeout.
  std::string recvUntilClose(absl::Duration timeout);
  // Reads and counts (without keeping) bytes until EOF/reset or timeout; returns the count.
  size_t discardUntilClose(absl::Duration timeout);

  // True once a receive saw the end of the stream: FIN (EOF) or a reset.
  bool eofSeen() const { return eof_seen_; }
  // True if the end of the stream was a reset (ECONNRESET) rather than a FIN.
  bool resetSeen() const { return reset_seen_; }

  // Reads (and discards) incoming data until EOF/RST arrives (true) or timeout passes (false).
  bool peerClosed(absl::Duration timeout);

  // Half-close: shutdown(SHUT_WR), we send FIN but can still receive.
  void shutdownWrite();
  // Closes the socket (normal FIN).
  void close();
  // Closes with SO_LINGER 0, so the peer sees a RST.
  void resetConnection();

  // Description of the last failure.
  const std::string& error() const { return error_; }

 private:
  enum class Wait { kReady, kTimeout, kError };
  Wait waitFor(short events, absl::Time deadline);
  // One recv into buf; returns bytes (>0), 0 on EOF/reset/error, -1 if it would block.
  ssize_t recvOnce(char* buf, size_t len);
  void applyBufferSizes();

  int fd_ = -1;
  int rcvbuf_ = 0;
  int sndbuf_ = 0;
  bool eof_seen_ = false;
  bool reset_seen_ = false;
  std::string error_;
};

}  // namespace meshproxy::testing
