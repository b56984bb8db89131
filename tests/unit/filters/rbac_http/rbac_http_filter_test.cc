// envoy.filters.http.rbac as an HTTP filter in a FilterManager: the 403 (and gRPC status 7),
// RBACPerRoute replacing the filter's rules and counted in the filter's counters, shadow
// metadata, and metadata principals read from the stream.

#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>

#include "envoy/extensions/filters/http/rbac/v3/rbac.pb.h"
#include "proxy/config/extension_registry.h"
#include "proxy/filters/builtin_extensions.h"
#include "proxy/filters/http/rbac/rbac_filter.h"
#include "proxy/stats/store.h"
#include "tests/unit/filters/proto_yaml.h"
#include "tests/unit/http/filter_manager_test_support.h"
#include "tests/unit/rbac/rbac_test_util.h"

namespace meshproxy::filters::rbac {
namespace {

namespace httpv3 = envoy::extensions::filters::http::rbac::v3;
using http::testing::CallLog;
using http::testing::FakeStream;
using http::testing::ScriptedFilter;

constexpr char kFilterYaml[] = R"(
rules:
  action: ALLOW
  policies:
    frontend-orders:
      permissions: [{url_path: {path: {exact: /orders}}}]
      principals: [{authenticated: {principal_name: {exact: "spiffe://mesh/ns/default/sa/frontend"}}}]
shadow_rules:
  action: DENY
  policies:
    shadow-orders:
      permissions: [{url_path: {path: {exact: /orders}}}]
      principals: [{any: true}]
)";

// A route whose per-route config for "rbac" is the given one.
class PerRouteRoute : public http::Route {
 public:
  explicit PerRouteRoute(http::RouteSpecificFilterConfigSharedPtr config)
      : config_(std::move(config)) {}
  const std::string& name() const override { return name_; }
  std::optional<std::chrono::milliseconds> idleTimeout() const override { return std::nullopt; }
  const http::RouteSpecificFilterConfig* mostSpecificPerFilterConfig(std::string_view filter_name,
                                                                     uint64_t) const override {
    return filter_name == "rbac" ? config_.get() : nullptr;
  }

 private:
  std::string name_ = "r";
  http::RouteSpecificFilterConfigSharedPtr config_;
};

// One stream: a scripted filter standing in for the codec side calls the RBAC filter's
// decide() with the request view the test builds (the fakes have no connection).
struct Harness {
  explicit Harness(std::shared_ptr<const RbacFilterConfig> config)
      : stream(log),
        manager(stream, info, 1, 65536),
        filter(std::make_shared<RbacHttpFilter>(std::move(config))),
        driver(std::make_shared<ScriptedFilter>("driver", log)),
        after(std::make_shared<ScriptedFilter>("after", log)) {
    driver->on_decode_headers = [this](http::HeaderMap&, bool) {
      filter->setDecoderFilterCallbacks(*driver->decoder);
      return filter->decide(request.view());
    };
    manager.setFilterConfigName("rbac");
    manager.addStreamFilter(driver);
    manager.setFilterConfigName("after");
    manager.addStreamFilter(after);
  }
  void run(std::unique_ptr<http::HeaderMap> headers) {
    request.headers = *headers;
    manager.setRequestHeaders(std::move(headers), true);
    manager.decodeHeaders();
  }
  bool reachedNextFilter() const {
    for (const auto& l : log) {
      if (l.rfind("after:decodeHeaders", 0) == 0) return true;
    }
    return false;
  }

