#pragma once

#include "proxy/core/buffer.h"
#include "proxy/network/connection.h"

namespace meshproxy::http::http2 {

// The part of a network connection the HTTP/2 codec drives: where encoded frames go, and the
// close. Bytes come in through dispatch(); the write watermarks through
// onUnderlyingConnection{Above,Below}WriteBuffer*. A seam so the codec runs without sockets.
class Output {
 public:
  virtual ~Output() = default;
  // Takes all of `data`.
  virtual void write(Buffer& data) = 0;
  virtual void close(network::CloseType type) = 0;
};

// Output over a real network::Connection.
class ConnectionOutput : public Output {
 public:
  explicit ConnectionOutput(network::Connection& connection) : connection_(connection) {}
  void write(Buffer& data) override { connection_.write(data, false); }
  void close(network::CloseType type) override { connection_.close(type); }

 private:
  network::Connection& connection_;
};

}  // namespace meshproxy::http::http2
