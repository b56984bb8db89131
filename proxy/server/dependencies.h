#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace meshproxy::server {

// What one resource names in other xDS types. Each resource type says it once
// (ResourceType::dependencies, when the resource is translated) and the store keeps it with
// the resource; warming, subscriptions, the clusters that must not go away, /config_dump's
// warming secrets and the check that the bootstrap has an ADS source all derive from it.
struct Dependencies {
  // Waited for before the resource serves (warming), and subscribed to while it exists.
  std::vector<std::string> routes;     // RDS route configurations (a listener's)
  std::vector<std::string> endpoints;  // EDS load assignments (an EDS cluster's)
  std::vector<std::string> secrets;    // SDS secrets its TLS context needs
  // initial_fetch_timeout of the source of its routes or endpoints, when it waits for any.
  std::optional<std::chrono::milliseconds> fetch_timeout;
  // Named, not waited for: while an active resource names a cluster that CDS removed, the
  // cluster stays (a listener's tcp_proxy or inline routes, an RDS route table's routes).
  std::vector<std::string> clusters;

  // True when it waits for nothing from xDS.
  bool waitsForNothing() const { return routes.empty() && endpoints.empty() && secrets.empty(); }
};

}  // namespace meshproxy::server
