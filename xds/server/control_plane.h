// The mesh-control process: the main libuv loop (resource directory watcher, reloads, admin
// server, signals) and the gRPC ADS server (its own threads, one handler thread plus one
// writer thread per stream). The loop publishes each good resource set to the SnapshotStore;
// streams pick it up from there.
#pragma once

#include <grpcpp/grpcpp.h>
#include <uv.h>

#include <atomic>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "proxy/admin/admin_server.h"
#include "proxy/core/event_loop.h"
#include "proxy/core/timer.h"
#include "xds/server/admin_endpoints.h"
#include "xds/server/ads_service.h"
#include "xds/server/directory_watcher.h"
#include "xds/server/load_state.h"
#include "xds/server/node_registry.h"
#include "xds/server/options.h"
#include "xds/server/snapshot_store.h"
#include "xds/server/workload_cert_issuer.h"

namespace meshproxy::xds_server {

class ControlPlane {
 public:
  explicit ControlPlane(Options options);
  ~ControlPlane();
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  // Runs until SIGTERM or SIGINT; returns the process exit code.
  int run();

 private:
  absl::Status start();
  absl::Status startGrpc();
  absl::Status startAdmin();
  void installSignalHandlers();
  // Loads the directory; publishes the result if it loaded without errors.
  void reload();
  // The node-facing view of everything loaded: the directory now; generated resources (a CA's
  // per-node certificates) layer on top here.
  std::shared_ptr<const ResourceSource> composeSources() const;
  void shutdown();
  // The CA (--ca-dir or --ca-cert/--ca-key): loads or creates the root, starts renewals.
  absl::Status startCa();
  void renewCertificates();
  std::string nodeCertificateJson(const std::string& node_id) const;

  const Options options_;
  EventLoop loop_;
  SnapshotStore store_;
  NodeRegistry registry_;
  LoadState load_;
  DiscoveryServices services_{store_, registry_};
  std::unique_ptr<grpc::Server> grpc_server_;
  std::atomic<bool> serving_{false};
  AdminContext admin_context_{load_, registry_, [this] { return serving_.load(); },
                              [this](const std::string& id) { return nodeCertificateJson(id); }};
  std::unique_ptr<admin::AdminServer> admin_;
  std::unique_ptr<DirectoryWatcher> watcher_;
  std::shared_ptr<WorkloadCertIssuer> issuer_;  // null without the CA
  std::unique_ptr<Timer> renew_timer_;
  std::vector<uv_signal_t*> signals_;
  bool shutting_down_ = false;
};

}  // namespace meshproxy::xds_server
