#include "xds/client/delta_client.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "google/rpc/status.pb.h"
#include "proxy/core/log.h"
#include "xds/client/sotw_client.h"

namespace meshproxy::xds {

DeltaClient::DeltaClient(EventLoop& loop, envoy::config::core::v3::Node node, ClientOptions options,
                         stats::Store& stats)
    : node_(std::move(node)),
      options_(std::move(options)),
      scope_(stats.rootScope()),
      response_too_large_(scope_.scope("control_plane").counter("response_too_large")) {
  node_.set_user_agent_name("meshproxy");
  node_.set_user_agent_version(MESHPROXY_VERSION);
  if (options_.report_connected_state)
    connected_state_ = &scope_.scope("control_plane").gauge("connected_state");
  stream_ = std::make_unique<DeltaStream>(options_.grpc, openDelta(options_.service), loop, *this);
}

DeltaClient::~DeltaClient() { stream_.reset(); }

const std::string& DeltaClient::target() const { return stream_->target(); }

void DeltaClient::subscribe(std::string_view type_url, ResourceHandler& handler, bool wildcard) {
  types_.push_back(std::make_unique<TypeState>(
      TypeState{DeltaSubscriptionState(std::string(type_url), wildcard), &handler,
                std::make_unique<TypeStats>(scope_, type_url)}));
  std::stable_sort(types_.begin(), types_.end(), [](const auto& a, const auto& b) {
    return typeOrder(a->protocol.typeUrl()) < typeOrder(b->protocol.typeUrl());
  });
}

DeltaClient::TypeState* DeltaClient::find(std::string_view type_url) {
  for (auto& t : types_) {
    if (t->protocol.typeUrl() == type_url) return t.get();
  }
  return nullptr;
}

void DeltaClient::setResourceNames(std::string_view type_url, const std::set<std::string>& names) {
  TypeState* t = find(type_url);
  if (t == nullptr) return;
  // While disconnected the change waits for the next stream's initial request.
  if (t->protocol.setNames(names) && connected_) send(t->protocol.subscriptionRequest());
}

void DeltaClient::start() { stream_->start(); }

std::string DeltaClient::acceptedVersion(std::string_view type_url) const {
  for (const auto& t : types_) {
    if (t->protocol.typeUrl() == type_url) return t->protocol.systemVersion();
  }
  return "";
}

void DeltaClient::send(DeltaDiscoveryRequest request) {
  if (!node_sent_ || !options_.set_node_on_first_message_only) {
    *request.mutable_node() = node_;
    node_sent_ = true;
  }
  stream_->send(std::move(request));
}

void DeltaClient::onStreamEstablished() {
  connected_ = true;
  node_sent_ = false;
  if (connected_state_ != nullptr) connected_state_->set(1);
  for (auto& t : types_) {
    if (t->protocol.interested()) send(t->protocol.initialRequest());
  }
}

void DeltaClient::onResponseTooLarge() { response_too_large_.inc(); }

void DeltaClient::onStreamClosed(const std::string& reason) {
  if (connected_) {
    log::warn("xds: {} (delta) disconnected from {} ({}); serving the last good config",
              options_.label, target(), reason);
  }
  connected_ = false;
  if (connected_state_ != nullptr) connected_state_->set(0);
}

std::string DeltaClient::malformed(const TypeState& state,
                                   const DeltaDiscoveryResponse& response) const {
  std::set<std::string> seen;
  for (const auto& r : response.resources()) {
    if (r.name().empty()) return "a resource without a name";
    if (!seen.insert(r.name()).second) return absl::StrCat("resource '", r.name(), "' twice");
    if (!r.has_resource()) {
      return absl::StrCat("resource '", r.name(),
                          "' has no body (TTL heartbeats are not supported)");
    }
    if (r.has_ttl()) return absl::StrCat("resource '", r.name(), "': ttl is not supported");
    if (r.resource().type_url() != state.protocol.typeUrl()) {
      return absl::StrCat("resource '", r.name(), "' of type ", r.resource().type_url(), " in a ",
                          state.protocol.typeUrl(), " response");
    }
  }
  for (const auto& name : response.removed_resources()) {
    if (seen.contains(name)) return absl::StrCat("resource '", name, "' both added and removed");
  }
  return "";
}

void DeltaClient::onResponse(std::unique_ptr<DeltaDiscoveryResponse> response) {
  TypeState* state = find(response->type_url());
  if (state == nullptr) {
    log::warn("xds: delta response for unsubscribed type {}; ignored", response->type_url());
    return;
  }
  state->stats->update_attempt.inc();
  auto reject = [&](const std::string& error) {
    log::warn("xds: rejected {} delta (system version '{}', nonce {}): {}",
              state->protocol.typeUrl(), response->system_version_info(), response->nonce(), error);
    state->stats->update_rejected.inc();
    send(state->protocol.ackRequest(response->nonce(), error));
  };
  if (std::string error = malformed(*state, *response); !error.empty()) {
    reject(error);
    return;
  }
  DeltaUpdate update;
  std::map<std::string, std::string> versions;
  for (const auto& r : response->resources()) {
    update.resources.push_back(r.resource());
    update.names.push_back(r.name());
    update.versions.push_back(r.version());
    versions[r.name()] = r.version();
  }
  update.removed.assign(response->removed_resources().begin(), response->removed_resources().end());
  update.system_version = response->system_version_info();
  absl::Status status = state->handler->onDeltaUpdate(state->protocol.typeUrl(), update);
  if (!status.ok()) {
    reject(std::string(status.message()));
    return;
  }
  state->protocol.accepted(versions, update.removed, update.system_version);
  state->stats->accepted(update.system_version);
  log::info("xds: applied {} delta (system version '{}'): {} added or changed, {} removed",
            state->protocol.typeUrl(), update.system_version, update.resources.size(),
            update.removed.size());
  send(state->protocol.ackRequest(response->nonce(), std::nullopt));
}

std::unique_ptr<XdsClient> makeXdsClient(bool delta, EventLoop& loop,
                                         envoy::config::core::v3::Node node, ClientOptions options,
                                         stats::Store& stats) {
  if (delta) return std::make_unique<DeltaClient>(loop, std::move(node), std::move(options), stats);
  return std::make_unique<SotwClient>(loop, std::move(node), std::move(options), stats);
}

}  // namespace meshproxy::xds
