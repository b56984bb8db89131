// Istio's sidecar bootstrap (the golden istio-agent renders, from the real-config corpus) run
// as Istio runs it: ADS is delta xDS (DELTA_GRPC) over a Unix domain socket to the agent,
// with set_node_on_first_message_only. Here mesh-control plays the agent on that socket; its
// listener and cluster carry traffic, and the golden's own prometheus listener reaches the
// admin port through its static cluster.
//
// The golden is changed only where a test must (socket paths, ports, 0.0.0.0 -> 127.0.0.1).
// Everything else is the golden's own: its circuit_breakers, its stats_config (Istio's tag
// extractors and inclusion list), overload_manager, cluster_manager, alt_stat_name, TCP
// keepalive, application_log_config, bootstrap_extensions, and the brotli, zstd and gzip
// compressor filters of its prometheus listener (a scrape asking for each coding gets it).
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/support/binaries.h"
#include "tests/support/http_client.h"
#include "tests/support/meshproxy_process.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

#ifndef MESHPROXY_REAL_CONFIGS_DIR
#define MESHPROXY_REAL_CONFIGS_DIR ""
#endif

namespace meshproxy::testing {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;
using ::testing::HasSubstr;

// The golden's fields a test removes (none left: the golden loads as it is).
const std::set<std::string> kNotYetImplemented = {};

struct Rewrite {
  std::map<std::string, std::string> strings;  // exact string values
  std::map<int, int> ports;                    // port_value
};

void rewrite(Value& value, const Rewrite& r);

void rewrite(Struct& s, const Rewrite& r) {
  for (auto it = s.mutable_fields()->begin(); it != s.mutable_fields()->end();) {
    if (kNotYetImplemented.contains(it->first)) {
      it = s.mutable_fields()->erase(it);
      continue;
    }
    if (it->first == "port_value" && it->second.has_number_value()) {
      auto p = r.ports.find(static_cast<int>(it->second.number_value()));
      if (p != r.ports.end()) it->second.set_number_value(p->second);
    }
    rewrite(it->second, r);
    ++it;
  }
}

void rewrite(Value& value, const Rewrite& r) {
  if (value.has_struct_value()) {
    rewrite(*value.mutable_struct_value(), r);
  } else if (value.has_list_value()) {
    for (auto& v : *value.mutable_list_value()->mutable_values()) rewrite(v, r);
  } else if (value.has_string_value()) {
    auto s = r.strings.find(value.string_value());
    if (s != r.strings.end()) value.set_string_value(s->second);
  }
}

std::string outboundResources(int port, int backend_port) {
  return absl::StrCat(R"(- "@type": type.googleapis.com/envoy.config.listener.v3.Listener
  name: outbound
  address: { socket_address: { address: 127.0.0.1, port_value: )",
                      port, R"( } }
  filter_chains:
  - filters:
    - name: envoy.filters.network.http_connection_manager
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
        stat_prefix: outbound
        route_config:
          virtual_hosts: [ { name: all, domains: ["*"], routes: [ { match: { prefix: / }, route: { cluster: app } } ] } ]
        http_filters:
        - name: envoy.filters.http.router
          typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
- "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
  name: app
  type: EDS
  connect_timeout: 1s
  eds_cluster_config: { eds_config: { ads: {}, resource_api_version: V3 } }
- "@type": type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment
  cluster_name: app
  endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: )",
                      backend_port, R"( } } } } ] } ]
)");
}

TEST(IstioBootstrapTest, SidecarGoldenValidatesAndServesOverDeltaAdsOnAUnixSocket) {
  std::string corpus = MESHPROXY_REAL_CONFIGS_DIR;
  if (corpus.empty()) GTEST_SKIP() << "real-configs corpus not found";
  std::string golden = readFileText(corpus + "/istio/bootstrap_default_golden.json");
  ASSERT_FALSE(golden.empty());
  Struct bootstrap;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(golden, &bootstrap).ok());

