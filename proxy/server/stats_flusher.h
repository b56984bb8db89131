#pragma once

#include <uv.h>

#include <memory>
#include <vector>

#include "proxy/config/stats_sinks_translator.h"
#include "proxy/core/timer.h"
#include "proxy/stats/statsd_format.h"
#include "proxy/stats/store.h"

namespace meshproxy::server {

// One statsd / DogStatsD sink: a non-blocking UDP socket and what it sent last.
class StatsdUdpSink {
 public:
  explicit StatsdUdpSink(config::StatsdSinkConfig config);
  ~StatsdUdpSink();
  StatsdUdpSink(const StatsdUdpSink&) = delete;
  StatsdUdpSink& operator=(const StatsdUdpSink&) = delete;

  // Sends what changed since the last flush. A datagram the kernel refuses is dropped
  // (statsd over UDP is lossy by design; Envoy does the same).
  void flush(const stats::StatSet& set);

 private:
  const config::StatsdSinkConfig config_;
  int fd_ = -1;
  stats::StatsdFlushState state_;
};

// Flushes the store to every configured sink each stats_flush_interval, on the main thread
// (Envoy's stats flush). The store is read with Store::all(), which already leaves out what
// stats_config.stats_matcher rejects.
class StatsFlusher {
 public:
  StatsFlusher(uv_loop_t* loop, stats::Store& store, const config::StatsSinkSettings& settings);

  // One flush now (the timer's job; tests call it too).
  void flush();

 private:
  stats::Store& store_;
  std::vector<std::unique_ptr<StatsdUdpSink>> sinks_;
  std::unique_ptr<Timer> timer_;
};

}  // namespace meshproxy::server
