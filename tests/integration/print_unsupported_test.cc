// `meshproxy --print-unsupported FILE`: every unsupported field and extension of a config at
// once (loading stops at the first), exit 0 when there is none, 1 otherwise.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "tests/support/binaries.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

#ifndef MESHPROXY_REAL_CONFIGS_DIR
#define MESHPROXY_REAL_CONFIGS_DIR ""
#endif

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

CommandResult printUnsupported(const std::string& file) {
  return runCommand({binPath("meshproxy"), "--print-unsupported", file}, absl::Seconds(30));
}

int countLines(const std::string& text, const std::string& prefix) {
  int n = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) n += absl::StartsWith(line, prefix);
  return n;
}

// Several blockers in different places: the bootstrap, a listener, an HTTP filter inside the
// connection manager inside that listener, a route, a cluster, its endpoints, and the runtime.
constexpr char kManyBlockers[] = R"(
node: { id: n, cluster: c }
overload_manager: { refresh_interval: 1s }
layered_runtime:
  layers:
  - { name: disk, disk_layer: { symlink_root: /srv/runtime } }
  - { name: static, static_layer: { routing.x: 1 } }
static_resources:
  listeners:
  - name: http
    address: { socket_address: { address: 127.0.0.1, port_value: 10000 } }
    per_connection_buffer_limit_bytes: 32768
    tcp_backlog_size: 64
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress
          path_with_escaped_slashes_action: UNESCAPE_AND_REDIRECT
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: { prefix: /, grpc: {} }
                route: { cluster: backend, retry_policy: { retry_on: 5xx } }
          http_filters:
          - name: envoy.filters.http.lua
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua
              default_source_code: { inline_string: "function envoy_on_request(h) end" }
          - name: optional.unknown
            is_optional: true
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer
              max_request_bytes: 1024
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
              start_child_span: true
  clusters:
  - name: backend
    connect_timeout: 1s
    circuit_breakers: {}
    load_assignment:
      cluster_name: backend
      endpoints:
      - priority: 1
        lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 8080 } } }
)";

TEST(PrintUnsupportedTest, ListsEveryBlockerAtOnce) {
  TempDir dir;
  dir.writeFile("bootstrap.yaml", kManyBlockers);
  auto r = printUnsupported(dir.filePath("bootstrap.yaml"));
  ASSERT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1) << r.stdout_text << r.stderr_text;
  const std::string& out = r.stdout_text;
  EXPECT_THAT(out, HasSubstr("unsupported field: layered_runtime.layers[0].disk_layer "
                             "(envoy.config.bootstrap.v3.RuntimeLayer.disk_layer)\n"));
  EXPECT_THAT(out, HasSubstr("unsupported field: static_resources.listeners[0].tcp_backlog_size "
                             "(envoy.config.listener.v3.Listener.tcp_backlog_size)\n"));
  const std::string hcm = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config";
  EXPECT_THAT(out, HasSubstr("unsupported field: " + hcm + ".path_with_escaped_slashes_action ("));
  EXPECT_THAT(out, HasSubstr("unsupported field: " + hcm +
                             ".route_config.virtual_hosts[0].routes[0].match.grpc ("));
  EXPECT_THAT(out, HasSubstr("unsupported field: " + hcm +
                             ".http_filters[2].typed_config.start_child_span ("));
  EXPECT_THAT(out, HasSubstr("unsupported extension: 'envoy.filters.http.lua' "
                             "(type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua) at " +
                             hcm + ".http_filters[0].typed_config\n"));
  // An optional filter meshproxy does not know is skipped, as Envoy skips it.
  EXPECT_THAT(out, Not(HasSubstr("optional.unknown")));
  // Supported parts are not listed.
  EXPECT_THAT(out, Not(HasSubstr("per_connection_buffer_limit_bytes")));
  EXPECT_THAT(out, Not(HasSubstr("static_layer")));
  // overload_manager, retry_policy and endpoint priorities are implemented now: not listed.
  EXPECT_THAT(out, Not(HasSubstr("overload_manager")));
  EXPECT_THAT(out, Not(HasSubstr("retry_policy")));
  EXPECT_THAT(out, Not(HasSubstr("priority")));
  EXPECT_EQ(countLines(out, "unsupported field: "), 5) << out;
  EXPECT_EQ(countLines(out, "unsupported extension: "), 1) << out;
  EXPECT_THAT(out, HasSubstr(": 5 unsupported field(s), 1 unsupported extension(s)\n"));

  // Loading the same file stops at the first of them.
  auto load =
      runCommand({binPath("meshproxy"), "--mode", "validate", "-c", dir.filePath("bootstrap.yaml")},
                 absl::Seconds(30));
  EXPECT_EQ(load.exit_code, 1);
  EXPECT_THAT(load.stderr_text, HasSubstr("disk_layer"));
}

