#pragma once

#include <google/protobuf/any.pb.h>

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "envoy/config/core/v3/base.pb.h"
#include "proxy/core/event_loop.h"
#include "proxy/stats/store.h"
#include "xds/client/discovery_service.h"
#include "xds/client/xds_stream.h"

namespace meshproxy::xds {

// One delta (incremental) update of one type: the resources added or changed, each with its
// own version, and the names removed.
struct DeltaUpdate {
  std::vector<google::protobuf::Any> resources;
  std::vector<std::string> names;     // parallel to resources: the name each was sent under
  std::vector<std::string> versions;  // parallel to resources
  std::vector<std::string> removed;
  std::string system_version;  // system_version_info: for logs and /config_dump only
};

// Receives the resources of one type, all or nothing: an error status rejects (NACKs) the
// whole response and must leave the previous config in place.
class ResourceHandler {
 public:
  virtual ~ResourceHandler() = default;
  // State of the World: every resource of a full-state type (LDS, CDS), or the subscribed
  // ones that exist (RDS, EDS, SDS).
  virtual absl::Status onConfigUpdate(std::string_view type_url,
                                      const std::vector<google::protobuf::Any>& resources,
                                      const std::string& version) = 0;
  virtual absl::Status onDeltaUpdate(std::string_view type_url, const DeltaUpdate& update) = 0;
};

// How to reach one gRPC config source and what its requests carry.
struct ClientOptions {
  GrpcServiceSpec grpc;
  DiscoveryService service = DiscoveryService::kAggregated;
  // ApiConfigSource.set_node_on_first_message_only: the node goes on the first request of each
  // stream only (Envoy's default is every request).
  bool set_node_on_first_message_only = false;
  // "ADS", "SDS api_config_source 'sds-grpc'": names the source in logs.
  std::string label = "ADS";
  // The gauge control_plane.connected_state follows this source (the ADS one only).
  bool report_connected_state = true;
};

// An xDS client over one gRPC stream, State of the World (SotwClient) or delta (DeltaClient),
// on the main thread: the server subscribes types with a handler and says which names it wants;
// the client speaks the protocol (versions, nonces, ACK/NACK, resubscription on reconnect).
class XdsClient {
 public:
  virtual ~XdsClient() = default;

  // Wildcard types (LDS, CDS) ask for everything; others for the names given below. Before
  // start().
  virtual void subscribe(std::string_view type_url, ResourceHandler& handler, bool wildcard) = 0;
  // The names wanted for a non-wildcard type (RDS, EDS, SDS); a request goes out when they
  // change (an empty set unsubscribes from everything).
  virtual void setResourceNames(std::string_view type_url, const std::set<std::string>& names) = 0;
  virtual void start() = 0;

  virtual bool connected() const = 0;
  // The version of the last update of a type that was accepted ("" before the first): SotW's
  // version_info, delta's system_version_info.
  virtual std::string acceptedVersion(std::string_view type_url) const = 0;
  virtual const std::string& target() const = 0;
  virtual bool delta() const = 0;
};

// DELTA_GRPC (or AGGREGATED_DELTA_GRPC) picks the delta client, GRPC the State of the World one.
std::unique_ptr<XdsClient> makeXdsClient(bool delta, EventLoop& loop,
                                         envoy::config::core::v3::Node node,
                                         ClientOptions options, stats::Store& stats);

}  // namespace meshproxy::xds
