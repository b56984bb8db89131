#include "xds/client/xds_manager.h"

#include "absl/hash/hash.h"
#include "google/rpc/status.pb.h"
#include "proxy/core/log.h"
#include "xds/client/type_urls.h"

namespace meshproxy::xds {

namespace {
// Stat prefixes follow Envoy where it has one (cluster_manager.cds, listener_manager.lds).
std::string statPrefix(std::string_view type_url) {
  if (type_url == kClusterType) return "cluster_manager.cds";
  if (type_url == kListenerType) return "listener_manager.lds";
  if (type_url == kRouteType) return "control_plane.rds";
  if (type_url == kEndpointType) return "control_plane.eds";
  if (type_url == kSecretType) return "control_plane.sds";
  return "control_plane.other";
}

int typeOrder(std::string_view type_url) {
  if (type_url == kClusterType) return 0;
  if (type_url == kEndpointType) return 1;
  if (type_url == kListenerType) return 2;
  if (type_url == kRouteType) return 3;
  return 4;
}
}  // namespace

XdsManager::XdsManager(EventLoop& loop, envoy::config::core::v3::Node node, std::string target,
                       stats::Store& stats)
    : loop_(loop),
      node_(std::move(node)),
      scope_(stats.rootScope()),
      connected_state_(stats.rootScope().scope("control_plane").gauge("connected_state")),
      response_too_large_(stats.rootScope().scope("control_plane").counter("response_too_large")) {
  node_.set_user_agent_name("meshproxy");
  node_.set_user_agent_version(MESHPROXY_VERSION);
  stream_ = std::make_unique<AdsStream>(std::move(target), loop_, *this);
}

XdsManager::~XdsManager() { stream_.reset(); }

const std::string& XdsManager::target() const { return stream_->target(); }

void XdsManager::subscribe(std::string_view type_url, ResourceHandler& handler, bool wildcard) {
  auto state = std::make_unique<TypeState>();
  state->type_url = std::string(type_url);
  state->handler = &handler;
  state->wildcard = wildcard;
  stats::Scope s = scope_.scope(statPrefix(type_url));
  state->stats = std::make_unique<TypeStats>(
      TypeStats{s.counter("update_attempt"), s.counter("update_success"),
                s.counter("update_rejected"), s.gauge("version")});
  types_.push_back(std::move(state));
  std::stable_sort(types_.begin(), types_.end(), [](const auto& a, const auto& b) {
    return typeOrder(a->type_url) < typeOrder(b->type_url);
  });
}

void XdsManager::setResourceNames(std::string_view type_url, const std::set<std::string>& names) {
  for (auto& t : types_) {
    if (t->type_url != type_url) continue;
    if (t->names == names) return;
    t->names = names;
    // An empty list for a non-wildcard type still has to be sent: it unsubscribes.
    if (connected_) sendRequest(*t);
    return;
  }
}

void XdsManager::start() { stream_->start(); }

std::string XdsManager::acceptedVersion(std::string_view type_url) const {
  for (const auto& t : types_) {
    if (t->type_url == type_url) return t->version;
  }
  return "";
}

void XdsManager::sendRequest(TypeState& state, const std::string* error_detail) {
  DiscoveryRequest request;
  request.set_type_url(state.type_url);
  request.set_version_info(state.version);
  request.set_response_nonce(state.nonce);
  if (!state.wildcard) {
    for (const auto& name : state.names) request.add_resource_names(name);
  }
  if (!node_sent_) {
    *request.mutable_node() = node_;
    node_sent_ = true;
  }
  if (error_detail != nullptr) {
    request.mutable_error_detail()->set_code(3 /* INVALID_ARGUMENT */);
    request.mutable_error_detail()->set_message(*error_detail);
  }
  stream_->send(std::move(request));
}

void XdsManager::onStreamEstablished() {
  connected_ = true;
  node_sent_ = false;
  connected_state_.set(1);
  for (auto& t : types_) {
    // A new stream has no nonces; the versions tell the server what we already have.
    t->nonce.clear();
    if (interested(*t)) sendRequest(*t);
  }
}

void XdsManager::onStreamClosed(const std::string& reason) {
  if (connected_)
    log::warn("xds: disconnected from {} ({}); serving the last good config", target(), reason);
  connected_ = false;
  connected_state_.set(0);
}

void XdsManager::onResponseTooLarge() { response_too_large_.inc(); }

void XdsManager::onDiscoveryResponse(std::unique_ptr<DiscoveryResponse> response) {
  TypeState* state = nullptr;
  for (auto& t : types_) {
    if (t->type_url == response->type_url()) state = t.get();
  }
  if (state == nullptr) {
    log::warn("xds: response for unsubscribed type {}; ignored", response->type_url());
    return;
  }
  state->nonce = response->nonce();
  state->stats->update_attempt.inc();
  std::vector<google::protobuf::Any> resources(response->resources().begin(),
                                               response->resources().end());
  for (const auto& r : resources) {
    if (r.type_url() != state->type_url) {
      std::string error =
          "resource of type " + r.type_url() + " in a " + state->type_url + " response";
      state->stats->update_rejected.inc();
      sendRequest(*state, &error);
      return;
    }
  }
  absl::Status status =
      state->handler->onConfigUpdate(state->type_url, resources, response->version_info());
  if (!status.ok()) {
    std::string error(status.message());
    log::warn("xds: rejected {} version {}: {}", state->type_url, response->version_info(), error);
    state->stats->update_rejected.inc();
    sendRequest(*state, &error);
    return;
  }
  state->version = response->version_info();
  state->stats->update_success.inc();
  state->stats->version.set(
      static_cast<int64_t>(absl::HashOf(state->version) & 0x7fffffffffffffff));
  log::info("xds: applied {} version {} ({} resources)", state->type_url, state->version,
            resources.size());
  sendRequest(*state);
}

}  // namespace meshproxy::xds
