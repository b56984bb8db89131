#include "proxy/server/server.h"

#include <csignal>

#include "absl/strings/str_cat.h"
#include "proxy/accesslog/access_log_manager.h"
#include "proxy/config/cluster_translator.h"
#include "proxy/config/listener_translator.h"
#include "proxy/core/log.h"
#include "proxy/network/active_listener.h"
#include "proxy/server/admin_endpoints.h"

namespace meshproxy::server {

const char* toString(ServerState state) {
  switch (state) {
    case ServerState::kInitializing: return "PRE_INITIALIZING";
    case ServerState::kLive: return "LIVE";
    case ServerState::kDraining: return "DRAINING";
  }
  return "UNKNOWN";
}

Server::Server(Options options)
    : options_(std::move(options)), start_time_(std::chrono::system_clock::now()) {}

Server::~Server() {
  for (auto& w : workers_) w->shutdown();
  workers_.clear();
  dns_.reset();
  admin_.reset();
  drain_timer_.reset();
  quit_timer_.reset();
  for (uv_signal_t* s : signals_) {
    uv_close(reinterpret_cast<uv_handle_t*>(s), [](uv_handle_t* h) { delete reinterpret_cast<uv_signal_t*>(h); });
  }
  signals_.clear();
}

int Server::run() {
  log::setThreadName("main");
  if (auto s = initialize(); !s.ok()) {
    log::critical("{}", s.message());
    return 1;
  }
  loop_.run();
  for (auto& w : workers_) w->shutdown();
  accesslog::AccessLogManager::global().shutdown();
  log::info("meshproxy exiting");
  return 0;
}

absl::Status Server::initialize() {
  auto bootstrap = config::loadBootstrapFile(options_.config_path);
  if (!bootstrap.ok()) return bootstrap.status();
  bootstrap_ = std::move(*bootstrap);
  auto* node = bootstrap_.proto.mutable_node();
  if (options_.service_node) node->set_id(*options_.service_node);
  if (options_.service_cluster) node->set_cluster(*options_.service_cluster);
  if (options_.admin_address) {
    auto address = network::Address::parse(*options_.admin_address);
    if (!address.ok()) return absl::InvalidArgumentError(absl::StrCat("--admin-address: ", address.status().message()));
    bootstrap_.admin_address = *address;
  }
  listener_manager_ = std::make_unique<ListenerManager>(static_cast<int>(options_.concurrency));
  if (auto s = loadStaticConfig(); !s.ok()) return s;
  if (auto s = startAdmin(); !s.ok()) return s;
  installSignalHandlers();
  // Listeners open once every cluster has its first hosts, as in Envoy's init sequence: a
  // request must not meet a STRICT_DNS cluster that simply has not resolved yet.
  initializeClusters([this] { startWorkers(); });
  return absl::OkStatus();
}

void Server::startWorkers() {
  if (shutting_down_) return;
  for (uint32_t i = 0; i < options_.concurrency; ++i) {
    workers_.push_back(std::make_unique<Worker>(i, std::chrono::seconds(options_.drain_time_s)));
    workers_.back()->start();
    workers_.back()->publish(snapshot_);
  }
  state_ = ServerState::kLive;
  log::info("meshproxy {} live: {} listener(s), {} cluster(s), {} worker(s)", MESHPROXY_VERSION,
            snapshot_->listeners.size(), snapshot_->clusters.size(), workers_.size());
}

void Server::initializeClusters(std::function<void()> done) {
  dns_ = std::make_unique<DnsClusterUpdater>(
      loop_.uv(), [this](const std::string& cluster, upstream::HostVector hosts) {
        onDnsHostsChanged(cluster, std::move(hosts));
      });
  std::vector<upstream::ClusterConfigSharedPtr> dns_clusters;
  for (const auto& [name, cluster] : snapshot_->clusters) {
    if (cluster->type == upstream::DiscoveryType::kStrictDns) dns_clusters.push_back(cluster);
  }
  clusters_initializing_ = dns_clusters.size();
  if (clusters_initializing_ == 0) {
    done();
    return;
  }
  auto shared_done = std::make_shared<std::function<void()>>(std::move(done));
  for (const auto& cluster : dns_clusters) {
    dns_->track(cluster, [this, shared_done] {
      if (--clusters_initializing_ == 0) (*shared_done)();
    });
  }
}

void Server::onDnsHostsChanged(const std::string& name, upstream::HostVector hosts) {
  auto it = snapshot_->clusters.find(name);
  if (it == snapshot_->clusters.end()) return;
  auto updated = std::make_shared<upstream::ClusterConfig>(*it->second);
  updated->hosts = std::move(hosts);
  auto next = std::make_shared<config::Snapshot>(*snapshot_);
  next->version = snapshot_->version + 1;
  next->clusters[name] = std::move(updated);
  next->clusters[name]->stats->update_success.inc();
  publish(std::move(next));
}

void Server::publish(std::shared_ptr<const config::Snapshot> snapshot) {
  for (const auto& [name, cluster] : snapshot->clusters) {
    cluster->stats->membership_total.set(static_cast<int64_t>(cluster->hosts.size()));
  }
  snapshot_ = std::move(snapshot);
  for (auto& w : workers_) w->publish(snapshot_);
}

absl::Status Server::loadStaticConfig() {
  config::TranslationContext context{stats_, options_.concurrency};
  auto snapshot = std::make_shared<config::Snapshot>();
  snapshot->version = 1;
  for (const auto& proto : bootstrap_.proto.static_resources().clusters()) {
    auto cluster = config::translateCluster(proto, context);
    if (!cluster.ok()) return cluster.status();
    snapshot->clusters.emplace(proto.name(), *cluster);
  }
  std::vector<std::shared_ptr<const network::ListenerConfig>> listeners;
  for (const auto& proto : bootstrap_.proto.static_resources().listeners()) {
    auto listener = config::translateListener(proto, context);
    if (!listener.ok()) return listener.status();
    listeners.push_back(*listener);
  }
  auto handles = listener_manager_->apply(listeners);
  if (!handles.ok()) return handles.status();
  snapshot->listeners = std::move(*handles);
  for (const auto& [name, cluster] : snapshot->clusters) {
    cluster->stats->membership_total.set(static_cast<int64_t>(cluster->hosts.size()));
  }
  for (const auto& h : snapshot->listeners) {
    log::info("listener '{}' on {}", h.config->name, h.sockets->address().str());
  }
  snapshot_ = std::move(snapshot);
  config_time_ = std::chrono::system_clock::now();
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
    return absl::Status(s.code(), absl::StrCat("admin server on ", address.str(), ": ", s.message()));
  }
  log::info("admin server on {}:{}", address.ip(), admin_->boundPort());
  return absl::OkStatus();
}

void Server::installSignalHandlers() {
  // A peer closing mid-write must be an error code, not a process kill.
  std::signal(SIGPIPE, SIG_IGN);
  for (int signum : {SIGTERM, SIGINT}) {
    auto* handle = new uv_signal_t;
    uv_signal_init(loop_.uv(), handle);
    handle->data = this;
    uv_signal_start(handle, [](uv_signal_t* h, int sig) {
      auto* self = static_cast<Server*>(h->data);
      log::info("received signal {}: draining", sig);
      self->shutdown(true);
    }, signum);
    signals_.push_back(handle);
  }
}

void Server::drainListeners() {
  log::info("draining listeners: no new connections will be accepted");
  for (auto& w : workers_) w->stopAccepting();
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
  dns_.reset();
  if (admin_ != nullptr) admin_->close([] {});
  for (uv_signal_t* s : signals_) uv_signal_stop(s);
  loop_.stop();
}

}  // namespace meshproxy::server
