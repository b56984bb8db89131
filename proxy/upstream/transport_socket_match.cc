#include "proxy/upstream/transport_socket_match.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/message_differencer.h>

#include "envoy/config/core/v3/base.pb.h"
#include "proxy/protobuf/metadata.h"

namespace meshproxy::upstream {
namespace {

// Envoy's Config::Metadata::metadataLabelMatch (list_as_any false): metadata without the
// namespace matches only an empty label set; otherwise every label must be there and equal.
bool labelsMatch(const google::protobuf::Struct& labels,
                 const envoy::config::core::v3::Metadata* metadata) {
  const google::protobuf::Struct* ns =
      protobuf::filterMetadata(metadata, kTransportSocketMatchNamespace);
  if (ns == nullptr) return labels.fields().empty();
  for (const auto& [key, value] : labels.fields()) {
    auto it = ns->fields().find(key);
    if (it == ns->fields().end()) return false;
    if (!google::protobuf::util::MessageDifferencer::Equals(it->second, value)) return false;
  }
  return true;
}

}  // namespace

const network::TransportSocketFactory* resolveTransportSocket(
    const std::vector<TransportSocketMatch>& matches,
    const envoy::config::core::v3::Metadata* endpoint_metadata,
    const envoy::config::core::v3::Metadata* locality_metadata,
    const network::TransportSocketFactory* fallback) {
  // Endpoint metadata first: it takes precedence over the locality's for every entry.
  for (const auto& match : matches) {
    if (labelsMatch(*match.labels, endpoint_metadata)) return match.factory.get();
  }
  for (const auto& match : matches) {
    if (labelsMatch(*match.labels, locality_metadata)) return match.factory.get();
  }
  return fallback;
}

}  // namespace meshproxy::upstream
