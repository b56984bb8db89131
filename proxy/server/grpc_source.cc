#include "proxy/server/grpc_source.h"

#include <sys/socket.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "proxy/core/strings.h"

namespace meshproxy::server {
namespace {

using envoy::config::core::v3::ApiConfigSource;

// gRPC's rules for metadata: lowercase keys of [0-9a-z_.-], not reserved ("grpc-"); ASCII
// printable values unless the key ends in "-bin" (binary).
absl::Status checkMetadata(const envoy::config::core::v3::HeaderValue& header,
                           std::string_view where) {
  const std::string& key = header.key();
  if (key.empty()) return absl::InvalidArgumentError(absl::StrCat(toAbsl(where), ": empty key"));
  for (char c : key) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-' || c == '_' || c == '.')) {
      return absl::InvalidArgumentError(
          absl::StrCat(toAbsl(where), ": key '", key,
                       "' is not a gRPC metadata key (lowercase letters, digits, '-', '_', '.')"));
    }
  }
  if (absl::StartsWith(key, "grpc-")) {
    return absl::InvalidArgumentError(
        absl::StrCat(toAbsl(where), ": key '", key, "' is reserved by gRPC"));
  }
  if (!header.value().empty() && !header.raw_value().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(toAbsl(where), ": '", key, "' has both value and raw_value"));
  }
  const std::string& value = header.value().empty() ? header.raw_value() : header.value();
  if (!absl::EndsWith(key, "-bin")) {
    for (char c : value) {
      if (c < 0x20 || c > 0x7e) {
        return absl::InvalidArgumentError(absl::StrCat(
            toAbsl(where), ": the value of '", key,
            "' must be printable ASCII (binary values need a key ending in -bin)"));
      }
    }
  }
  return absl::OkStatus();
}

std::string pipeTarget(const network::Address& address) {
  if (address.isAbstractPipe()) return absl::StrCat("unix-abstract:", address.pipePath().substr(1));
  return absl::StrCat("unix:", address.pipePath());
}

}  // namespace

absl::Status checkGrpcSource(const ApiConfigSource& source, bool aggregated,
                             std::string_view where) {
  switch (source.api_type()) {
    case ApiConfigSource::GRPC:
    case ApiConfigSource::DELTA_GRPC:
      break;
    case ApiConfigSource::AGGREGATED_GRPC:
    case ApiConfigSource::AGGREGATED_DELTA_GRPC:
      if (aggregated) break;
      return absl::InvalidArgumentError(absl::StrCat(
          toAbsl(where), ": api_type ", ApiConfigSource::ApiType_Name(source.api_type()),
          " is not supported here (GRPC or DELTA_GRPC)"));
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(toAbsl(where), ": api_type ",
                       ApiConfigSource::ApiType_Name(source.api_type()),
                       " is not supported (GRPC or DELTA_GRPC)"));
  }
  // AUTO (unset) has meant V3 since Envoy dropped v2.
  if (source.transport_api_version() != envoy::config::core::v3::V3 &&
      source.transport_api_version() != envoy::config::core::v3::AUTO) {
    return absl::InvalidArgumentError(
        absl::StrCat(toAbsl(where), ": transport_api_version must be V3"));
  }
  if (source.grpc_services_size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(toAbsl(where), ": exactly one grpc_services entry is supported"));
  }
  const auto& service = source.grpc_services(0);
  if (!service.has_envoy_grpc() && !service.has_google_grpc()) {
    return absl::InvalidArgumentError(
        absl::StrCat(toAbsl(where), ".grpc_services[0] needs envoy_grpc or google_grpc"));
  }
  for (int i = 0; i < service.initial_metadata_size(); ++i) {
    if (auto s = checkMetadata(service.initial_metadata(i),
                               absl::StrCat(toAbsl(where), ".grpc_services[0].initial_metadata[",
                                            i, "]"));
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<GrpcSource> resolveGrpcSource(const ApiConfigSource& source, bool aggregated,
                                             const ClusterStore& clusters,
                                             std::string_view where) {
  if (auto s = checkGrpcSource(source, aggregated, where); !s.ok()) return s;
  GrpcSource out;
  out.delta = source.api_type() == ApiConfigSource::DELTA_GRPC ||
              source.api_type() == ApiConfigSource::AGGREGATED_DELTA_GRPC;
  out.set_node_on_first_message_only = source.set_node_on_first_message_only();
  const auto& service = source.grpc_services(0);
  for (const auto& header : service.initial_metadata()) {
    out.grpc.initial_metadata.emplace_back(
        header.key(), header.value().empty() ? header.raw_value() : header.value());
  }
  if (service.has_google_grpc()) {
    out.grpc.target = service.google_grpc().target_uri();
    return out;
  }
  const std::string& name = service.envoy_grpc().cluster_name();
  out.cluster = name;
  const auto* entry = clusters.active(name);
  if (entry == nullptr || entry->meta.dynamic) {
    return absl::InvalidArgumentError(absl::StrCat(toAbsl(where), ": envoy_grpc cluster '", name,
                                                   "' must be a static cluster"));
  }
  const auto& cluster = *entry->value;
  if (!cluster.http2) {
    return absl::InvalidArgumentError(
        absl::StrCat(toAbsl(where), ": cluster '", name,
                     "' must declare HTTP/2 (typed_extension_protocol_options HttpProtocolOptions "
                     "explicit_http_config.http2_protocol_options, or http2_protocol_options)"));
  }
  if (cluster.resolvesDns() && !cluster.dns_targets.empty()) {
    out.grpc.target =
        absl::StrCat("dns:///", cluster.dns_targets[0].name, ":", cluster.dns_targets[0].port);
    return out;
  }
  if (!cluster.hosts.empty()) {
    const auto& address = cluster.hosts[0]->address();
    out.grpc.target = address.isPipe() ? pipeTarget(address)
                                       : absl::StrCat(address.family() == AF_INET6 ? "ipv6:" : "ipv4:",
                                                      address.str());
    return out;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(toAbsl(where), ": cluster '", name, "' has no endpoint"));
}

}  // namespace meshproxy::server
