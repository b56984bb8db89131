#include "proxy/server/config_manager.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "proxy/config/cluster_translator.h"
#include "proxy/config/endpoint_translator.h"
#include "proxy/config/listener_translator.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/core/json.h"
#include "proxy/core/log.h"
#include "proxy/route/route_table.h"
#include "proxy/tls/secret_manager.h"
#include "xds/client/type_urls.h"

namespace meshproxy::server {

namespace {
using Clock = std::chrono::system_clock;

bool sameHosts(const upstream::HostVector& a, const upstream::HostVector& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!(a[i]->address == b[i]->address) || a[i]->weight != b[i]->weight) return false;
  }
  return true;
}

template <typename T>
absl::StatusOr<T> decode(const google::protobuf::Any& any, int index) {
  T proto;
  if (!any.UnpackTo(&proto)) {
    return absl::InvalidArgumentError(
        absl::StrCat("resource ", index, ": cannot decode ", any.type_url()));
  }
  return proto;
}
}  // namespace

ConfigManager::ConfigManager(EventLoop& loop, config::TranslationContext context,
                             ListenerManager& listeners, Publish publish,
                             std::chrono::milliseconds drain_time)
    : loop_(loop),
      context_(context),
      listener_manager_(listeners),
      publish_(std::move(publish)),
      drain_time_(drain_time) {}

ConfigManager::~ConfigManager() {
  // The stream thread posts to the loop; stop it before anything it reaches goes away.
  xds_.reset();
}

absl::Status ConfigManager::loadStatic(const config::Bootstrap& bootstrap) {
  const auto& resources = bootstrap.proto.static_resources();
  for (const auto& proto : resources.clusters()) {
    auto cluster = config::translateCluster(proto, context_);
    if (!cluster.ok()) return cluster.status();
    ClusterEntry entry;
    entry.proto = proto;
    entry.meta.last_updated = Clock::now();
    entry.base = *cluster;
    entry.hash = protobuf::contentHash(proto);
    clusters_.emplace(proto.name(), std::move(entry));
  }
  std::vector<std::shared_ptr<const network::ListenerConfig>> configs;
  for (const auto& proto : resources.listeners()) {
    auto listener = config::translateListener(proto, context_);
    if (!listener.ok()) return listener.status();
    configs.push_back(*listener);
  }
  auto handles = listener_manager_.apply(configs);
  if (!handles.ok()) return handles.status();
  for (size_t i = 0; i < handles->size(); ++i) {
    ListenerEntry entry;
    entry.proto = resources.listeners(static_cast<int>(i));
    entry.meta.last_updated = Clock::now();
    entry.handle = (*handles)[i];
    entry.hash = (*handles)[i].config->content_hash;
    listeners_.emplace(entry.proto.name(), std::move(entry));
  }
  static_loaded_ = true;
  for (auto& [name, c] : clusters_) {
    if (c.base->type == upstream::DiscoveryType::kStrictDns && on_dns_cluster)
      on_dns_cluster(c.base);
  }
  rebuild();
  return absl::OkStatus();
}

