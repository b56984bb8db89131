#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "proxy/core/buffer.h"
#include "proxy/core/event_loop.h"
#include "proxy/core/timer.h"
#include "proxy/network/address.h"

namespace meshproxy::network {

enum class ConnectionEvent { kConnected, kRemoteClose, kLocalClose, kConnectFailed, kConnectTimeout };
const char* toString(ConnectionEvent event);

class ConnectionCallbacks {
 public:
  virtual ~ConnectionCallbacks() = default;
  // Bytes arrived in `data`; the callee takes what it wants (usually all of it). end_stream
  // means the peer half-closed; it is only raised when half-close is enabled.
  virtual void onData(Buffer& data, bool end_stream) = 0;
  // Connected, or closed for the given reason. After a close event no other callback comes.
  virtual void onEvent(ConnectionEvent event) = 0;
  // The write queue passed the high watermark / drained below the low one: the producer
  // feeding this connection should pause / resume.
  virtual void onAboveWriteBufferHighWatermark() {}
  virtual void onBelowWriteBufferLowWatermark() {}
};

enum class CloseType {
  kFlushWrite,  // stop reading, send what is queued, then close
  kNoFlush,     // close now, drop what is queued
  kAbortReset,  // close now with a TCP RST
};

// One TCP connection on one worker loop, either accepted or originated. It owns the libuv
// handle; the handle's memory is released in its close callback (libuv lifetime rules), so
// destroying a Connection never frees memory libuv still references. Never destroy a
// Connection from inside one of its own callbacks: hand it to EventLoop::deferredDelete.
class Connection : private DeferredFlush {
 public:
  static constexpr uint32_t kDefaultBufferLimit = 1024 * 1024;

  // Accepts the pending connection on `server`. Returns nullptr if accept failed.
  static std::unique_ptr<Connection> accept(EventLoop& loop, uv_stream_t* server,
                                            uint32_t buffer_limit);
  // Starts connecting to `remote`; the outcome arrives as kConnected, kConnectFailed or
  // kConnectTimeout. Writes before that are queued.
  static std::unique_ptr<Connection> connect(EventLoop& loop, const Address& remote,
                                             std::chrono::milliseconds timeout,
                                             uint32_t buffer_limit);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void setCallbacks(ConnectionCallbacks* callbacks) { callbacks_ = callbacks; }
  // With half-close, a FIN from the peer is reported as end_stream and writing may go on.
  // Without it (the default, what HTTP wants), a FIN closes the connection.
  void enableHalfClose(bool enabled) { half_close_ = enabled; }

  // Takes all of `data`. end_stream sends a FIN once everything queued has been written.
  void write(Buffer& data, bool end_stream);
  // Counted: n disables need n enables before reading resumes.
  void readDisable(bool disable);
  bool readEnabled() const { return read_disable_count_ == 0; }
  void close(CloseType type);

  bool isOpen() const { return socket_ != nullptr; }
  bool connecting() const { return connecting_; }
  uint64_t id() const { return id_; }
  const Address& remoteAddress() const { return remote_; }
  const Address& localAddress() const { return local_; }
  size_t writeBufferLength() const { return write_buffer_.length(); }
  // The high watermark (per_connection_buffer_limit_bytes).
  uint32_t bufferLimit() const { return high_watermark_; }
  bool aboveWriteHighWatermark() const { return above_high_watermark_; }
  uint64_t bytesRead() const { return bytes_read_; }
  uint64_t bytesWritten() const { return bytes_written_; }
  // The event that closed the connection, once closed.
  ConnectionEvent closeEvent() const { return close_event_; }

 public:
  struct Socket;  // the libuv handle and its requests (connection.cc)

 private:
  Connection(EventLoop& loop, uint32_t buffer_limit);

  static void onAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void onWrite(uv_write_t* req, int status);
  static void onShutdown(uv_shutdown_t* req, int status);
  static void onConnect(uv_connect_t* req, int status);

  void flushDeferred() override;
  void startReading();
  void stopReading();
  void handleRead(ssize_t nread);
  void handleConnect(int status);
  void flush();
  void maybeShutdown();
  void updateWatermarks();
  void closeAfterFlush(ConnectionEvent event);
  void closeSocket(ConnectionEvent event, bool reset = false, bool linger_close = false);
  static void linger(Socket* s);
  static void finishLinger(Socket* s);
  void captureAddresses();

  EventLoop& loop_;
  Socket* socket_ = nullptr;
  ConnectionCallbacks* callbacks_ = nullptr;
  const uint64_t id_;
  Address remote_;
  Address local_;
  Buffer read_buffer_;
  Buffer write_buffer_;
  size_t in_flight_bytes_ = 0;
  uint64_t bytes_read_ = 0;
  uint64_t bytes_written_ = 0;
  const uint32_t high_watermark_;
  const uint32_t low_watermark_;
  std::unique_ptr<Timer> connect_timer_;
  int read_disable_count_ = 0;
  ConnectionEvent close_event_ = ConnectionEvent::kLocalClose;
  bool connecting_ = false;
  bool reading_ = false;
  bool half_close_ = false;
  bool read_eof_ = false;
  bool write_in_flight_ = false;
  bool shutdown_pending_ = false;
  bool shutdown_sent_ = false;
  bool shutdown_done_ = false;
  bool close_after_flush_ = false;
  bool above_high_watermark_ = false;
  bool flush_scheduled_ = false;
};

}  // namespace meshproxy::network
