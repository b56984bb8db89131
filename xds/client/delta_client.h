#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "xds/client/delta_subscription_state.h"
#include "xds/client/type_stats.h"
#include "xds/client/xds_client.h"

namespace meshproxy::xds {

// The incremental (delta) protocol (main thread): DeltaAggregatedResources for ads_config with
// api_type DELTA_GRPC, or a discovery service's Delta* method for an api_config_source. The
// protocol state of each type is a DeltaSubscriptionState; this class moves requests and
// responses between it, the stream and the ResourceHandler. Each response is applied as one
// delta update (added or changed resources with their versions, removed names), ACKed with its
// nonce, or NACKed with the reason while everything held stays as it was.
class DeltaClient : public XdsClient, public DeltaStream::Callbacks {
 public:
  DeltaClient(EventLoop& loop, envoy::config::core::v3::Node node, ClientOptions options,
              stats::Store& stats);
  ~DeltaClient() override;

  // XdsClient
  void subscribe(std::string_view type_url, ResourceHandler& handler, bool wildcard) override;
  void setResourceNames(std::string_view type_url, const std::set<std::string>& names) override;
  void start() override;
  bool connected() const override { return connected_; }
  std::string acceptedVersion(std::string_view type_url) const override;
  const std::string& target() const override;
  bool delta() const override { return true; }

  // DeltaStream::Callbacks
  void onStreamEstablished() override;
  void onResponse(std::unique_ptr<DeltaDiscoveryResponse> response) override;
  void onStreamClosed(const std::string& reason) override;
  void onResponseTooLarge() override;

 private:
  struct TypeState {
    DeltaSubscriptionState protocol;
    ResourceHandler* handler = nullptr;
    std::unique_ptr<TypeStats> stats;
  };

  TypeState* find(std::string_view type_url);
  void send(DeltaDiscoveryRequest request);
  // Checks what the handler cannot: names, bodies, types. Empty when the response is usable.
  std::string malformed(const TypeState& state, const DeltaDiscoveryResponse& response) const;

  envoy::config::core::v3::Node node_;
  const ClientOptions options_;
  stats::Scope scope_;
  stats::Gauge* connected_state_ = nullptr;
  // Streams lost to a response past kMaxXdsReceiveMessageBytes (every source counts here).
  stats::Counter& response_too_large_;
  std::unique_ptr<DeltaStream> stream_;
  std::vector<std::unique_ptr<TypeState>> types_;  // in typeOrder
  bool connected_ = false;
  bool node_sent_ = false;
};

}  // namespace meshproxy::xds
