#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "envoy/service/discovery/v3/discovery.pb.h"

namespace meshproxy::xds {

// The client side of the incremental (delta) xDS protocol for one type on one source: what is
// subscribed, which resources the client holds and at which versions, and the requests that
// follow from that. Pure logic (no I/O), so it is tested request by request.
//
// Rules, from Envoy's "xDS REST and gRPC protocol" (incremental xDS):
//  - Subscriptions change by difference: resource_names_subscribe / _unsubscribe carry only the
//    names added or dropped since the last request. A wildcard type (LDS, CDS) asks for
//    everything: on the first stream with no names at all (legacy wildcard), on a later stream
//    with "*" explicitly.
//  - The first request of every stream carries the whole subscription and, in
//    initial_resource_versions, every resource held with its version, so the server sends only
//    what changed while the client was away and removes what went.
//  - An ACK is a request with the response's nonce; a NACK adds error_detail. A rejected
//    response changes nothing held (its versions are not recorded).
//  - removed_resources drops what the client holds; a removed name the client subscribed to
//    by name stays subscribed (it may come back). Unsubscribing forgets the resource.
class DeltaSubscriptionState {
 public:
  using Request = envoy::service::discovery::v3::DeltaDiscoveryRequest;

  DeltaSubscriptionState(std::string type_url, bool wildcard);

  // The names wanted (non-wildcard types). True if a request should go out for the change.
  bool setNames(const std::set<std::string>& names);

  // The first request on a new stream.
  Request initialRequest();
  // Subscription changes not sent yet (call after setNames returned true).
  Request subscriptionRequest();
  // ACK (error empty) or NACK of the response with `nonce`.
  Request ackRequest(const std::string& nonce, const std::optional<std::string>& error);

  // An accepted response: `versions` of the added or changed names, `removed` names.
  void accepted(const std::map<std::string, std::string>& versions,
                const std::vector<std::string>& removed, std::string system_version);

  const std::string& typeUrl() const { return type_url_; }
  bool wildcard() const { return wildcard_; }
  bool interested() const { return wildcard_ || !names_.empty(); }
  const std::set<std::string>& names() const { return names_; }
  // Resources held, by name, with the version each came with.
  const std::map<std::string, std::string>& held() const { return held_; }
  const std::string& systemVersion() const { return system_version_; }

 private:
  const std::string type_url_;
  const bool wildcard_;
  std::set<std::string> names_;
  std::set<std::string> to_subscribe_;    // since the last request
  std::set<std::string> to_unsubscribe_;  // since the last request
  std::map<std::string, std::string> held_;
  std::string system_version_;
  bool first_stream_ = true;
};

}  // namespace meshproxy::xds