TEST(PrintUnsupportedTest, CleanConfigExitsZeroAndBadFileExitsOne) {
  TempDir dir;
  dir.writeFile("ok.yaml", R"(
static_resources:
  listeners:
  - address: { socket_address: { address: 127.0.0.1, port_value: 10001 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: t
          cluster: b
  clusters:
  - name: b
    connect_timeout: 1s
    load_assignment:
      cluster_name: b
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 1 } } } }] }]
)");
  auto r = printUnsupported(dir.filePath("ok.yaml"));
  EXPECT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  EXPECT_THAT(r.stdout_text, HasSubstr("no unsupported field or extension"));
  // Envoy's own runtime keys are kept but not acted on: a warning, not a blocker.
  dir.writeFile("ok_runtime.yaml", readFileText(dir.filePath("ok.yaml")) +
                                       "layered_runtime: {layers: [{name: s, static_layer: "
                                       "{envoy.reloadable_features.some_guard: false}}]}\n");
  r = printUnsupported(dir.filePath("ok_runtime.yaml"));
  EXPECT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  EXPECT_THAT(r.stdout_text,
              HasSubstr("warning: runtime key 'envoy.reloadable_features.some_guard' is Envoy's "
                        "own setting; meshproxy does not read it\n"));

  // Every field supported but the config still does not load: the load error, exit 1.
  dir.writeFile("bad_ref.yaml", R"(
static_resources:
  clusters:
  - name: b
    connect_timeout: 1s
    type: STRICT_DNS
    load_assignment: { cluster_name: b }
  - name: b
    connect_timeout: 1s
)");
  r = printUnsupported(dir.filePath("bad_ref.yaml"));
  EXPECT_EQ(r.exit_code, 1) << r.stdout_text;
  EXPECT_THAT(r.stdout_text, HasSubstr("duplicate cluster name 'b'"));

  dir.writeFile("broken.yaml", "static_resources: [");
  r = printUnsupported(dir.filePath("broken.yaml"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stdout_text, HasSubstr("cannot be read"));
}

// Per-route configs of the HTTP filters meshproxy implements (rbac, local_ratelimit, fault,
// cors) are supported extensions: their contents are checked when they are translated.
TEST(PrintUnsupportedTest, PerRouteConfigsOfImplementedFiltersAreNotListed) {
  TempDir dir;
  dir.writeFile("per_route.yaml", R"(
static_resources:
  listeners:
  - address: { socket_address: { address: 127.0.0.1, port_value: 10002 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              typed_per_filter_config:
                envoy.filters.http.cors:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                  allow_origin_string_match: [{ exact: "https://a.example" }]
              routes:
              - match: { prefix: / }
                route: { cluster: b }
                typed_per_filter_config:
                  envoy.filters.http.rbac:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute
                    rbac: { rules: { action: ALLOW, policies: {} } }
                  envoy.filters.http.fault:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                    abort: { http_status: 503, percentage: { numerator: 0 } }
                  envoy.filters.http.local_ratelimit:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                    stat_prefix: rl
                    token_bucket: { max_tokens: 10, fill_interval: 1s }
          http_filters:
          - name: envoy.filters.http.cors
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors
          - name: envoy.filters.http.rbac
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
          - name: envoy.filters.http.fault
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
          - name: envoy.filters.http.local_ratelimit
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
              stat_prefix: rl
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: b
    connect_timeout: 1s
    load_assignment:
      cluster_name: b
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 1 } } } }] }]
)");
  auto r = printUnsupported(dir.filePath("per_route.yaml"));
  EXPECT_THAT(r.stdout_text, Not(HasSubstr("unsupported extension")));
  EXPECT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
}

// A real sidecar bootstrap (Istio's, rendered by istio-agent) that loading rejects at its first
// blocker: the report names all of them.
TEST(PrintUnsupportedTest, IstioSidecarBootstrapHasNoBlockerLeft) {
  const std::string corpus = MESHPROXY_REAL_CONFIGS_DIR;
  if (corpus.empty()) GTEST_SKIP() << "real-configs corpus not found";
  auto r = printUnsupported(corpus + "/istio/bootstrap_default_golden.json");
  ASSERT_FALSE(r.timed_out);
  // Every bootstrap section it uses is implemented (stats_config, overload_manager,
  // cluster_manager, bootstrap_extensions, deferred_stat_options, layered_runtime, the xds-grpc
  // cluster's circuit_breakers ...), and since issue 16 its brotli, zstd and gzip compressor
  // filters too: nothing is listed, and it passes validate's checks (exit 0).
  EXPECT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  const std::string& out = r.stdout_text;
  EXPECT_EQ(countLines(out, "unsupported field: "), 0) << out;
  EXPECT_EQ(countLines(out, "unsupported extension: "), 0) << out;
  EXPECT_THAT(out, HasSubstr("no unsupported field or extension"));
}

}  // namespace
}  // namespace meshproxy::testing
