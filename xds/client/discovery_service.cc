#include "xds/client/discovery_service.h"

#include "envoy/service/cluster/v3/cds.grpc.pb.h"
#include "envoy/service/discovery/v3/ads.grpc.pb.h"
#include "envoy/service/listener/v3/lds.grpc.pb.h"
#include "envoy/service/secret/v3/sds.grpc.pb.h"
#include "xds/client/type_urls.h"

namespace meshproxy::xds {

DiscoveryService serviceForType(std::string_view type_url) {
  if (type_url == kSecretType) return DiscoveryService::kSecret;
  if (type_url == kListenerType) return DiscoveryService::kListener;
  if (type_url == kClusterType) return DiscoveryService::kCluster;
  return DiscoveryService::kAggregated;
}

std::string_view serviceName(DiscoveryService service) {
  switch (service) {
    case DiscoveryService::kAggregated:
      return "envoy.service.discovery.v3.AggregatedDiscoveryService";
    case DiscoveryService::kSecret:
      return "envoy.service.secret.v3.SecretDiscoveryService";
    case DiscoveryService::kListener:
      return "envoy.service.listener.v3.ListenerDiscoveryService";
    case DiscoveryService::kCluster:
      return "envoy.service.cluster.v3.ClusterDiscoveryService";
  }
  return "";
}

// The generated stubs only borrow the channel for the call they start, so each open makes a
// stub, starts the call and lets the stub go.
SotwStream::Open openSotw(DiscoveryService service) {
  using Channel = std::shared_ptr<grpc::Channel>;
  switch (service) {
    case DiscoveryService::kSecret:
      return [](const Channel& channel, grpc::ClientContext* context) {
        return envoy::service::secret::v3::SecretDiscoveryService::NewStub(channel)->StreamSecrets(
            context);
      };
    case DiscoveryService::kListener:
      return [](const Channel& channel, grpc::ClientContext* context) {
        return envoy::service::listener::v3::ListenerDiscoveryService::NewStub(channel)
            ->StreamListeners(context);
      };
    case DiscoveryService::kCluster:
      return [](const Channel& channel, grpc::ClientContext* context) {
        return envoy::service::cluster::v3::ClusterDiscoveryService::NewStub(channel)
            ->StreamClusters(context);
      };
    case DiscoveryService::kAggregated:
      break;
  }
  return [](const Channel& channel, grpc::ClientContext* context) {
    return envoy::service::discovery::v3::AggregatedDiscoveryService::NewStub(channel)
        ->StreamAggregatedResources(context);
  };
}

DeltaStream::Open openDelta(DiscoveryService service) {
  using Channel = std::shared_ptr<grpc::Channel>;
  switch (service) {
    case DiscoveryService::kSecret:
      return [](const Channel& channel, grpc::ClientContext* context) {
        return envoy::service::secret::v3::SecretDiscoveryService::NewStub(channel)->DeltaSecrets(
            context);
      };
    case DiscoveryService::kListener:
      return [](const Channel& channel, grpc::ClientContext* context) {
        return envoy::service::listener::v3::ListenerDiscoveryService::NewStub(channel)
            ->DeltaListeners(context);
      };
    case DiscoveryService::kCluster:
      return [](const Channel& channel, grpc::ClientContext* context) {
        return envoy::service::cluster::v3::ClusterDiscoveryService::NewStub(channel)
            ->DeltaClusters(context);
      };
    case DiscoveryService::kAggregated:
      break;
  }
  return [](const Channel& channel, grpc::ClientContext* context) {
    return envoy::service::discovery::v3::AggregatedDiscoveryService::NewStub(channel)
        ->DeltaAggregatedResources(context);
  };
}

}  // namespace meshproxy::xds
