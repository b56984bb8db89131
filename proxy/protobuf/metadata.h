#pragma once

#include <memory>
#include <string_view>

namespace google::protobuf {
class Struct;
}  // namespace google::protobuf
namespace envoy::config::core::v3 {
class Metadata;
}  // namespace envoy::config::core::v3

namespace meshproxy::protobuf {

// envoy.config.core.v3.Metadata of a cluster, endpoint, locality, virtual host or route, kept
// as configured (filter_metadata and typed_filter_metadata) and shared read-only by workers.
// Null when the resource sets none, so an unset field costs one pointer.
using MetadataSharedPtr = std::shared_ptr<const envoy::config::core::v3::Metadata>;

// A copy of `metadata`, or null when it is empty.
MetadataSharedPtr keepMetadata(const envoy::config::core::v3::Metadata& metadata);

// The filter_metadata struct under `filter` (e.g. "istio", "envoy.transport_socket_match"),
// or nullptr when `metadata` is null or has none.
const google::protobuf::Struct* filterMetadata(const envoy::config::core::v3::Metadata* metadata,
                                               std::string_view filter);

// Same contents (both null or empty counts as equal). For host reconciliation: metadata is
// part of an endpoint's identity.
bool metadataEqual(const envoy::config::core::v3::Metadata* a,
                   const envoy::config::core::v3::Metadata* b);

}  // namespace meshproxy::protobuf
