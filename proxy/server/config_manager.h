#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proxy/config/bootstrap_loader.h"
#include "proxy/config/snapshot.h"
#include "proxy/config/translation_context.h"
#include "proxy/core/event_loop.h"
#include "proxy/core/timer.h"
#include "proxy/server/listener_manager.h"
#include "proxy/server/resource_stores.h"
#include "proxy/server/resource_update.h"
#include "proxy/server/snapshot_builder.h"
#include "proxy/server/warming.h"
#include "xds/client/xds_manager.h"

namespace meshproxy::server {

// Every resource the proxy runs with, static (bootstrap) and dynamic (xDS), and the rules that
// turn them into snapshots for the workers (main thread):
//  - an update is translated and validated completely before anything changes (a bad
//    resource rejects the whole response; the last good config keeps serving);
//  - a cluster warms until its endpoints (EDS) arrive, a listener until its route
//    configurations (RDS) arrive, and either until the SDS secrets its TLS context names
//    arrive, or until initial_fetch_timeout; the version it replaces keeps serving meanwhile;
//  - a cluster removed by CDS stays while an active listener or route still names it;
//  - unchanged resources (same content hash) keep their runtime objects, so their
//    connection pools and load-balancer state survive unrelated updates.
//
// The pieces: one ResourceStore per xDS type holds the resources by name with their versions
// and states; the ResourceType of each (cluster_resources.h, listener_resources.h, ...) says how
// one is named, translated and removed and what it depends on; this class runs every update of
// every type through the same steps (applyUpdate, then activate what is ready, update
// subscriptions, build and publish a snapshot with the SnapshotBuilder); /config_dump reads the
// stores through config_dump_sections.h.
//
// Where the next config sources plug in (issue 14): a delta ADS stream or a path_config_source
// file calls onUpdate with a ResourceUpdate (delta: per-resource versions and removed names);
// subscriptions go to whatever serves each type (updateSubscriptions).
class ConfigManager : public xds::ResourceHandler {
 public:
  using Publish = std::function<void(std::shared_ptr<const config::Snapshot>)>;

  ConfigManager(EventLoop& loop, config::TranslationContext context, ListenerManager& listeners,
                Publish publish, std::chrono::milliseconds drain_time);
  ~ConfigManager() override;

  absl::Status loadStatic(const config::Bootstrap& bootstrap);
  // Starts xDS if the bootstrap has dynamic_resources; `initialized` runs once the first
  // CDS/LDS round is applied and warmed (or initial_fetch_timeout passed). Without xDS it
  // runs at once.
  absl::Status startXds(const config::Bootstrap& bootstrap, std::function<void()> initialized);
  // New hosts for a STRICT_DNS cluster.
  void setDnsHosts(const std::string& cluster, upstream::HostVector hosts);

  const config::SnapshotSharedPtr& snapshot() const { return snapshot_; }
  std::vector<upstream::ClusterConfigSharedPtr> dnsClusters() const;
  const xds::XdsManager* xds() const { return xds_.get(); }
  const ResourceStores& stores() const { return stores_; }
  // What the last published snapshot changed against the one before.
  const SnapshotDiff& lastSnapshotDiff() const { return builder_.lastDiff(); }
  // Envoy's /config_dump shape, with per-resource version, last update and state.
  std::string configDumpJson(const envoy::config::bootstrap::v3::Bootstrap& bootstrap) const;

  // One update of one type from any source, all or nothing: an error leaves everything as it
  // was (the caller NACKs).
  absl::Status onUpdate(std::string_view type_url, const ResourceUpdate& update);

  // xds::ResourceHandler (State of the World).
  absl::Status onConfigUpdate(std::string_view type_url,
                              const std::vector<google::protobuf::Any>& resources,
                              const std::string& version) override;

  // Called for every STRICT_DNS cluster that becomes active (static or from CDS).
  std::function<void(const upstream::ClusterConfigSharedPtr&)> on_dns_cluster;

 private:
  template <typename Store, typename Type>
  typename Store::Rules rules(Store& store, Type& type);
  template <typename Store, typename Type>
  void warmTimedOut(Store& store, Type& type, std::string name);
  // After any change: activate what is ready, drop removed clusters nothing names, follow
  // the dependencies with subscriptions, publish.
  void configChanged(bool dependencies_changed);
  void activateWarmed();
  void clustersActivated(const std::vector<std::string>& names);
  void updateSubscriptions();
  void rebuild();
  void checkInitialized();

  EventLoop& loop_;
  config::TranslationContext context_;
  ListenerManager& listener_manager_;
  Publish publish_;
  std::unique_ptr<xds::XdsManager> xds_;
  WarmTimerFactory timers_;

  ResourceStores stores_;
  ClusterResources cluster_type_;
  ListenerResources listener_type_;
  RouteResources route_type_;
  EndpointResources endpoint_type_;
  SecretResources secret_type_;
  DnsHosts dns_hosts_;
  SnapshotBuilder builder_;
  config::SnapshotSharedPtr snapshot_;

  bool cds_received_ = false;
  bool lds_received_ = false;
  bool ads_cds_ = false;
  bool ads_lds_ = false;
  std::function<void()> initialized_;
  std::unique_ptr<Timer> init_timer_;
};

}  // namespace meshproxy::server
