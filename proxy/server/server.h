#pragma once

#include <uv.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "proxy/admin/admin_server.h"
#include "proxy/config/bootstrap_loader.h"
#include "proxy/config/snapshot.h"
#include "proxy/core/event_loop.h"
#include "proxy/core/timer.h"
#include "proxy/runtime/loader.h"
#include "proxy/server/config_manager.h"
#include "proxy/server/dns_cluster_updater.h"
#include "proxy/server/health_check_manager.h"
#include "proxy/server/listener_manager.h"
#include "proxy/server/options.h"
#include "proxy/server/outlier_detection_manager.h"
#include "proxy/server/overload_manager.h"
#include "proxy/server/stats_flusher.h"
#include "proxy/server/worker.h"
#include "proxy/stats/store.h"
#include "proxy/tls/secret_manager.h"

namespace meshproxy::server {

enum class ServerState { kInitializing, kLive, kDraining };
const char* toString(ServerState state);

// The main thread: loads config, owns the workers, the admin server and signal handling, and
// publishes config snapshots. Data never flows through it.
class Server {
 public:
  explicit Server(Options options);
  ~Server();

  // Runs until shut down; returns the process exit code.
  int run();

  // Read by admin handlers (main thread).
  ServerState state() const { return state_; }
  stats::Store& stats() { return stats_; }
  const config::Bootstrap& bootstrap() const { return bootstrap_; }
  const config::SnapshotSharedPtr& snapshot() const { return snapshot_; }
  const ListenerManager& listeners() const { return *listener_manager_; }
  const ConfigManager& configManager() const { return *config_; }
  // Certificates (files, SDS secrets) and the TLS contexts built from them.
  tls::SecretManager& secrets() { return *secrets_; }
  std::chrono::system_clock::time_point startTime() const { return start_time_; }
  std::chrono::system_clock::time_point configTime() const { return config_time_; }
  const Options& options() const { return options_; }
  // The layered runtime (admin /runtime, /runtime_modify).
  runtime::Loader& runtime() { return *runtime_; }

  // Stops accepting everywhere and drains open connections (admin /drain_listeners, SIGTERM).
  void drainListeners();
  // Begins shutdown: with drain, waits up to --drain-time-s for connections to finish.
  void shutdown(bool drain);
  // Shuts down without drain once the current admin response had time to go out.
  void shutdownSoon();

 private:
  absl::Status initialize();
  void startWorkers();
  void maybeLive();
  // Publishes a new snapshot to every worker (main thread).
  void publish(std::shared_ptr<const config::Snapshot> snapshot);

  absl::Status startAdmin();
  // Opens the ejection event log (cluster_manager.outlier_detection.event_log_path) and starts
  // the main thread's outlier detection.
  absl::Status startOutlierDetection();
  // Stops and joins everything (workers, xDS, DNS, admin, access logs) on every way out, then
  // waits (bounded) for libuv requests in flight. Idempotent.
  void teardown();
  void waitForRequests(std::chrono::milliseconds bound);
  bool requestsDone();
  // How long a DNS lookup already running on the thread pool may delay exit.
  static constexpr std::chrono::milliseconds kRequestWait{2000};
  // SIGTERM/SIGINT drain and exit; SIGHUP and SIGUSR2 are logged and ignored; SIGUSR1
  // reopens the access log files.
  void installSignalHandlers();
  void onSignal(int signum);
  void checkDrained();
  void finishShutdown();

  Options options_;
  EventLoop loop_;
  stats::Store stats_;
  config::Bootstrap bootstrap_;
  std::unique_ptr<runtime::Loader> runtime_;
  std::unique_ptr<tls::SecretManager> secrets_;
  std::unique_ptr<ListenerManager> listener_manager_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<DnsClusterUpdater> dns_;
  std::unique_ptr<OutlierDetectionManager> outliers_;
  std::unique_ptr<ConfigManager> config_;
  std::unique_ptr<OverloadManager> overload_;
  // stats_sinks: flushed every stats_flush_interval (none configured: no timer).
  std::unique_ptr<StatsFlusher> stats_flusher_;
  // Active health checks on this loop; follows every published snapshot.
  std::unique_ptr<HealthCheckManager> health_checks_;
  size_t clusters_initializing_ = 0;
  bool dns_waiting_ = false;
  bool workers_started_ = false;
  bool xds_initialized_ = false;
  config::SnapshotSharedPtr snapshot_;
  std::unique_ptr<admin::AdminServer> admin_;
  std::vector<uv_signal_t*> signals_;
  std::unique_ptr<Timer> drain_timer_;
  std::unique_ptr<Timer> quit_timer_;
  ServerState state_ = ServerState::kInitializing;
  bool shutting_down_ = false;
  bool torn_down_ = false;
  std::chrono::steady_clock::time_point drain_deadline_;
  std::chrono::system_clock::time_point start_time_;
  std::chrono::system_clock::time_point config_time_;
};

}  // namespace meshproxy::server
