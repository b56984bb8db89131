#pragma once

#include <google/protobuf/any.pb.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "envoy/config/core/v3/base.pb.h"
#include "proxy/core/event_loop.h"
#include "proxy/stats/scope.h"
#include "proxy/stats/store.h"
#include "xds/client/ads_stream.h"

namespace meshproxy::xds {

// Receives the resources of one type, all or nothing: an error status rejects (NACKs) the
// whole response and must leave the previous config in place.
class ResourceHandler {
 public:
  virtual ~ResourceHandler() = default;
  virtual absl::Status onConfigUpdate(std::string_view type_url,
                                      const std::vector<google::protobuf::Any>& resources,
                                      const std::string& version) = 0;
};

// The State-of-the-World ADS protocol (main thread): subscriptions per type, versions and
// nonces, ACK (version + nonce of the applied response) and NACK (previous version + nonce +
// error_detail). On every new stream it resends each subscription with its last accepted
// version, so the server knows what this proxy already has.
class XdsManager : public AdsStream::Callbacks {
 public:
  XdsManager(EventLoop& loop, envoy::config::core::v3::Node node, std::string target,
             stats::Store& stats);
  ~XdsManager() override;

  // Wildcard types (LDS, CDS) ask for everything; others for the names given below.
  void subscribe(std::string_view type_url, ResourceHandler& handler, bool wildcard);
  // The names wanted for a non-wildcard type (RDS, EDS); sends a request when they change.
  void setResourceNames(std::string_view type_url, const std::set<std::string>& names);
  void start();

  bool connected() const { return connected_; }
  // The last version accepted for a type ("" before the first).
  std::string acceptedVersion(std::string_view type_url) const;
  const std::string& target() const;

  // AdsStream::Callbacks
  void onStreamEstablished() override;
  void onDiscoveryResponse(std::unique_ptr<DiscoveryResponse> response) override;
  void onStreamClosed(const std::string& reason) override;
  void onResponseTooLarge() override;

 private:
  struct TypeStats {
    stats::Counter& update_attempt;
    stats::Counter& update_success;
    stats::Counter& update_rejected;
    stats::Gauge& version;
  };
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

  EventLoop& loop_;
  envoy::config::core::v3::Node node_;
  stats::Scope scope_;
  stats::Gauge& connected_state_;
  // Streams lost to a response past AdsStream::kMaxReceiveMessageBytes.
  stats::Counter& response_too_large_;
  std::unique_ptr<AdsStream> stream_;
  // Ordered for the initial requests: clusters before listeners, as Envoy sends them.
  std::vector<std::unique_ptr<TypeState>> types_;
  bool connected_ = false;
  bool node_sent_ = false;
};

}  // namespace meshproxy::xds
