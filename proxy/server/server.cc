#include "proxy/server/server.h"

#include <csignal>
#include <cstdlib>
#include <exception>

#include "absl/strings/str_cat.h"
#include "proxy/accesslog/access_log_manager.h"
#include "proxy/core/log.h"
#include "proxy/core/log_format.h"
#include "proxy/filters/builtin_extensions.h"
#include "proxy/network/active_listener.h"
#include "proxy/server/admin_endpoints.h"
#include "proxy/upstream/host.h"

namespace meshproxy::server {

const char* toString(ServerState state) {
  switch (state) {
    case ServerState::kInitializing:
      return "PRE_INITIALIZING";
    case ServerState::kLive:
      return "LIVE";
    case ServerState::kDraining:
      return "DRAINING";
  }
  return "UNKNOWN";
}

Server::Server(Options options)
    : options_(std::move(options)),
      // Each worker claims a thread shard (1..concurrency) and gets its own copy of every counter
      // and histogram.
      stats_(stats::StoreOptions{.worker_shards = options_.concurrency}),
      start_time_(std::chrono::system_clock::now()) {}

Server::~Server() { teardown(); }

int Server::run() {
  log::setThreadName("main");
  absl::Status status;
  // Nothing may unwind past this point with a loop that still has work on the thread pool.
  try {
    status = initialize();
  } catch (const std::exception& e) {
    status = absl::InternalError(absl::StrCat("start-up failed: ", e.what()));
  }
  int code = 0;
  if (status.ok()) {
    loop_.run();
    log::info("meshproxy exiting");
  } else {
    log::critical("{}", status.message());
    code = 1;
  }
  teardown();
  if (!requestsDone()) {
    // A lookup stuck in the resolver cannot be interrupted, and the loop it reports to must
    // outlive it; exiting without atexit handlers (libuv's joins the pool) is the bounded way.
    log::warn("exiting with a DNS lookup still running");
    std::_Exit(code);
  }
  return code;
}

void Server::teardown() {
  if (torn_down_) return;
  torn_down_ = true;
  for (auto& w : workers_) w->shutdown();  // joins the worker threads
  workers_.clear();
  health_checks_.reset();  // closes the health check connections (main loop)
  // The workers (who wake it) are gone.
  upstream::OutlierWakeup::set(nullptr);
  outliers_.reset();
  dns_.reset();     // cancels lookups still queued on the thread pool
  config_.reset();  // the xDS client joins its threads
  secrets_.reset();
  admin_.reset();
  overload_.reset();
  stats_flusher_.reset();
  drain_timer_.reset();
  quit_timer_.reset();
  for (uv_signal_t* s : signals_) {
    uv_close(reinterpret_cast<uv_handle_t*>(s),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_signal_t*>(h); });
  }
  signals_.clear();
  accesslog::AccessLogManager::global().shutdown();
  waitForRequests(kRequestWait);
}

bool Server::requestsDone() { return loop_.uv()->active_reqs.count == 0; }

void Server::waitForRequests(std::chrono::milliseconds bound) {
  // Runs close callbacks, and the completions of requests libuv still holds (a getaddrinfo on
  // the thread pool). Returning from main with one in flight let the pool thread write into
  // the freed loop: the SIGSEGV in exit() -> uv_library_shutdown on a rejected bootstrap.
  uv_loop_t* loop = loop_.uv();
  uv_run(loop, UV_RUN_NOWAIT);
  if (requestsDone()) return;
  log::info("waiting up to {} ms for {} request(s) in flight (DNS lookups)", bound.count(),
            loop->active_reqs.count);
  uv_timer_t deadline;
  bool expired = false;
  uv_timer_init(loop, &deadline);
  deadline.data = &expired;
  uv_timer_start(
      &deadline, [](uv_timer_t* t) { *static_cast<bool*>(t->data) = true; },
      static_cast<uint64_t>(bound.count()), 0);
  while (!requestsDone() && !expired) uv_run(loop, UV_RUN_ONCE);
  uv_close(reinterpret_cast<uv_handle_t*>(&deadline), nullptr);
  uv_run(loop, UV_RUN_NOWAIT);  // the close above completes before `deadline` goes out of scope
}

