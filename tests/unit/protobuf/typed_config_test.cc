// The whole-API descriptor pool and TypedStruct unwrapping: an Any of any Envoy type parses from
// JSON and keeps its type URL; wrapped configs become typed ones; what no registry implements is
// named by its (wrapped) type URL.
#include "proxy/protobuf/typed_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "envoy/config/bootstrap/v3/bootstrap.pb.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"
#include "envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.pb.h"
#include "proxy/protobuf/api_types.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::protobuf {
namespace {

using envoy::config::bootstrap::v3::Bootstrap;
using envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager;
using ::testing::HasSubstr;

constexpr char kLua[] = "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua";
constexpr char kHcm[] =
    "type.googleapis.com/"
    "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";

// One listener whose only network filter has the given typed_config (JSON object text).
std::string bootstrapWithFilter(const std::string& typed_config) {
  return R"({"static_resources": {"listeners": [{"name": "l", "filter_chains": [{"filters": [
      {"name": "f", "typed_config": )" +
         typed_config + "}]}]}]}}";
}

const google::protobuf::Any& filterConfig(const Bootstrap& b) {
  return b.static_resources().listeners(0).filter_chains(0).filters(0).typed_config();
}

TEST(ApiTypesTest, KnowsEveryEnvoyTypeNotOnlyTheCompiledOnes) {
  // Lua, Wasm and Redis have no C++ class in meshproxy; their descriptors are still there.
  EXPECT_NE(findApiType(kLua), nullptr);
  EXPECT_NE(findApiType("type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm"), nullptr);
  EXPECT_NE(findApiType("envoy.extensions.filters.network.redis_proxy.v3.RedisProxy"), nullptr);
  EXPECT_NE(findApiType("type.googleapis.com/udpa.type.v1.TypedStruct"), nullptr);
  EXPECT_NE(findApiType("type.googleapis.com/xds.type.v3.TypedStruct"), nullptr);
  EXPECT_EQ(findApiType("type.googleapis.com/stats.PluginConfig"), nullptr);
  EXPECT_EQ(findApiType(""), nullptr);
  EXPECT_EQ(findApiType("type.googleapis.com/"), nullptr);
}

TEST(ApiTypesTest, JsonWithAnUnimplementedTypeParsesAndKeepsItsTypeUrl) {
  Bootstrap b;
  ASSERT_TRUE(
      jsonToMessage(bootstrapWithFilter(std::string(R"({"@type": ")") + kLua +
                                        R"(", "default_source_code": {"inline_string": "x"}})"),
                    &b)
          .ok());
  EXPECT_EQ(filterConfig(b).type_url(), kLua);
  // Unknown fields inside it are still errors: the pool knows the type's fields.
  auto s = jsonToMessage(
      bootstrapWithFilter(std::string(R"({"@type": ")") + kLua + R"(", "no_such_field": 1})"), &b);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("no_such_field"));
}

TEST(ApiTypesTest, ConfigDumpPrintsAnyEnvoyType) {
  Bootstrap b;
  ASSERT_TRUE(
      jsonToMessage(bootstrapWithFilter(std::string(R"({"@type": ")") + kLua +
                                        R"(", "default_source_code": {"inline_string": "x"}})"),
                    &b)
          .ok());
  std::string json = messageToJson(b);
  EXPECT_THAT(json, HasSubstr(kLua));
  EXPECT_THAT(json, HasSubstr(R"("inline_string":"x")"));
}

TEST(TypedStructTest, UdpaAndXdsWrappersOfAKnownTypeBecomeTheTypedForm) {
  for (const char* wrapper : {"udpa.type.v1.TypedStruct", "xds.type.v3.TypedStruct"}) {
    Bootstrap b;
    ASSERT_TRUE(
        jsonToMessage(
            bootstrapWithFilter(
                std::string(R"({"@type": "type.googleapis.com/)") + wrapper +
                R"(", "type_url": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                                           "value": {"stat_prefix": "tcp", "cluster": "backend", "idle_timeout": "30s"}})"),
            &b)
            .ok());
    EXPECT_TRUE(isTypedStruct(filterConfig(b)));
    ASSERT_TRUE(unwrapTypedStructs(b).ok());
    envoy::extensions::filters::network::tcp_proxy::v3::TcpProxy tcp;
    ASSERT_TRUE(filterConfig(b).UnpackTo(&tcp)) << wrapper;
    EXPECT_EQ(tcp.stat_prefix(), "tcp");
    EXPECT_EQ(tcp.cluster(), "backend");
    EXPECT_EQ(tcp.idle_timeout().seconds(), 30);
  }
}

