// ext_authz config translation, the gRPC CheckRequest/CheckResponse mapping and the HTTP
// service's answers, without sockets.
#include "proxy/filters/http/ext_authz/ext_authz_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "envoy/extensions/filters/http/ext_authz/v3/ext_authz.pb.h"
#include "envoy/service/auth/v3/external_auth.pb.h"
#include "proxy/filters/http/ext_authz/grpc_authz_client.h"
#include "proxy/filters/http/ext_authz/http_authz_client.h"
#include "proxy/http/header_map.h"
#include "tests/unit/filters/proto_yaml.h"

namespace meshproxy::filters::ext_authz {
namespace {

using ::testing::HasSubstr;
namespace v3 = envoy::extensions::filters::http::ext_authz::v3;

absl::StatusOr<std::shared_ptr<const ExtAuthzConfig>> translate(std::string_view yaml) {
  return translateExtAuthz(test::protoFromYaml<v3::ExtAuthz>(yaml));
}

TEST(ExtAuthzConfigTest, HttpServiceIsTranslated) {
  auto config = translate(R"(
http_service:
  server_uri: {uri: "http://authz.test:9000/ignored", cluster: authz, timeout: 0.25s}
  path_prefix: /check
  authorization_request:
    allowed_headers: {patterns: [{exact: Cookie}]}
    headers_to_add: [{key: X-From, value: sidecar}]
  authorization_response:
    allowed_upstream_headers: {patterns: [{prefix: x-user}]}
failure_mode_allow: true
status_on_error: {code: 503}
with_request_body: {max_request_bytes: 100, allow_partial_message: true}
stat_prefix: front
)");
  ASSERT_TRUE(config.ok()) << config.status();
  const ExtAuthzConfig& c = **config;
  ASSERT_TRUE(c.http.has_value());
  EXPECT_FALSE(c.grpc.has_value());
  EXPECT_EQ(c.http->cluster, "authz");
  EXPECT_EQ(c.http->authority, "authz.test:9000");
  EXPECT_EQ(c.http->path_prefix, "/check");
  EXPECT_EQ(c.http->timeout, std::chrono::milliseconds(250));
  // Header names match case-insensitively.
  EXPECT_TRUE(c.http->allowed_headers.matches("cookie"));
  EXPECT_FALSE(c.http->allowed_headers.matches("x-other"));
  EXPECT_EQ(c.http->headers_to_add.at(0).first, "x-from");
  EXPECT_TRUE(c.http->allowed_upstream_headers.matches("x-user-id"));
  EXPECT_FALSE(c.http->allowed_client_headers.set());
  EXPECT_TRUE(c.failure_mode_allow);
  EXPECT_EQ(c.status_on_error, 503u);
  ASSERT_TRUE(c.with_request_body.has_value());
  EXPECT_EQ(c.with_request_body->max_request_bytes, 100u);
  EXPECT_TRUE(c.with_request_body->allow_partial_message);
  EXPECT_EQ(c.stat_prefix, "front");
}

TEST(ExtAuthzConfigTest, GrpcServiceDefaultsAndErrors) {
  auto config = translate("grpc_service: {envoy_grpc: {cluster_name: authz}}\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ((*config)->grpc->authority, "authz");
  EXPECT_EQ((*config)->grpc->timeout, std::chrono::milliseconds(200));
  EXPECT_EQ((*config)->status_on_error, 403u);

  EXPECT_THAT(translate("{}").status().message(), HasSubstr("grpc_service or http_service"));
  EXPECT_THAT(translate("grpc_service: {google_grpc: {target_uri: x, stat_prefix: y}}\n")
                  .status()
                  .message(),
              HasSubstr("google_grpc"));
  EXPECT_THAT(translate("grpc_service: {envoy_grpc: {cluster_name: a}}\n"
                        "filter_enabled: {default_value: {numerator: 5}}\n")
                  .status()
                  .message(),
              HasSubstr("filter_enabled"));
  EXPECT_THAT(
      translate("http_service: {server_uri: {uri: http://a, cluster: a}}\n").status().message(),
      HasSubstr("timeout is required"));
}

TEST(ExtAuthzConfigTest, PerRoute) {
  auto disabled =
      translateExtAuthzPerRoute(test::protoFromYaml<v3::ExtAuthzPerRoute>("disabled: true\n"));
  ASSERT_TRUE(disabled.ok());
  EXPECT_TRUE(disabled->disabled);
  auto settings = translateExtAuthzPerRoute(test::protoFromYaml<v3::ExtAuthzPerRoute>(
      "check_settings: {context_extensions: {team: payments}}\n"));
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->context_extensions.at("team"), "payments");
}

TEST(ExtAuthzGrpcTest, CheckResponseOkAndDenied) {
  envoy::service::auth::v3::CheckResponse ok;
  auto* h = ok.mutable_ok_response()->add_headers();
  h->mutable_header()->set_key("X-User");
  h->mutable_header()->set_value("alice");
  auto* a = ok.mutable_ok_response()->add_headers();
  a->mutable_header()->set_key("x-tag");
  a->mutable_header()->set_value("t");
  a->mutable_append()->set_value(true);
  ok.mutable_ok_response()->add_headers_to_remove("X-Secret");
  AuthzResponse r = fromCheckResponse(ok);
  EXPECT_EQ(r.status, AuthzResponse::Status::kOk);
  ASSERT_EQ(r.headers_to_set.size(), 1u);
  EXPECT_EQ(r.headers_to_set[0], (std::pair<std::string, std::string>{"x-user", "alice"}));
  ASSERT_EQ(r.headers_to_append.size(), 1u);
  EXPECT_EQ(r.headers_to_remove, std::vector<std::string>{"x-secret"});

  envoy::service::auth::v3::CheckResponse denied;
  denied.mutable_status()->set_code(7);
  denied.mutable_denied_response()->set_body("no");
  r = fromCheckResponse(denied);
  EXPECT_EQ(r.status, AuthzResponse::Status::kDenied);
  EXPECT_EQ(r.http_status, 403u);  // unset status: Envoy's 403
  EXPECT_EQ(r.body, "no");
}

TEST(ExtAuthzHttpTest, AnswersOfTheHttpService) {
  auto config = translate(R"(
http_service:
  server_uri: {uri: "http://authz", cluster: authz, timeout: 1s}
  authorization_response:
    allowed_upstream_headers: {patterns: [{exact: x-user}]}
    allowed_client_headers: {patterns: [{exact: x-reason}]}
)");
  ASSERT_TRUE(config.ok()) << config.status();
  upstream::AsyncHttpResponse ok;
  ok.headers = std::make_unique<http::HeaderMap>(
      http::HeaderMap{{":status", "200"}, {"x-user", "alice"}, {"x-other", "1"}});
  AuthzResponse r = HttpAuthzClient::toResponse(*(*config)->http, ok);
  EXPECT_EQ(r.status, AuthzResponse::Status::kOk);
  ASSERT_EQ(r.headers_to_set.size(), 1u);
  EXPECT_EQ(r.headers_to_set[0].first, "x-user");

  upstream::AsyncHttpResponse denied;
  denied.headers = std::make_unique<http::HeaderMap>(http::HeaderMap{
      {":status", "401"}, {"x-reason", "r"}, {"x-internal", "s"}, {"www-authenticate", "Basic"}});
  denied.body.add("go away");
  r = HttpAuthzClient::toResponse(*(*config)->http, denied);
  EXPECT_EQ(r.status, AuthzResponse::Status::kDenied);
  EXPECT_EQ(r.http_status, 401u);
  EXPECT_EQ(r.body, "go away");
  // The allowed client header and Envoy's always-forwarded www-authenticate; not x-internal.
  ASSERT_EQ(r.denied_headers.size(), 2u);
  EXPECT_EQ(r.denied_headers[0].first, "x-reason");
  EXPECT_EQ(r.denied_headers[1].first, "www-authenticate");
}

}  // namespace
}  // namespace meshproxy::filters::ext_authz
