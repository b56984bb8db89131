#include "proxy/istio/workload_metadata.h"

#include <google/protobuf/struct.pb.h>

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "proxy/core/strings.h"

namespace meshproxy::istio {
namespace {

std::string stringAt(const google::protobuf::Struct& s, const char* key) {
  auto it = s.fields().find(key);
  if (it == s.fields().end() || !it->second.has_string_value()) return "";
  return it->second.string_value();
}

std::string firstOf(const google::protobuf::Struct& s, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    std::string v = stringAt(s, key);
    if (!v.empty()) return v;
  }
  return "";
}

void put(google::protobuf::Struct& s, const char* key, const std::string& value) {
  if (!value.empty()) (*s.mutable_fields())[key].set_string_value(value);
}

}  // namespace

WorkloadMetadata workloadFromNodeMetadata(const google::protobuf::Struct& metadata) {
  WorkloadMetadata w;
  w.workload_name = stringAt(metadata, "WORKLOAD_NAME");
  w.namespace_name = stringAt(metadata, "NAMESPACE");
  w.service_account = stringAt(metadata, "SERVICE_ACCOUNT");
  w.cluster_id = stringAt(metadata, "CLUSTER_ID");
  google::protobuf::Struct labels;
  if (auto it = metadata.fields().find("LABELS");
      it != metadata.fields().end() && it->second.has_struct_value()) {
    labels = it->second.struct_value();
  }
  w.app = firstOf(labels, {"app", "app.kubernetes.io/name"});
  w.version = firstOf(labels, {"version", "app.kubernetes.io/version"});
  w.canonical_service = firstOf(labels, {"service.istio.io/canonical-name"});
  if (w.canonical_service.empty()) w.canonical_service = w.app.empty() ? w.workload_name : w.app;
  w.canonical_revision = firstOf(labels, {"service.istio.io/canonical-revision"});
  if (w.canonical_revision.empty()) w.canonical_revision = w.version.empty() ? "latest" : w.version;
  return w;
}

void workloadToNodeMetadata(const WorkloadMetadata& w, google::protobuf::Struct& out) {
  put(out, "WORKLOAD_NAME", w.workload_name);
  put(out, "NAMESPACE", w.namespace_name);
  put(out, "SERVICE_ACCOUNT", w.service_account);
  put(out, "CLUSTER_ID", w.cluster_id);
  google::protobuf::Struct labels;
  put(labels, "app", w.app);
  put(labels, "version", w.version);
  put(labels, "service.istio.io/canonical-name", w.canonical_service);
  put(labels, "service.istio.io/canonical-revision", w.canonical_revision);
  *(*out.mutable_fields())["LABELS"].mutable_struct_value() = std::move(labels);
}

std::string encodePeerMetadataHeader(const WorkloadMetadata& workload) {
  google::protobuf::Struct s;
  workloadToNodeMetadata(workload, s);
  return absl::Base64Escape(s.SerializeAsString());
}

absl::StatusOr<WorkloadMetadata> decodePeerMetadataHeader(std::string_view value) {
  std::string bytes;
  if (!absl::Base64Unescape(toAbsl(value), &bytes)) {
    return absl::InvalidArgumentError("x-envoy-peer-metadata: not base64");
  }
  google::protobuf::Struct s;
  if (!s.ParseFromString(bytes)) {
    return absl::InvalidArgumentError("x-envoy-peer-metadata: not a google.protobuf.Struct");
  }
  return workloadFromNodeMetadata(s);
}

std::optional<SpiffeId> parseSpiffeId(std::string_view uri) {
  constexpr std::string_view kScheme = "spiffe://";
  if (uri.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  std::vector<absl::string_view> parts = absl::StrSplit(toAbsl(uri.substr(kScheme.size())), '/');
  if (parts.size() != 5 || parts[0].empty() || parts[1] != "ns" || parts[2].empty() ||
      parts[3] != "sa" || parts[4].empty()) {
    return std::nullopt;
  }
  return SpiffeId{std::string(parts[0]), std::string(parts[2]), std::string(parts[4])};
}

std::optional<ServiceLabels> serviceFromClusterName(std::string_view cluster) {
  std::vector<absl::string_view> parts = absl::StrSplit(toAbsl(cluster), '|');
  if (parts.size() != 4 || (parts[0] != "outbound" && parts[0] != "inbound") || parts[3].empty()) {
    return std::nullopt;
  }
  return serviceFromHost(toStd(parts[3]));
}

ServiceLabels serviceFromHost(std::string_view host) {
  ServiceLabels out;
  out.host = std::string(host);
  std::vector<absl::string_view> labels = absl::StrSplit(toAbsl(host), '.');
  out.name = std::string(labels[0]);
  if (labels.size() >= 3 && labels[2] == "svc") out.namespace_name = std::string(labels[1]);
  return out;
}

}  // namespace meshproxy::istio
