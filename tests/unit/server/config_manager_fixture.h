#pragma once

// A ConfigManager on a private loop that records what it publishes, for tests of the snapshot
// builder (host reconciliation, health changes).
#include <chrono>
#include <memory>
#include <string>

#include "proxy/core/event_loop.h"
#include "proxy/core/timer.h"
#include "proxy/server/config_manager.h"
#include "proxy/stats/store.h"

namespace meshproxy::server {

struct ConfigManagerFixture {
  EventLoop loop;
  stats::Store store;
  ListenerManager listeners{1};
  config::SnapshotSharedPtr published;
  std::unique_ptr<ConfigManager> manager = std::make_unique<ConfigManager>(
      loop, config::TranslationContext{.stats = store}, listeners,
      [this](config::SnapshotSharedPtr s) { published = std::move(s); }, std::chrono::seconds(1));
  ~ConfigManagerFixture() {
    manager.reset();
    Timer::releasePool(loop.uv());
  }

  const upstream::ClusterConfigSharedPtr& cluster(const std::string& name = "backend") {
    return published->clusters.at(name);
  }
  const upstream::HostVector& hosts(const std::string& name) { return cluster(name)->hosts; }
};

}  // namespace meshproxy::server
