#pragma once

#include <string>

#include "proxy/protobuf/supported_fields.h"

namespace envoy::config::core::v3 {
class ConfigSource;
}

namespace meshproxy::protobuf {

// The ConfigSource fields meshproxy implements where any source is allowed (bootstrap
// dynamic_resources, a TLS context's sds_config): ads, api_config_source (GRPC and DELTA_GRPC
// with one grpc_service, its initial_metadata and set_node_on_first_message_only),
// path_config_source (and the deprecated path) and initial_fetch_timeout.
const SupportedFields& configSourceSupportedFields();

// What identifies a source: two ConfigSources with the same key are one subscription target
// (initial_fetch_timeout and resource_api_version do not change where resources come from).
std::string configSourceKey(const envoy::config::core::v3::ConfigSource& source);

}  // namespace meshproxy::protobuf
