// request/response_headers_to_add/remove: append actions, formatted values, the three levels.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/accesslog/test_upstream_host.h"
#include "tests/unit/route/route_table_test_util.h"

namespace meshproxy::route {
namespace {

using testing::buildTable;
using testing::request;

std::vector<std::string> values(const http::HeaderMap& headers, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [n, v] : headers.entries()) {
    if (n == name) out.push_back(v);
  }
  return out;
}

struct AppendCase {
  std::string_view option;  // HeaderValueOption fields after header, flow style
  std::vector<std::string> existing;
  std::vector<std::string> want;
};

class AppendActionTest : public ::testing::TestWithParam<AppendCase> {};

TEST_P(AppendActionTest, AppliesAction) {
  const AppendCase& c = GetParam();
  auto table = buildTable(R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - match: {prefix: "/"}
    route: {cluster: c}
    request_headers_to_add:
    - {header: {key: x-h, value: new}, )" +
                          std::string(c.option) + R"(}
)");
  ASSERT_NE(table, nullptr);
  http::HeaderMap headers = request("h", "/");
  for (const std::string& v : c.existing) headers.add("x-h", v);
  accesslog::StreamInfo info;
  info.request_headers = &headers;
  table->match(headers, 0)->applyRequestHeaderMutations(headers, info);
  EXPECT_EQ(values(headers, "x-h"), c.want) << c.option;
}

INSTANTIATE_TEST_SUITE_P(
    Envoy, AppendActionTest,
    ::testing::Values(AppendCase{"append_action: APPEND_IF_EXISTS_OR_ADD", {"old"}, {"old", "new"}},
                      AppendCase{"append_action: APPEND_IF_EXISTS_OR_ADD", {}, {"new"}},
                      AppendCase{"append_action: ADD_IF_ABSENT", {"old"}, {"old"}},
                      AppendCase{"append_action: ADD_IF_ABSENT", {}, {"new"}},
                      AppendCase{
                          "append_action: OVERWRITE_IF_EXISTS_OR_ADD", {"old", "older"}, {"new"}},
                      AppendCase{"append_action: OVERWRITE_IF_EXISTS_OR_ADD", {}, {"new"}},
                      AppendCase{"append_action: OVERWRITE_IF_EXISTS", {"old"}, {"new"}},
                      AppendCase{"append_action: OVERWRITE_IF_EXISTS", {}, {}},
                      // The deprecated append: true appends, false overwrites; unset appends.
                      AppendCase{"append: true", {"old"}, {"old", "new"}},
                      AppendCase{"append: false", {"old"}, {"new"}},
                      AppendCase{"keep_empty_value: false", {"old"}, {"old", "new"}}));

TEST(HeaderMutationsTest, FormattedValuesAndEmptyValues) {
  auto table = buildTable(R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - match: {prefix: "/"}
    route: {cluster: c}
    request_headers_to_add:
    - header: {key: X-Client, value: "%DOWNSTREAM_REMOTE_ADDRESS%"}
    - header: {key: x-client-ip, value: "ip=%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%"}
    - header: {key: x-copy, value: "%REQ(x-foo)%"}
    - header: {key: x-from-new, value: "%REQ(x-client)%"}
    - header: {key: x-missing, value: "%REQ(x-absent)%"}
    - header: {key: x-missing-kept, value: "%REQ(x-absent)%"}
      keep_empty_value: true
    - header: {key: x-percent, value: "100%%"}
    response_headers_to_add:
    - header: {key: x-upstream, value: "%UPSTREAM_HOST% %RESP(x-status-detail)%"}
)");
  ASSERT_NE(table, nullptr);
  http::HeaderMap headers = request("h", "/");
  headers.add("x-foo", "bar");
  accesslog::StreamInfo info;
  info.downstream_remote_address = "10.0.0.7:4242";
  accesslog::TestUpstreamHost upstream_host("10.1.0.1:8080");
  info.upstream_host = &upstream_host;
  info.request_headers = &headers;
  const Route* route = table->match(headers, 0);
  route->applyRequestHeaderMutations(headers, info);
  EXPECT_EQ(headers.get("x-client"), "10.0.0.7:4242");
  EXPECT_EQ(headers.get("x-client-ip"), "ip=10.0.0.7");
  EXPECT_EQ(headers.get("x-copy"), "bar");
  // Values are formatted before any is added: x-client did not exist yet.
  EXPECT_FALSE(headers.has("x-from-new"));
  // A missing value formats to "" (not "-") and adds nothing, unless keep_empty_value.
  EXPECT_FALSE(headers.has("x-missing"));
  EXPECT_EQ(headers.get("x-missing-kept"), "");
  EXPECT_EQ(headers.get("x-percent"), "100%");

  http::HeaderMap response{{":status", "200"}, {"x-status-detail", "ok"}};
  info.response_headers = &response;
  route->applyResponseHeaderMutations(response, info);
  EXPECT_EQ(response.get("x-upstream"), "10.1.0.1:8080 ok");
}

TEST(HeaderMutationsTest, RemovesBeforeAdding) {
  auto table = buildTable(R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - match: {prefix: "/"}
    route: {cluster: c}
    request_headers_to_remove: [X-Secret, x-h]
    request_headers_to_add: [{header: {key: x-h, value: mine}}]
    response_headers_to_remove: [server]
)");
  ASSERT_NE(table, nullptr);
  http::HeaderMap headers = request("h", "/");
  headers.add("x-secret", "1");
  headers.add("x-h", "theirs");
  accesslog::StreamInfo info;
  const Route* route = table->match(headers, 0);
  route->applyRequestHeaderMutations(headers, info);
  EXPECT_FALSE(headers.has("x-secret"));
  EXPECT_EQ(values(headers, "x-h"), std::vector<std::string>{"mine"});
  http::HeaderMap response{{":status", "200"}, {"server", "upstream"}};
  route->applyResponseHeaderMutations(response, info);
  EXPECT_FALSE(response.has("server"));
}

constexpr std::string_view kLevels = R"(
request_headers_to_add:
- {header: {key: x-level, value: config}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}
- {header: {key: x-all, value: config}}
response_headers_to_add:
- {header: {key: x-level, value: config}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}
virtual_hosts:
- name: vh
  domains: ["*"]
  request_headers_to_add:
  - {header: {key: x-level, value: vhost}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}
  - {header: {key: x-all, value: vhost}}
  response_headers_to_add:
  - {header: {key: x-level, value: vhost}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}
  routes:
  - match: {prefix: "/"}
    request_headers_to_add:
    - {header: {key: x-level, value: route}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}
    - {header: {key: x-all, value: route}}
    response_headers_to_add:
    - {header: {key: x-level, value: route}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}
    route:
      weighted_clusters:
        clusters:
        - name: a
          weight: 1
          request_headers_to_add:
          - {header: {key: x-level, value: cluster}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}
          - {header: {key: x-all, value: cluster}}
)";