absl::Status Server::initialize() {
  filters::registerBuiltinExtensions();
  // First: a SIGHUP or SIGUSR1 during start-up must not kill the process either (they are
  // handled once the loop runs).
  installSignalHandlers();
  auto bootstrap = config::loadBootstrapFile(options_.config_path);
  if (!bootstrap.ok()) return bootstrap.status();
  bootstrap_ = std::move(*bootstrap);
  // Before any stat exists: the names and tags are fixed when a stat is created.
  stats_.setNamePolicy(bootstrap_.settings.stats_names);
  if (const auto& pattern = bootstrap_.settings.log_text_format) {
    // Envoy: setting both the bootstrap's log format and --log-format is an error.
    if (options_.log_format == "json") {
      return absl::InvalidArgumentError(
          "application_log_config.log_format and --log-format json are both set");
    }
    if (auto s = log::setTextPattern(*pattern); !s.ok()) return s;
  }
  auto* node = bootstrap_.proto.mutable_node();
  if (options_.service_node) node->set_id(*options_.service_node);
  if (options_.service_cluster) node->set_cluster(*options_.service_cluster);
  for (const auto& [key, value] : options_.node_metadata) {
    (*node->mutable_metadata()->mutable_fields())[key].set_string_value(value);
  }
  if (options_.admin_address) {
    auto address = network::Address::parse(*options_.admin_address);
    if (!address.ok())
      return absl::InvalidArgumentError(
          absl::StrCat("--admin-address: ", address.status().message()));
    bootstrap_.admin_address = *address;
  }
  auto loaded_runtime = runtime::Loader::create(bootstrap_.proto);
  if (!loaded_runtime.ok()) return loaded_runtime.status();
  runtime_ = std::move(*loaded_runtime);
  // Before any config is translated: translation reads it (re2.max_program_size.error_level).
  runtime_->activate([this](runtime::SnapshotSharedPtr s) {
    for (auto& w : workers_) w->publishRuntime(s);
  });
  for (const auto& key : runtime_->unreadEnvoyKeys()) {
    log::warn("runtime: key '{}' is Envoy's own setting; meshproxy does not read it", key);
  }
  // Before any listener accepts: the global connection limit is in force from the first one.
  if (bootstrap_.settings.overload) {
    overload_ =
        std::make_unique<OverloadManager>(loop_.uv(), *bootstrap_.settings.overload, stats_);
    overload_->start();
  }
  stats_flusher_ =
      std::make_unique<StatsFlusher>(loop_.uv(), stats_, bootstrap_.settings.stats_sinks);
  listener_manager_ = std::make_unique<ListenerManager>(static_cast<int>(options_.concurrency));
  // Hosts count request outcomes per worker (outlier detection's input): one stripe each.
  upstream::Host::setOutcomeStripes(options_.concurrency);
  secrets_ = std::make_unique<tls::SecretManager>(loop_.uv(), &stats_);
  // Before anything is translated: a TLS context naming one finds it there.
  if (auto s = secrets_->addStaticSecrets({bootstrap_.proto.static_resources().secrets().begin(),
                                           bootstrap_.proto.static_resources().secrets().end()});
      !s.ok()) {
    return s;
  }
  if (auto s = startOutlierDetection(); !s.ok()) return s;
  health_checks_ =
      std::make_unique<HealthCheckManager>(loop_, [this](const std::vector<std::string>& clusters) {
        if (config_ != nullptr && !shutting_down_) config_->hostHealthChanged(clusters);
      });
  config_ = std::make_unique<ConfigManager>(
      loop_,
      config::TranslationContext{.stats = stats_,
                                 .concurrency = options_.concurrency,
                                 .secrets = secrets_.get(),
                                 .node_metadata = &bootstrap_.proto.node().metadata(),
.bootstrap_tracing = bootstrap_.proto.tracing().has_http() ? &bootstrap_.proto.tracing().http() : nullptr,
.node_id = bootstrap_.proto.node().id(),
.node_cluster = bootstrap_.proto.node().cluster(),
.node_zone = bootstrap_.proto.node().locality().zone()},
      *listener_manager_,
      [this](std::shared_ptr<const config::Snapshot> s) { publish(std::move(s)); },
      std::chrono::seconds(options_.drain_time_s));
  dns_ = std::make_unique<DnsClusterUpdater>(
      loop_.uv(), [this](const std::string& cluster, upstream::HostVector hosts) {
        config_->setDnsHosts(cluster, std::move(hosts));
      });
  // Listeners open once every static STRICT_DNS cluster has its first hosts, as in Envoy's
  // init sequence: a request must not meet a cluster that simply has not resolved yet.
  config_->on_dns_cluster = [this](const upstream::ClusterConfigSharedPtr& cluster) {
    ++clusters_initializing_;
    dns_->track(cluster, [this] {
      if (clusters_initializing_ > 0 && --clusters_initializing_ == 0 && dns_waiting_) {
        dns_waiting_ = false;
        startWorkers();
      }
    });
  };
  if (auto s = config_->loadStatic(bootstrap_); !s.ok()) return s;
  for (const auto& h : listener_manager_->current()) {
    log::info("listener '{}' on {}", h.config->name, h.sockets->address().str());
  }
  if (auto s = startAdmin(); !s.ok()) return s;
  if (auto s = config_->startXds(bootstrap_,
                                 [this] {
                                   xds_initialized_ = true;
                                   maybeLive();
                                 });
      !s.ok()) {
    return s;
  }
  if (clusters_initializing_ == 0) {
    startWorkers();
  } else {
    dns_waiting_ = true;
  }
  return absl::OkStatus();
}

