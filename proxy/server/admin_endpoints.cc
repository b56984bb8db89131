#include "proxy/server/admin_endpoints.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/core/json.h"
#include "proxy/server/runtime_admin.h"
#include "proxy/server/server.h"
#include "proxy/tls/secret_manager.h"

namespace meshproxy::server {
namespace {

using admin::AdminRequest;
using admin::AdminResponse;

constexpr char kJson[] = "application/json";

AdminResponse text(int status, std::string body) {
  AdminResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

AdminResponse json(std::string body) {
  AdminResponse r;
  r.content_type = kJson;
  r.body = std::move(body);
  return r;
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromChrono(t), absl::UTCTimeZone());
}

std::string socketAddressJson(const network::Address& a) {
  if (a.isPipe()) return absl::StrCat("{\"pipe\":{\"path\":", jsonString(a.pipePath()), "}}");
  return absl::StrCat("{\"socket_address\":{\"address\":", jsonString(a.ip()),
                      ",\"port_value\":", a.port(), "}}");
}

// Envoy's /clusters spelling: "healthy", or each flag as "/name".
std::string healthFlagsText(const upstream::Host& host) {
  if (host.healthy()) return "healthy";
  std::string out;
  if (host.healthFlag(upstream::HealthFlag::kFailedActiveHc)) out += "/failed_active_hc";
  if (host.healthFlag(upstream::HealthFlag::kFailedOutlierCheck)) out += "/failed_outlier_check";
  if (host.healthFlag(upstream::HealthFlag::kFailedEdsHealth)) out += "/failed_eds_health";
  return out;
}

std::string healthStatusJson(const upstream::Host& host) {
  std::string out = absl::StrCat(
      "{\"eds_health_status\":\"",
      host.healthFlag(upstream::HealthFlag::kFailedEdsHealth) ? "UNHEALTHY" : "HEALTHY", "\"");
  if (host.healthFlag(upstream::HealthFlag::kFailedActiveHc)) {
    out += ",\"failed_active_health_check\":true";
  }
  if (host.healthFlag(upstream::HealthFlag::kFailedOutlierCheck)) {
    out += ",\"failed_outlier_check\":true";
  }
  out += "}";
  return out;
}

std::string configDump(Server& server) {
  return server.configManager().configDumpJson(server.bootstrap().proto);
}

AdminResponse listeners(Server& server, const AdminRequest& req) {
  const auto& handles = server.listeners().current();
  auto it = req.query_params.find("format");
  if (it != req.query_params.end() && it->second == "json") {
    std::string out = "{\"listener_statuses\":[";
    bool first = true;
    for (const auto& h : handles) {
      absl::StrAppend(&out, first ? "" : ",", "{\"name\":", jsonString(h.config->name),
                      ",\"local_address\":", socketAddressJson(h.sockets->address()), "}");
      first = false;
    }
    out += "]}";
    return json(std::move(out));
  }
  std::string out;
  for (const auto& h : handles) absl::StrAppend(&out, h.config->name, "::", h.sockets->address().str(), "\n");
  return text(200, std::move(out));
}

AdminResponse clusters(Server& server, const AdminRequest& req) {
  const auto& snapshot = server.snapshot();
  std::vector<const upstream::ClusterConfig*> sorted;
  for (const auto& [name, c] : snapshot->clusters) sorted.push_back(c.get());
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->name < b->name; });
  auto it = req.query_params.find("format");
  if (it != req.query_params.end() && it->second == "json") {
    std::string out = "{\"cluster_statuses\":[";
    for (size_t i = 0; i < sorted.size(); ++i) {
      const auto* c = sorted[i];
      absl::StrAppend(&out, i ? "," : "", "{\"name\":", jsonString(c->name), ",\"host_statuses\":[");
      for (size_t h = 0; h < c->hosts.size(); ++h) {
        const auto& host = *c->hosts[h];
        absl::StrAppend(&out, h ? "," : "", "{\"address\":", socketAddressJson(host.address()),
                        ",\"health_status\":", healthStatusJson(host),
                        ",\"weight\":", host.weight(),
                        ",\"hostname\":", jsonString(host.hostname()), "}");
      }
      out += "]}";
    }
    out += "]}";
    return json(std::move(out));
  }
  std::string out;
  for (const auto* c : sorted) {
    absl::StrAppend(&out, c->name, "::connect_timeout_ms::", c->connect_timeout.count(), "\n");
    // Envoy prints each priority's circuit-breaker thresholds.
    for (size_t p = 0; p < upstream::kResourcePriorities; ++p) {
      const auto& t = c->circuit_breakers.thresholds[p];
      std::string prefix = absl::StrCat(
          c->name, "::",
          std::string(upstream::priorityName(static_cast<upstream::ResourcePriority>(p))),
          "_priority::");
      absl::StrAppend(&out, prefix, "max_connections::", t.max_connections, "\n", prefix,
                      "max_pending_requests::", t.max_pending_requests, "\n", prefix,
                      "max_requests::", t.max_requests, "\n", prefix,
                      "max_retries::", t.max_retries, "\n");
    }
    for (const auto& host : c->hosts) {
      std::string prefix = absl::StrCat(c->name, "::", host->address().str(), "::");
      absl::StrAppend(&out, prefix, "hostname::", host->hostname(), "\n", prefix,
                      "health_flags::", healthFlagsText(*host), "\n", prefix,
                      "weight::", host->weight(), "\n");
    }
  }
  return text(200, std::move(out));
}