TEST(HeaderMutationsTest, RouteConfigurationWinsByDefault) {
  auto table = buildTable(kLevels);
  ASSERT_NE(table, nullptr);
  http::HeaderMap headers = request("h", "/");
  accesslog::StreamInfo info;
  const Route* route = table->match(headers, 0);
  const WeightedCluster* cluster = route->pickWeightedCluster(0);
  route->finalizeRequestHeaders(headers, info, cluster);
  // Weighted cluster first, then route, virtual host, route configuration: the last one wins.
  EXPECT_EQ(headers.get("x-level"), "config");
  EXPECT_EQ(values(headers, "x-all"),
            (std::vector<std::string>{"cluster", "route", "vhost", "config"}));

  http::HeaderMap response{{":status", "200"}};
  route->applyResponseHeaderMutations(response, info, cluster);
  EXPECT_EQ(response.get("x-level"), "config");
}

TEST(HeaderMutationsTest, MostSpecificWinsWhenAsked) {
  auto table = buildTable("most_specific_header_mutations_wins: true\n" + std::string(kLevels));
  ASSERT_NE(table, nullptr);
  http::HeaderMap headers = request("h", "/");
  accesslog::StreamInfo info;
  const Route* route = table->match(headers, 0);
  route->finalizeRequestHeaders(headers, info, route->pickWeightedCluster(0));
  EXPECT_EQ(headers.get("x-level"), "route");
  EXPECT_EQ(values(headers, "x-all"),
            (std::vector<std::string>{"cluster", "config", "vhost", "route"}));
  http::HeaderMap response{{":status", "200"}};
  route->applyResponseHeaderMutations(response, info);
  EXPECT_EQ(response.get("x-level"), "route");
}

TEST(HeaderMutationsTest, MutationsSeeThePathBeforeTheRewrite) {
  auto table = buildTable(R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - match: {prefix: "/api"}
    route: {cluster: c, prefix_rewrite: "/v2"}
    request_headers_to_add: [{header: {key: x-path, value: "%REQ(:PATH)%"}}]
)");
  ASSERT_NE(table, nullptr);
  http::HeaderMap headers = request("h", "/api/x");
  accesslog::StreamInfo info;
  info.request_headers = &headers;
  table->match(headers, 0)->finalizeRequestHeaders(headers, info);
  EXPECT_EQ(headers.get("x-path"), "/api/x");
  EXPECT_EQ(headers.path(), "/v2/x");
  EXPECT_EQ(headers.get("x-envoy-original-path"), "/api/x");
}

TEST(InternalOnlyHeadersTest, RemovedOnRequest) {
  auto table = buildTable(R"(
internal_only_headers: [X-Internal-Token]
virtual_hosts: []
)");
  ASSERT_NE(table, nullptr);
  http::HeaderMap headers = request("h", "/");
  headers.add("x-internal-token", "t");
  table->removeInternalOnlyHeaders(headers);
  EXPECT_FALSE(headers.has("x-internal-token"));
  EXPECT_EQ(table->internalOnlyHeaders(), std::vector<std::string>{"x-internal-token"});
}

}  // namespace
}  // namespace meshproxy::route
