#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "envoy/config/bootstrap/v3/bootstrap.pb.h"
#include "envoy/config/core/v3/config_source.pb.h"
#include "proxy/core/event_loop.h"
#include "proxy/server/cluster_resources.h"
#include "proxy/server/file_source.h"
#include "proxy/stats/store.h"
#include "xds/client/xds_client.h"

namespace meshproxy::server {

// Where each xDS type's resources come from, and the clients and file watchers that fetch them
// (main thread). The bootstrap's dynamic_resources say it for LDS and CDS (ADS, an
// api_config_source of their own, or a path_config_source file) and name the ADS server
// (ads_config: State of the World, or delta with DELTA_GRPC). RDS and EDS come over ADS. Each
// TLS context's sds_config says it per secret: ADS, its own api_config_source (one gRPC stream
// per distinct source, to the SDS service), or a file. Every source hands its updates to one
// ResourceHandler (the ConfigManager), whatever their protocol.
//
// Issue 19 plugs in here: per-type sources are where on-demand CDS (odcds) would add its
// subscriptions, and the delta client already sends only subscription changes.
class XdsSources {
 public:
  XdsSources(EventLoop& loop, stats::Store& stats, xds::ResourceHandler& handler);
  ~XdsSources();
  XdsSources(const XdsSources&) = delete;
  XdsSources& operator=(const XdsSources&) = delete;

  // Reads and checks dynamic_resources; connects nothing yet (the static clusters an
  // envoy_grpc source names are not loaded yet). Without dynamic_resources there is no ADS,
  // and LDS and CDS are static.
  absl::Status configure(const envoy::config::bootstrap::v3::Bootstrap& bootstrap);
  // Resolves the gRPC sources against the static clusters and starts them: ADS (if
  // configured), then CDS's and LDS's own sources (a file is read at once).
  absl::Status start(const ClusterStore& clusters);

  // Validate mode: resolves every source as start() would (gRPC targets against the static
  // clusters, files) without connecting or reading; one summary line per source.
  absl::StatusOr<std::vector<std::string>> describe(const ClusterStore& clusters);

  bool hasAds() const { return has_ads_; }
  bool cdsDynamic() const { return cds_.kind != Kind::kNone; }
  bool ldsDynamic() const { return lds_.kind != Kind::kNone; }
  // The first CDS/LDS round is there for init when it came from a file (read in start(),
  // applied or rejected: a file has nothing more to wait for).
  bool cdsFromFile() const { return cds_.kind == Kind::kFile; }
  bool ldsFromFile() const { return lds_.kind == Kind::kFile; }

  // Whether a TLS context's sds_config (null: ADS) can be served: ADS needs ads_config, an
  // api_config_source must be a valid GRPC or DELTA_GRPC source (and, once the static
  // clusters are loaded, name one that fits), a file must exist.
  absl::Status checkSdsSource(const envoy::config::core::v3::ConfigSource* source) const;

  // The RDS or EDS names wanted (from ADS).
  void setResourceNames(std::string_view type_url, const std::set<std::string>& names);
  // The SDS secrets wanted, each with its sds_config (null: ADS). Sources that no secret needs
  // any more are stopped; new ones start. An error names a source that cannot start.
  absl::Status setSecretNames(
      const std::map<std::string, const envoy::config::core::v3::ConfigSource*>& names);

  // The ADS client (null without ads_config): connected state, per-type versions.
  const xds::XdsClient* ads() const { return ads_.get(); }
  // The version last accepted for LDS or CDS from whichever source serves it.
  std::string acceptedVersion(std::string_view type_url) const;

 private:
  enum class Kind { kNone, kAds, kGrpc, kFile };
  struct TypeSource {
    Kind kind = Kind::kNone;
    envoy::config::core::v3::ConfigSource config;
    std::unique_ptr<xds::XdsClient> client;  // kGrpc
    std::unique_ptr<FileSource> file;        // kFile
  };
  // One source of secrets other than ADS, shared by every secret whose sds_config matches.
  struct SecretSource {
    std::unique_ptr<xds::XdsClient> client;
    std::unique_ptr<FileSource> file;
  };

  absl::Status configureType(const envoy::config::core::v3::ConfigSource& config,
                             std::string_view type_url, std::string_view where, TypeSource& out);
  absl::Status startType(TypeSource& source, std::string_view type_url, std::string_view where);
  absl::StatusOr<std::unique_ptr<xds::XdsClient>> makeGrpcClient(
      const envoy::config::core::v3::ApiConfigSource& api, std::string_view type_url,
      std::string_view where);
  absl::StatusOr<SecretSource> makeSecretSource(
      const envoy::config::core::v3::ConfigSource& config);

  EventLoop& loop_;
  stats::Store& stats_;
  xds::ResourceHandler& handler_;
  envoy::config::core::v3::Node node_;
  envoy::config::core::v3::ApiConfigSource ads_config_;
  bool has_ads_ = false;
  const ClusterStore* clusters_ = nullptr;  // set by start()
  std::unique_ptr<xds::XdsClient> ads_;
  TypeSource cds_;
  TypeSource lds_;
  // By configSourceKey.
  std::map<std::string, SecretSource> secret_sources_;
};

}  // namespace meshproxy::server
