#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>

namespace meshproxy::network {

// Accepts connections on a listening socket for one event loop, and backs off instead of
// spinning when the process runs out of file descriptors.
//
// Why not uv_listen: on EMFILE libuv closes a per-loop reserve descriptor, accepts and drops
// what is pending, and reopens the reserve. With several loops in one process another thread
// takes the freed descriptor first; from then on libuv's accept loop calls back with EMFILE
// for the same pending connection without ever returning to the event loop (a worker at 100%
// CPU, tens of MB/s of log lines, its connections never closed, SIGTERM never served).
//
// Here a readable socket is drained with accept4() up to a batch; on EMFILE/ENFILE (and
// ENOBUFS/ENOMEM) the poller stops watching the socket for a short backoff, as nginx does, and
// the pending connections wait in the kernel's backlog. At most one log line per interval
// of each kind: when pausing starts, and when accepting resumes with the count of pauses.
class AcceptPoller {
 public:
  // Called with each accepted descriptor (non-blocking, close-on-exec); the callee owns it.
  using OnAccepted = std::function<void(int fd)>;

  static constexpr uint64_t kBackoffMs = 100;
  static constexpr uint64_t kLogIntervalMs = 5000;
  // Accepts per readiness event: the loop keeps turning under a connection storm.
  static constexpr int kMaxAcceptsPerEvent = 128;

  // Takes ownership of listen_fd (closed when the poller is destroyed). `name` labels log
  // lines ("listener web (worker 1)").
  AcceptPoller(uv_loop_t* loop, int listen_fd, std::string name, OnAccepted on_accepted);
  // Stops accepting and closes the socket; handle memory is freed in libuv's close callbacks.
  ~AcceptPoller();
  AcceptPoller(const AcceptPoller&) = delete;
  AcceptPoller& operator=(const AcceptPoller&) = delete;

  // Starts watching the socket; a libuv error code (< 0) if that fails.
  int start();

  // Times accepting paused on descriptor exhaustion (for tests and stats).
  uint64_t pauses() const { return pauses_total_; }

 private:
  struct Handles;  // the uv handles, which outlive this object until their close callbacks
  static void onReadable(uv_poll_t* poll, int status, int events);
  static void onBackoffOver(uv_timer_t* timer);
  void acceptPending();
  void pause(int error);
  // The first accept after a pause. Each kind of line is logged at most once per
  // kLogIntervalMs; the count of pauses carries over to the next "accepting again".
  void resumed();
  bool mayLog(uint64_t& last_ms);

  uv_loop_t* loop_;
  int fd_;
  std::string name_;
  OnAccepted on_accepted_;
  Handles* handles_;
  uint64_t pauses_total_ = 0;
  uint64_t pauses_since_log_ = 0;
  // Loop time of the last line of each kind (0: none yet).
  uint64_t last_pause_log_ms_ = 0;
  uint64_t last_resume_log_ms_ = 0;
  bool paused_ = false;
};

}  // namespace meshproxy::network
