#include "xds/server/ads_stream.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/core/log.h"
#include "xds/server/resource_version.h"
#include "xds/server/type_urls.h"

namespace meshproxy::xds_server {
namespace {

// Nonces are unique within the process, so a nonce from another stream (or from before a
// reconnect) never matches the latest one on this stream.
std::string nextNonce() {
  static std::atomic<uint64_t> counter{0};
  return std::to_string(counter.fetch_add(1, std::memory_order_relaxed) + 1);
}

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

}  // namespace

AdsStream::AdsStream(uint64_t id, grpc::ServerContext* context, AdsReaderWriter* stream,
                     SnapshotStore& store, NodeRegistry& registry)
    : id_(id), context_(context), stream_(stream), store_(store), registry_(registry) {}

void AdsStream::cancel() { context_->TryCancel(); }

std::string AdsStream::logName() const {
  return absl::StrCat("node '", node_.id(), "' (stream ", id_, ")");
}

grpc::Status AdsStream::run() {
  log::setThreadName(absl::StrCat("ads-", id_));
  DiscoveryRequest request;
  if (!stream_->Read(&request)) return grpc::Status::OK;
  if (!request.has_node()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the first DiscoveryRequest on a stream must carry the node");
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
  registry_.connect(std::move(info));
  log::info("{} connected from {} (cluster '{}', {})", logName(), context_->peer(), node_.cluster(),
            userAgent(node_));

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

grpc::Status AdsStream::handleRequest(const DiscoveryRequest& request) {
  const std::string& type = request.type_url();
  if (type.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "type_url is required on an aggregated (ADS) stream");
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
      log::debug("{} ACKed {} version {}", logName(), short_type, request.version_info());
      break;
    case RequestKind::kStale:
      log::debug("{} sent a stale {} request (nonce {}, latest {})", logName(), short_type,
                 request.response_nonce(), status.nonce_sent);
      break;
    case RequestKind::kInitial:
      log::debug("{} requests {} ({} names, version '{}')", logName(), short_type,
                 request.resource_names_size(), request.version_info());
      break;
  }
  return grpc::Status::OK;
}

void AdsStream::wake() {
  {
    std::lock_guard lock(mu_);
    source_changed_ = true;
  }
  cv_.notify_all();
}

void AdsStream::writeLoop() {
  log::setThreadName(absl::StrCat("ads-", id_, "-w"));
  writeUntilDone();
  {
    std::lock_guard lock(mu_);
    writer_done_ = true;
  }
  cv_.notify_all();
}

void AdsStream::writeUntilDone() {
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
    std::vector<DiscoveryResponse> responses = collectResponses(types, current);
    lock.unlock();
    for (const auto& response : responses) {
      if (!stream_->Write(response)) {
        log::debug("{}: write failed, ending the stream", logName());
        context_->TryCancel();
        return;
      }
      log::info("sent {} version {} ({} resources, nonce {}) to {}",
                shortTypeName(response.type_url()), response.version_info(),
                response.resources_size(), response.nonce(), logName());
    }
    lock.lock();
  }
}

std::vector<DiscoveryResponse> AdsStream::collectResponses(const std::set<std::string>& types,
                                                           const SnapshotStore::Current& current) {
  std::vector<DiscoveryResponse> out;
  absl::Time now = absl::Now();
  for (const auto& type : inPushOrder(types)) {
    SotwTypeState& state = types_.at(type);
    ResourceMap selected = state.subscription().select(current.source->resources(node_, type));
    std::string version = computeVersion(selected);
    if (!state.shouldRespond(version)) continue;

    DiscoveryResponse response;
    response.set_version_info(version);
    response.set_type_url(type);
    response.set_nonce(nextNonce());
    response.mutable_control_plane()->set_identifier(
        absl::StrCat("mesh-control ", MESHPROXY_VERSION));
    for (const auto& [name, resource] : selected) *response.add_resources() = resource->body;
    state.onSent(version, response.nonce(), selected.size(), now);
    registry_.updateType(id_, state.status());
    out.push_back(std::move(response));
  }
  return out;
}

}  // namespace meshproxy::xds_server
