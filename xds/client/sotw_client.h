#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "xds/client/type_stats.h"
#include "xds/client/xds_client.h"

namespace meshproxy::xds {

// The State-of-the-World protocol (main thread): subscriptions per type, versions and
// nonces, ACK (version + nonce of the applied response) and NACK (previous version + nonce +
// error_detail). On every new stream it resends each subscription with its last accepted
// version, so the server knows what this proxy already has.
class SotwClient : public XdsClient, public SotwStream::Callbacks {
 public:
  SotwClient(EventLoop& loop, envoy::config::core::v3::Node node, ClientOptions options,
             stats::Store& stats);
  ~SotwClient() override;

  // XdsClient
  void subscribe(std::string_view type_url, ResourceHandler& handler, bool wildcard) override;
  void setResourceNames(std::string_view type_url, const std::set<std::string>& names) override;
  void start() override;
  bool connected() const override { return connected_; }
  std::string acceptedVersion(std::string_view type_url) const override;
  const std::string& target() const override;
  bool delta() const override { return false; }

  // SotwStream::Callbacks
  void onStreamEstablished() override;
  void onResponse(std::unique_ptr<DiscoveryResponse> response) override;
  void onStreamClosed(const std::string& reason) override;
  void onResponseTooLarge() override;

 private:
  struct TypeState {
    std::string type_url;
    ResourceHandler* handler = nullptr;
    bool wildcard = false;
    std::set<std::string> names;
    std::string version;  // last accepted
    std::string nonce;    // last received
    std::unique_ptr<TypeStats> stats;
  };

  void sendRequest(TypeState& state, const std::string* error_detail = nullptr);
  bool interested(const TypeState& state) const { return state.wildcard || !state.names.empty(); }

  envoy::config::core::v3::Node node_;
  const ClientOptions options_;
  stats::Scope scope_;
  stats::Gauge* connected_state_ = nullptr;
  // Streams lost to a response past kMaxXdsReceiveMessageBytes (every source counts here).
  stats::Counter& response_too_large_;
  std::unique_ptr<SotwStream> stream_;
  // Ordered for the initial requests: clusters before listeners, as Envoy sends them.
  std::vector<std::unique_ptr<TypeState>> types_;
  bool connected_ = false;
  bool node_sent_ = false;
};

}  // namespace meshproxy::xds