  TempDir dir;
  std::string xds_socket = dir.filePath("XDS");
  std::string sds_socket = dir.filePath("sds.sock");
  int admin_port = pickFreePort();
  int prometheus_port = pickFreePort();
  int status_port = pickFreePort();
  Rewrite r;
  r.strings = {{"/tmp/XDS", xds_socket},
               {"./var/run/secrets/workload-spiffe-uds/test.sock", sds_socket},
               {"0.0.0.0", "127.0.0.1"}};
  r.ports = {{15000, admin_port}, {15090, prometheus_port}, {15021, status_port}};
  rewrite(bootstrap, r);
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(bootstrap, &json).ok());
  // What the test relies on is still the golden's: delta ADS on a pipe.
  ASSERT_THAT(json, HasSubstr("\"api_type\":\"DELTA_GRPC\""));
  ASSERT_THAT(json, HasSubstr("\"set_node_on_first_message_only\":true"));
  ASSERT_THAT(json, HasSubstr(absl::StrCat("\"pipe\":{\"path\":\"", xds_socket, "\"}")));
  std::string config = dir.writeFile("istio.json", json);

  auto validate =
      runCommand({binPath("meshproxy"), "--mode", "validate", "-c", config}, absl::Seconds(30));
  EXPECT_EQ(validate.exit_code, 0) << validate.stderr_text;
  EXPECT_THAT(validate.stdout_text,
              HasSubstr(absl::StrCat("ADS to unix:", xds_socket, " (delta, CDS, LDS)")));

  TestServerProcess app({.mode = "http", .name = "app"});
  ASSERT_TRUE(app.ready());
  int outbound_port = pickFreePort();
  int control_admin = pickFreePort();
  dir.writeFile("resources/all/outbound.yaml", outboundResources(outbound_port, app.port()));
  Process control({binPath("mesh-control"), "--listen", "unix:" + xds_socket, "--resources",
                   dir.filePath("resources"), "--admin", absl::StrCat("127.0.0.1:", control_admin),
                   "--log-level", "debug"});
  ASSERT_TRUE(waitUntil([&] { return httpGet("127.0.0.1", control_admin, "/ready").status == 200; },
                        absl::Seconds(10)))
      << control.stderrTail();

  MeshproxyProcess proxy(
      readFileText(config),
      {.concurrency = 2, .admin_port = admin_port, .ready_timeout = absl::Seconds(20)});
  ASSERT_TRUE(proxy.ready()) << control.stderrTail();
  // Traffic through what the "agent" sent over the socket (its endpoints may land just after
  // /ready: Istio's cds_config has initial_fetch_timeout 0s).
  EXPECT_TRUE(waitUntil([&] { return httpGet("127.0.0.1", outbound_port, "/").status == 200; },
                        absl::Seconds(5)));
  for (int i = 0; i < 3; ++i) {
    auto response = httpGet("127.0.0.1", outbound_port, "/hello");
    EXPECT_EQ(response.status, 200) << response.error;
    EXPECT_THAT(response.body, HasSubstr("\"server\": \"app\"")) << response.body;
  }
  // The golden's own prometheus listener, through its static cluster to the admin port.
  auto metrics = httpGet("127.0.0.1", prometheus_port, "/stats/prometheus");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body, HasSubstr("# TYPE"));
  // Istio's stats_config: its tag extractor takes the cluster name out of
  // "cluster.xds-grpc;.upstream_cx_total" (alt_stat_name "xds-grpc;"), and its inclusion list
  // leaves out what it does not name (control_plane.*).
  EXPECT_THAT(metrics.body,
              HasSubstr("envoy_cluster_upstream_cx_total{cluster_name=\"xds-grpc\"}"));
  EXPECT_THAT(metrics.body, ::testing::Not(HasSubstr("envoy_control_plane")));
  EXPECT_FALSE(proxy.counterValue("control_plane.connected_state").has_value());
  // Its compressor filters: a scraper asking for a coding gets it (curl decodes all three).
  const std::string scrape_url =
      absl::StrCat("http://127.0.0.1:", prometheus_port, "/stats/prometheus");
  for (const char* coding : {"br", "zstd", "gzip"}) {
    SCOPED_TRACE(coding);
    auto r = runCommand({"curl", "-sS", "--max-time", "20", "--compressed", "-H",
                         absl::StrCat("Accept-Encoding: ", coding), "-D", "-", scrape_url},
                        absl::Seconds(30));
    EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
    EXPECT_THAT(r.stdout_text, HasSubstr(absl::StrCat("content-encoding: ", coding)));
    EXPECT_THAT(r.stdout_text, HasSubstr("vary: Accept-Encoding"));
    EXPECT_THAT(r.stdout_text, HasSubstr("# TYPE"));  // decoded by curl
  }
  // Without Accept-Encoding: plain text, as before.
  EXPECT_THAT(httpGet("127.0.0.1", prometheus_port, "/stats/prometheus").body, HasSubstr("# TYPE"));
  // (The compressors' own counters are outside Istio's stats inclusion list.)
  auto nodes = httpGet("127.0.0.1", control_admin, "/nodes").body;
  EXPECT_THAT(nodes, HasSubstr("sidecar~1.2.3.4~foo~bar"));
  EXPECT_THAT(nodes, HasSubstr("DeltaAggregatedResources"));
}

}  // namespace
}  // namespace meshproxy::testing
