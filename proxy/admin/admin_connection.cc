#include "proxy/admin/admin_connection.h"

#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "proxy/admin/http_response_writer.h"

namespace meshproxy::admin {
namespace {

AdminConnection& connectionOf(void* data) { return *static_cast<AdminConnection*>(data); }

}  // namespace

AdminConnection::AdminConnection(AdminConnectionOwner& owner, const AdminConnectionLimits& limits)
    : owner_(owner), limits_(limits), reader_(limits.max_request_bytes) {}

void AdminConnection::start(uv_loop_t* loop, int fd) {
  uv_tcp_init(loop, &tcp_);
  uv_timer_init(loop, &timer_);
  tcp_.data = this;
  timer_.data = this;
  open_handles_ = 2;
  if (uv_tcp_open(&tcp_, fd) != 0) {
    ::close(fd);
    close();
    return;
  }
  uv_tcp_nodelay(&tcp_, 1);  // responses are single writes; don't hold them back
  waitForRequest();
}

void AdminConnection::close() {
  if (closing_) return;
  closing_ = true;
  if (slot_ != nullptr) slot_->connection = nullptr;
  slot_.reset();
  // Pending writes and shutdowns complete (cancelled) before these close callbacks run.
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &AdminConnection::onHandleClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &AdminConnection::onHandleClosed);
}

void AdminConnection::onHandleClosed(uv_handle_t* handle) {
  AdminConnection& self = connectionOf(handle->data);
  if (--self.open_handles_ == 0) self.owner_.onConnectionClosed(&self);
}

void AdminConnection::onAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  *buf = connectionOf(handle->data).owner_.readBuffer();
}

void AdminConnection::onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  AdminConnection& self = connectionOf(stream->data);
  if (nread < 0) {  // EOF or error; a half-received request is simply dropped
    self.close();
    return;
  }
  if (nread == 0 || self.state_ == State::kLingering) return;
  self.process(std::string_view(buf->base, static_cast<size_t>(nread)));
}

void AdminConnection::onTimeout(uv_timer_t* timer) { connectionOf(timer->data).close(); }

void AdminConnection::waitForRequest() {
  state_ = State::kReading;
  uv_timer_start(&timer_, &AdminConnection::onTimeout, limits_.request_timeout_ms, 0);
  uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), &AdminConnection::onAlloc,
                &AdminConnection::onRead);
}

void AdminConnection::process(std::string_view input) {
  size_t consumed = 0;
  switch (reader_.feed(input, &consumed)) {
    case HttpRequestReader::Result::kNeedMore:
      return;
    case HttpRequestReader::Result::kRequestReady:
      // The input may live in the owner's shared read buffer; keep the rest for later.
      unparsed_.assign(input.substr(consumed));
      dispatch(reader_.takeRequest());
      return;
    case HttpRequestReader::Result::kError: {
      keep_alive_ = false;
      head_request_ = false;
      const int status = reader_.errorStatus();
      send(textResponse(status, absl::StrCat(status == 413 ? "request too large" : "bad request",
                                             " (", reader_.errorReason(), ")\n")));
      return;
    }
  }
}

void AdminConnection::dispatch(ParsedRequest parsed) {
  state_ = State::kHandling;
  uv_timer_stop(&timer_);
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
  keep_alive_ = parsed.keep_alive;
  head_request_ = parsed.request.method == "HEAD";
  slot_ = std::make_shared<ResponseSlot>(ResponseSlot{this});
  owner_.dispatch(parsed.request, [slot = slot_](AdminResponse response) {
    if (slot->connection == nullptr) return;  // answered already, or the connection is gone
    std::exchange(slot->connection, nullptr)->send(response);
  });
}

void AdminConnection::send(const AdminResponse& response) {
  if (closing_) return;
  slot_.reset();
  uv_timer_stop(&timer_);
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
  state_ = State::kWriting;
  auto* write = new WriteRequest{{}, serializeResponse(response, head_request_, keep_alive_), this};
  write->req.data = write;
  uv_buf_t buf = uv_buf_init(write->data.data(), static_cast<unsigned int>(write->data.size()));
  if (uv_write(&write->req, reinterpret_cast<uv_stream_t*>(&tcp_), &buf, 1,
               &AdminConnection::onWritten) != 0) {
    delete write;
    close();
  }
}

void AdminConnection::onWritten(uv_write_t* req, int status) {
  std::unique_ptr<WriteRequest> write(static_cast<WriteRequest*>(req->data));
  AdminConnection& self = *write->connection;
  if (self.closing_) return;  // cancelled by close()
  if (status < 0) {
    self.close();
    return;
  }
  self.afterWrite();
}

void AdminConnection::afterWrite() {
  if (!keep_alive_) {
    startLingering();
    return;
  }
  // Answer pipelined requests already read before reading more. Write callbacks are always
  // deferred by libuv, so this never recurses into itself.
  std::string input = std::move(unparsed_);
  unparsed_.clear();
  waitForRequest();
  if (!input.empty()) process(input);
}

void AdminConnection::startLingering() {
  state_ = State::kLingering;
  auto* shutdown = new uv_shutdown_t;
  if (uv_shutdown(shutdown, reinterpret_cast<uv_stream_t*>(&tcp_), &AdminConnection::onShutdown) !=
      0) {
    delete shutdown;
    close();
    return;
  }
  uv_timer_start(&timer_, &AdminConnection::onTimeout, limits_.linger_timeout_ms, 0);
  // Input is now discarded (onRead ignores it while lingering); EOF from the peer closes.
  uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), &AdminConnection::onAlloc,
                &AdminConnection::onRead);
}

void AdminConnection::onShutdown(uv_shutdown_t* req, int) { delete req; }

}  // namespace meshproxy::admin