absl::Status ConfigManager::startXds(const config::Bootstrap& bootstrap,
                                     std::function<void()> initialized) {
  initialized_ = std::move(initialized);
  const auto& proto = bootstrap.proto;
  bool needs_ads = false;
  for (const auto& [name, l] : listeners_) needs_ads |= !l.handle.config->rds_route_configs.empty();
  for (const auto& [name, c] : clusters_)
    needs_ads |= c.base->type == upstream::DiscoveryType::kEds;
  for (const auto& [name, l] : listeners_) needs_ads |= !l.handle.config->secrets.empty();
  for (const auto& [name, c] : clusters_) needs_ads |= !c.base->secrets.empty();
  if (!proto.has_dynamic_resources()) {
    if (needs_ads) {
      return absl::InvalidArgumentError(
          "a listener uses rds or SDS, or a cluster uses EDS or SDS, but the bootstrap has no "
          "dynamic_resources.ads_config");
    }
    checkInitialized();
    return absl::OkStatus();
  }
  const auto& dynamic = proto.dynamic_resources();
  const auto& ads = dynamic.ads_config();
  if (ads.api_type() != envoy::config::core::v3::ApiConfigSource::GRPC ||
      ads.transport_api_version() != envoy::config::core::v3::V3) {
    return absl::InvalidArgumentError(
        "dynamic_resources.ads_config: api_type GRPC and transport_api_version V3 are required");
  }
  if (ads.grpc_services_size() != 1) {
    return absl::InvalidArgumentError(
        "dynamic_resources.ads_config: exactly one grpc_services entry is supported");
  }
  const auto& service = ads.grpc_services(0);
  std::string target;
  if (service.has_envoy_grpc()) {
    const std::string& name = service.envoy_grpc().cluster_name();
    auto it = clusters_.find(name);
    if (it == clusters_.end() || it->second.dynamic) {
      return absl::InvalidArgumentError(
          absl::StrCat("ads_config: envoy_grpc cluster '", name, "' must be a static cluster"));
    }
    const auto& cluster = *it->second.base;
    if (!cluster.http2) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ads_config: cluster '", name,
          "' must declare HTTP/2 (typed_extension_protocol_options HttpProtocolOptions "
          "explicit_http_config.http2_protocol_options, or http2_protocol_options)"));
    }
    if (cluster.type == upstream::DiscoveryType::kStrictDns && !cluster.dns_targets.empty()) {
      target =
          absl::StrCat("dns:///", cluster.dns_targets[0].name, ":", cluster.dns_targets[0].port);
    } else if (!cluster.hosts.empty()) {
      const auto& address = cluster.hosts[0]->address;
      target = absl::StrCat(address.family() == AF_INET6 ? "ipv6:" : "ipv4:", address.str());
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("ads_config: cluster '", name, "' has no endpoint"));
    }
  } else if (service.has_google_grpc()) {
    target = service.google_grpc().target_uri();
  } else {
    return absl::InvalidArgumentError("ads_config.grpc_services needs envoy_grpc or google_grpc");
  }
  ads_cds_ = dynamic.has_cds_config();
  ads_lds_ = dynamic.has_lds_config();
  std::chrono::milliseconds init_timeout{15000};
  for (const auto* source : {&dynamic.cds_config(), &dynamic.lds_config()}) {
    if (source->has_initial_fetch_timeout()) {
      init_timeout =
          std::max(init_timeout, protobuf::toMilliseconds(source->initial_fetch_timeout()));
    }
  }
  xds_ = std::make_unique<xds::XdsManager>(loop_, proto.node(), target, context_.stats);
  if (ads_cds_) xds_->subscribe(xds::kClusterType, *this, true);
  xds_->subscribe(xds::kEndpointType, *this, false);
  if (ads_lds_) xds_->subscribe(xds::kListenerType, *this, true);
  xds_->subscribe(xds::kRouteType, *this, false);
  // Secrets are asked for as soon as a cluster or listener names one (updateSubscriptions).
  xds_->subscribe(xds::kSecretType, *this, false);
  updateSubscriptions();
  log::info("xds: ADS to {} (cds: {}, lds: {})", target, ads_cds_, ads_lds_);
  xds_->start();
  init_timer_ = std::make_unique<Timer>(loop_.uv(), [this] {
    if (initialized_) {
      log::warn(
          "xds: initial fetch not complete after the initial_fetch_timeout; going live with what "
          "there is");
      auto done = std::move(initialized_);
      initialized_ = nullptr;
      done();
    }
  });
  init_timer_->enable(init_timeout);
  checkInitialized();
  return absl::OkStatus();
}

void ConfigManager::checkInitialized() {
  if (!initialized_) return;
  bool cds_done = !ads_cds_ || (cds_received_ && warming_clusters_.empty());
  bool lds_done = !ads_lds_ || (lds_received_ && warming_listeners_.empty());
  if (cds_done && lds_done) {
    init_timer_.reset();
    auto done = std::move(initialized_);
    initialized_ = nullptr;
    done();
  }
}

absl::Status ConfigManager::onConfigUpdate(std::string_view type_url,
                                           const std::vector<google::protobuf::Any>& resources,
                                           const std::string& version) {
  if (type_url == xds::kClusterType) return applyClusters(resources, version);
  if (type_url == xds::kListenerType) return applyListeners(resources, version);
  if (type_url == xds::kRouteType) return applyRoutes(resources, version);
  if (type_url == xds::kEndpointType) return applyEndpoints(resources, version);
  if (type_url == xds::kSecretType) return applySecrets(resources, version);
  return absl::InvalidArgumentError(absl::StrCat("unsupported resource type ", toAbsl(type_url)));
}

// ---- CDS / EDS -----------------------------------------------------------------------------

bool ConfigManager::clusterReady(const ClusterEntry& entry) const {
  if (entry.fetch_timed_out) return true;
  // Its TLS context has every SDS secret it names (and could be built from them).
  if (!entry.base->transportReady()) return false;
  return entry.base->type != upstream::DiscoveryType::kEds ||
         endpoints_.contains(entry.base->eds_service_name);
}

