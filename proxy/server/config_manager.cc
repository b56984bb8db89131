#include "proxy/server/config_manager.h"
#include "proxy/server/warming.h"

#include "absl/strings/str_cat.h"
#include "proxy/core/log.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/server/config_dump_sections.h"
#include "proxy/tls/secret_manager.h"
#include "xds/client/type_urls.h"

namespace meshproxy::server {

ConfigManager::ConfigManager(EventLoop& loop, config::TranslationContext context,
                             ListenerManager& listeners, Publish publish,
                             std::chrono::milliseconds drain_time)
    : loop_(loop),
      context_(context),
      listener_manager_(listeners),
      publish_(std::move(publish)),
      timers_(loopWarmTimers(loop.uv())),
      cluster_type_(context_),
      listener_type_(context_, listeners, stores_.listeners, drain_time),
      secret_type_(context_.secrets) {
  sources_ = std::make_unique<XdsSources>(loop, context_.stats, *this);
  // A TLS context's sds_config is checked when the listener or cluster is translated, so a
  // source that cannot serve is a NACK (or a bootstrap error), not a silent wait.
  if (context_.secrets != nullptr) {
    context_.secrets->setSdsSourceValidator(
        [this](const envoy::config::core::v3::ConfigSource* source) {
          return sources_->checkSdsSource(source);
        });
  }
}

ConfigManager::~ConfigManager() {
  if (context_.secrets != nullptr) context_.secrets->setSdsSourceValidator(nullptr);
  // The stream threads post to the loop; stop them before anything they reach goes away.
  sources_.reset();
}

absl::Status ConfigManager::loadStatic(const config::Bootstrap& bootstrap) {
  if (auto s = sources_->configure(bootstrap.proto); !s.ok()) return s;
  const auto& resources = bootstrap.proto.static_resources();
  for (const auto& proto : resources.clusters()) {
    auto cluster = cluster_type_.translate(proto);
    if (!cluster.ok()) return cluster.status();
    Dependencies dependencies = cluster_type_.dependencies(*cluster);
    stores_.clusters.addStatic(proto.name(), proto, *cluster, std::move(dependencies));
  }
  std::vector<std::shared_ptr<const network::ListenerConfig>> configs;
  for (const auto& proto : resources.listeners()) {
    auto listener = listener_type_.translate(proto);
    if (!listener.ok()) return listener.status();
    configs.push_back(listener->config);
  }
  auto handles = listener_manager_.apply(configs);
  if (!handles.ok()) return handles.status();
  for (size_t i = 0; i < handles->size(); ++i) {
    const auto& proto = resources.listeners(static_cast<int>(i));
    stores_.listeners.addStatic(proto.name(), proto, (*handles)[i],
                                listener_type_.dependencies((*handles)[i]));
  }
  for (const auto& [name, slot] : stores_.clusters.slots()) {
    if (slot.active && slot.active->value->resolvesDns() &&
        on_dns_cluster)
      on_dns_cluster(slot.active->value);
  }
  rebuild();
  return absl::OkStatus();
}

absl::Status ConfigManager::startXds(const config::Bootstrap& bootstrap,
                                     std::function<void()> initialized) {
  initialized_ = std::move(initialized);
  if (!sources_->hasAds()) {
    bool needs_ads = false;
    for (const auto& [name, slot] : stores_.listeners.slots())
      needs_ads |= slot.active && !slot.active->dependencies.routes.empty();
    for (const auto& [name, slot] : stores_.clusters.slots())
      needs_ads |= slot.active && !slot.active->dependencies.endpoints.empty();
    if (needs_ads) {
      return absl::InvalidArgumentError(
          "a listener uses rds or a cluster uses EDS, but the bootstrap has no "
          "dynamic_resources.ads_config");
    }
  }
  const auto& dynamic = bootstrap.proto.dynamic_resources();
  const std::chrono::milliseconds init_timeout =
      initialFetchTimeout({&dynamic.cds_config(), &dynamic.lds_config()});
  if (auto s = sources_->start(stores_.clusters); !s.ok()) return s;
  // A file was read (and applied or rejected) by start(): there is nothing more to wait for.
  cds_received_ |= sources_->cdsFromFile();
  lds_received_ |= sources_->ldsFromFile();
  // The static resources' SDS sources start here; one that cannot is a bootstrap error.
  if (auto s = updateSubscriptions(); !s.ok()) return s;
  if (sources_->cdsDynamic() || sources_->ldsDynamic()) {
    init_timer_ = std::make_unique<Timer>(loop_.uv(), [this] {
      if (initialized_) {
        log::warn(
            "xds: initial fetch not complete after the initial_fetch_timeout; going live with "
            "what there is");
        auto done = std::move(initialized_);
        initialized_ = nullptr;
        done();
      }
    });
    // initial_fetch_timeout 0s: wait for the first CDS and LDS responses however long it takes.
    if (init_timeout != kNoFetchTimeout) init_timer_->enable(init_timeout);
  }
  checkInitialized();
  return absl::OkStatus();
}

void ConfigManager::checkInitialized() {
  if (!initialized_) return;
  bool cds_done =
      !sources_->cdsDynamic() || (cds_received_ && stores_.clusters.warmingCount() == 0);
  bool lds_done =
      !sources_->ldsDynamic() || (lds_received_ && stores_.listeners.warmingCount() == 0);
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
  return onUpdate(type_url, ResourceUpdate::stateOfTheWorld(resources, version));
}

absl::Status ConfigManager::onDeltaUpdate(std::string_view type_url,
                                          const xds::DeltaUpdate& delta) {
  ResourceUpdate update{.kind = ResourceUpdate::Kind::kDelta,
                        .resources = &delta.resources,
                        .version = delta.system_version,
                        .resource_versions = delta.versions,
                        .removed = delta.removed,
                        .names = delta.names};
  return onUpdate(type_url, update);
}

absl::Status ConfigManager::onUpdate(std::string_view type_url, const ResourceUpdate& update) {
  absl::StatusOr<ChangeSet> changes;
  // Clusters and listeners are what depends on other types: their updates move subscriptions.
  bool dependencies_changed = false;
  if (type_url == xds::kClusterType) {
    changes = applyUpdate(stores_.clusters, cluster_type_, update,
                          rules(stores_.clusters, cluster_type_));
    if (!changes.ok()) return changes.status();
    clustersActivated(changes->activated);
    cds_received_ = true;
    dependencies_changed = true;
  } else if (type_url == xds::kListenerType) {
    changes = applyUpdate(stores_.listeners, listener_type_, update,
                          rules(stores_.listeners, listener_type_));
    if (!changes.ok()) return changes.status();
    lds_received_ = true;
    dependencies_changed = true;
  } else if (type_url == xds::kRouteType) {
    changes = applyUpdate(stores_.routes, route_type_, update, rules(stores_.routes, route_type_));
  } else if (type_url == xds::kEndpointType) {
    changes = applyUpdate(stores_.endpoints, endpoint_type_, update,
                          rules(stores_.endpoints, endpoint_type_));
  } else if (type_url == xds::kSecretType) {
    changes =
        applyUpdate(stores_.secrets, secret_type_, update, rules(stores_.secrets, secret_type_));
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unsupported resource type ", toAbsl(type_url)));
  }
  if (!changes.ok()) return changes.status();
  configChanged(dependencies_changed);
  return absl::OkStatus();
}

template <typename Store, typename Type>
typename Store::Rules ConfigManager::rules(Store& store, Type& type) {
  using Entry = typename Store::Entry;
  return {
      .ready =
          [this, &type](const Entry& entry) {
            return type.transportReady(entry.value) && dependenciesMet(entry.dependencies, stores_);
          },
      .start_timer =
          [this, &store, &type](const std::string& name, const Entry& entry) {
            // The callback runs inside the timer it destroys (activation does): the name is
            // copied into the call before that.
            return timers_(
                warmTimeout(entry.dependencies, context_.secrets),
                [this, &store, &type, name] { warmTimedOut(store, type, std::string(name)); });
          },
  };
}

template <typename Store, typename Type>
void ConfigManager::warmTimedOut(Store& store, Type& type, std::string name) {
  if (!store.markTimedOut(name)) return;
  log::warn("{} '{}': {} not received after initial_fetch_timeout; activating", type.noun(), name,
            type.awaited());
  configChanged(false);
}

void ConfigManager::configChanged(bool dependencies_changed) {
  activateWarmed();
  // A removed cluster goes once no active listener or route names it any more.
  std::set<std::string> referenced = referencedClusters(stores_);
  stores_.clusters.purgeRemoved([&](const std::string& name) { return referenced.contains(name); });
  // Only while handling CDS or LDS: names of another type may change then. Changing RDS names
  // while an RDS response is being applied would send a request with the new response's
  // nonce and the old version before the ACK. (So a route configuration or load assignment
  // nobody uses any more is dropped at the next CDS or LDS update.)
  if (dependencies_changed) {
    if (auto s = updateSubscriptions(); !s.ok()) log::error("xds: {}", s.message());
  }
  rebuild();
  checkInitialized();
}

void ConfigManager::activateWarmed() {
  clustersActivated(stores_.clusters.activateReady(rules(stores_.clusters, cluster_type_)));
  stores_.listeners.activateReady(rules(stores_.listeners, listener_type_));
  stores_.routes.activateReady(rules(stores_.routes, route_type_));
  stores_.endpoints.activateReady(rules(stores_.endpoints, endpoint_type_));
  stores_.secrets.activateReady(rules(stores_.secrets, secret_type_));
}

void ConfigManager::clustersActivated(const std::vector<std::string>& names) {
  if (!on_dns_cluster) return;
  for (const auto& name : names) {
    const auto* entry = stores_.clusters.active(name);
    if (entry != nullptr && entry->value->resolvesDns())
      on_dns_cluster(entry->value);
  }
}

absl::Status ConfigManager::updateSubscriptions() {
  WantedNames wanted = wantedNames(stores_);
  // Resources nobody subscribes to any more are forgotten, as an unsubscribe implies. (The
  // SecretManager keeps a secret's material: contexts still draining may use it.)
  stores_.routes.retainOnly(wanted.routes);
  stores_.endpoints.retainOnly(wanted.endpoints);
  stores_.secrets.retainOnly(wanted.secrets);
  sources_->setResourceNames(xds::kRouteType, wanted.routes);
  sources_->setResourceNames(xds::kEndpointType, wanted.endpoints);
  // Each secret from the source its TLS contexts' sds_config names (none: ADS).
  std::map<std::string, const envoy::config::core::v3::ConfigSource*> secrets;
  for (const auto& name : wanted.secrets) {
    // static_resources.secrets are there from the start and come from no source.
    if (context_.secrets != nullptr && context_.secrets->isStatic(name)) continue;
    secrets[name] = context_.secrets == nullptr ? nullptr : context_.secrets->sdsSource(name);
  }
  return sources_->setSecretNames(secrets);
}

void ConfigManager::setDnsHosts(const std::string& cluster, upstream::HostVector hosts) {
  dns_hosts_[cluster] = std::move(hosts);
  if (const auto* entry = stores_.clusters.active(cluster); entry != nullptr)
    entry->value->stats->update_success.inc();
  rebuild();
}

void ConfigManager::hostHealthChanged(const std::vector<std::string>& clusters) {
  for (const auto& name : clusters) builder_.markHealthChanged(name);
  rebuild();
}

std::vector<upstream::ClusterConfigSharedPtr> ConfigManager::dnsClusters() const {
  std::vector<upstream::ClusterConfigSharedPtr> out;
  for (const auto& [name, slot] : stores_.clusters.slots()) {
    if (slot.active && slot.active->value->resolvesDns())
      out.push_back(slot.active->value);
  }
  return out;
}

void ConfigManager::rebuild() {
  snapshot_ = builder_.build(stores_, dns_hosts_);
  publish_(snapshot_);
}

std::string ConfigManager::configDumpJson(
    const envoy::config::bootstrap::v3::Bootstrap& bootstrap) const {
  return admin::renderConfigDump(
      configDumpSections(stores_, bootstrap, sources_.get(), context_.secrets));
}

}  // namespace meshproxy::server
