#include "proxy/network/connection.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

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
constexpr uint64_t kHandshakeGraceMs = 5000;
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
                                               uint32_t buffer_limit,
                                               std::unique_ptr<TransportSocket> transport) {
  std::unique_ptr<Connection> conn(new Connection(loop, buffer_limit));
  int rc = uv_accept(server, asStream(&conn->socket_->tcp));
  if (rc != 0) {
    log::debug("accept failed: {}", uv_strerror(rc));
    conn->closeSocket(ConnectionEvent::kLocalClose);
    return nullptr;
  }
  uv_tcp_nodelay(&conn->socket_->tcp, 1);
  conn->captureAddresses();
  if (transport != nullptr) conn->attachTransport(std::move(transport), /*client=*/false);
  conn->startReading();
  return conn;
}

std::unique_ptr<Connection> Connection::adopt(EventLoop& loop, int fd, uint32_t buffer_limit) {
  std::unique_ptr<Connection> conn(new Connection(loop, buffer_limit));
  int rc = uv_tcp_open(&conn->socket_->tcp, fd);
  if (rc != 0) {
    log::debug("cannot adopt accepted socket: {}", uv_strerror(rc));
    ::close(fd);
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
                                                uint32_t buffer_limit,
                                                const TransportSocketFactory* transport,
                                                const Address* source_address) {
  std::unique_ptr<Connection> conn(new Connection(loop, buffer_limit));
  conn->remote_ = remote;
  conn->connecting_ = true;
  Socket* s = conn->socket_;
  s->connect_req.data = s;
  int rc = 0;
  if (transport != nullptr) {
    auto socket = transport->create({.session_key = remote.str()}, &conn->transport_failure_);
    if (socket == nullptr) {
      rc = UV_EPROTO;
    } else {
      conn->attachTransport(std::move(socket), /*client=*/true);
    }
  }
  if (rc == 0 && source_address != nullptr) rc = conn->bindSource(*source_address);
  if (rc == 0) {
    rc = uv_tcp_connect(&s->connect_req, &s->tcp, remote.sockaddr_ptr(), &Connection::onConnect);
  }
  if (rc != 0) {
    // Report asynchronously, like any other connect failure, so callers have one code path.
    log::debug("connect to {} failed immediately: {}", remote.str(),
               conn->transport_failure_.empty() ? uv_strerror(rc) : conn->transport_failure_);
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

// Makes the socket itself so the option that defers the port choice to connect() can be set
// before bind: with it, many connections from one source IP do not each hold a port of the
// ephemeral range from bind on.
int Connection::bindSource(const Address& source) {
  int fd = ::socket(source.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return uv_translate_sys_error(errno);
  int one = 1;
  if (source.port() == 0) ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
  if (::bind(fd, source.sockaddr_ptr(), source.sockaddr_len()) != 0) {
    int err = errno;
    ::close(fd);
    log::debug("cannot bind upstream source {}: {}", source.str(), std::strerror(err));
    return uv_translate_sys_error(err);
  }
  int rc = uv_tcp_open(&socket_->tcp, fd);
  if (rc != 0) ::close(fd);
  return rc;
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
  if (status != 0) {
    log::debug("connect to {} failed: {}", remote_.str(), uv_strerror(status));
    closeSocket(ConnectionEvent::kConnectFailed);
    return;
  }
  uv_tcp_nodelay(&socket_->tcp, 1);
  captureAddresses();
  if (transport_ != nullptr) {
    // kConnected waits for the handshake: the owner proceeds only on an authenticated peer.
    // The connect timer keeps running until then.
    startReading();
    TransportResult r = transport_->socket->startHandshake();
    if (r.close) {
      failTransport();
      return;
    }
    flush();
    return;
  }
  connect_timer_.reset();
  if (callbacks_ != nullptr) callbacks_->onEvent(ConnectionEvent::kConnected);
  if (socket_ == nullptr) return;
  startReading();
  flush();
}

void Connection::attachTransport(std::unique_ptr<TransportSocket> socket, bool client) {
  transport_ = std::make_unique<Transport>();
  transport_->socket = std::move(socket);
  transport_->client = client;
  transport_->socket->bind(transport_->raw_in, write_buffer_);
}

bool Connection::clientHandshakePending() const {
  return transport_ != nullptr && transport_->client && socket_ != nullptr &&
         !transport_->socket->handshakeComplete();
}

const std::shared_ptr<const SslConnectionInfo>& Connection::ssl() const {
  static const std::shared_ptr<const SslConnectionInfo> kNone;
  return transport_ == nullptr ? kNone : transport_->socket->ssl();
}

std::string_view Connection::transportFailureReason() const {
  if (!transport_failure_.empty() || transport_ == nullptr) return transport_failure_;
  return transport_->socket->failureReason();
}

size_t Connection::writeBufferLength() const {
  return write_buffer_.length() + (transport_ == nullptr ? 0 : transport_->plain_out.length());
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
    if (--read_disable_count_ == 0) {
      startReading();
      if (replay_pending_) scheduleFlush();
    }
  }
}

void Connection::onAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* s = static_cast<Socket*>(handle->data);
  if (s->owner == nullptr) {
    *buf = uv_buf_init(nullptr, 0);
    return;
  }
  Connection* c = s->owner;
  *buf = c->transport_ == nullptr ? c->read_buffer_.reserveForRead()
                                  : c->transport_->raw_in.reserveForRead();
}

void Connection::onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t*) {
  auto* s = static_cast<Socket*>(stream->data);
  if (s->owner != nullptr) s->owner->handleRead(nread);
}

void Connection::handleRead(ssize_t nread) {
  if (nread == 0) return;  // EAGAIN: nothing this time.
  if (nread > 0) {
    bytes_read_ += static_cast<uint64_t>(nread);
    if (transport_ != nullptr) {
      transport_->raw_in.commit(static_cast<size_t>(nread));
      onTransportRead();
      return;
    }
    read_buffer_.commit(static_cast<size_t>(nread));
    if (callbacks_ != nullptr) callbacks_->onData(read_buffer_, false);
    return;
  }
  if (nread == UV_EOF) {
    onReadEof();
    return;
  }
  log::debug("connection {} read error: {}", id_, uv_strerror(static_cast<int>(nread)));
  closeSocket(ConnectionEvent::kRemoteClose);
}

// The peer's FIN, or its TLS close_notify.
void Connection::onReadEof() {
  read_eof_ = true;
  stopReading();
  if (!half_close_) {
    closeAfterFlush(ConnectionEvent::kRemoteClose);
    return;
  }
  if (callbacks_ != nullptr) callbacks_->onData(read_buffer_, true);
  if (socket_ != nullptr && shutdown_done_) closeSocket(ConnectionEvent::kRemoteClose);
}

void Connection::onTransportRead() {
  size_t queued = write_buffer_.length();
  TransportResult r = transport_->socket->doRead(read_buffer_);
  if (r.close) {
    failTransport();
    return;
  }
  // Handshake messages, session tickets and alerts leave with the next flush.
  if (write_buffer_.length() != queued) scheduleFlush();
  if (r.handshake_complete) {
    onHandshakeComplete();
    if (socket_ == nullptr) return;
  }
  if (transport_->close_after_handshake || close_after_flush_) {
    read_buffer_.clear();  // the owner asked to close: nobody reads any more
    return;
  }
  if (!read_buffer_.empty() && callbacks_ != nullptr) callbacks_->onData(read_buffer_, false);
  if (socket_ != nullptr && r.end_stream && !read_eof_) onReadEof();
}

void Connection::onHandshakeComplete() {
  if (transport_->close_after_handshake) {
    transport_->close_after_handshake = false;
    connect_timer_.reset();
    closeAfterFlush(transport_->close_event);
    return;
  }
  if (transport_->client) connect_timer_.reset();
  if (callbacks_ != nullptr) callbacks_->onEvent(ConnectionEvent::kConnected);
  if (socket_ == nullptr) return;
  // What was written during the handshake can go now.
  if (!transport_->plain_out.empty() || shutdown_pending_) scheduleFlush();
}

// Encrypts what the filters wrote. False if that failed (the connection is closed).
bool Connection::encryptPending() {
  if (transport_->plain_out.empty()) return true;
  TransportResult r = transport_->socket->doWrite(transport_->plain_out);
  if (r.close) {
    failTransport();
    return false;
  }
  return true;
}

// The transport gave up (handshake failure, bad record). Its alert is sent if the kernel
// takes it right away; the connection does not wait for anything else.
void Connection::failTransport() {
  ConnectionEvent event =
      clientHandshakePending() ? ConnectionEvent::kConnectFailed : ConnectionEvent::kLocalClose;
  log::debug("connection {} to {}: transport failure: {}", id_, remote_.str(),
             transportFailureReason());
  bool sent_all = write_buffer_.empty();
  if (!sent_all && !write_in_flight_) {
    uv_buf_t bufs[kMaxIovecs];
    int n = write_buffer_.fillIovecs(bufs, kMaxIovecs);
    int written = uv_try_write(asStream(&socket_->tcp), bufs, static_cast<unsigned>(n));
    if (written > 0) {
      write_buffer_.drain(static_cast<size_t>(written));
      bytes_written_ += static_cast<uint64_t>(written);
    }
    sent_all = write_buffer_.empty();
  }
  // Lingering keeps unread input from turning our alert into an RST.
  closeSocket(event, false, /*linger_close=*/sent_all && !write_in_flight_ && !read_eof_);
}

void Connection::write(Buffer& data, bool end_stream) {
  if (socket_ == nullptr || shutdown_pending_) {
    data.clear();
    return;
  }
  if (transport_ == nullptr) {
    write_buffer_.move(data);
  } else {
    transport_->plain_out.move(data);
  }
  if (end_stream) shutdown_pending_ = true;
  // Coalesce: everything written while handling this event goes out in one writev.
  if (!connecting_) scheduleFlush();
  updateWatermarks();
}

void Connection::scheduleFlush() {
  if (flush_scheduled_) return;
  flush_scheduled_ = true;
  loop_.scheduleFlush(this);
}

void Connection::flushDeferred() {
  flush_scheduled_ = false;
  if (socket_ != nullptr && !connecting_) {
    if (transport_ != nullptr && !encryptPending()) return;
    flush();
  }
  if (socket_ != nullptr) updateWatermarks();
  if (replay_pending_ && socket_ != nullptr && read_disable_count_ == 0) {
    replay_pending_ = false;
    if (transport_ != nullptr) {
      if (!transport_->raw_in.empty()) onTransportRead();
    } else if (!read_buffer_.empty() && callbacks_ != nullptr) {
      callbacks_->onData(read_buffer_, false);
    }
  }
}

void Connection::startServerTransport(std::unique_ptr<TransportSocket> transport) {
  attachTransport(std::move(transport), /*client=*/false);
  transport_->raw_in.move(read_buffer_);
}

void Connection::replayReadBuffer() {
  if (read_buffer_.empty() && (transport_ == nullptr || transport_->raw_in.empty())) return;
  replay_pending_ = true;
  scheduleFlush();
}

int Connection::fd() const {
  if (socket_ == nullptr) return -1;
  uv_os_fd_t fd = -1;
  if (uv_fileno(reinterpret_cast<const uv_handle_t*>(&socket_->tcp), &fd) != 0) return -1;
  return fd;
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
  if (!shutdown_pending_ || shutdown_sent_) return;
  if (transport_ != nullptr) {
    // Plaintext still held (handshake in progress) goes first; then close_notify, then FIN.
    if (!transport_->plain_out.empty() || !transport_->socket->handshakeComplete()) return;
    if (!transport_->close_notify_queued) {
      transport_->close_notify_queued = true;
      transport_->socket->shutdown();
      if (!write_buffer_.empty()) {
        flush();  // comes back here once the close_notify is written
        return;
      }
    }
  }
  if (!write_buffer_.empty()) return;
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
  size_t pending = writeBufferLength();
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
  if (transport_ != nullptr && !transport_->client && !transport_->socket->handshakeComplete() &&
      !transport_->plain_out.empty() && !read_eof_) {
    // Written before the client finished its handshake: wait for it, briefly.
    if (transport_->close_after_handshake) return;
    transport_->close_after_handshake = true;
    transport_->close_event = event;
    connect_timer_ = std::make_unique<Timer>(loop_.uv(), [this, event]() { closeSocket(event); });
    connect_timer_->enable(std::chrono::milliseconds(kHandshakeGraceMs));
    return;
  }
  if (transport_ != nullptr && !connecting() && transport_->socket->handshakeComplete()) {
    // What the filters wrote goes out encrypted, followed by close_notify. Plaintext held
    // by a handshake that never finished is dropped with the connection.
    if (!encryptPending()) return;
    if (!transport_->close_notify_queued) {
      transport_->close_notify_queued = true;
      transport_->socket->shutdown();
    }
  }
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
  // An originated TLS connection that ends before its handshake never connected.
  if (event == ConnectionEvent::kRemoteClose && clientHandshakePending()) {
    event = ConnectionEvent::kConnectFailed;
    if (transportFailureReason().empty()) {
      transport_failure_ = "connection closed during the TLS handshake";
    }
  }
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