std::chrono::milliseconds ConfigManager::warmTimeout(
    std::optional<std::chrono::milliseconds> own, const std::vector<std::string>& secrets) const {
  // Each thing waited for has its own initial_fetch_timeout; the resource goes live when the
  // last of them has arrived or timed out.
  std::chrono::milliseconds timeout = own.value_or(std::chrono::milliseconds(0));
  for (const auto& name : secrets) {
    if (context_.secrets != nullptr)
      timeout = std::max(timeout, context_.secrets->initialFetchTimeout(name));
  }
  return timeout.count() > 0 ? timeout : std::chrono::milliseconds(15000);
}

void ConfigManager::refreshEffective(ClusterEntry& entry) {
  const upstream::HostVector* hosts = &entry.base->hosts;
  upstream::HostVector empty;
  if (entry.base->type == upstream::DiscoveryType::kEds) {
    auto it = endpoints_.find(entry.base->eds_service_name);
    hosts = it == endpoints_.end() ? &empty : &it->second.hosts;
  } else if (entry.base->type == upstream::DiscoveryType::kStrictDns) {
    auto it = dns_hosts_.find(entry.base->name);
    hosts = it == dns_hosts_.end() ? &empty : &it->second;
  }
  if (entry.effective != nullptr && sameHosts(entry.effective->hosts, *hosts) &&
      entry.effective->stats == entry.base->stats && entry.effective->name == entry.base->name &&
      entry.effective_base == entry.base) {
    return;
  }
  if (hosts == &entry.base->hosts) {
    entry.effective = entry.base;
  } else {
    auto copy = std::make_shared<upstream::ClusterConfig>(*entry.base);
    copy->hosts = *hosts;
    entry.effective = std::move(copy);
  }
  entry.effective_base = entry.base;
  entry.effective->stats->membership_total.set(static_cast<int64_t>(entry.effective->hosts.size()));
}

absl::Status ConfigManager::applyClusters(const std::vector<google::protobuf::Any>& resources,
                                          const std::string& version) {
  std::map<std::string, ClusterEntry> incoming;
  for (size_t i = 0; i < resources.size(); ++i) {
    auto proto = decode<envoy::config::cluster::v3::Cluster>(resources[i], static_cast<int>(i));
    if (!proto.ok()) return proto.status();
    const std::string& name = proto->name();
    if (name.empty())
      return absl::InvalidArgumentError(absl::StrCat("cluster resource ", i, " has no name"));
    if (incoming.contains(name))
      return absl::InvalidArgumentError(absl::StrCat("duplicate cluster '", name, "'"));
    if (auto it = clusters_.find(name); it != clusters_.end() && !it->second.dynamic) {
      return absl::InvalidArgumentError(
          absl::StrCat("cluster '", name, "' is static and cannot be replaced by CDS"));
    }
    ClusterEntry entry;
    entry.hash = protobuf::contentHash(*proto);
    entry.proto = std::move(*proto);
    entry.dynamic = true;
    auto active = clusters_.find(name);
    auto warming = warming_clusters_.find(name);
    bool unchanged = (active != clusters_.end() && active->second.hash == entry.hash) ||
                     (warming != warming_clusters_.end() && warming->second.hash == entry.hash);
    if (!unchanged) {
      auto cluster = config::translateCluster(entry.proto, context_);
      if (!cluster.ok()) return cluster.status();
      entry.base = *cluster;
      entry.meta = {version, Clock::now()};
    }
    incoming.emplace(name, std::move(entry));
  }

  // Valid: commit.
  for (auto& [name, entry] : incoming) {
    removed_but_referenced_.erase(name);
    if (entry.base == nullptr) continue;  // unchanged
    warming_clusters_.erase(name);
    if (clusterReady(entry)) {
      refreshEffective(entry);
      clusters_[name] = std::move(entry);
      if (clusters_[name].base->type == upstream::DiscoveryType::kStrictDns && on_dns_cluster) {
        on_dns_cluster(clusters_[name].base);
      }
      continue;
    }
    auto& warm = warming_clusters_[name] = std::move(entry);
    // Through a member function with its own copy of the name: activating destroys this
    // timer, and with it the lambda, while it runs.
    warm.warm_timer = std::make_unique<Timer>(
        loop_.uv(), [this, name = name] { clusterWarmTimedOut(std::string(name)); });
    warm.warm_timer->enable(
        warmTimeout(warm.base->type == upstream::DiscoveryType::kEds
                        ? std::optional<std::chrono::milliseconds>(warm.base->initial_fetch_timeout)
                        : std::nullopt,
                    warm.base->secrets));
  }
  std::set<std::string> referenced = referencedClusters();
  for (auto it = clusters_.begin(); it != clusters_.end();) {
    if (!it->second.dynamic || incoming.contains(it->first)) {
      ++it;
      continue;
    }
    if (referenced.contains(it->first)) {
      // Still named by an active listener or route: removed when nothing uses it.
      removed_but_referenced_.insert(it->first);
      ++it;
      continue;
    }
    it = clusters_.erase(it);
  }
  std::erase_if(warming_clusters_, [&](const auto& kv) { return !incoming.contains(kv.first); });
  cds_received_ = true;
  updateSubscriptions();
  rebuild();
  checkInitialized();
  return absl::OkStatus();
}

