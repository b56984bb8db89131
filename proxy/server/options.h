#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace meshproxy::server {

// Command-line options, named like Envoy's where Envoy has the same option.
struct Options {
  std::string config_path;
  uint32_t concurrency = 0;  // 0: one worker per core
  std::string log_level = "info";
  std::string log_format = "text";
  std::optional<std::string> admin_address;  // overrides the bootstrap's admin.address
  std::optional<std::string> service_node;   // overrides node.id
  std::optional<std::string> service_cluster;  // overrides node.cluster
  // --node-metadata KEY=VALUE (repeatable): merged into node.metadata, so a sidecar
  // injector can pass NAMESPACE / SERVICE_ACCOUNT from the downward API.
  std::vector<std::pair<std::string, std::string>> node_metadata;
  uint32_t drain_time_s = 5;
  // --mode serve (default) | validate: load and translate the config, open nothing, exit 0/1.
  std::string mode = "serve";
  bool help = false;
  bool version = false;
};

absl::StatusOr<Options> parseOptions(int argc, const char* const* argv);
std::string usage();
std::string versionString();

}  // namespace meshproxy::server
