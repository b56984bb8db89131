#include "proxy/network/connection.h"

#include <atomic>

#include "proxy/core/log.h"

namespace meshproxy::network {

// The libuv handle and the requests that refer to it live together and die together in the
// close callback. At most one write, one shutdown and one connect are in flight at a time.
struct Connection::Socket {
  uv_tcp_t tcp;
  uv_write_t write_req;
  uv_shutdown_t shutdown_req;
  uv_connect_t connect_req;
  Connection* owner = nullptr;
  // Lingering close (below): the timer that bounds it, and how many handles must still close.
  uv_timer_t linger_timer;
  int open_handles = 1;
};

namespace {
std::atomic<uint64_t> g_next_connection_id{1};
constexpr uint64_t kLingerMs = 1000;
constexpr int kMaxIovecs = 64;

uv_stream_t* asStream(uv_tcp_t* tcp) { return reinterpret_cast<uv_stream_t*>(tcp); }
uv_handle_t* asHandle(uv_tcp_t* tcp) { return reinterpret_cast<uv_handle_t*>(tcp); }
}  // namespace

const char* toString(ConnectionEvent event) {
  switch (event) {
    case ConnectionEvent::kConnected: return "connected";
    case ConnectionEvent::kRemoteClose: return "remote_close";
    case ConnectionEvent::kLocalClose: return "local_close";
    case ConnectionEvent::kConnectFailed: return "connect_failed";
    case ConnectionEvent::kConnectTimeout: return "connect_timeout";
  }
  return "unknown";
}

Connection::Connection(EventLoop& loop, uint32_t buffer_limit)
    : loop_(loop),
      id_(g_next_connection_id.fetch_add(1, std::memory_order_relaxed)),
      high_watermark_(buffer_limit == 0 ? kDefaultBufferLimit : buffer_limit),
      low_watermark_(high_watermark_ / 2) {
  socket_ = new Socket;
  socket_->owner = this;
  uv_tcp_init(loop.uv(), &socket_->tcp);
  socket_->tcp.data = socket_;
}

Connection::~Connection() {
  if (flush_scheduled_) loop_.cancelFlush(this);
  // The owner is going away: close silently, nobody is left to hear about it.
  callbacks_ = nullptr;
  if (socket_ != nullptr) closeSocket(ConnectionEvent::kLocalClose);
}

std::unique_ptr<Connection> Connection::accept(EventLoop& loop, uv_stream_t* server,
                                               uint32_t buffer_limit) {
  std::unique_ptr<Connection> conn(new Connection(loop, buffer_limit));
  int rc = uv_accept(server, asStream(&conn->socket_->tcp));
  if (rc != 0) {
    log::debug("accept failed: {}", uv_strerror(rc));
    conn->closeSocket(ConnectionEvent::kLocalClose);
    return nullptr;
  }
  uv_tcp_nodelay(&conn->socket_->tcp, 1);
  conn->captureAddresses();
  conn->startReading();
  return conn;
}

std::unique_ptr<Connection> Connection::connect(EventLoop& loop, const Address& remote,
                                                std::chrono::milliseconds timeout,
                                                uint32_t buffer_limit) {
  std::unique_ptr<Connection> conn(new Connection(loop, buffer_limit));
  conn->remote_ = remote;
  conn->connecting_ = true;
  Socket* s = conn->socket_;
  s->connect_req.data = s;
  int rc = uv_tcp_connect(&s->connect_req, &s->tcp, remote.sockaddr_ptr(), &Connection::onConnect);
  if (rc != 0) {
    // Report asynchronously, like any other connect failure, so callers have one code path.
    log::debug("connect to {} failed immediately: {}", remote.str(), uv_strerror(rc));
    Connection* raw = conn.get();
    conn->connect_timer_ = std::make_unique<Timer>(loop.uv(), [raw]() {
      raw->connecting_ = false;
      raw->closeSocket(ConnectionEvent::kConnectFailed);
    });
    conn->connect_timer_->enable(std::chrono::milliseconds(0));
    return conn;
  }
  Connection* raw = conn.get();
  conn->connect_timer_ = std::make_unique<Timer>(loop.uv(), [raw]() {
    log::debug("connect to {} timed out", raw->remote_.str());
    raw->connecting_ = false;
    raw->closeSocket(ConnectionEvent::kConnectTimeout);
  });
  conn->connect_timer_->enable(timeout);
  return conn;
}

void Connection::captureAddresses() {
  sockaddr_storage ss{};
  int len = sizeof(ss);
  if (uv_tcp_getpeername(&socket_->tcp, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    remote_ = Address::fromSockaddr(reinterpret_cast<sockaddr*>(&ss));
  }
  len = sizeof(ss);
  if (uv_tcp_getsockname(&socket_->tcp, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    local_ = Address::fromSockaddr(reinterpret_cast<sockaddr*>(&ss));
  }
}

void Connection::onConnect(uv_connect_t* req, int status) {
  auto* s = static_cast<Socket*>(req->data);
  if (s->owner != nullptr) s->owner->handleConnect(status);
}

void Connection::handleConnect(int status) {
  connecting_ = false;
  connect_timer_.reset();
  if (status != 0) {
    log::debug("connect to {} failed: {}", remote_.str(), uv_strerror(status));
    closeSocket(ConnectionEvent::kConnectFailed);
    return;
  }
  uv_tcp_nodelay(&socket_->tcp, 1);
  captureAddresses();
  if (callbacks_ != nullptr) callbacks_->onEvent(ConnectionEvent::kConnected);
  if (socket_ == nullptr) return;
  startReading();
  flush();
}

void Connection::startReading() {
  if (reading_ || read_eof_ || connecting_ || socket_ == nullptr || read_disable_count_ > 0 ||
      close_after_flush_) {
    return;
  }
  uv_read_start(asStream(&socket_->tcp), &Connection::onAlloc, &Connection::onRead);
  reading_ = true;
}

void Connection::stopReading() {
  if (!reading_ || socket_ == nullptr) return;
  uv_read_stop(asStream(&socket_->tcp));
  reading_ = false;
}

void Connection::readDisable(bool disable) {
  if (disable) {
    if (read_disable_count_++ == 0) stopReading();
  } else if (read_disable_count_ > 0) {
    if (--read_disable_count_ == 0) startReading();
  }
}

void Connection::onAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* s = static_cast<Socket*>(handle->data);
  if (s->owner == nullptr) {
    *buf = uv_buf_init(nullptr, 0);
    return;
  }
  *buf = s->owner->read_buffer_.reserveForRead();
}

void Connection::onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t*) {
  auto* s = static_cast<Socket*>(stream->data);
  if (s->owner != nullptr) s->owner->handleRead(nread);
}

void Connection::handleRead(ssize_t nread) {
  if (nread == 0) return;  // EAGAIN: nothing this time.
  if (nread > 0) {
    read_buffer_.commit(static_cast<size_t>(nread));
    bytes_read_ += static_cast<uint64_t>(nread);
    if (callbacks_ != nullptr) callbacks_->onData(read_buffer_, false);
    return;
  }
  if (nread == UV_EOF) {
    read_eof_ = true;
    stopReading();
    if (!half_close_) {
      closeAfterFlush(ConnectionEvent::kRemoteClose);
      return;
    }
    if (callbacks_ != nullptr) callbacks_->onData(read_buffer_, true);
    if (socket_ != nullptr && shutdown_done_) closeSocket(ConnectionEvent::kRemoteClose);
    return;
  }
  log::debug("connection {} read error: {}", id_, uv_strerror(static_cast<int>(nread)));
  closeSocket(ConnectionEvent::kRemoteClose);
}

void Connection::write(Buffer& data, bool end_stream) {
  if (socket_ == nullptr || shutdown_pending_) {
    data.clear();
    return;
  }
  write_buffer_.move(data);
  if (end_stream) shutdown_pending_ = true;
  // Coalesce: everything written while handling this event goes out in one writev.
  if (!connecting_ && !flush_scheduled_) {
    flush_scheduled_ = true;
    loop_.scheduleFlush(this);
  }
  updateWatermarks();
}

void Connection::flushDeferred() {
  flush_scheduled_ = false;
  if (socket_ != nullptr && !connecting_) flush();
  if (socket_ != nullptr) updateWatermarks();
}

void Connection::flush() {
  while (socket_ != nullptr && !write_in_flight_ && !write_buffer_.empty()) {
    uv_buf_t bufs[kMaxIovecs];
    int n = write_buffer_.fillIovecs(bufs, kMaxIovecs);
    // Try the write right away: in the common case the kernel takes it all and no request
    // is queued in libuv.
    int written = uv_try_write(asStream(&socket_->tcp), bufs, static_cast<unsigned>(n));
    if (written > 0) {
      write_buffer_.drain(static_cast<size_t>(written));
      bytes_written_ += static_cast<uint64_t>(written);
      continue;
    }
    if (written != UV_EAGAIN && written != UV_ENOSYS) {
      log::debug("connection {} write error: {}", id_, uv_strerror(written));
      closeSocket(ConnectionEvent::kRemoteClose);
      return;
    }
    in_flight_bytes_ = 0;
    for (int i = 0; i < n; ++i) in_flight_bytes_ += bufs[i].len;
    socket_->write_req.data = socket_;
    int rc = uv_write(&socket_->write_req, asStream(&socket_->tcp), bufs,
                      static_cast<unsigned>(n), &Connection::onWrite);
    if (rc != 0) {
      log::debug("connection {} write error: {}", id_, uv_strerror(rc));
      closeSocket(ConnectionEvent::kRemoteClose);
      return;
    }
    write_in_flight_ = true;
  }
  if (socket_ == nullptr || write_in_flight_) return;
  if (close_after_flush_) {
    // Closing with unread input makes the kernel send an RST, which can destroy the response
    // we just wrote (a 400 to a client still sending its oversized headers). Linger instead.
    closeSocket(close_event_, false, /*linger=*/!read_eof_);
    return;
  }
  maybeShutdown();
}

void Connection::onWrite(uv_write_t* req, int status) {
  auto* s = static_cast<Socket*>(req->data);
  Connection* self = s->owner;
  if (self == nullptr) return;
  self->write_in_flight_ = false;
  if (status != 0) {
    log::debug("connection {} write failed: {}", self->id_, uv_strerror(status));
    self->closeSocket(ConnectionEvent::kRemoteClose);
    return;
  }
  self->write_buffer_.drain(self->in_flight_bytes_);
  self->bytes_written_ += self->in_flight_bytes_;
  self->in_flight_bytes_ = 0;
  self->flush();
  if (self->socket_ != nullptr) self->updateWatermarks();
}

void Connection::maybeShutdown() {
  if (!shutdown_pending_ || shutdown_sent_ || !write_buffer_.empty()) return;
  shutdown_sent_ = true;
  socket_->shutdown_req.data = socket_;
  int rc = uv_shutdown(&socket_->shutdown_req, asStream(&socket_->tcp), &Connection::onShutdown);
  if (rc != 0) closeSocket(ConnectionEvent::kRemoteClose);
}

void Connection::onShutdown(uv_shutdown_t* req, int status) {
  auto* s = static_cast<Socket*>(req->data);
  Connection* self = s->owner;
  if (self == nullptr) return;
  self->shutdown_done_ = true;
  if (status != 0) {
    self->closeSocket(ConnectionEvent::kRemoteClose);
    return;
  }
  // Both directions finished: nothing left for this connection to do.
  if (self->read_eof_) self->closeSocket(ConnectionEvent::kLocalClose);
}

void Connection::updateWatermarks() {
  size_t pending = write_buffer_.length();
  if (!above_high_watermark_ && pending > high_watermark_) {
    above_high_watermark_ = true;
    if (callbacks_ != nullptr) callbacks_->onAboveWriteBufferHighWatermark();
  } else if (above_high_watermark_ && pending < low_watermark_) {
    above_high_watermark_ = false;
    if (callbacks_ != nullptr) callbacks_->onBelowWriteBufferLowWatermark();
  }
}

void Connection::close(CloseType type) {
  if (socket_ == nullptr) return;
  if (type == CloseType::kFlushWrite) {
    closeAfterFlush(ConnectionEvent::kLocalClose);
    return;
  }
  closeSocket(ConnectionEvent::kLocalClose, type == CloseType::kAbortReset);
}

void Connection::closeAfterFlush(ConnectionEvent event) {
  if (!connecting_ && (write_in_flight_ || !write_buffer_.empty())) {
    close_after_flush_ = true;
    close_event_ = event;
    stopReading();
    if (!write_in_flight_) flush();
    return;
  }
  closeSocket(event);
}

namespace {
void releaseHandle(uv_handle_t* h) {
  auto* s = static_cast<Connection::Socket*>(h->data);
  if (--s->open_handles == 0) delete s;
}
}  // namespace

// The socket outlives its Connection: FIN our side, read and discard whatever the peer still
// sends until it closes or kLingerMs pass, then close.
void Connection::linger(Socket* s) {
  s->open_handles = 2;
  uv_timer_init(s->tcp.loop, &s->linger_timer);
  s->linger_timer.data = s;
  uv_timer_start(&s->linger_timer, [](uv_timer_t* t) {
    auto* sock = static_cast<Socket*>(t->data);
    finishLinger(sock);
  }, kLingerMs, 0);
  s->shutdown_req.data = s;
  if (uv_shutdown(&s->shutdown_req, asStream(&s->tcp), [](uv_shutdown_t*, int) {}) != 0) {
    finishLinger(s);
    return;
  }
  uv_read_stop(asStream(&s->tcp));
  uv_read_start(
      asStream(&s->tcp),
      [](uv_handle_t*, size_t, uv_buf_t* buf) {
        static thread_local char discard[16384];
        *buf = uv_buf_init(discard, sizeof(discard));
      },
      [](uv_stream_t* stream, ssize_t nread, const uv_buf_t*) {
        if (nread < 0) finishLinger(static_cast<Socket*>(stream->data));
      });
}

void Connection::finishLinger(Socket* s) {
  if (uv_is_closing(asHandle(&s->tcp)) != 0) return;
  uv_close(reinterpret_cast<uv_handle_t*>(&s->linger_timer), &releaseHandle);
  uv_close(asHandle(&s->tcp), &releaseHandle);
}

void Connection::closeSocket(ConnectionEvent event, bool reset, bool linger_close) {
  if (socket_ == nullptr) return;
  Socket* s = socket_;
  socket_ = nullptr;
  connecting_ = false;
  reading_ = false;
  connect_timer_.reset();
  close_event_ = event;
  s->owner = nullptr;
  auto on_closed = [](uv_handle_t* h) { delete static_cast<Socket*>(h->data); };
  if (linger_close && !shutdown_sent_) {
    linger(s);
    write_buffer_.clear();
    if (callbacks_ != nullptr) callbacks_->onEvent(event);
    return;
  }
  if (reset && uv_is_closing(asHandle(&s->tcp)) == 0) {
    if (uv_tcp_close_reset(&s->tcp, on_closed) == 0) {
      write_buffer_.clear();
      if (callbacks_ != nullptr) callbacks_->onEvent(event);
      return;
    }
  }
  uv_close(asHandle(&s->tcp), on_closed);
  write_buffer_.clear();
  if (callbacks_ != nullptr) callbacks_->onEvent(event);
}

}  // namespace meshproxy::network