absl::Status ConfigManager::applyEndpoints(const std::vector<google::protobuf::Any>& resources,
                                           const std::string& version) {
  std::map<std::string, EndpointEntry> incoming;
  for (size_t i = 0; i < resources.size(); ++i) {
    auto proto = decode<envoy::config::endpoint::v3::ClusterLoadAssignment>(resources[i],
                                                                            static_cast<int>(i));
    if (!proto.ok()) return proto.status();
    const std::string name = proto->cluster_name();
    if (name.empty())
      return absl::InvalidArgumentError(
          absl::StrCat("endpoint resource ", i, " has no cluster_name"));
    auto hosts = config::translateLoadAssignment(
        *proto, absl::StrCat("cluster_load_assignment '", name, "'"));
    if (!hosts.ok()) return hosts.status();
    EndpointEntry entry;
    entry.proto = std::move(*proto);
    entry.meta = {version, Clock::now()};
    entry.hosts = std::move(*hosts);
    incoming[name] = std::move(entry);
  }
  for (auto& [name, entry] : incoming) endpoints_[name] = std::move(entry);
  activateWarmed();
  rebuild();
  checkInitialized();
  return absl::OkStatus();
}

// ---- LDS / RDS -----------------------------------------------------------------------------

bool ConfigManager::listenerReady(const ListenerEntry& entry) const {
  if (entry.fetch_timed_out) return true;
  if (!entry.handle.config->transportReady()) return false;
  for (const auto& name : entry.handle.config->rds_route_configs) {
    if (!routes_.contains(name)) return false;
  }
  return true;
}

absl::Status ConfigManager::applyListeners(const std::vector<google::protobuf::Any>& resources,
                                           const std::string& version) {
  std::map<std::string, ListenerEntry> incoming;
  std::map<std::string, std::shared_ptr<const network::ListenerConfig>> wanted;
  for (size_t i = 0; i < resources.size(); ++i) {
    auto proto = decode<envoy::config::listener::v3::Listener>(resources[i], static_cast<int>(i));
    if (!proto.ok()) return proto.status();
    const std::string& name = proto->name();
    if (name.empty())
      return absl::InvalidArgumentError(absl::StrCat("listener resource ", i, " has no name"));
    if (incoming.contains(name))
      return absl::InvalidArgumentError(absl::StrCat("duplicate listener '", name, "'"));
    if (auto it = listeners_.find(name); it != listeners_.end() && !it->second.dynamic) {
      return absl::InvalidArgumentError(
          absl::StrCat("listener '", name, "' is static and cannot be replaced by LDS"));
    }
    ListenerEntry entry;
    entry.hash = protobuf::contentHash(*proto);
    entry.proto = std::move(*proto);
    entry.dynamic = true;
    auto warming = warming_listeners_.find(name);
    auto active = listeners_.find(name);
    if (warming != warming_listeners_.end() && warming->second.hash == entry.hash) {
      wanted[name] = warming->second.handle.config;
    } else if (active != listeners_.end() && active->second.hash == entry.hash) {
      wanted[name] = active->second.handle.config;
    } else {
      auto listener = config::translateListener(entry.proto, context_);
      if (!listener.ok()) return listener.status();
      wanted[name] = *listener;
      entry.meta = {version, Clock::now()};
      entry.handle.config = *listener;
    }
    incoming.emplace(name, std::move(entry));
  }
  // Binding is part of validation: a port in use rejects the update, and nothing changes.
  auto handles = listener_manager_.apply(allListenerConfigs(wanted));
  if (!handles.ok()) return handles.status();
  std::map<std::string, config::ListenerHandle> by_name;
  for (const auto& h : *handles) by_name[h.config->name] = h;

  for (auto& [name, entry] : incoming) {
    if (entry.handle.config == nullptr) continue;  // unchanged
    entry.handle = by_name[name];
    warming_listeners_.erase(name);
    if (listenerReady(entry)) {
      listeners_[name] = std::move(entry);
      continue;
    }
    auto& warm = warming_listeners_[name] = std::move(entry);
    // Through a member function with its own copy of the name: activating destroys this
    // timer, and with it the lambda, while it runs.
    warm.warm_timer = std::make_unique<Timer>(
        loop_.uv(), [this, name = name] { listenerWarmTimedOut(std::string(name)); });
    const auto& config = *warm.handle.config;
    warm.warm_timer->enable(warmTimeout(config.rds_route_configs.empty()
                                            ? std::nullopt
                                            : std::optional<std::chrono::milliseconds>(15000),
                                        config.secrets));
  }
  auto now = std::chrono::steady_clock::now();
  for (auto it = listeners_.begin(); it != listeners_.end();) {
    if (!it->second.dynamic || incoming.contains(it->first)) {
      ++it;
      continue;
    }
    draining_listeners_[it->first] = {it->second.proto, it->second.meta, now + drain_time_};
    it = listeners_.erase(it);
  }
  std::erase_if(warming_listeners_, [&](const auto& kv) { return !incoming.contains(kv.first); });
  lds_received_ = true;
  updateSubscriptions();
  rebuild();
  checkInitialized();
  return absl::OkStatus();
}

