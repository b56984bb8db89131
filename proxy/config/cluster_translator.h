#pragma once

#include "absl/status/statusor.h"
#include "proxy/config/translation_context.h"
#include "proxy/upstream/cluster_config.h"

namespace envoy::config::cluster::v3 {
class Cluster;
}

namespace meshproxy::config {

// Validates a Cluster and builds its immutable runtime form.
absl::StatusOr<upstream::ClusterConfigSharedPtr> translateCluster(
    const envoy::config::cluster::v3::Cluster& proto, TranslationContext& context);

}  // namespace meshproxy::config
