#pragma once

#include "proxy/core/buffer.h"
#include "proxy/network/connection.h"

namespace meshproxy::http::http1 {

// The part of a network connection an HTTP/1 codec drives: where encoded bytes go, and the
// read and close controls. A seam so the codecs can be tested without sockets or a loop.
class Output {
 public:
  virtual ~Output() = default;
  // Takes all of `data`.
  virtual void write(Buffer& data) = 0;
  // Counted, like network::Connection::readDisable.
  virtual void readDisable(bool disable) = 0;
  virtual void close(network::CloseType type) = 0;
  virtual bool aboveWriteBufferHighWatermark() const = 0;
};

// Output over a real network::Connection.
class ConnectionOutput : public Output {
 public:
  explicit ConnectionOutput(network::Connection& connection) : connection_(connection) {}

  void write(Buffer& data) override;
  void readDisable(bool disable) override;
  void close(network::CloseType type) override;
  bool aboveWriteBufferHighWatermark() const override;

 private:
  network::Connection& connection_;
};

}  // namespace meshproxy::http::http1