std::vector<std::shared_ptr<const network::ListenerConfig>> ConfigManager::allListenerConfigs(
    const std::map<std::string, std::shared_ptr<const network::ListenerConfig>>& dynamic) const {
  std::vector<std::shared_ptr<const network::ListenerConfig>> all;
  for (const auto& [name, l] : listeners_) {
    if (!l.dynamic) all.push_back(l.handle.config);
  }
  for (const auto& [name, config] : dynamic) all.push_back(config);
  return all;
}

absl::Status ConfigManager::applyRoutes(const std::vector<google::protobuf::Any>& resources,
                                        const std::string& version) {
  std::map<std::string, RouteEntry> incoming;
  for (size_t i = 0; i < resources.size(); ++i) {
    auto proto =
        decode<envoy::config::route::v3::RouteConfiguration>(resources[i], static_cast<int>(i));
    if (!proto.ok()) return proto.status();
    const std::string name = proto->name();
    if (name.empty())
      return absl::InvalidArgumentError(absl::StrCat("route configuration ", i, " has no name"));
    auto table = route::RouteTable::create(*proto);
    if (!table.ok())
      return protobuf::withContext(table.status(), absl::StrCat("route_configuration '", name, "'"));
    RouteEntry entry;
    entry.proto = std::move(*proto);
    entry.meta = {version, Clock::now()};
    entry.table = *table;
    incoming[name] = std::move(entry);
  }
  for (auto& [name, entry] : incoming) routes_[name] = std::move(entry);
  activateWarmed();
  rebuild();
  checkInitialized();
  return absl::OkStatus();
}

void ConfigManager::clusterWarmTimedOut(std::string name) {
  auto it = warming_clusters_.find(name);
  if (it == warming_clusters_.end()) return;
  log::warn(
      "cluster '{}': endpoints or secrets not received after initial_fetch_timeout; activating",
      name);
  it->second.fetch_timed_out = true;
  activateWarmed();
  rebuild();
  checkInitialized();
}

void ConfigManager::listenerWarmTimedOut(std::string name) {
  auto it = warming_listeners_.find(name);
  if (it == warming_listeners_.end()) return;
  log::warn("listener '{}': routes or secrets not received after initial_fetch_timeout; activating",
            name);
  it->second.fetch_timed_out = true;
  activateWarmed();
  rebuild();
  checkInitialized();
}

// ---- SDS -----------------------------------------------------------------------------------

