#include "proxy/istio/istio_stats_observer.h"

#include <google/protobuf/struct.pb.h>

#include <array>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "proxy/core/strings.h"
#include "proxy/core/thread_shard.h"
#include "udpa/type/v1/typed_struct.pb.h"
#include "xds/type/v3/typed_struct.pb.h"

namespace meshproxy::istio {

namespace {

// Distinct peer metadata values (and cluster names, Host values) each memo keeps per thread;
// past it the memo starts over (peers are the workloads this one talks to: few, in practice).
constexpr size_t kMaxPeersPerThread = 1024;

struct ThreadState {
  explicit ThreadState(IstioMetrics& metrics) : recorder(metrics) {}
  IstioRecorder recorder;
  absl::flat_hash_map<std::string, WorkloadMetadata> peers;
  // Service labels by cluster name and by Host value (nullopt: not an Istio cluster name), so a
  // request costs a lookup, not a parse and three string copies.
  absl::flat_hash_map<std::string, std::optional<ServiceLabels>> clusters;
  absl::flat_hash_map<std::string, ServiceLabels> hosts;

  const ServiceLabels* clusterService(std::string_view cluster) {
    auto it = clusters.find(toAbsl(cluster));
    if (it == clusters.end()) {
      if (clusters.size() >= kMaxPeersPerThread) clusters.clear();
      it = clusters.emplace(std::string(cluster), serviceFromClusterName(cluster)).first;
    }
    return it->second.has_value() ? &*it->second : nullptr;
  }
  const ServiceLabels* hostService(std::string_view host) {
    auto it = hosts.find(toAbsl(host));
    if (it == hosts.end()) {
      if (hosts.size() >= kMaxPeersPerThread) hosts.clear();
      it = hosts.emplace(std::string(host), serviceFromHost(host)).first;
    }
    return &it->second;
  }

  // The peer named by a header value; nullptr when the header is absent or undecodable.
  const WorkloadMetadata* peer(std::optional<std::string_view> header) {
    if (!header.has_value() || header->empty()) return nullptr;
    if (auto it = peers.find(toAbsl(*header)); it != peers.end()) return &it->second;
    auto decoded = decodePeerMetadataHeader(*header);
    if (!decoded.ok()) return nullptr;
    if (peers.size() >= kMaxPeersPerThread) peers.clear();
    return &peers.emplace(std::string(*header), std::move(*decoded)).first->second;
  }
};

}  // namespace

class IstioRuntime {
 public:
  explicit IstioRuntime(stats::Store& store) : metrics_(store) {}

  // Runs f(ThreadState&) with the calling thread's state.
  template <typename F>
  void withThreadState(F&& f) {
    const uint32_t shard = threadShard();
    if (shard == 0 || shard >= kMaxThreadShards) {
      std::lock_guard<std::mutex> lock(shared_mu_);
      if (shared_ == nullptr) shared_ = std::make_unique<ThreadState>(metrics_);
      f(*shared_);
      return;
    }
    // Only the thread holding `shard` touches this slot.
    auto& slot = shards_[shard];
    if (slot == nullptr) slot = std::make_unique<ThreadState>(metrics_);
    f(*slot);
  }

