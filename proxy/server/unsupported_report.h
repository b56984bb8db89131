// `meshproxy --print-unsupported FILE`: every field and extension of a bootstrap that meshproxy
// does not implement, all at once, for planning a migration from Envoy (loading stops at the
// first one).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/server/options.h"

namespace envoy::config::bootstrap::v3 {
class Bootstrap;
}

namespace meshproxy::server {

struct UnsupportedReport {
  // "static_resources.clusters[0].circuit_breakers
  // (envoy.config.cluster.v3.Cluster.circuit_breakers)"
  std::vector<std::string> fields;
  // "'envoy.filters.http.lua' (type.googleapis.com/envoy...Lua) at static_resources...typed_config"
  std::vector<std::string> extensions;
  // Not counted as unsupported: values meshproxy accepts but does not act on (Envoy's own
  // runtime keys).
  std::vector<std::string> warnings;
  bool empty() const { return fields.empty() && extensions.empty(); }
};

// Walks the whole bootstrap with the supported-fields tables in collecting mode: listeners,
// clusters, endpoints, inline route configurations, and the typed_config of every extension
// (entered when its table is registered, named when no extension has its type URL).
UnsupportedReport reportUnsupported(const envoy::config::bootstrap::v3::Bootstrap& bootstrap);

// Prints the report on stdout. Exit code 0 when nothing is unsupported and the config also
// passes validate mode's checks; 1 otherwise (also when the file does not parse: that error
// is printed instead).
int runPrintUnsupported(const Options& options);

}  // namespace meshproxy::server
