#pragma once

#include "absl/status/statusor.h"
#include "proxy/config/translation_context.h"
#include "proxy/upstream/cluster_config.h"
#include "proxy/protobuf/supported_fields.h"

namespace envoy::config::cluster::v3 {
class Cluster;
}

namespace meshproxy::config {

// Validates a Cluster and builds its immutable runtime form.
absl::StatusOr<upstream::ClusterConfigSharedPtr> translateCluster(
    const envoy::config::cluster::v3::Cluster& proto, TranslationContext& context);

// The Cluster fields meshproxy implements (load_assignment is delegated). For reports that list every unsupported field (--print-unsupported).
const protobuf::SupportedFields& clusterSupportedFields();

}  // namespace meshproxy::config
