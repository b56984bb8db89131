#pragma once

#include "absl/status/statusor.h"
#include "envoy/config/bootstrap/v3/bootstrap.pb.h"
#include "proxy/protobuf/supported_fields.h"
#include "proxy/stats/store.h"

namespace meshproxy::config {

// bootstrap.stats_config (stats_tags, use_all_default_tags, stats_matcher) as the store's
// naming policy; the server sets it before any stat is created.
absl::StatusOr<stats::StatNamePolicy> translateStatsConfig(
    const envoy::config::bootstrap::v3::Bootstrap& bootstrap);

const protobuf::SupportedFields& statsConfigSupportedFields();

}  // namespace meshproxy::config
