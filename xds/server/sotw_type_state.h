// The State-of-the-World protocol for one resource type on one ADS stream: classifies each
// request as ACK, NACK or stale by its nonce, tracks what the client asked for, and decides
// when a response is due. Pure logic (no I/O, no locking), so it is tested as a table.
//
// Rules, from Envoy's "xDS REST and gRPC protocol":
//   - A request whose response_nonce is not the nonce of the latest response for the type is
//     stale: it is not an ACK or NACK of anything. Because this server pushes new versions
//     without waiting for the previous ACK (more than one response may be in flight), the doc
//     says such a request must not be ignored altogether: its resource_names are still taken,
//     but it does not cause a response by itself (the client's ACK of the newer response
//     carries the same names and is answered if they differ from what that response used).
//   - Before any response on this stream, every request is the initial request (a reconnecting
//     client may carry its old version_info and a nonce from the old stream) and is answered.
//   - Latest nonce + error_detail: NACK of the version sent with that nonce. Latest nonce,
//     no error_detail, same version_info: ACK. Latest nonce, no error_detail, another
//     version_info: the client did not apply it either (older clients NACK that way): NACK.
//   - A response is due when none was sent yet, when the content for the current subscription
//     has a new version, or when the subscription differs from the one the last response was
//     built for. An ACK or NACK of the current content and names gets no answer, so a client
//     that rejects a version is not sent it again until it changes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "envoy/service/discovery/v3/discovery.pb.h"
#include "xds/server/subscription.h"

namespace meshproxy::xds_server {

// kChange: a delta request that only changes the subscription (no nonce, not the first).
enum class RequestKind { kInitial, kAck, kNack, kStale, kChange };
std::string_view toString(RequestKind kind);

struct NackInfo {
  std::string version;  // the rejected version (the one sent with the NACKed nonce)
  std::string message;  // error_detail.message
  absl::Time time;
};

// What /nodes shows for one type on one stream.
struct TypeStatus {
  std::string type_url;
  Subscription subscription;
  std::string version_sent;  // empty until the first response
  std::string nonce_sent;
  size_t resources_sent = 0;
  absl::Time sent_at = absl::InfinitePast();
  std::string acked_version;  // empty until the first ACK on this stream
  absl::Time acked_at = absl::InfinitePast();
  std::optional<NackInfo> last_nack;
  uint64_t requests = 0;
  uint64_t acks = 0;
  uint64_t nacks = 0;
  uint64_t stale = 0;
};

class SotwTypeState {
 public:
  using Request = envoy::service::discovery::v3::DiscoveryRequest;
  using Response = envoy::service::discovery::v3::DiscoveryResponse;

  explicit SotwTypeState(std::string type_url);

  // The response due for `available` (every resource of the type the node has): what the
  // subscription selects, if shouldRespond(); recorded with onSent().
  std::optional<Response> respond(const ResourceMap& available, absl::Time now);

  // Classifies a request of this type and applies it (subscription, ACK/NACK bookkeeping).
  RequestKind onRequest(const envoy::service::discovery::v3::DiscoveryRequest& request,
                        absl::Time now);

  // Whether a response carrying `version` (computed for subscription()) should go out now.
  bool shouldRespond(std::string_view version) const;

  // Records a response about to be written (before the write, so that an ACK arriving at once
  // finds its nonce).
  void onSent(std::string version, std::string nonce, size_t resources, absl::Time now);

  const Subscription& subscription() const { return status_.subscription; }
  const TypeStatus& status() const { return status_; }

 private:
  TypeStatus status_;
  bool requested_ = false;
  Subscription sent_for_;  // the subscription the latest response was built for
};

}  // namespace meshproxy::xds_server
