#include "xds/server/delta_type_state.h"

#include "absl/strings/str_cat.h"
#include "xds/server/nonce.h"
#include "xds/server/resource_version.h"
#include "xds/server/type_urls.h"

namespace meshproxy::xds_server {

std::string resourceVersion(const Resource& resource) { return resource.content_hash.substr(0, 16); }

DeltaTypeState::DeltaTypeState(std::string type_url) { status_.type_url = std::move(type_url); }

void DeltaTypeState::subscribe(const std::string& name) {
  if (name == "*") {
    wildcard_ = true;
    return;
  }
  names_.insert(name);
  told_absent_.erase(name);
}

void DeltaTypeState::unsubscribe(const std::string& name) {
  if (name == "*") {
    wildcard_ = false;
  } else {
    names_.erase(name);
    told_absent_.erase(name);
  }
  // The client forgets it; resources still covered by the wildcard are sent again if needed.
  if (!wildcard_ || name != "*") held_.erase(name);
}

RequestKind DeltaTypeState::onRequest(const Request& request, absl::Time now) {
  ++status_.requests;
  RequestKind kind = RequestKind::kChange;
  if (!requested_) {
    requested_ = true;
    first_response_due_ = true;
    kind = RequestKind::kInitial;
    // No names at all on the first request of LDS or CDS: the legacy wildcard.
    if (request.resource_names_subscribe().empty() && isLegacyWildcardType(status_.type_url))
      wildcard_ = true;
    for (const auto& [name, version] : request.initial_resource_versions()) held_[name] = version;
  }
  for (const auto& name : request.resource_names_subscribe()) subscribe(name);
  for (const auto& name : request.resource_names_unsubscribe()) unsubscribe(name);
  status_.subscription = Subscription::of(wildcard_, names_);

  if (request.response_nonce().empty()) return kind;
  bool has_error = request.has_error_detail() && (request.error_detail().code() != 0 ||
                                                  !request.error_detail().message().empty());
  if (request.response_nonce() != status_.nonce_sent) {
    // Responses do not replace each other in delta; an older one's ACK or NACK only counts.
    ++status_.stale;
    return RequestKind::kStale;
  }
  if (has_error) {
    ++status_.nacks;
    status_.last_nack = NackInfo{status_.version_sent, request.error_detail().message(), now};
    return RequestKind::kNack;
  }
  ++status_.acks;
  status_.acked_version = status_.version_sent;
  status_.acked_at = now;
  return RequestKind::kAck;
}

std::optional<DeltaTypeState::Response> DeltaTypeState::respond(const ResourceMap& available,
                                                                absl::Time now) {
  if (!requested_) return std::nullopt;
  ResourceMap selected = status_.subscription.select(available);
  Response response;
  for (const auto& [name, resource] : selected) {
    std::string version = resourceVersion(*resource);
    auto held = held_.find(name);
    if (held != held_.end() && held->second == version) continue;
    auto* r = response.add_resources();
    r->set_name(name);
    r->set_version(version);
    *r->mutable_resource() = resource->body;
    held_[name] = std::move(version);
  }
  for (auto it = held_.begin(); it != held_.end();) {
    if (selected.contains(it->first)) {
      ++it;
      continue;
    }
    response.add_removed_resources(it->first);
    if (names_.contains(it->first)) told_absent_.insert(it->first);
    it = held_.erase(it);
  }
  for (const auto& name : names_) {
    if (selected.contains(name) || told_absent_.contains(name)) continue;
    bool removed_above = false;
    for (const auto& r : response.removed_resources()) removed_above |= r == name;
    if (!removed_above) response.add_removed_resources(name);
    told_absent_.insert(name);
  }
  if (response.resources_size() == 0 && response.removed_resources_size() == 0 &&
      !first_response_due_) {
    return std::nullopt;
  }
  first_response_due_ = false;
  response.set_type_url(status_.type_url);
  response.set_system_version_info(computeVersion(selected));
  response.set_nonce(nextNonce());
  status_.version_sent = response.system_version_info();
  status_.nonce_sent = response.nonce();
  status_.resources_sent = static_cast<size_t>(response.resources_size());
  status_.sent_at = now;
  return response;
}

}  // namespace meshproxy::xds_server
