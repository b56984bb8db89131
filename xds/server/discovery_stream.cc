#include "xds/server/discovery_stream.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "proxy/core/log.h"
#include "proxy/protobuf/proto_util.h"
#include "xds/server/type_urls.h"

namespace meshproxy::xds_server {
namespace {

std::string userAgent(const envoy::config::core::v3::Node& node) {
  std::string out = node.user_agent_name();
  if (!node.user_agent_version().empty()) absl::StrAppend(&out, " ", node.user_agent_version());
  return out;
}

std::vector<std::string> inPushOrder(const std::set<std::string>& types) {
  std::vector<std::string> out(types.begin(), types.end());
  std::stable_sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    return pushOrder(a) < pushOrder(b);
  });
  return out;
}

// How long a stream's end waits for its writer to finish a write in progress before
// cancelling the call (which fails that write).
constexpr std::chrono::seconds kWriterExitWait(1);

constexpr bool isDelta(const envoy::service::discovery::v3::DeltaDiscoveryRequest*) { return true; }
constexpr bool isDelta(const envoy::service::discovery::v3::DiscoveryRequest*) { return false; }

size_t namesIn(const envoy::service::discovery::v3::DiscoveryRequest& r) {
  return static_cast<size_t>(r.resource_names_size());
}
size_t namesIn(const envoy::service::discovery::v3::DeltaDiscoveryRequest& r) {
  return static_cast<size_t>(r.resource_names_subscribe_size());
}

// What a response says of itself in the log.
std::string describe(const envoy::service::discovery::v3::DiscoveryResponse& r) {
  return absl::StrCat("version ", r.version_info(), " (", r.resources_size(), " resources, nonce ",
                      r.nonce(), ")");
}
std::string describe(const envoy::service::discovery::v3::DeltaDiscoveryResponse& r) {
  return absl::StrCat("delta ", r.system_version_info(), " (", r.resources_size(),
                      " added or changed, ", r.removed_resources_size(), " removed, nonce ",
                      r.nonce(), ")");
}

}  // namespace

template <typename TypeState>
DiscoveryStream<TypeState>::DiscoveryStream(uint64_t id, grpc::ServerContext* context,
                                            ReaderWriter* stream, SnapshotStore& store,
                                            NodeRegistry& registry, std::string only_type,
                                            std::string method)
    : id_(id),
      context_(context),
      stream_(stream),
      store_(store),
      registry_(registry),
      only_type_(std::move(only_type)),
      method_(std::move(method)) {}

template <typename TypeState>
void DiscoveryStream<TypeState>::cancel() {
  context_->TryCancel();
}

template <typename TypeState>
std::string DiscoveryStream<TypeState>::logName() const {
  return absl::StrCat("node '", node_.id(), "' (stream ", id_, ")");
}

template <typename TypeState>
grpc::Status DiscoveryStream<TypeState>::run() {
  log::setThreadName(absl::StrCat(isDelta(static_cast<Request*>(nullptr)) ? "delta-" : "ads-", id_));
  Request request;
  if (!stream_->Read(&request)) return grpc::Status::OK;
  if (!request.has_node()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the first request on a stream must carry the node");
  }
  node_ = request.node();

  StreamInfo info;
  info.stream_id = id_;
  info.node_id = node_.id();
  info.cluster = node_.cluster();
  info.metadata_json = node_.has_metadata() ? protobuf::messageToJson(node_.metadata()) : "{}";
  info.user_agent = userAgent(node_);
  info.peer = context_->peer();
  info.connected_since = absl::Now();
  info.method = method_;
  registry_.connect(std::move(info));
  log::info("{} connected from {} (cluster '{}', {}, {})", logName(), context_->peer(),
            node_.cluster(), userAgent(node_), method_);

  {
    std::lock_guard lock(mu_);
    seen_generation_ = store_.current().generation;
  }
  uint64_t listener = store_.addListener([this] { wake(); });
  std::thread writer([this] { writeLoop(); });

  grpc::Status status = handleRequest(request);
  while (status.ok() && stream_->Read(&request)) status = handleRequest(request);

  {
    std::lock_guard lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
  // Not under mu_: the store calls wake() (which takes mu_) under its listener lock.
  store_.removeListener(listener);
  {
    // A writer blocked on a client that stopped reading must not hold the handler forever;
    // otherwise it ends by itself and the RPC ends with `status`, not CANCELLED.
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, kWriterExitWait, [this] { return writer_done_; })) {
      context_->TryCancel();
    }
  }
  writer.join();

  registry_.disconnect(id_, absl::Now());
  if (status.ok()) {
    log::info("{} disconnected", logName());
  } else {
    log::warn("{} closed: {}", logName(), status.error_message());
  }
  return status;
}