AdminResponse stats(Server& server, const AdminRequest& req, bool prometheus) {
  auto format = req.query_params.find("format");
  if (format != req.query_params.end() && format->second == "prometheus") prometheus = true;
  auto filter = req.query_params.find("filter");
  absl::StatusOr<std::string> body;
  if (filter != req.query_params.end() && !filter->second.empty()) {
    body = prometheus ? server.stats().renderPrometheus(filter->second)
                      : server.stats().renderText(filter->second);
  } else {
    body = prometheus ? server.stats().renderPrometheus() : server.stats().renderText();
  }
  if (!body.ok()) return text(400, absl::StrCat("bad filter: ", body.status().message(), "\n"));
  AdminResponse r = text(200, std::move(*body));
  if (prometheus) r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return r;
}

AdminResponse serverInfo(Server& server) {
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now() - server.startTime()).count();
  const auto& node = server.bootstrap().proto.node();
  return json(absl::StrCat(
      "{\"version\":", jsonString(MESHPROXY_VERSION), ",\"state\":", jsonString(toString(server.state())),
      ",\"uptime_current_epoch\":\"", uptime, "s\",\"node\":{\"id\":", jsonString(node.id()),
      ",\"cluster\":", jsonString(node.cluster()), "},\"command_line_options\":{\"concurrency\":",
      server.options().concurrency, ",\"drain_time\":\"", server.options().drain_time_s, "s\"}}"));
}

}  // namespace

void registerAdminEndpoints(admin::AdminServer& admin, Server& server) {
  Server* s = &server;
  (void)admin.addHandler("/ready", "GET", "print server state, 200 only when LIVE",
                         [s](const AdminRequest&) {
                           const char* state = toString(s->state());
                           return text(s->state() == ServerState::kLive ? 200 : 503,
                                       absl::StrCat(state, "\n"));
                         });
  (void)admin.addHandler("/stats", "GET", "print server stats (?filter=REGEX, ?format=prometheus)",
                         [s](const AdminRequest& r) { return stats(*s, r, false); });
  (void)admin.addHandler("/stats/prometheus", "GET", "print server stats in prometheus format",
                         [s](const AdminRequest& r) { return stats(*s, r, true); });
  (void)admin.addHandler("/config_dump", "GET", "dump current config",
                         [s](const AdminRequest&) { return json(configDump(*s)); });
  (void)admin.addHandler("/listeners", "GET", "print listener info (?format=json)",
                         [s](const AdminRequest& r) { return listeners(*s, r); });
  (void)admin.addHandler("/clusters", "GET", "upstream cluster status (?format=json)",
                         [s](const AdminRequest& r) { return clusters(*s, r); });
  (void)admin.addHandler("/certs", "GET", "print certs on machine",
                         [s](const AdminRequest&) { return json(s->secrets().certsJson()); });
  (void)admin.addHandler("/server_info", "GET", "print server version/status information",
                         [s](const AdminRequest&) { return serverInfo(*s); });
  (void)admin.addHandler("/drain_listeners", "POST", "stop accepting on all listeners",
                         [s](const AdminRequest&) {
                           s->drainListeners();
                           return text(200, "OK\n");
                         });
  registerRuntimeEndpoints(admin, server.runtime());
  (void)admin.addHandler("/quitquitquit", "POST", "exit the server",
                         [s](const AdminRequest&) {
                           s->shutdownSoon();
                           return text(200, "OK\n");
                         });
}

}  // namespace meshproxy::server
