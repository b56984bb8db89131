#pragma once

#include "envoy/config/cluster/v3/cluster.pb.h"
#include "proxy/config/translation_context.h"
#include "proxy/server/resource_store.h"
#include "proxy/upstream/cluster_config.h"

namespace meshproxy::server {

// CDS: clusters as translated (their hosts are STATIC ones; EDS and DNS hosts are joined in
// by the snapshot builder).
using ClusterStore =
    ResourceStore<envoy::config::cluster::v3::Cluster, upstream::ClusterConfigSharedPtr>;

// A cluster waits for its endpoints (EDS) and the SDS secrets of its TLS context; one that CDS
// removes stays while a listener or route still names it.
class ClusterResources
    : public ResourceType<envoy::config::cluster::v3::Cluster, upstream::ClusterConfigSharedPtr> {
 public:
  explicit ClusterResources(config::TranslationContext& context) : context_(context) {}

  std::string_view noun() const override { return "cluster"; }
  std::string_view api() const override { return "CDS"; }
  std::string_view awaited() const override { return "endpoints or secrets"; }
  absl::StatusOr<std::string> nameOf(const envoy::config::cluster::v3::Cluster& proto,
                                     size_t index) const override;
  absl::StatusOr<upstream::ClusterConfigSharedPtr> translate(
      const envoy::config::cluster::v3::Cluster& proto) override;
  Dependencies dependencies(const upstream::ClusterConfigSharedPtr& cluster) const override;
  bool transportReady(const upstream::ClusterConfigSharedPtr& cluster) const override {
    return cluster->transportReady();
  }
  bool fullState() const override { return true; }
  RemovalPolicy removalPolicy() const override {
    return {.kind = RemovalPolicy::Kind::kKeepWhileReferenced};
  }

 private:
  config::TranslationContext& context_;
};

}  // namespace meshproxy::server