void Server::startWorkers() {
  if (shutting_down_) return;
  for (uint32_t i = 0; i < options_.concurrency; ++i) {
    workers_.push_back(std::make_unique<Worker>(i, std::chrono::seconds(options_.drain_time_s)));
    workers_.back()->start();
    workers_.back()->publishRuntime(runtime_->snapshot());
    workers_.back()->publish(snapshot_);
  }
  workers_started_ = true;
  maybeLive();
}

void Server::maybeLive() {
  if (state_ != ServerState::kInitializing || !workers_started_ || !xds_initialized_) return;
  state_ = ServerState::kLive;
  log::info("meshproxy {} live: {} listener(s), {} cluster(s), {} worker(s)", MESHPROXY_VERSION,
            snapshot_->listeners.size(), snapshot_->clusters.size(), workers_.size());
}

void Server::publish(std::shared_ptr<const config::Snapshot> snapshot) {
  // Keys the new config names get their slots first: workers receive the runtime snapshot
  // that resolves them before the config that reads them (both go through the same queue).
  runtime_->refreshKeys();
  snapshot_ = std::move(snapshot);
  if (health_checks_ != nullptr && !shutting_down_) health_checks_->update(*snapshot_);
  for (auto& w : workers_) w->publish(snapshot_);
  if (outliers_ != nullptr) outliers_->update(snapshot_->clusters);
}

absl::Status Server::startOutlierDetection() {
  std::unique_ptr<upstream::OutlierEventLog> event_log;
  const std::string& path = bootstrap_.proto.cluster_manager().outlier_detection().event_log_path();
  if (!path.empty()) {
    auto opened = upstream::OutlierEventLog::open(path);
    if (!opened.ok()) return opened.status();
    event_log = std::move(*opened);
  }
  outliers_ = std::make_unique<OutlierDetectionManager>(loop_, stats_, std::move(event_log),
                                                        [this](const std::string& cluster) {
                                                          for (auto& w : workers_)
                                                            w->onHostHealthChanged(cluster);
                                                        });
  upstream::OutlierWakeup::set(outliers_.get());
  return absl::OkStatus();
}

