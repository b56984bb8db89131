#include "xds/client/sotw_client.h"

#include <algorithm>

#include "google/rpc/status.pb.h"
#include "proxy/core/log.h"

namespace meshproxy::xds {

SotwClient::SotwClient(EventLoop& loop, envoy::config::core::v3::Node node, ClientOptions options,
                       stats::Store& stats)
    : node_(std::move(node)),
      options_(std::move(options)),
      scope_(stats.rootScope()),
      response_too_large_(scope_.scope("control_plane").counter("response_too_large")) {
  node_.set_user_agent_name("meshproxy");
  node_.set_user_agent_version(MESHPROXY_VERSION);
  if (options_.report_connected_state)
    connected_state_ = &scope_.scope("control_plane").gauge("connected_state");
  stream_ = std::make_unique<SotwStream>(options_.grpc, openSotw(options_.service), loop, *this);
}

SotwClient::~SotwClient() { stream_.reset(); }

const std::string& SotwClient::target() const { return stream_->target(); }

void SotwClient::subscribe(std::string_view type_url, ResourceHandler& handler, bool wildcard) {
  auto state = std::make_unique<TypeState>();
  state->type_url = std::string(type_url);
  state->handler = &handler;
  state->wildcard = wildcard;
  state->stats = std::make_unique<TypeStats>(scope_, type_url);
  types_.push_back(std::move(state));
  std::stable_sort(types_.begin(), types_.end(), [](const auto& a, const auto& b) {
    return typeOrder(a->type_url) < typeOrder(b->type_url);
  });
}

void SotwClient::setResourceNames(std::string_view type_url, const std::set<std::string>& names) {
  for (auto& t : types_) {
    if (t->type_url != type_url) continue;
    if (t->names == names) return;
    t->names = names;
    // An empty list for a non-wildcard type still has to be sent: it unsubscribes.
    if (connected_) sendRequest(*t);
    return;
  }
}

void SotwClient::start() { stream_->start(); }

std::string SotwClient::acceptedVersion(std::string_view type_url) const {
  for (const auto& t : types_) {
    if (t->type_url == type_url) return t->version;
  }
  return "";
}

void SotwClient::sendRequest(TypeState& state, const std::string* error_detail) {
  DiscoveryRequest request;
  request.set_type_url(state.type_url);
  request.set_version_info(state.version);
  request.set_response_nonce(state.nonce);
  if (!state.wildcard) {
    for (const auto& name : state.names) request.add_resource_names(name);
  }
  if (!node_sent_ || !options_.set_node_on_first_message_only) {
    *request.mutable_node() = node_;
    node_sent_ = true;
  }
  if (error_detail != nullptr) {
    request.mutable_error_detail()->set_code(3 /* INVALID_ARGUMENT */);
    request.mutable_error_detail()->set_message(*error_detail);
  }
  stream_->send(std::move(request));
}

void SotwClient::onStreamEstablished() {
  connected_ = true;
  node_sent_ = false;
  if (connected_state_ != nullptr) connected_state_->set(1);
  for (auto& t : types_) {
    // A new stream has no nonces; the versions tell the server what we already have.
    t->nonce.clear();
    if (interested(*t)) sendRequest(*t);
  }
}

void SotwClient::onResponseTooLarge() { response_too_large_.inc(); }

void SotwClient::onStreamClosed(const std::string& reason) {
  if (connected_) {
    log::warn("xds: {} disconnected from {} ({}); serving the last good config", options_.label,
              target(), reason);
  }
  connected_ = false;
  if (connected_state_ != nullptr) connected_state_->set(0);
}

void SotwClient::onResponse(std::unique_ptr<DiscoveryResponse> response) {
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
  state->stats->accepted(state->version);
  log::info("xds: applied {} version {} ({} resources)", state->type_url, state->version,
            resources.size());
  sendRequest(*state);
}

}  // namespace meshproxy::xds