absl::Status ConfigManager::applySecrets(const std::vector<google::protobuf::Any>& resources,
                                         const std::string& version) {
  if (context_.secrets == nullptr)
    return absl::InvalidArgumentError("SDS secrets without a secret manager");
  std::vector<envoy::extensions::transport_sockets::tls::v3::Secret> incoming;
  std::set<std::string> names;
  for (size_t i = 0; i < resources.size(); ++i) {
    auto proto = decode<envoy::extensions::transport_sockets::tls::v3::Secret>(resources[i],
                                                                               static_cast<int>(i));
    if (!proto.ok()) return proto.status();
    if (proto->name().empty())
      return absl::InvalidArgumentError(absl::StrCat("secret resource ", i, " has no name"));
    if (!names.insert(proto->name()).second) {
      return absl::InvalidArgumentError(absl::StrCat("duplicate secret '", proto->name(), "'"));
    }
    incoming.push_back(std::move(*proto));
  }
  // All or nothing: a secret that does not load (or whose key does not match its
  // certificate) rejects the response, and the previous secrets keep serving. Valid ones
  // rebuild the TLS contexts that use them: new handshakes take them at once.
  if (auto s = context_.secrets->setSecrets(incoming); !s.ok()) return s;
  for (auto& proto : incoming) {
    std::string name = proto.name();
    secrets_[name] = SecretEntry{std::move(proto), {version, Clock::now()}};
  }
  activateWarmed();
  rebuild();
  checkInitialized();
  return absl::OkStatus();
}

// ---- shared --------------------------------------------------------------------------------

void ConfigManager::activateWarmed() {
  for (auto it = warming_clusters_.begin(); it != warming_clusters_.end();) {
    if (!clusterReady(it->second)) {
      ++it;
      continue;
    }
    it->second.warm_timer.reset();
    refreshEffective(it->second);
    auto& active = clusters_[it->first] = std::move(it->second);
    if (active.base->type == upstream::DiscoveryType::kStrictDns && on_dns_cluster)
      on_dns_cluster(active.base);
    it = warming_clusters_.erase(it);
  }
  for (auto it = warming_listeners_.begin(); it != warming_listeners_.end();) {
    if (!listenerReady(it->second)) {
      ++it;
      continue;
    }
    it->second.warm_timer.reset();
    listeners_[it->first] = std::move(it->second);
    it = warming_listeners_.erase(it);
  }
}

std::set<std::string> ConfigManager::referencedClusters() const {
  std::set<std::string> names;
  for (const auto& [name, l] : listeners_) {
    names.insert(l.handle.config->clusters.begin(), l.handle.config->clusters.end());
    for (const auto& rds : l.handle.config->rds_route_configs) {
      auto it = routes_.find(rds);
      if (it == routes_.end()) continue;
      const auto& cluster_names = it->second.table->clusterNames();
      names.insert(cluster_names.begin(), cluster_names.end());
    }
  }
  return names;
}

void ConfigManager::updateSubscriptions() {
  std::set<std::string> rds;
  for (const auto* map : {&listeners_, &warming_listeners_}) {
    for (const auto& [name, l] : *map) {
      rds.insert(l.handle.config->rds_route_configs.begin(),
                 l.handle.config->rds_route_configs.end());
    }
  }
  std::set<std::string> eds;
  for (const auto* map : {&clusters_, &warming_clusters_}) {
    for (const auto& [name, c] : *map) {
      if (c.base->type == upstream::DiscoveryType::kEds) eds.insert(c.base->eds_service_name);
    }
  }
  std::set<std::string> sds;
  for (const auto* map : {&listeners_, &warming_listeners_}) {
    for (const auto& [name, l] : *map)
      sds.insert(l.handle.config->secrets.begin(), l.handle.config->secrets.end());
  }
  for (const auto* map : {&clusters_, &warming_clusters_}) {
    for (const auto& [name, c] : *map) sds.insert(c.base->secrets.begin(), c.base->secrets.end());
  }
  // Resources nobody subscribes to any more are forgotten, as an unsubscribe implies. (The
  // SecretManager keeps a secret's material: contexts still draining may use it.)
  std::erase_if(routes_, [&](const auto& kv) { return !rds.contains(kv.first); });
  std::erase_if(endpoints_, [&](const auto& kv) { return !eds.contains(kv.first); });
  std::erase_if(secrets_, [&](const auto& kv) { return !sds.contains(kv.first); });
  if (xds_ != nullptr) {
    xds_->setResourceNames(xds::kRouteType, rds);
    xds_->setResourceNames(xds::kEndpointType, eds);
    xds_->setResourceNames(xds::kSecretType, sds);
  }
}

void ConfigManager::setDnsHosts(const std::string& cluster, upstream::HostVector hosts) {
  dns_hosts_[cluster] = std::move(hosts);
  auto it = clusters_.find(cluster);
  if (it != clusters_.end()) it->second.base->stats->update_success.inc();
  rebuild();
}

