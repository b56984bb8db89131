#pragma once

#include <set>
#include <string>

#include "proxy/server/cluster_resources.h"
#include "proxy/server/endpoint_resources.h"
#include "proxy/server/listener_resources.h"
#include "proxy/server/route_resources.h"
#include "proxy/server/secret_resources.h"

namespace meshproxy::server {

// Every resource the proxy runs with, one store per xDS type (main thread).
struct ResourceStores {
  ClusterStore clusters;
  ListenerStore listeners;
  RouteStore routes;
  EndpointStore endpoints;
  SecretStore secrets;
};

// The questions asked across types, all answered from Dependencies.

// Everything `dependencies` waits for from RDS and EDS has arrived. (Secrets are judged by the
// resource's TLS context: ResourceType::transportReady.)
bool dependenciesMet(const Dependencies& dependencies, const ResourceStores& stores);

// The RDS, EDS and SDS names to subscribe to: what active and warming resources (clusters and
// listeners) wait for.
struct WantedNames {
  std::set<std::string> routes;
  std::set<std::string> endpoints;
  std::set<std::string> secrets;
};
WantedNames wantedNames(const ResourceStores& stores);

// Clusters named by an active listener, or by a route table an active listener uses.
std::set<std::string> referencedClusters(const ResourceStores& stores);

}  // namespace meshproxy::server
