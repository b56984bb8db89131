#include "proxy/network/accept_poller.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "proxy/core/log.h"

namespace meshproxy::network {

struct AcceptPoller::Handles {
  uv_poll_t poll;
  uv_timer_t timer;
  AcceptPoller* owner;  // nullptr once the poller is gone
  int open = 2;         // handles not yet through their close callback
};

AcceptPoller::AcceptPoller(uv_loop_t* loop, int listen_fd, std::string name, OnAccepted on_accepted)
    : loop_(loop),
      fd_(listen_fd),
      name_(std::move(name)),
      on_accepted_(std::move(on_accepted)),
      handles_(new Handles) {
  handles_->owner = this;
  uv_poll_init_socket(loop_, &handles_->poll, fd_);
  uv_timer_init(loop_, &handles_->timer);
  handles_->poll.data = handles_;
  handles_->timer.data = handles_;
}

AcceptPoller::~AcceptPoller() {
  handles_->owner = nullptr;
  auto closed = [](uv_handle_t* h) {
    auto* handles = static_cast<Handles*>(h->data);
    if (--handles->open == 0) delete handles;
  };
  // uv_close stops the poll watcher at once, so the descriptor can be closed right after.
  uv_close(reinterpret_cast<uv_handle_t*>(&handles_->poll), closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&handles_->timer), closed);
  ::close(fd_);
}

int AcceptPoller::start() { return uv_poll_start(&handles_->poll, UV_READABLE, &onReadable); }

void AcceptPoller::onReadable(uv_poll_t* poll, int status, int) {
  AcceptPoller* self = static_cast<Handles*>(poll->data)->owner;
  if (self == nullptr) return;
  if (status < 0) {
    // epoll reported an error on the listening socket itself; accept4 below says which.
    log::debug("{}: poll error: {}", self->name_, uv_strerror(status));
  }
  self->acceptPending();
}

void AcceptPoller::onBackoffOver(uv_timer_t* timer) {
  auto* handles = static_cast<Handles*>(timer->data);
  if (handles->owner == nullptr) return;
  uv_poll_start(&handles->poll, UV_READABLE, &onReadable);
}

void AcceptPoller::acceptPending() {
  Handles* handles = handles_;
  for (int i = 0; i < kMaxAcceptsPerEvent; ++i) {
    int fd = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      if (paused_) resumed();
      on_accepted_(fd);
      if (handles->owner == nullptr) return;  // the callback stopped this listener
      continue;
    }
    switch (errno) {
      case EAGAIN:
        return;
      case EINTR:
      case ECONNABORTED:
      // Linux reports some errors of the pending connection itself on accept (accept(2)):
      // that connection is gone, the next one may be fine.
      case EPROTO:
      case ENOPROTOOPT:
      case EHOSTDOWN:
      case ENONET:
      case EHOSTUNREACH:
      case EOPNOTSUPP:
      case ENETUNREACH:
      case ENETDOWN:
      case EPERM:
        continue;
      default:
        // EMFILE, ENFILE, ENOBUFS, ENOMEM, or anything unexpected: retrying now would fail
        // the same way, so wait.
        pause(errno);
        return;
    }
  }
}

bool AcceptPoller::mayLog(uint64_t& last_ms) {
  const uint64_t now = uv_now(loop_);
  if (last_ms != 0 && now - last_ms < kLogIntervalMs) return false;
  last_ms = now == 0 ? 1 : now;
  return true;
}

void AcceptPoller::pause(int error) {
  uv_poll_stop(&handles_->poll);
  uv_timer_start(&handles_->timer, &onBackoffOver, kBackoffMs, 0);
  paused_ = true;
  ++pauses_total_;
  ++pauses_since_log_;
  if (!mayLog(last_pause_log_ms_)) return;
  log::warn("{}: accept failed: {}; not accepting for {} ms at a time until it passes", name_,
            std::strerror(error), kBackoffMs);
}

void AcceptPoller::resumed() {
  paused_ = false;
  if (!mayLog(last_resume_log_ms_)) return;
  log::warn("{}: accepting again after {} pause(s)", name_, pauses_since_log_);
  pauses_since_log_ = 0;
}

}  // namespace meshproxy::network