std::vector<upstream::ClusterConfigSharedPtr> ConfigManager::dnsClusters() const {
  std::vector<upstream::ClusterConfigSharedPtr> out;
  for (const auto& [name, c] : clusters_) {
    if (c.base->type == upstream::DiscoveryType::kStrictDns) out.push_back(c.base);
  }
  return out;
}

void ConfigManager::rebuild() {
  auto snapshot = std::make_shared<config::Snapshot>();
  snapshot->version = ++snapshot_version_;
  std::set<std::string> referenced = referencedClusters();
  for (auto it = removed_but_referenced_.begin(); it != removed_but_referenced_.end();) {
    if (referenced.contains(*it)) {
      ++it;
      continue;
    }
    clusters_.erase(*it);
    it = removed_but_referenced_.erase(it);
  }
  for (auto& [name, c] : clusters_) {
    refreshEffective(c);
    snapshot->clusters.emplace(name, c.effective);
  }
  for (const auto& [name, l] : listeners_) snapshot->listeners.push_back(l.handle);
  for (const auto& [name, r] : routes_) snapshot->routes.tables.emplace(name, r.table);
  snapshot_ = snapshot;
  publish_(std::move(snapshot));
}

// ---- /config_dump --------------------------------------------------------------------------

namespace {
std::string timeJson(Clock::time_point t) {
  return jsonString(
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromChrono(t), absl::UTCTimeZone()));
}

template <typename Proto>
std::string typed(const Proto& proto) {
  std::string body = protobuf::messageToJson(proto);
  std::string out =
      absl::StrCat("{\"@type\":\"type.googleapis.com/", Proto::descriptor()->full_name(), "\"");
  if (body.size() > 2)
    absl::StrAppend(&out, ",", body.substr(1));
  else
    out += "}";
  return out;
}

template <typename Entry>
std::string state(const Entry& e, const char* field, const std::string& resource) {
  return absl::StrCat("{\"version_info\":", jsonString(e.meta.version), ",\"", field,
                      "\":", resource, ",\"last_updated\":", timeJson(e.meta.last_updated), "}");
}

// As Envoy's config dump: private keys (and key passwords) appear as "[redacted]", in the
// same DataSource field they came in.
void redact(envoy::config::core::v3::DataSource& source) {
  if (source.has_inline_bytes()) source.set_inline_bytes("[redacted]");
  if (source.has_inline_string()) source.set_inline_string("[redacted]");
}

envoy::extensions::transport_sockets::tls::v3::Secret redacted(
    envoy::extensions::transport_sockets::tls::v3::Secret secret) {
  if (secret.has_tls_certificate()) {
    auto* cert = secret.mutable_tls_certificate();
    if (cert->has_private_key()) redact(*cert->mutable_private_key());
    if (cert->has_password()) redact(*cert->mutable_password());
  }
  return secret;
}

void appendList(std::string& out, const std::vector<std::string>& items) {
  out += "[";
  for (size_t i = 0; i < items.size(); ++i) absl::StrAppend(&out, i ? "," : "", items[i]);
  out += "]";
}
}  // namespace

