// One accepted admin TCP connection: read a request, hand it to the owner, write the answer,
// then read the next (keep-alive) or close. One request is in flight at a time; reading pauses
// meanwhile, which also bounds what a pipelining client can make us buffer.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "proxy/admin/admin_handler.h"
#include "proxy/admin/http_request_reader.h"

namespace meshproxy::admin {

class AdminConnection;

// The server side of a connection, which outlives all of its connections.
class AdminConnectionOwner {
 public:
  virtual ~AdminConnectionOwner() = default;
  // Routes a request; `respond` must eventually be called (or the connection closed).
  virtual void dispatch(const AdminRequest& request, AdminRespondFn respond) = 0;
  // Scratch space for reads; each read is fully processed before the next one.
  virtual uv_buf_t readBuffer() = 0;
  // Both handles are closed; the owner deletes the connection now.
  virtual void onConnectionClosed(AdminConnection* connection) = 0;
};

struct AdminConnectionLimits {
  size_t max_request_bytes;
  // A complete request must arrive within this long (idle keep-alive time included).
  uint64_t request_timeout_ms;
  // After the last response, how long to drain unread input before closing, so the kernel
  // does not answer unread data with a RST that destroys the response in flight.
  uint64_t linger_timeout_ms;
};

class AdminConnection {
 public:
  AdminConnection(AdminConnectionOwner& owner, const AdminConnectionLimits& limits);
  AdminConnection(const AdminConnection&) = delete;
  AdminConnection& operator=(const AdminConnection&) = delete;

  // Takes over an accepted descriptor and starts reading. On failure the connection closes
  // itself (the owner still gets onConnectionClosed) and the descriptor is closed.
  void start(uv_loop_t* loop, int fd);
  // Starts closing both handles; idempotent. A pending async response is dropped.
  void close();

 private:
  // Lets a respond callback outlive the connection: it finds the connection only while this
  // slot still points at it.
  struct ResponseSlot {
    AdminConnection* connection;
  };
  struct WriteRequest {
    uv_write_t req;
    std::string data;  // the serialised response; libuv reads it until the write callback
    AdminConnection* connection;
  };
  enum class State { kReading, kHandling, kWriting, kLingering };

  static void onAlloc(uv_handle_t* handle, size_t suggested_size, uv_buf_t* buf);
  static void onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void onWritten(uv_write_t* req, int status);
  static void onShutdown(uv_shutdown_t* req, int status);
  static void onTimeout(uv_timer_t* timer);
  static void onHandleClosed(uv_handle_t* handle);

  void process(std::string_view input);
  void dispatch(ParsedRequest parsed);
  void send(const AdminResponse& response);
  void afterWrite();
  void waitForRequest();
  void startLingering();

  AdminConnectionOwner& owner_;
  const AdminConnectionLimits limits_;
  uv_tcp_t tcp_;
  uv_timer_t timer_;  // request timeout while reading, linger timeout while lingering
  int open_handles_ = 0;
  bool closing_ = false;
  State state_ = State::kReading;
  HttpRequestReader reader_;
  std::string unparsed_;  // bytes after the request in flight (pipelining)
  bool keep_alive_ = true;
  bool head_request_ = false;
  std::shared_ptr<ResponseSlot> slot_;
};

}  // namespace meshproxy::admin
