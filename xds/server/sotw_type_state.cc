#include "xds/server/sotw_type_state.h"

#include "absl/strings/str_cat.h"
#include "xds/server/nonce.h"
#include "xds/server/resource_version.h"

namespace meshproxy::xds_server {

std::string_view toString(RequestKind kind) {
  switch (kind) {
    case RequestKind::kInitial:
      return "initial";
    case RequestKind::kAck:
      return "ACK";
    case RequestKind::kNack:
      return "NACK";
    case RequestKind::kStale:
      return "stale";
    case RequestKind::kChange:
      return "change";
  }
  return "unknown";
}

SotwTypeState::SotwTypeState(std::string type_url) { status_.type_url = std::move(type_url); }

RequestKind SotwTypeState::onRequest(const envoy::service::discovery::v3::DiscoveryRequest& request,
                                     absl::Time now) {
  ++status_.requests;
  requested_ = true;
  status_.subscription = Subscription::fromRequest(status_.type_url, request.resource_names());
  if (status_.nonce_sent.empty()) return RequestKind::kInitial;
  if (request.response_nonce() != status_.nonce_sent) {
    ++status_.stale;
    return RequestKind::kStale;
  }
  bool has_error = request.has_error_detail() && (request.error_detail().code() != 0 ||
                                                  !request.error_detail().message().empty());
  if (!has_error && request.version_info() == status_.version_sent) {
    ++status_.acks;
    status_.acked_version = status_.version_sent;
    status_.acked_at = now;
    return RequestKind::kAck;
  }
  ++status_.nacks;
  std::string message = has_error ? request.error_detail().message()
                                  : absl::StrCat("version_info '", request.version_info(),
                                                 "' is not the version sent with this nonce and "
                                                 "error_detail is empty");
  status_.last_nack = NackInfo{status_.version_sent, std::move(message), now};
  return RequestKind::kNack;
}

bool SotwTypeState::shouldRespond(std::string_view version) const {
  if (!requested_) return false;
  if (status_.nonce_sent.empty()) return true;
  return version != status_.version_sent || status_.subscription != sent_for_;
}

std::optional<SotwTypeState::Response> SotwTypeState::respond(const ResourceMap& available,
                                                              absl::Time now) {
  ResourceMap selected = subscription().select(available);
  std::string version = computeVersion(selected);
  if (!shouldRespond(version)) return std::nullopt;
  Response response;
  response.set_version_info(version);
  response.set_type_url(status_.type_url);
  response.set_nonce(nextNonce());
  for (const auto& [name, resource] : selected) *response.add_resources() = resource->body;
  onSent(version, response.nonce(), selected.size(), now);
  return response;
}

void SotwTypeState::onSent(std::string version, std::string nonce, size_t resources,
                           absl::Time now) {
  status_.version_sent = std::move(version);
  status_.nonce_sent = std::move(nonce);
  status_.resources_sent = resources;
  status_.sent_at = now;
  sent_for_ = status_.subscription;
}

}  // namespace meshproxy::xds_server
