#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "envoy/config/cluster/v3/cluster.pb.h"
#include "envoy/config/endpoint/v3/endpoint.pb.h"
#include "envoy/config/listener/v3/listener.pb.h"
#include "envoy/config/route/v3/route.pb.h"
#include "envoy/extensions/transport_sockets/tls/v3/secret.pb.h"
#include "proxy/config/bootstrap_loader.h"
#include "proxy/config/snapshot.h"
#include "proxy/config/translation_context.h"
#include "proxy/route/route_table.h"
#include "proxy/core/event_loop.h"
#include "proxy/core/timer.h"
#include "proxy/server/listener_manager.h"
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
  // Envoy's /config_dump shape, with per-resource version, last update and state.
  std::string configDumpJson(const envoy::config::bootstrap::v3::Bootstrap& bootstrap) const;

  // xds::ResourceHandler
  absl::Status onConfigUpdate(std::string_view type_url,
                              const std::vector<google::protobuf::Any>& resources,
                              const std::string& version) override;

 private:
  struct Meta {
    std::string version;
    std::chrono::system_clock::time_point last_updated;
  };
  struct ClusterEntry {
    envoy::config::cluster::v3::Cluster proto;
    Meta meta;
    upstream::ClusterConfigSharedPtr base;            // as translated
    upstream::ClusterConfigSharedPtr effective;       // with its current hosts (DNS, EDS)
    upstream::ClusterConfigSharedPtr effective_base;  // the base `effective` was made from
    uint64_t hash = 0;
    bool dynamic = false;
    bool fetch_timed_out = false;  // initial_fetch_timeout passed without endpoints
    std::unique_ptr<Timer> warm_timer;
  };
  struct ListenerEntry {
    envoy::config::listener::v3::Listener proto;
    Meta meta;
    config::ListenerHandle handle;
    uint64_t hash = 0;
    bool dynamic = false;
    bool fetch_timed_out = false;  // initial_fetch_timeout passed without its routes
    std::unique_ptr<Timer> warm_timer;
  };
  struct RouteEntry {
    envoy::config::route::v3::RouteConfiguration proto;
    Meta meta;
    std::shared_ptr<const route::RouteTable> table;
  };
  struct EndpointEntry {
    envoy::config::endpoint::v3::ClusterLoadAssignment proto;
    Meta meta;
    upstream::HostVector hosts;
  };
  struct SecretEntry {
    envoy::extensions::transport_sockets::tls::v3::Secret proto;
    Meta meta;
  };
  struct DrainingListener {
    envoy::config::listener::v3::Listener proto;
    Meta meta;
    std::chrono::steady_clock::time_point until;
  };

  absl::Status applyClusters(const std::vector<google::protobuf::Any>& resources,
                             const std::string& version);
  absl::Status applyListeners(const std::vector<google::protobuf::Any>& resources,
                              const std::string& version);
  absl::Status applyRoutes(const std::vector<google::protobuf::Any>& resources,
                           const std::string& version);
  absl::Status applyEndpoints(const std::vector<google::protobuf::Any>& resources,
                              const std::string& version);
  absl::Status applySecrets(const std::vector<google::protobuf::Any>& resources,
                            const std::string& version);

  bool clusterReady(const ClusterEntry& entry) const;
  bool listenerReady(const ListenerEntry& entry) const;
  // How long a resource warms: `own` is its RDS/EDS initial_fetch_timeout (none if it waits
  // for no routes/endpoints), secrets the SDS names its TLS context waits for.
  std::chrono::milliseconds warmTimeout(std::optional<std::chrono::milliseconds> own,
                                        const std::vector<std::string>& secrets) const;
  void activateWarmed();
  // initial_fetch_timeout of a warming resource: activated without what it waited for.
  void clusterWarmTimedOut(std::string name);
  void listenerWarmTimedOut(std::string name);
  void refreshEffective(ClusterEntry& entry);
  std::set<std::string> referencedClusters() const;
  void updateSubscriptions();
  // SecretsConfigDump entries (private keys redacted).
  std::vector<std::string> activeSecretsJson() const;
  std::vector<std::string> warmingSecretsJson() const;
  void rebuild();
  void checkInitialized();
  std::vector<std::shared_ptr<const network::ListenerConfig>> allListenerConfigs(
      const std::map<std::string, std::shared_ptr<const network::ListenerConfig>>& dynamic) const;

  EventLoop& loop_;
  config::TranslationContext context_;
  ListenerManager& listener_manager_;
  Publish publish_;
  std::chrono::milliseconds drain_time_;
  std::unique_ptr<xds::XdsManager> xds_;

  std::map<std::string, ClusterEntry> clusters_;          // active (static and dynamic)
  std::map<std::string, ClusterEntry> warming_clusters_;  // dynamic, waiting for EDS
  std::set<std::string> removed_but_referenced_;
  std::map<std::string, ListenerEntry> listeners_;          // active
  std::map<std::string, ListenerEntry> warming_listeners_;  // waiting for RDS
  std::map<std::string, DrainingListener> draining_listeners_;
  std::map<std::string, RouteEntry> routes_;
  std::map<std::string, EndpointEntry> endpoints_;
  std::map<std::string, SecretEntry>
      secrets_;  // SDS, for /config_dump (material lives in SecretManager)
  absl::flat_hash_map<std::string, upstream::HostVector> dns_hosts_;

  config::SnapshotSharedPtr snapshot_;
  uint64_t snapshot_version_ = 0;
  bool static_loaded_ = false;
  bool cds_received_ = false;
  bool lds_received_ = false;
  bool ads_cds_ = false;
  bool ads_lds_ = false;
  std::function<void()> initialized_;

 public:
  // Called for every STRICT_DNS cluster that becomes active (static or from CDS).
  std::function<void(const upstream::ClusterConfigSharedPtr&)> on_dns_cluster;

 private:
  std::unique_ptr<Timer> init_timer_;
};

}  // namespace meshproxy::server
