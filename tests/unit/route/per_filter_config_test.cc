#include "proxy/route/per_filter_config.h"

#include <google/protobuf/wrappers.pb.h>
#include <gtest/gtest.h>

#include "proxy/route/route_table.h"
#include "tests/unit/route/route_table_test_util.h"

namespace meshproxy::route {
namespace {

using testing::buildTable;
using testing::createError;
using testing::request;

constexpr std::string_view kStringType = "type.googleapis.com/google.protobuf.StringValue";

// A filter's per-route config as its translator makes it; here the StringValue's text.
struct TestConfig : http::RouteSpecificFilterConfig {
  explicit TestConfig(std::string v) : value(std::move(v)) {}
  std::string value;
};

RouteTableOptions withTestTranslator() {
  static const http::PerFilterConfigTranslator translator = [](const google::protobuf::Any& any)
      -> absl::StatusOr<http::RouteSpecificFilterConfigSharedPtr> {
    google::protobuf::StringValue value;
    if (!any.UnpackTo(&value)) return absl::InvalidArgumentError("not a StringValue");
    if (value.value() == "bad") return absl::InvalidArgumentError("value 'bad' is refused");
    return std::make_shared<TestConfig>(value.value());
  };
  RouteTableOptions options;
  options.find_per_filter_config = [](std::string_view type_url) {
    return type_url == kStringType ? &translator : nullptr;
  };
  return options;
}

std::string configOf(const http::Route* route, std::string_view filter, uint64_t random = 0) {
  if (route == nullptr) return "<no route>";
  const auto* config = route->mostSpecificPerFilterConfig(filter, random);
  return config == nullptr ? "<none>" : static_cast<const TestConfig*>(config)->value;
}

constexpr std::string_view kLevels = R"(
name: levels
typed_per_filter_config:
  authz: { "@type": type.googleapis.com/google.protobuf.StringValue, value: table }
  ratelimit: { "@type": type.googleapis.com/google.protobuf.StringValue, value: table-rl }
virtual_hosts:
- name: api
  domains: ["*"]
  typed_per_filter_config:
    authz: { "@type": type.googleapis.com/google.protobuf.StringValue, value: vhost }
  routes:
  - name: plain
    match: { path: /plain }
    route: { cluster: a }
  - name: own
    match: { path: /own }
    route: { cluster: a }
    typed_per_filter_config:
      authz: { "@type": type.googleapis.com/google.protobuf.StringValue, value: route }
  - name: split
    match: { path: /split }
    typed_per_filter_config:
      authz: { "@type": type.googleapis.com/google.protobuf.StringValue, value: route }
    route:
      weighted_clusters:
        clusters:
        - name: a
          weight: 1
          typed_per_filter_config:
            authz: { "@type": type.googleapis.com/google.protobuf.StringValue, value: cluster-a }
        - name: b
          weight: 1
)";

TEST(PerFilterConfigTest, MostSpecificLevelWins) {
  auto table = buildTable(kLevels, withTestTranslator());
  ASSERT_NE(table, nullptr);
  auto match = [&](std::string_view path) { return table->match(request("x", path), 0); };
  EXPECT_EQ(configOf(match("/plain"), "authz"), "vhost");
  EXPECT_EQ(configOf(match("/plain"), "ratelimit"), "table-rl");
  EXPECT_EQ(configOf(match("/own"), "authz"), "route");
  EXPECT_EQ(configOf(match("/own"), "other"), "<none>");
  // Weighted cluster > route: random 0 picks a, random 1 picks b (no config of its own).
  EXPECT_EQ(configOf(match("/split"), "authz", 0), "cluster-a");
  EXPECT_EQ(configOf(match("/split"), "authz", 1), "route");
  EXPECT_FALSE(table->disablesFilters());
}

TEST(PerFilterConfigTest, FilterConfigWrapperDisablesAndCarriesConfig) {
  auto table = buildTable(R"(
virtual_hosts:
- name: api
  domains: ["*"]
  typed_per_filter_config:
    authz:
      "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
      config: { "@type": type.googleapis.com/google.protobuf.StringValue, value: wrapped }
  routes:
  - name: public
    match: { prefix: /public }
    route: { cluster: a }
    typed_per_filter_config:
      authz:
        "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
        disabled: true
        config: { "@type": type.googleapis.com/google.protobuf.Int32Value, value: 1 }
  - name: rest
    match: { prefix: / }
    route: { cluster: a }
)",
                          withTestTranslator());
  ASSERT_NE(table, nullptr);
  EXPECT_TRUE(table->disablesFilters());
  const Route* open = table->match(request("x", "/public/x"), 0);
  const Route* rest = table->match(request("x", "/rest"), 0);
  EXPECT_TRUE(open->filterDisabled("authz"));
  EXPECT_FALSE(open->filterDisabled("ratelimit"));
  EXPECT_FALSE(rest->filterDisabled("authz"));
  EXPECT_EQ(configOf(rest, "authz"), "wrapped");
}

TEST(PerFilterConfigTest, OptionalEntriesWithoutTranslatorAreSkipped) {
  auto table = buildTable(R"(
virtual_hosts:
- name: api
  domains: ["*"]
  routes:
  - match: { prefix: / }
    route: { cluster: a }
    typed_per_filter_config:
      envoy.filters.http.unknown:
        "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
        is_optional: true
        config: { "@type": type.googleapis.com/google.protobuf.Int32Value, value: 1 }
)",
                          withTestTranslator());
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(configOf(table->match(request("x", "/"), 0), "envoy.filters.http.unknown"), "<none>");
}

TEST(PerFilterConfigTest, TypesWithoutTranslatorAreRefusedByName) {
  constexpr std::string_view kUnknown = R"(
virtual_hosts:
- name: api
  domains: ["*"]
  routes:
  - name: r
    match: { prefix: / }
    route: { cluster: a }
    typed_per_filter_config:
      envoy.filters.http.rbac: { "@type": type.googleapis.com/google.protobuf.Int32Value, value: 1 }
)";
  EXPECT_EQ(createError(kUnknown, withTestTranslator()),
            "route configuration '': virtual host 'api' (virtual_hosts[0]): route 'r' (routes[0]): "
            "typed_per_filter_config 'envoy.filters.http.rbac': unsupported per-route filter "
            "config type 'type.googleapis.com/google.protobuf.Int32Value'");
  // No translators at all (no filter has per-route config): refused the same way.
  EXPECT_NE(createError(kUnknown).find("unsupported per-route filter config type"),
            std::string::npos);
}

TEST(PerFilterConfigTest, TranslatorErrorsNameTheFilter) {
  EXPECT_EQ(createError(R"(
typed_per_filter_config:
  authz: { "@type": type.googleapis.com/google.protobuf.StringValue, value: bad }
virtual_hosts: []
)",
                        withTestTranslator()),
            "route configuration '': typed_per_filter_config 'authz': value 'bad' is refused");
}

}  // namespace
}  // namespace meshproxy::route