template <typename TypeState>
grpc::Status DiscoveryStream<TypeState>::handleRequest(const Request& request) {
  std::string type = request.type_url();
  if (type.empty()) type = only_type_;
  if (type.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "type_url is required on an aggregated (ADS) stream");
  }
  if (!only_type_.empty() && type != only_type_) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("this service serves ", only_type_, ", not ", type));
  }
  RequestKind kind;
  TypeStatus status;
  {
    std::lock_guard lock(mu_);
    auto it = types_.try_emplace(type, type).first;
    kind = it->second.onRequest(request, absl::Now());
    status = it->second.status();
    registry_.updateType(id_, status);
    if (kind != RequestKind::kStale) dirty_.insert(type);
  }
  if (kind != RequestKind::kStale) cv_.notify_all();

  std::string_view short_type = shortTypeName(type);
  switch (kind) {
    case RequestKind::kNack:
      log::warn("{} rejected {} version {} (nonce {}): {}", logName(), short_type,
                status.last_nack->version, request.response_nonce(), status.last_nack->message);
      break;
    case RequestKind::kAck:
      log::debug("{} ACKed {} version {}", logName(), short_type, status.acked_version);
      break;
    case RequestKind::kStale:
      log::debug("{} sent a stale {} request (nonce {}, latest {})", logName(), short_type,
                 request.response_nonce(), status.nonce_sent);
      break;
    case RequestKind::kInitial:
    case RequestKind::kChange:
      log::debug("{} requests {} ({}, {} names)", logName(), short_type, toString(kind),
                 namesIn(request));
      break;
  }
  return grpc::Status::OK;
}

template <typename TypeState>
void DiscoveryStream<TypeState>::wake() {
  {
    std::lock_guard lock(mu_);
    source_changed_ = true;
  }
  cv_.notify_all();
}

template <typename TypeState>
void DiscoveryStream<TypeState>::writeLoop() {
  log::setThreadName(absl::StrCat(isDelta(static_cast<Request*>(nullptr)) ? "delta-" : "ads-", id_,
                                  "-w"));
  writeUntilDone();
  {
    std::lock_guard lock(mu_);
    writer_done_ = true;
  }
  cv_.notify_all();
}

template <typename TypeState>
void DiscoveryStream<TypeState>::writeUntilDone() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return done_ || source_changed_ || !dirty_.empty(); });
    if (done_) return;
    SnapshotStore::Current current = store_.current();
    std::set<std::string> types;
    if (source_changed_ && current.generation != seen_generation_) {
      for (const auto& [type, state] : types_) types.insert(type);
      seen_generation_ = current.generation;
    } else {
      types = dirty_;
    }
    source_changed_ = false;
    dirty_.clear();
    std::vector<Response> responses = collectResponses(types, current);
    lock.unlock();
    for (const auto& response : responses) {
      if (!stream_->Write(response)) {
        log::debug("{}: write failed, ending the stream", logName());
        context_->TryCancel();
        return;
      }
      log::info("sent {} {} to {}", shortTypeName(response.type_url()), describe(response),
                logName());
    }
    lock.lock();
  }
}

template <typename TypeState>
std::vector<typename DiscoveryStream<TypeState>::Response>
DiscoveryStream<TypeState>::collectResponses(const std::set<std::string>& types,
                                             const SnapshotStore::Current& current) {
  std::vector<Response> out;
  absl::Time now = absl::Now();
  for (const auto& type : inPushOrder(types)) {
    TypeState& state = types_.at(type);
    auto response = state.respond(current.source->resources(node_, type), now);
    if (!response) continue;
    response->mutable_control_plane()->set_identifier(
        absl::StrCat("mesh-control ", MESHPROXY_VERSION));
    registry_.updateType(id_, state.status());
    out.push_back(std::move(*response));
  }
  return out;
}

template class DiscoveryStream<SotwTypeState>;
template class DiscoveryStream<DeltaTypeState>;

}  // namespace meshproxy::xds_server