std::string ConfigManager::configDumpJson(
    const envoy::config::bootstrap::v3::Bootstrap& bootstrap) const {
  std::vector<std::string> static_clusters, active_clusters, warming;
  for (const auto& [name, c] : clusters_) {
    std::string item = c.dynamic
                           ? state(c, "cluster", typed(c.proto))
                           : absl::StrCat("{\"cluster\":", typed(c.proto),
                                          ",\"last_updated\":", timeJson(c.meta.last_updated), "}");
    (c.dynamic ? active_clusters : static_clusters).push_back(item);
  }
  for (const auto& [name, c] : warming_clusters_)
    warming.push_back(state(c, "cluster", typed(c.proto)));

  std::vector<std::string> static_listeners, dynamic_listeners;
  std::set<std::string> names;
  for (const auto& [name, l] : listeners_) {
    if (!l.dynamic) {
      static_listeners.push_back(absl::StrCat("{\"listener\":", typed(l.proto),
                                              ",\"last_updated\":", timeJson(l.meta.last_updated),
                                              "}"));
    } else {
      names.insert(name);
    }
  }
  for (const auto& [name, l] : warming_listeners_) names.insert(name);
  auto now = std::chrono::steady_clock::now();
  for (const auto& [name, d] : draining_listeners_) {
    if (d.until > now) names.insert(name);
  }
  for (const auto& name : names) {
    std::string item = absl::StrCat("{\"name\":", jsonString(name));
    if (auto it = listeners_.find(name); it != listeners_.end()) {
      absl::StrAppend(&item,
                      ",\"active_state\":", state(it->second, "listener", typed(it->second.proto)));
    }
    if (auto it = warming_listeners_.find(name); it != warming_listeners_.end()) {
      absl::StrAppend(
          &item, ",\"warming_state\":", state(it->second, "listener", typed(it->second.proto)));
    }
    if (auto it = draining_listeners_.find(name);
        it != draining_listeners_.end() && it->second.until > now) {
      absl::StrAppend(
          &item, ",\"draining_state\":", state(it->second, "listener", typed(it->second.proto)));
    }
    item += "}";
    dynamic_listeners.push_back(item);
  }
  std::vector<std::string> routes, endpoints;
  for (const auto& [name, r] : routes_) routes.push_back(state(r, "route_config", typed(r.proto)));
  for (const auto& [name, e] : endpoints_)
    endpoints.push_back(state(e, "endpoint_config", typed(e.proto)));

  std::string out = "{\"configs\":[";
  absl::StrAppend(
      &out, "{\"@type\":\"type.googleapis.com/envoy.admin.v3.BootstrapConfigDump\",\"bootstrap\":",
      protobuf::messageToJson(bootstrap), "}");
  absl::StrAppend(&out, ",{\"@type\":\"type.googleapis.com/envoy.admin.v3.ClustersConfigDump\"");
  if (xds_ != nullptr)
    absl::StrAppend(&out,
                    ",\"version_info\":", jsonString(xds_->acceptedVersion(xds::kClusterType)));
  out += ",\"static_clusters\":";
  appendList(out, static_clusters);
  out += ",\"dynamic_active_clusters\":";
  appendList(out, active_clusters);
  out += ",\"dynamic_warming_clusters\":";
  appendList(out, warming);
  out += "},{\"@type\":\"type.googleapis.com/envoy.admin.v3.ListenersConfigDump\"";
  if (xds_ != nullptr)
    absl::StrAppend(&out,
                    ",\"version_info\":", jsonString(xds_->acceptedVersion(xds::kListenerType)));
  out += ",\"static_listeners\":";
  appendList(out, static_listeners);
  out += ",\"dynamic_listeners\":";
  appendList(out, dynamic_listeners);
  out +=
      "},{\"@type\":\"type.googleapis.com/"
      "envoy.admin.v3.RoutesConfigDump\",\"dynamic_route_configs\":";
  appendList(out, routes);
  out +=
      "},{\"@type\":\"type.googleapis.com/"
      "envoy.admin.v3.EndpointsConfigDump\",\"dynamic_endpoint_configs\":";
  appendList(out, endpoints);
  out +=
      "},{\"@type\":\"type.googleapis.com/"
      "envoy.admin.v3.SecretsConfigDump\",\"dynamic_active_secrets\":";
  appendList(out, activeSecretsJson());
  out += ",\"dynamic_warming_secrets\":";
  appendList(out, warmingSecretsJson());
  out += "}]}";
  return out;
}

std::vector<std::string> ConfigManager::activeSecretsJson() const {
  std::vector<std::string> items;
  for (const auto& [name, e] : secrets_) {
    items.push_back(absl::StrCat("{\"name\":", jsonString(name),
                                 ",\"version_info\":", jsonString(e.meta.version),
                                 ",\"last_updated\":", timeJson(e.meta.last_updated),
                                 ",\"secret\":", typed(redacted(e.proto)), "}"));
  }
  return items;
}

std::vector<std::string> ConfigManager::warmingSecretsJson() const {
  // Named by a listener or cluster, not received yet.
  std::set<std::string> wanted;
  for (const auto* map : {&listeners_, &warming_listeners_}) {
    for (const auto& [name, l] : *map)
      wanted.insert(l.handle.config->secrets.begin(), l.handle.config->secrets.end());
  }
  for (const auto* map : {&clusters_, &warming_clusters_}) {
    for (const auto& [name, c] : *map)
      wanted.insert(c.base->secrets.begin(), c.base->secrets.end());
  }
  std::vector<std::string> items;
  for (const auto& name : wanted) {
    if (secrets_.contains(name) ||
        (context_.secrets != nullptr && context_.secrets->hasSecret(name)))
      continue;
    items.push_back(absl::StrCat("{\"name\":", jsonString(name), "}"));
  }
  return items;
}

}  // namespace meshproxy::server