 private:
  IstioMetrics metrics_;
  std::array<std::unique_ptr<ThreadState>, kMaxThreadShards> shards_;
  std::mutex shared_mu_;
  std::unique_ptr<ThreadState> shared_;
};

IstioRuntime& istioRuntimeFor(stats::Store& store) {
  static std::mutex mu;
  static auto* runtimes = new absl::flat_hash_map<stats::Store*, std::unique_ptr<IstioRuntime>>();
  std::lock_guard<std::mutex> lock(mu);
  auto& runtime = (*runtimes)[&store];
  if (runtime == nullptr) runtime = std::make_unique<IstioRuntime>(store);
  return *runtime;
}

namespace {

std::string_view view(std::optional<std::string_view> v) { return v.value_or(std::string_view()); }

}  // namespace

void IstioStatsObserver::onStreamComplete(const accesslog::StreamInfo& info) const {
  const accesslog::HeaderLookup* request = info.request_headers;
  const accesslog::HeaderLookup* response = info.response_headers;
  runtime_.withThreadState([&](ThreadState& state) {
    IstioRequestInfo r;
    r.reporter = config_.reporter;
    if (config_.reporter == Reporter::kDestination) {
      r.destination = &config_.local;
      r.source = state.peer(request != nullptr ? request->get(kPeerMetadataHeader) : std::nullopt);
      r.source_principal = info.downstream_peer_uri_san;
      r.mutual_tls = !info.downstream_peer_uri_san.empty();
    } else {
      r.source = &config_.local;
      r.destination =
          state.peer(response != nullptr ? response->get(kPeerMetadataHeader) : std::nullopt);
      r.destination_principal = info.upstream_peer_uri_san;
    }
    const ServiceLabels* service = state.clusterService(info.upstream_cluster);
    if (service == nullptr && !config_.disable_host_header_fallback && request != nullptr) {
      std::string_view host = view(request->get(":authority"));
      if (host.empty()) host = view(request->get("host"));
      if (!host.empty()) {
        if (const size_t colon = host.rfind(':');
            colon != std::string_view::npos && host.find(']') == std::string_view::npos) {
          host = host.substr(0, colon);
        }
        service = state.hostService(host);
      }
    }
    r.service = service;
    const std::string_view content_type =
        request != nullptr ? view(request->get("content-type")) : std::string_view();
    const bool grpc = content_type.substr(0, 16) == "application/grpc";
    r.protocol = grpc ? "grpc" : "http";
    if (grpc) {
      std::optional<std::string_view> status;
      if (info.response_trailers != nullptr) status = info.response_trailers->get("grpc-status");
      if (!status.has_value() && response != nullptr) status = response->get("grpc-status");
      r.grpc_status = view(status);
    }
    r.response_code = info.response_code;
    r.response_flags = info.response_flags;
    const uint64_t duration_ms =
        info.request_complete.has_value()
            ? static_cast<uint64_t>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(*info.request_complete)
                      .count())
            : 0;
    state.recorder.recordRequest(r, duration_ms, info.bytes_received, info.bytes_sent);
  });
}

absl::StatusOr<std::shared_ptr<const IstioStatsObserver>> translateIstioStats(
    const google::protobuf::Any& typed_config, bool inbound,
    const google::protobuf::Struct* node_metadata, stats::Store& store) {
  google::protobuf::Struct value;
  if (typed_config.Is<udpa::type::v1::TypedStruct>()) {
    udpa::type::v1::TypedStruct ts;
    if (!typed_config.UnpackTo(&ts))
      return absl::InvalidArgumentError("istio.stats: bad TypedStruct");
    value = ts.value();
  } else if (typed_config.Is<xds::type::v3::TypedStruct>()) {
    xds::type::v3::TypedStruct ts;
    if (!typed_config.UnpackTo(&ts))
      return absl::InvalidArgumentError("istio.stats: bad TypedStruct");
    value = ts.value();
  } else {
    // Binary stats.PluginConfig (istiod over xDS): its descriptor is not in the Envoy API.
    return absl::InvalidArgumentError(
        "istio.stats: stats.PluginConfig is read only in TypedStruct form (JSON/YAML config)");
  }
  IstioStatsObserver::Config config;
  config.reporter = inbound ? Reporter::kDestination : Reporter::kSource;
  if (node_metadata != nullptr) config.local = workloadFromNodeMetadata(*node_metadata);
  for (const auto& [name, v] : value.fields()) {
    if (name == "disable_host_header_fallback") {
      if (!v.has_bool_value()) {
        return absl::InvalidArgumentError(
            "istio.stats: disable_host_header_fallback must be a bool");
      }
      config.disable_host_header_fallback = v.bool_value();
      continue;
    }
    return absl::InvalidArgumentError(absl::StrCat("istio.stats: unsupported field '", name, "'"));
  }
  return std::make_shared<const IstioStatsObserver>(istioRuntimeFor(store), std::move(config));
}

}  // namespace meshproxy::istio
