// An in-process xDS server for protocol-level tests: the test decides every response and
// sees every request, so it can assert version_info and nonces exactly. It serves ADS (State
// of the World and delta) and SDS's own service (StreamSecrets), on 127.0.0.1 or on a Unix
// domain socket; one stream at a time is "current" (the last one opened).
#pragma once

#include <google/protobuf/any.pb.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "envoy/service/discovery/v3/ads.grpc.pb.h"

namespace grpc {
class Server;
}

namespace meshproxy::testing {

using envoy::service::discovery::v3::DeltaDiscoveryRequest;
using envoy::service::discovery::v3::DeltaDiscoveryResponse;
using envoy::service::discovery::v3::DiscoveryRequest;
using envoy::service::discovery::v3::DiscoveryResponse;

// One resource of a delta response.
struct DeltaResource {
  std::string name;
  std::string version;
  google::protobuf::Any body;
};

class FakeAdsServer {
 public:
  // Empty: 127.0.0.1:<picked port>. "unix:/path": that Unix domain socket.
  explicit FakeAdsServer(std::string listen = "");
  ~FakeAdsServer();

  int port() const { return port_; }  // 0 on a Unix socket
  // The next request of that type (any type if empty), in arrival order.
  std::optional<DiscoveryRequest> waitRequest(const std::string& type_url,
                                              absl::Duration timeout = absl::Seconds(10));
  // Sends on the current stream; returns the nonce used ("" if no stream).
  std::string respond(const std::string& type_url, const std::string& version,
                      const std::vector<google::protobuf::Any>& resources);
  bool waitForStream(absl::Duration timeout = absl::Seconds(10));
  // Ends the current stream from the server side.
  void closeStream();
  int streamsSeen() const;

  // Delta (DeltaAggregatedResources): the same, for delta requests and responses.
  std::optional<DeltaDiscoveryRequest> waitDeltaRequest(const std::string& type_url,
                                                        absl::Duration timeout = absl::Seconds(10));
  std::string respondDelta(const std::string& type_url, const std::string& system_version,
                           const std::vector<DeltaResource>& resources,
                           const std::vector<std::string>& removed = {});

  // The gRPC method of the current (or last) stream ("StreamSecrets", ...) and the metadata
  // its client sent (lowercase keys).
  std::string lastMethod() const;
  std::multimap<std::string, std::string> lastMetadata() const;

 private:
  class State;
  class AdsService;
  class SdsService;
  std::unique_ptr<State> state_;
  std::unique_ptr<AdsService> ads_;
  std::unique_ptr<SdsService> sds_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// Packs a resource given as YAML (with its "@type") into an Any.
google::protobuf::Any anyFromYaml(const std::string& yaml);

}  // namespace meshproxy::testing
