// An in-process ADS server for protocol-level tests: the test decides every response and
// sees every request, so it can assert version_info and nonces exactly.
#pragma once

#include <google/protobuf/any.pb.h>

#include <condition_variable>
#include <deque>
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

using envoy::service::discovery::v3::DiscoveryRequest;
using envoy::service::discovery::v3::DiscoveryResponse;

class FakeAdsServer {
 public:
  FakeAdsServer();  // listens on 127.0.0.1:<picked port>
  ~FakeAdsServer();

  int port() const { return port_; }
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

 private:
  class Service;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// Packs a resource given as YAML (with its "@type") into an Any.
google::protobuf::Any anyFromYaml(const std::string& yaml);

}  // namespace meshproxy::testing
