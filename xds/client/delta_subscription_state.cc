#include "xds/client/delta_subscription_state.h"

namespace meshproxy::xds {

DeltaSubscriptionState::DeltaSubscriptionState(std::string type_url, bool wildcard)
    : type_url_(std::move(type_url)), wildcard_(wildcard) {}

bool DeltaSubscriptionState::setNames(const std::set<std::string>& names) {
  if (wildcard_ || names == names_) return false;
  for (const auto& name : names) {
    if (names_.contains(name)) continue;
    if (!to_unsubscribe_.erase(name)) to_subscribe_.insert(name);
  }
  for (const auto& name : names_) {
    if (names.contains(name)) continue;
    if (!to_subscribe_.erase(name)) to_unsubscribe_.insert(name);
    // The server sends nothing more about it; what is held of it is forgotten.
    held_.erase(name);
  }
  names_ = names;
  return !to_subscribe_.empty() || !to_unsubscribe_.empty();
}

DeltaSubscriptionState::Request DeltaSubscriptionState::initialRequest() {
  Request request;
  request.set_type_url(type_url_);
  if (wildcard_) {
    if (!first_stream_) request.add_resource_names_subscribe("*");
  } else {
    for (const auto& name : names_) request.add_resource_names_subscribe(name);
  }
  for (const auto& [name, version] : held_) (*request.mutable_initial_resource_versions())[name] = version;
  to_subscribe_.clear();
  to_unsubscribe_.clear();
  first_stream_ = false;
  return request;
}

DeltaSubscriptionState::Request DeltaSubscriptionState::subscriptionRequest() {
  Request request;
  request.set_type_url(type_url_);
  for (const auto& name : to_subscribe_) request.add_resource_names_subscribe(name);
  for (const auto& name : to_unsubscribe_) request.add_resource_names_unsubscribe(name);
  to_subscribe_.clear();
  to_unsubscribe_.clear();
  return request;
}

DeltaSubscriptionState::Request DeltaSubscriptionState::ackRequest(
    const std::string& nonce, const std::optional<std::string>& error) {
  Request request;
  request.set_type_url(type_url_);
  request.set_response_nonce(nonce);
  if (error) {
    request.mutable_error_detail()->set_code(3 /* INVALID_ARGUMENT */);
    request.mutable_error_detail()->set_message(*error);
  }
  return request;
}

void DeltaSubscriptionState::accepted(const std::map<std::string, std::string>& versions,
                                      const std::vector<std::string>& removed,
                                      std::string system_version) {
  for (const auto& [name, version] : versions) {
    // A resource of a name unsubscribed meanwhile is not kept (it was sent before the server
    // saw the unsubscribe).
    if (wildcard_ || names_.contains(name)) held_[name] = version;
  }
  for (const auto& name : removed) held_.erase(name);
  system_version_ = std::move(system_version);
}

}  // namespace meshproxy::xds
