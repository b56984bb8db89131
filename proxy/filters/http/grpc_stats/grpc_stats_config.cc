#include "proxy/filters/http/grpc_stats/grpc_stats_config.h"

#include <algorithm>

#include "proxy/core/strings.h"

namespace meshproxy::filters::grpc_stats {
namespace {

// Envoy's Grpc::Common::resolveServiceAndMethod: ":path" without its query, split on '/'
// with empty parts dropped, must be exactly service and method.
bool splitServiceAndMethod(std::string_view path, std::string_view& service,
                           std::string_view& method) {
  path = path.substr(0, path.find('?'));
  std::string_view parts[2];
  int n = 0;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const size_t end = std::min(path.find('/', i), path.size());
    if (n == 2) return false;
    parts[n++] = path.substr(i, end - i);
    i = end;
  }
  if (n != 2) return false;
  service = parts[0];
  method = parts[1];
  return true;
}

}  // namespace

std::unique_ptr<GrpcCallStats> GrpcStatsConfig::make(const stats::Scope& scope) const {
  return std::unique_ptr<GrpcCallStats>(new GrpcCallStats{
      scope, scope.counter("success"), scope.counter("failure"), scope.counter("total"),
      scope.counter("request_message_count"), scope.counter("response_message_count"),
      enable_upstream_stats ? &scope.histogram("upstream_rq_time") : nullptr});
}

GrpcCallStats* GrpcStatsConfig::statsFor(uint32_t worker, std::string_view cluster,
                                         std::string_view path) const {
  if (worker >= caches_.size() || cluster.empty()) return nullptr;
  std::string_view service;
  std::string_view method;
  const bool named = splitServiceAndMethod(path, service, method);
  if (mode == Mode::kAllMethods && !named) return nullptr;

  WorkerCache& cache = caches_[worker];
  auto it = cache.find(toAbsl(cluster));
  if (it == cache.end()) it = cache.try_emplace(std::string(cluster)).first;
  ClusterStats& entry = it->second;

  // The per-method key is the path's "service/method" (query and slashes around it dropped).
  std::string_view key;
  std::string spelled;  // only for a path with doubled slashes
  if (named && mode != Mode::kNoMethods) {
    if (method.data() == service.data() + service.size() + 1) {
      key = std::string_view(service.data(), service.size() + 1 + method.size());
    } else {
      spelled.append(service).append("/").append(method);
      key = spelled;
    }
    if (mode == Mode::kAllowlist && !allowlist.contains(toAbsl(key))) key = {};
  }
  if (key.empty()) {
    if (entry.unnamed == nullptr) {
      entry.unnamed = make(store_.scope("cluster", cluster).scope("grpc"));
    }
    return entry.unnamed.get();
  }
  if (auto found = entry.by_method.find(toAbsl(key)); found != entry.by_method.end()) {
    return found->second.get();
  }
  std::string service_name(service);
  if (replace_dots_in_grpc_service_name && mode == Mode::kAllMethods) {
    std::replace(service_name.begin(), service_name.end(), '.', '_');
  }
  auto stats =
      make(store_.scope("cluster", cluster).scope("grpc").scope(service_name).scope(method));
  GrpcCallStats* raw = stats.get();
  entry.by_method.emplace(std::string(key), std::move(stats));
  return raw;
}

void GrpcStatsConfig::chargeStatus(GrpcCallStats& stats, std::string_view grpc_status) {
  const bool success = grpc_status == "0";
  uint32_t code = 0;
  bool numeric = !grpc_status.empty() && grpc_status.size() <= 2;
  for (char c : grpc_status) {
    if (c < '0' || c > '9') numeric = false;
    code = code * 10 + static_cast<uint32_t>(c - '0');
  }
  if (numeric && code < stats.by_status.size()) {
    stats::Counter*& counter = stats.by_status[code];
    if (counter == nullptr) counter = &stats.scope.counter(grpc_status);
    counter->inc();
  }
  (success ? stats.success : stats.failure).inc();
  stats.total.inc();
}

}  // namespace meshproxy::filters::grpc_stats
