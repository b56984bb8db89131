#include "proxy/server/stats_flusher.h"

#include <sys/socket.h>
#include <unistd.h>

#include "proxy/core/log.h"

namespace meshproxy::server {

StatsdUdpSink::StatsdUdpSink(config::StatsdSinkConfig config) : config_(std::move(config)) {
  fd_ = ::socket(config_.address.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) log::warn("stats sink '{}': cannot open a UDP socket", config_.name);
}

StatsdUdpSink::~StatsdUdpSink() {
  if (fd_ >= 0) ::close(fd_);
}

void StatsdUdpSink::flush(const stats::StatSet& set) {
  const auto lines = state_.lines(set, config_.format);
  if (fd_ < 0) return;
  for (const std::string& datagram :
       stats::packStatsdLines(lines, config_.max_bytes_per_datagram)) {
    // Best effort, as any statsd client: a full socket buffer or an unreachable port loses
    // the datagram, never blocks the main thread.
    (void)::sendto(fd_, datagram.data(), datagram.size(), MSG_DONTWAIT,
                   config_.address.sockaddr_ptr(), config_.address.sockaddr_len());
  }
}

StatsFlusher::StatsFlusher(uv_loop_t* loop, stats::Store& store,
                           const config::StatsSinkSettings& settings)
    : store_(store) {
  for (const auto& sink : settings.sinks) sinks_.push_back(std::make_unique<StatsdUdpSink>(sink));
  if (sinks_.empty()) return;
  timer_ = std::make_unique<Timer>(loop, [this] { flush(); });
  timer_->enableRepeating(settings.flush_interval);
}

void StatsFlusher::flush() {
  const stats::StatSet set = store_.all();
  for (auto& sink : sinks_) sink->flush(set);
}

}  // namespace meshproxy::server
