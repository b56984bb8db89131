#include "proxy/filters/network/rbac/rbac_network_filter.h"

#include "absl/strings/str_cat.h"
#include "proxy/accesslog/stream_info.h"
#include "proxy/core/log.h"
#include "proxy/core/strings.h"
#include "proxy/network/connection.h"

namespace meshproxy::filters::rbac {

using network::ConnectionEvent;
using network::FilterStatus;

network::FilterStatus RbacNetworkFilter::onNewConnection() {
  if (callbacks_->connection().secure()) {
    // Who the peer is becomes known with the handshake (onEvent kConnected).
    waiting_for_handshake_ = true;
    return FilterStatus::kStopIteration;
  }
  return check() ? FilterStatus::kContinue : FilterStatus::kStopIteration;
}

void RbacNetworkFilter::onEvent(ConnectionEvent event) {
  if (event != ConnectionEvent::kConnected || !waiting_for_handshake_) return;
  waiting_for_handshake_ = false;
  if (check()) callbacks_->continueNewConnection();
}

network::FilterStatus RbacNetworkFilter::onData(Buffer& data, bool) {
  // Data only reaches this filter once it started the chain (or let it continue), so a decision
  // was made; CONTINUOUS asks for it again on every read.
  if (denied_ || (config_->continuous && !check())) {
    data.clear();
    return FilterStatus::kStopIteration;
  }
  return FilterStatus::kContinue;
}

bool RbacNetworkFilter::check() {
  network::Connection& connection = callbacks_->connection();
  RequestView view;
  view.local = &connection.localAddress();
  view.direct_remote = &connection.remoteAddress();
  view.requested_server_name = callbacks_->streamInfo().requested_server_name;
  view.ssl = connection.ssl().get();
  const RbacCheckResult result = config_->filter->check(view);
  if (result.allowed) return true;
  denied_ = true;
  termination_details_ =
      absl::StrCat("rbac_access_denied_matched_policy[",
                   result.enforced_policy_id != nullptr ? *result.enforced_policy_id : "none", "]");
  callbacks_->streamInfo().connection_termination_details = termination_details_;
  log::debug("rbac: connection from {} denied ({})", connection.remoteAddress().str(),
             termination_details_);
  connection.close(network::CloseType::kNoFlush);
  return false;
}

}  // namespace meshproxy::filters::rbac
