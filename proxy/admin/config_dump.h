#pragma once

#include <google/protobuf/message.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace envoy::extensions::transport_sockets::tls::v3 {
class Secret;
}

namespace meshproxy::admin {

// One resource as /config_dump shows it: its proto and what xDS said of it. Pointers and
// views borrow from the caller's config for the duration of renderConfigDump.
struct DumpedResource {
  const google::protobuf::Message* proto = nullptr;
  std::string_view version;  // version_info; not shown for static resources
  std::chrono::system_clock::time_point last_updated;
};

// A dynamic listener in each state it has now.
struct DumpedListener {
  std::string_view name;
  std::optional<DumpedResource> active;
  std::optional<DumpedResource> warming;
  std::optional<DumpedResource> draining;
};

struct DumpedSecret {
  std::string_view name;
  const envoy::extensions::transport_sockets::tls::v3::Secret* secret = nullptr;
  std::string_view version;
  std::chrono::system_clock::time_point last_updated;
};

// Everything the dump shows, each list in name order.
struct ConfigDumpSections {
  const google::protobuf::Message* bootstrap = nullptr;
  // version_info of the last accepted CDS and LDS responses; absent when there is no xDS.
  std::optional<std::string> clusters_version;
  std::optional<std::string> listeners_version;
  std::vector<DumpedResource> static_clusters;
  std::vector<DumpedResource> dynamic_active_clusters;
  std::vector<DumpedResource> dynamic_warming_clusters;
  std::vector<DumpedResource> static_listeners;
  std::vector<DumpedListener> dynamic_listeners;
  std::vector<DumpedResource> dynamic_route_configs;
  std::vector<DumpedResource> dynamic_endpoint_configs;
  std::vector<DumpedSecret> dynamic_active_secrets;
  // Secrets a listener or cluster waits for that have not arrived.
  std::vector<std::string> dynamic_warming_secrets;
};

// Envoy's admin ConfigDump as JSON: BootstrapConfigDump, ClustersConfigDump,
// ListenersConfigDump, RoutesConfigDump, EndpointsConfigDump and SecretsConfigDump, with
// per-resource version_info and last_updated. As in Envoy, private keys and their passwords
// appear as "[redacted]" in the DataSource field they came in.
std::string renderConfigDump(const ConfigDumpSections& sections);

}  // namespace meshproxy::admin
