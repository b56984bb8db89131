// The incremental (delta) xDS protocol for one resource type on one stream, server side: what
// the client subscribed to, which resources it holds at which versions, and the response due
// for the node's current resources. Pure logic (no I/O, no locking), so it is tested as a
// table; the stream calls it under its mutex.
//
// Rules, from Envoy's "xDS REST and gRPC protocol" (incremental xDS):
//   - The first request of a type on a stream opens it: its resource_names_subscribe (none at
//     all for LDS or CDS: the legacy wildcard; "*": wildcard for any type) and
//     initial_resource_versions (what a reconnecting client still holds). It is always
//     answered, with only what differs from those versions: a client that missed nothing gets
//     an empty response.
//   - Later requests change the subscription by difference (subscribe / unsubscribe, "*"
//     included); unsubscribing forgets what the client held of the name.
//   - A response carries the resources whose version differs from the one the client holds,
//     each with its own version (its content hash: equal content, equal version, on any node
//     and after a restart), and in removed_resources the names it holds that are gone. A name
//     subscribed explicitly that does not exist is also named in removed_resources, once, so
//     the client knows not to wait for it.
//   - A request with response_nonce ACKs that response, or NACKs it with error_detail. What a
//     response carried counts as held once sent: a resource the client rejected is not sent
//     again until it changes (as in the State-of-the-World server), while the client keeps
//     serving what it had.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "absl/time/time.h"
#include "envoy/service/discovery/v3/discovery.pb.h"
#include "xds/server/resource.h"
#include "xds/server/sotw_type_state.h"

namespace meshproxy::xds_server {

// The version of one resource in delta responses: 16 hex characters of its content hash.
std::string resourceVersion(const Resource& resource);

class DeltaTypeState {
 public:
  using Request = envoy::service::discovery::v3::DeltaDiscoveryRequest;
  using Response = envoy::service::discovery::v3::DeltaDiscoveryResponse;

  explicit DeltaTypeState(std::string type_url);

  RequestKind onRequest(const Request& request, absl::Time now);
  // The response due for `available` (every resource of the type the node has), or none.
  // What it carries is recorded as sent (before the write, so an ACK arriving at once finds
  // its nonce).
  std::optional<Response> respond(const ResourceMap& available, absl::Time now);

  const TypeStatus& status() const { return status_; }
  bool wildcard() const { return wildcard_; }
  const std::set<std::string>& names() const { return names_; }
  // What the client holds, by name, as far as this server knows.
  const std::map<std::string, std::string>& held() const { return held_; }

 private:
  void subscribe(const std::string& name);
  void unsubscribe(const std::string& name);

  TypeStatus status_;
  bool requested_ = false;
  bool first_response_due_ = false;
  bool wildcard_ = false;
  std::set<std::string> names_;
  std::map<std::string, std::string> held_;
  // Subscribed names the client was told do not exist (not repeated until subscribed again).
  std::set<std::string> told_absent_;
};

}  // namespace meshproxy::xds_server
