#pragma once

#include <memory>
#include <string>

#include "envoy/config/cluster/v3/cluster.pb.h"
#include "proxy/config/cluster_translator.h"
#include "proxy/stats/store.h"

namespace meshproxy::upstream {

// A translated STATIC cluster without endpoints (stats and resources set up as in the
// proxy); tests adjust the fields they care about.
inline std::shared_ptr<ClusterConfig> makeTestCluster(stats::Store& store,
                                                      const std::string& name) {
  envoy::config::cluster::v3::Cluster proto;
  proto.set_name(name);
  proto.set_type(envoy::config::cluster::v3::Cluster::STATIC);
  proto.mutable_connect_timeout()->set_seconds(1);
  config::TranslationContext context{.stats = store};
  auto translated = config::translateCluster(proto, context);
  if (!translated.ok()) return nullptr;
  return std::make_shared<ClusterConfig>(**translated);
}

}  // namespace meshproxy::upstream
