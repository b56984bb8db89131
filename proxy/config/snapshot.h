#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "proxy/network/listen_socket.h"
#include "proxy/network/listener_config.h"
#include "proxy/http/route_config.h"
#include "proxy/upstream/cluster_manager.h"

namespace meshproxy::config {

// A listener as published to workers: its config and the sockets bound for it. Workers
// recognize "the same listener" by the sockets object: an unchanged listener keeps it
// across snapshots, a changed one gets new sockets.
struct ListenerHandle {
  std::shared_ptr<const network::ListenerConfig> config;
  std::shared_ptr<network::ListenSockets> sockets;
};

// Everything a worker decides with, immutable once published (DESIGN.md rule 2). Workers
// hold it by shared_ptr; in-flight work keeps the snapshot it started with.
struct Snapshot {
  uint64_t version = 0;
  std::vector<ListenerHandle> listeners;
  upstream::ClusterMap clusters;
  // Route configurations delivered by RDS, by name. HTTP connection managers that use RDS
  // look theirs up per request, so a route change applies without touching listeners.
  http::RouteConfigMap routes;
};

using SnapshotSharedPtr = std::shared_ptr<const Snapshot>;

}  // namespace meshproxy::config