TEST(TypedStructTest, WrappersInsideTypedConfigsAreUnwrappedToo) {
  // A TypedStruct HTTP filter inside a typed connection manager inside a listener, as Istio
  // sends them; and a connection manager that is itself wrapped.
  std::string router_ts =
      R"({"name": "r", "typed_config": {"@type": "type.googleapis.com/udpa.type.v1.TypedStruct",
          "type_url": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router", "value": {}}})";
  for (bool wrap_hcm : {false, true}) {
    std::string hcm_fields = R"("stat_prefix": "in", "http_filters": [)" + router_ts + "]";
    std::string typed_config =
        wrap_hcm
            ? std::string(
                  R"({"@type": "type.googleapis.com/xds.type.v3.TypedStruct", "type_url": ")") +
                  kHcm + R"(", "value": {)" + hcm_fields + "}}"
            : std::string(R"({"@type": ")") + kHcm + R"(", )" + hcm_fields + "}";
    Bootstrap b;
    ASSERT_TRUE(jsonToMessage(bootstrapWithFilter(typed_config), &b).ok());
    ASSERT_TRUE(unwrapTypedStructs(b).ok());
    HttpConnectionManager hcm;
    ASSERT_TRUE(filterConfig(b).UnpackTo(&hcm)) << wrap_hcm;
    EXPECT_EQ(hcm.stat_prefix(), "in");
    ASSERT_EQ(hcm.http_filters_size(), 1);
    EXPECT_EQ(hcm.http_filters(0).typed_config().type_url(),
              "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router");
  }
}

TEST(TypedStructTest, AWrapperOfATypeOutsideTheApiStaysAndIsNamedByItsTypeUrl) {
  Bootstrap b;
  ASSERT_TRUE(
      jsonToMessage(bootstrapWithFilter(R"({"@type": "type.googleapis.com/udpa.type.v1.TypedStruct",
                      "type_url": "type.googleapis.com/stats.PluginConfig", "value": {"a": 1}})"),
                    &b)
          .ok());
  ASSERT_TRUE(unwrapTypedStructs(b).ok());
  EXPECT_TRUE(isTypedStruct(filterConfig(b)));
  EXPECT_EQ(extensionTypeUrl(filterConfig(b)), "type.googleapis.com/stats.PluginConfig");
  EXPECT_EQ(unsupportedExtension("istio.stats", filterConfig(b)).message(),
            "unsupported extension 'istio.stats' (type.googleapis.com/stats.PluginConfig)");
}

TEST(TypedStructTest, ATypeOutsideTheApiParsesAsATypedStructOfThatType) {
  // Istio writes its own extensions' configs directly, not wrapped.
  Bootstrap b;
  auto s = jsonToMessage(
      bootstrapWithFilter(
          R"({"@type": "type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange",
                                                 "protocol": "istio-peer-exchange", "port": 15001})"),
      &b);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_TRUE(isTypedStruct(filterConfig(b)));
  EXPECT_EQ(unsupportedExtension("istio.metadata_exchange", filterConfig(b)).message(),
            "unsupported extension 'istio.metadata_exchange' "
            "(type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange)");
  // The rest of the config is unchanged; an unknown field of a known type is still an error.
  EXPECT_EQ(b.static_resources().listeners(0).name(), "l");
  s = jsonToMessage(R"({"static_resources": {"listeners": [{"name": "l", "bogus": 1,
      "filter_chains": [{"filters": [{"name": "f", "typed_config": {"@type": "type.googleapis.com/x.Y"}}]}]}]}})",
                    &b);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("bogus"));
  // Nothing to wrap: nothing changes.
  auto none = wrapTypesOutsideTheApi(
      R"({"a": [1, {"@type": "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua"}]})");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST(TypedStructTest, AStructThatDoesNotFitItsTypeIsAnErrorNamingThePath) {
  Bootstrap b;
  ASSERT_TRUE(
      jsonToMessage(bootstrapWithFilter(R"({"@type": "type.googleapis.com/udpa.type.v1.TypedStruct",
                      "type_url": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                      "value": {"stat_prefix": "t", "no_such_field": true}})"),
                    &b)
          .ok());
  auto s = unwrapTypedStructs(b);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("static_resources.listeners[0].filter_chains[0].filters[0].typed_config"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("no_such_field"));
}

TEST(TypedStructTest, UnsupportedExtensionNamesTheTypedUrl) {
  google::protobuf::Any any;
  any.set_type_url(kLua);
  EXPECT_EQ(unsupportedExtension("envoy.filters.http.lua", any).message(),
            "unsupported extension 'envoy.filters.http.lua' "
            "(type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua)");
  EXPECT_EQ(unsupportedExtension("envoy.filters.http.lua", any).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace meshproxy::protobuf