absl::Status Server::startAdmin() {
  if (!bootstrap_.admin_address) {
    log::info("no admin address configured: admin server disabled");
    return absl::OkStatus();
  }
  admin_ = std::make_unique<admin::AdminServer>(loop_.uv());
  registerAdminEndpoints(*admin_, *this);
  const auto& address = *bootstrap_.admin_address;
  if (auto s = admin_->listen(address.ip(), static_cast<int>(address.port())); !s.ok()) {
    return absl::Status(s.code(),
                        absl::StrCat("admin server on ", address.str(), ": ", s.message()));
  }
  log::info("admin server on {}:{}", address.ip(), admin_->boundPort());
  return absl::OkStatus();
}

void Server::installSignalHandlers() {
  // A peer closing mid-write must be an error code, not a process kill.
  std::signal(SIGPIPE, SIG_IGN);
  // Every signal a supervisor or logrotate may send is caught: left at its default action,
  // SIGHUP, SIGUSR1 and SIGUSR2 killed the process with its requests in flight.
  for (int signum : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2}) {
    auto* handle = new uv_signal_t;
    uv_signal_init(loop_.uv(), handle);
    handle->data = this;
    uv_signal_start(
        handle, [](uv_signal_t* h, int sig) { static_cast<Server*>(h->data)->onSignal(sig); },
        signum);
    signals_.push_back(handle);
  }
}

void Server::onSignal(int signum) {
  switch (signum) {
    case SIGTERM:
    case SIGINT:
      log::info("received {}: draining", signum == SIGTERM ? "SIGTERM" : "SIGINT");
      shutdown(true);
      return;
    case SIGHUP:
      // Envoy ignores it too: config comes from the bootstrap and xDS, there is nothing to
      // reload, and a hangup from a closed terminal must not end a sidecar.
      log::info("received SIGHUP: ignored");
      return;
    case SIGUSR1: {
      // logrotate's postrotate: the file was renamed; new records go to a new file at the
      // configured path. A file that cannot be reopened keeps receiving records.
      log::info("received SIGUSR1: reopening access logs");
      absl::Status s = accesslog::AccessLogManager::global().reopenAll();
      if (!s.ok()) log::warn("access logs: not every file could be reopened: {}", s.message());
      return;
    }
    case SIGUSR2:
      log::info("received SIGUSR2: ignored");
      return;
    default:
      return;
  }
}

void Server::drainListeners() {
  log::info("draining listeners: no new connections will be accepted");
  for (auto& w : workers_) w->drain();
}

void Server::shutdown(bool drain) {
  if (shutting_down_) {
    if (drain) {
      log::warn("second shutdown request: exiting without waiting for the drain");
    }
    finishShutdown();
    return;
  }
  shutting_down_ = true;
  state_ = ServerState::kDraining;
  drainListeners();
  if (!drain) {
    finishShutdown();
    return;
  }
  drain_deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(options_.drain_time_s);
  drain_timer_ = std::make_unique<Timer>(loop_.uv(), [this]() { checkDrained(); });
  drain_timer_->enableRepeating(std::chrono::milliseconds(50));
}

void Server::shutdownSoon() {
  quit_timer_ = std::make_unique<Timer>(loop_.uv(), [this]() { shutdown(false); });
  quit_timer_->enable(std::chrono::milliseconds(50));
}

void Server::checkDrained() {
  uint64_t open = network::activeConnectionCount();
  if (open == 0) {
    log::info("drain complete: no open connections");
    finishShutdown();
  } else if (std::chrono::steady_clock::now() >= drain_deadline_) {
    log::info("drain time ({} s) over: closing {} open connection(s)", options_.drain_time_s, open);
    finishShutdown();
  }
}

void Server::finishShutdown() {
  drain_timer_.reset();
  health_checks_.reset();
  config_.reset();
  dns_.reset();
  if (admin_ != nullptr) admin_->close([] {});
  for (uv_signal_t* s : signals_) uv_signal_stop(s);
  loop_.stop();
}

}  // namespace meshproxy::server
