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
#include "proxy/network/transport_socket.h"

namespace meshproxy::network {

enum class ConnectionEvent { kConnected, kRemoteClose, kLocalClose, kConnectFailed, kConnectTimeout };
const char* toString(ConnectionEvent event);

class ConnectionCallbacks {
 public:
  virtual ~ConnectionCallbacks() = default;
  // Bytes arrived in `data` (plaintext, whatever the transport); the callee takes what it
  // wants (usually all of it). end_stream means the peer half-closed (FIN, or a TLS
  // close_notify); it is only raised when half-close is enabled.
  virtual void onData(Buffer& data, bool end_stream) = 0;
  // Connected, or closed for the given reason. After a close event no other callback comes.
  // With a TLS transport, kConnected comes when the handshake completes, on both sides; an
  // originated connection whose handshake fails reports kConnectFailed.
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
//
// An optional TransportSocket (TLS) sits between the socket and the callbacks: reads are
// decrypted before onData, writes are encrypted at flush time (so writes made while handling
// one event become as few records as possible) and leave through the same writev path.
// Without one (raw), bytes move between the socket and the callbacks with no extra copy.
class Connection : private DeferredFlush {
 public:
  static constexpr uint32_t kDefaultBufferLimit = 1024 * 1024;

  // Accepts the pending connection on `server`. Returns nullptr if accept failed. With a
  // transport, the connection is usable at once: writes are held until the handshake is done.
  static std::unique_ptr<Connection> accept(EventLoop& loop, uv_stream_t* server,
                                            uint32_t buffer_limit,
                                            std::unique_ptr<TransportSocket> transport = nullptr);
  // Takes over a descriptor accepted elsewhere (AcceptPoller). Returns nullptr (and closes
  // fd) if libuv refuses it.
  static std::unique_ptr<Connection> adopt(EventLoop& loop, int fd, uint32_t buffer_limit);
  // Starts connecting to `remote`; the outcome arrives as kConnected, kConnectFailed or
  // kConnectTimeout (the timeout covers the TLS handshake too). Writes before that are
  // queued. A null factory is the raw transport. A source address (upstream_bind_config) is
  // bound before connecting; its port 0 leaves the port to connect() (IP_BIND_ADDRESS_NO_PORT).
  static std::unique_ptr<Connection> connect(EventLoop& loop, const Address& remote,
                                             std::chrono::milliseconds timeout,
                                             uint32_t buffer_limit,
                                             const TransportSocketFactory* transport = nullptr,
                                             const Address* source_address = nullptr);
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

  // Accepted connections only, before any byte was handed to a filter chain (listener
  // filters may have looked at them). The chain's TLS transport takes over; bytes read so far
  // become its input.
  void startServerTransport(std::unique_ptr<TransportSocket> transport);
  // Delivers the bytes read so far (kept while listener filters inspected them) to the
  // callbacks again, once reading is enabled, from the loop rather than from this call.
  void replayReadBuffer();
  // The socket's file descriptor (for getsockopt), -1 once closed.
  int fd() const;
  // The local address becomes the connection's original destination (original_dst).
  void restoreLocalAddress(const Address& address) {
    local_ = address;
    local_restored_ = true;
  }
  bool localAddressRestored() const { return local_restored_; }
  // Bytes read and not yet consumed by the callbacks (what listener filters inspect).
  const Buffer& bufferedInput() const { return read_buffer_; }

  bool isOpen() const { return socket_ != nullptr; }
  // TCP connect, or (originated TLS) the handshake, still in progress.
  bool connecting() const { return connecting_ || clientHandshakePending(); }
  uint64_t id() const { return id_; }
  const Address& remoteAddress() const { return remote_; }
  const Address& localAddress() const { return local_; }
  // Everything queued for writing: ciphertext plus plaintext not yet encrypted.
  size_t writeBufferLength() const;
  // The high watermark (per_connection_buffer_limit_bytes).
  uint32_t bufferLimit() const { return high_watermark_; }
  bool aboveWriteHighWatermark() const { return above_high_watermark_; }
  uint64_t bytesRead() const { return bytes_read_; }
  uint64_t bytesWritten() const { return bytes_written_; }
  // The event that closed the connection, once closed.
  ConnectionEvent closeEvent() const { return close_event_; }
  // TLS session and peer identity once the handshake is done; null for raw connections.
  const std::shared_ptr<const SslConnectionInfo>& ssl() const;
  bool secure() const { return transport_ != nullptr; }
  // Why the transport failed (TLS handshake error, missing secret); "" if it did not.
  std::string_view transportFailureReason() const;

 public:
  struct Socket;  // the libuv handle and its requests (connection.cc)

 private:
  Connection(EventLoop& loop, uint32_t buffer_limit);

  static void onAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void onWrite(uv_write_t* req, int status);
  static void onShutdown(uv_shutdown_t* req, int status);
  static void onConnect(uv_connect_t* req, int status);

  // The transport's queues and state; allocated only for secure connections so that a raw
  // connection carries no extra buffers.
  struct Transport {
    std::unique_ptr<TransportSocket> socket;
    Buffer raw_in;     // ciphertext read from the socket, not yet consumed
    Buffer plain_out;  // plaintext written, not yet encrypted (held during the handshake)
    bool client = false;
    bool close_notify_queued = false;
    // A server closed with kFlushWrite while the client was still handshaking: what it
    // wrote goes out once the handshake completes (bounded by kHandshakeGraceMs).
    bool close_after_handshake = false;
    ConnectionEvent close_event = ConnectionEvent::kLocalClose;
  };

  void flushDeferred() override;
  void scheduleFlush();
  void attachTransport(std::unique_ptr<TransportSocket> socket, bool client);
  bool clientHandshakePending() const;
  void onTransportRead();
  void onHandshakeComplete();
  bool encryptPending();
  void failTransport();
  void onReadEof();
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
  int bindSource(const Address& source);

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
  // Declared after the buffers: the TLS socket's BIO points into them.
  std::unique_ptr<Transport> transport_;
  std::string transport_failure_;
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
  bool replay_pending_ = false;
  bool local_restored_ = false;
};

}  // namespace meshproxy::network
