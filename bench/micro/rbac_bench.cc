// Per-request cost of RBAC evaluation (proxy/filters/common/rbac), the "10 policies"
// shape: each policy an Istio-style rule (SPIFFE ID of the caller, method, path prefix).
//
//   cmake -S . -B build -DMESHPROXY_BENCH=ON && cmake --build build --target rbac_bench
//   build/bin/rbac_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// Three requests: one allowed by the first policy, one by the last, one denied (every policy
// tried). Indicative only on a shared machine.
#include <benchmark/benchmark.h>

#include <string>

#include "envoy/config/rbac/v3/rbac.pb.h"
#include "proxy/config/yaml_to_json.h"
#include "proxy/filters/common/rbac/rbac_engine.h"
#include "proxy/http/header_map.h"
#include "proxy/network/address.h"
#include "proxy/network/ssl_connection_info.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::filters::rbac {
namespace {

std::shared_ptr<const RbacEngine> tenPolicies() {
  std::string yaml = "action: ALLOW\npolicies:\n";
  for (int i = 0; i < 10; ++i) {
    const std::string n = std::to_string(i);
    yaml += "  p" + n +
            ":\n    permissions:\n    - and_rules: {rules: [{header: {name: ':method', "
            "string_match: {exact: POST}}}, {url_path: {path: {prefix: /svc" +
            n +
            "/}}}]}\n    principals:\n    - authenticated: {principal_name: {exact: "
            "'spiffe://cluster.local/ns/shop/sa/client" +
            n + "'}}\n";
  }
  envoy::config::rbac::v3::RBAC proto;
  auto json = config::yamlToJson(yaml);
  if (!json.ok() || !protobuf::jsonToMessage(*json, &proto).ok()) std::abort();
  auto engine = translateRbac(proto);
  if (!engine.ok()) std::abort();
  return *engine;
}

class PeerCert : public network::SslConnectionInfo {
 public:
  explicit PeerCert(std::string uri) : uris_{std::move(uri)} {}
  const std::string& protocol() const override { return empty_; }
  const std::string& cipher() const override { return empty_; }
  const std::string& alpn() const override { return empty_; }
  const std::string& serverName() const override { return empty_; }
  bool sessionReused() const override { return false; }
  bool peerCertificatePresented() const override { return true; }
  const std::vector<std::string>& peerUriSans() const override { return uris_; }
  const std::string& peerUriSan() const override { return uris_[0]; }
  const std::vector<std::string>& peerDnsSans() const override { return none_; }
  const std::string& peerSubject() const override { return empty_; }
  const std::string& peerCertSha256() const override { return empty_; }
  std::string urlEncodedPeerCertPem() const override { return ""; }
  std::string urlEncodedPeerChainPem() const override { return ""; }
  const std::vector<std::string>& localUriSans() const override { return none_; }

 private:
  std::vector<std::string> uris_;
  std::vector<std::string> none_;
  std::string empty_;
};

void evaluate(benchmark::State& state, int client, bool expect_allowed) {
  static const auto engine = tenPolicies();
  http::HeaderMap headers{{":method", "POST"},
                          {":path", "/svc" + std::to_string(client) + "/orders?id=1"},
                          {":authority", "orders"},
                          {"user-agent", "bench"},
                          {"content-type", "application/json"}};
  const network::Address local = *network::Address::parse("10.0.0.2:8080");
  const network::Address peer = *network::Address::parse("10.0.0.1:40000");
  PeerCert cert("spiffe://cluster.local/ns/shop/sa/client" +
                std::to_string(expect_allowed ? client : 99));
  RequestView view;
  view.headers = &headers;
  view.local = &local;
  view.direct_remote = &peer;
  view.ssl = &cert;
  for (auto _ : state) {
    const RbacDecision d = engine->evaluate(view);
    if (d.allowed != expect_allowed) state.SkipWithError("unexpected decision");
    benchmark::DoNotOptimize(d);
  }
}

void BM_RbacFirstPolicyAllows(benchmark::State& state) { evaluate(state, 0, true); }
void BM_RbacLastPolicyAllows(benchmark::State& state) { evaluate(state, 9, true); }
void BM_RbacNoPolicyMatches(benchmark::State& state) { evaluate(state, 9, false); }
BENCHMARK(BM_RbacFirstPolicyAllows);
BENCHMARK(BM_RbacLastPolicyAllows);
BENCHMARK(BM_RbacNoPolicyMatches);

}  // namespace
}  // namespace meshproxy::filters::rbac

BENCHMARK_MAIN();
