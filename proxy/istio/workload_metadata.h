#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace google::protobuf {
class Struct;
}

namespace meshproxy::istio {

// What Istio's metrics say about one end of a request: the workload's node metadata as the
// injector sets it (NAME, NAMESPACE, WORKLOAD_NAME, LABELS{app, version,
// service.istio.io/canonical-name, service.istio.io/canonical-revision}, SERVICE_ACCOUNT,
// CLUSTER_ID), boiled down to the label values. Empty means unknown.
struct WorkloadMetadata {
  std::string workload_name;
  std::string namespace_name;
  std::string app;
  std::string version;
  std::string canonical_service;
  std::string canonical_revision;
  std::string service_account;
  std::string cluster_id;

  bool operator==(const WorkloadMetadata&) const = default;
};

// From node metadata (the bootstrap's node.metadata, or a peer's exchanged metadata). Missing
// keys stay empty; canonical service/revision fall back as Istio does (the canonical labels,
// else app / app.kubernetes.io/name, else the workload name; version
// / app.kubernetes.io/version, else "latest").
WorkloadMetadata workloadFromNodeMetadata(const google::protobuf::Struct& metadata);

// The node metadata a sidecar sends as Istio's peer metadata: the keys above.
void workloadToNodeMetadata(const WorkloadMetadata& workload, google::protobuf::Struct& out);

// Istio's HTTP metadata exchange headers: x-envoy-peer-metadata is the base64 of a serialized
// google.protobuf.Struct (the node metadata), x-envoy-peer-metadata-id the node id.
inline constexpr std::string_view kPeerMetadataHeader = "x-envoy-peer-metadata";
inline constexpr std::string_view kPeerMetadataIdHeader = "x-envoy-peer-metadata-id";
std::string encodePeerMetadataHeader(const WorkloadMetadata& workload);
// InvalidArgument for bad base64 or a payload that is not a Struct (Istio then ignores the
// header; so do the callers).
absl::StatusOr<WorkloadMetadata> decodePeerMetadataHeader(std::string_view value);

// A SPIFFE workload identity, spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>.
struct SpiffeId {
  std::string trust_domain;
  std::string namespace_name;
  std::string service_account;
};
std::optional<SpiffeId> parseSpiffeId(std::string_view uri);

// An Istio cluster name, outbound|<port>|<subset>|<host> (or inbound|<port>|<subset>|<host>),
// as the service labels: destination_service is the host, destination_service_name its first
// DNS label, destination_service_namespace its second (for *.svc.* hosts). nullopt for
// other names (PassthroughCluster, BlackHoleCluster, a plain cluster name).
struct ServiceLabels {
  std::string host;
  std::string name;
  std::string namespace_name;
};
std::optional<ServiceLabels> serviceFromClusterName(std::string_view cluster);
// The same labels from a host name ("reviews.bookinfo.svc.cluster.local", "reviews").
ServiceLabels serviceFromHost(std::string_view host);

}  // namespace meshproxy::istio