  CallLog log;
  FakeStream stream;
  accesslog::StreamInfo info;
  http::FilterManager manager;
  std::shared_ptr<RbacHttpFilter> filter;
  std::shared_ptr<ScriptedFilter> driver;
  std::shared_ptr<ScriptedFilter> after;
  testing::Request request;
};

std::unique_ptr<http::HeaderMap> post(std::string_view path, bool grpc = false) {
  auto h = std::make_unique<http::HeaderMap>(
      http::HeaderMap{{":method", "POST"}, {":path", path}, {":authority", "orders"}});
  if (grpc) h->add("content-type", "application/grpc");
  return h;
}

std::shared_ptr<const RbacFilterConfig> filterConfig(stats::Store& store,
                                                     const char* yaml = kFilterYaml) {
  auto config = translateRbacHttp(test::protoFromYaml<httpv3::RBAC>(yaml),
                                  store.rootScope().scope("http", "inbound"));
  EXPECT_TRUE(config.ok()) << config.status();
  return *config;
}

TEST(RbacHttpFilterTest, AllowedPrincipalContinuesAndShadowMetadataIsSet) {
  stats::Store store;
  Harness h(filterConfig(store));
  h.request.ssl.emplace();
  h.request.ssl->uri_sans = {"spiffe://mesh/ns/default/sa/frontend"};
  h.run(post("/orders"));
  EXPECT_TRUE(h.reachedNextFilter());
  EXPECT_FALSE(h.stream.complete);
  EXPECT_EQ(store.rootScope().counter("http.inbound.rbac.allowed").value(), 1u);
  EXPECT_EQ(store.rootScope().counter("http.inbound.rbac.shadow_denied").value(), 1u);
  const auto* ns = h.info.dynamic_metadata.get("envoy.filters.http.rbac");
  ASSERT_NE(ns, nullptr);
  EXPECT_EQ(ns->fields().at("shadow_engine_result").string_value(), "denied");
  EXPECT_EQ(ns->fields().at("shadow_effective_policy_id").string_value(), "shadow-orders");
}

TEST(RbacHttpFilterTest, OtherPrincipalGets403) {
  stats::Store store;
  Harness h(filterConfig(store));
  h.request.ssl.emplace();
  h.request.ssl->uri_sans = {"spiffe://mesh/ns/default/sa/batch"};
  h.run(post("/orders"));
  EXPECT_FALSE(h.reachedNextFilter());
  ASSERT_TRUE(h.stream.complete);
  EXPECT_EQ(h.stream.response_headers.status(), 403u);
  EXPECT_EQ(h.stream.body, "RBAC: access denied");
  EXPECT_EQ(h.info.response_code_details, "rbac_access_denied_matched_policy[none]");
  EXPECT_EQ(store.rootScope().counter("http.inbound.rbac.denied").value(), 1u);
}

TEST(RbacHttpFilterTest, DeniedGrpcRequestGetsPermissionDenied) {
  stats::Store store;
  Harness h(filterConfig(store));
  h.run(post("/orders", /*grpc=*/true));
  ASSERT_TRUE(h.stream.complete);
  EXPECT_EQ(h.stream.response_headers.status(), 200u);
  EXPECT_EQ(h.stream.response_headers.get("grpc-status"), "7");
  EXPECT_EQ(h.stream.response_headers.get("grpc-message"), "RBAC: access denied");
}

TEST(RbacHttpFilterTest, PerRouteConfigReplacesRulesAndCountsInFilterStats) {
  stats::Store store;
  Harness h(filterConfig(store));
  // RBACPerRoute without `rbac`: nothing is enforced on the route.
  registerBuiltinExtensions();
  const auto* translator = config::ExtensionRegistry::global().perRouteFilterConfig(
      "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute");
  ASSERT_NE(translator, nullptr);
  google::protobuf::Any any;
  any.PackFrom(test::protoFromYaml<httpv3::RBACPerRoute>(R"(
rbac:
  rules:
    action: DENY
    policies:
      no-delete:
        permissions: [{header: {name: ":method", string_match: {exact: DELETE}}}]
        principals: [{any: true}]
)"));
  auto per_route = (*translator)(any);
  ASSERT_TRUE(per_route.ok()) << per_route.status();
  PerRouteRoute route(*per_route);
  h.stream.route_ = &route;
  h.run(post("/orders"));  // not the frontend, but the route only denies DELETE
  EXPECT_TRUE(h.reachedNextFilter());
  EXPECT_EQ(store.rootScope().counter("http.inbound.rbac.allowed").value(), 1u);
  EXPECT_EQ(store.rootScope().counter("http.inbound.rbac.shadow_denied").value(), 0u);

  Harness d(filterConfig(store));
  d.stream.route_ = &route;
  d.run(std::make_unique<http::HeaderMap>(
      http::HeaderMap{{":method", "DELETE"}, {":path", "/orders"}, {":authority", "o"}}));
  EXPECT_EQ(d.stream.response_headers.status(), 403u);
  EXPECT_EQ(d.info.response_code_details, "rbac_access_denied_matched_policy[no-delete]");
  EXPECT_EQ(store.rootScope().counter("http.inbound.rbac.denied").value(), 1u);
}

TEST(RbacHttpFilterTest, DisabledPerRouteEnforcesNothing) {
  stats::Store store;
  registerBuiltinExtensions();
  const auto* translator = config::ExtensionRegistry::global().perRouteFilterConfig(
      "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute");
  google::protobuf::Any any;
  any.PackFrom(httpv3::RBACPerRoute());
  auto per_route = (*translator)(any);
  ASSERT_TRUE(per_route.ok()) << per_route.status();
  PerRouteRoute route(*per_route);
  Harness h(filterConfig(store));
  h.stream.route_ = &route;
  h.run(post("/orders"));
  EXPECT_TRUE(h.reachedNextFilter());
}

TEST(RbacHttpFilterTest, MetadataPrincipalReadsTheStreamsDynamicMetadata) {
  stats::Store store;
  Harness h(filterConfig(store, R"(
rules:
  action: ALLOW
  policies:
    admins:
      permissions: [{any: true}]
      principals:
      - metadata:
          filter: envoy.filters.http.jwt_authn
          path: [{key: payload}, {key: role}]
          value: {string_match: {exact: admin}}
)"));
  google::protobuf::Struct jwt;
  auto& payload = *(*jwt.mutable_fields())["payload"].mutable_struct_value();
  (*payload.mutable_fields())["role"].set_string_value("admin");
  h.info.dynamic_metadata.merge("envoy.filters.http.jwt_authn", jwt);
  // The view reads metadata through the filter (the stream's), not the test's fake.
  h.driver->on_decode_headers = [&h](http::HeaderMap&, bool) {
    h.filter->setDecoderFilterCallbacks(*h.driver->decoder);
    RequestView view = h.request.view();
    view.metadata = &h.filter->metadataSource();
    return h.filter->decide(view);
  };
  h.run(post("/anything"));
  EXPECT_TRUE(h.reachedNextFilter());
  EXPECT_EQ(store.rootScope().counter("http.inbound.rbac.allowed").value(), 1u);
}

TEST(RbacHttpFilterTest, RefusesUnimplementedFieldsByName) {
  stats::Store store;
  auto config = translateRbacHttp(test::protoFromYaml<httpv3::RBAC>("track_per_rule_stats: true"),
                                  store.rootScope());
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("track_per_rule_stats"), std::string::npos);
}

}  // namespace
}  // namespace meshproxy::filters::rbac
