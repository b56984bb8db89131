// Listener translation for transparent capture: filter chain matches, listener filters,
// use_original_dst, bind_to_port, and the errors for what is wrong or not implemented.
#include "proxy/config/listener_translator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "envoy/config/listener/v3/listener.pb.h"
#include "proxy/config/bootstrap_loader.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/config/yaml_to_json.h"
#include "proxy/stats/store.h"

namespace meshproxy::config {
namespace {

using ::testing::HasSubstr;

constexpr char kTcp[] =
    "{name: envoy.filters.network.tcp_proxy, typed_config: {\"@type\": "
    "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: t, "
    "cluster: c}}";

absl::StatusOr<std::shared_ptr<const network::ListenerConfig>> translate(const std::string& body) {
  std::string yaml =
      "name: l\naddress: {socket_address: {address: 0.0.0.0, port_value: 15001}}\n" + body;
  auto json = yamlToJson(yaml);
  if (!json.ok()) return json.status();
  envoy::config::listener::v3::Listener proto;
  if (auto s = protobuf::jsonToMessage(*json, &proto); !s.ok()) return s;
  static stats::Store store;
  TranslationContext context{store, 1};
  return translateListener(proto, context);
}

std::string chain(const std::string& match) {
  return "- {filter_chain_match: {" + match + "}, filters: [" + kTcp + "]}\n";
}

TEST(ListenerTranslatorTest, VirtualListenerWithFiltersAndChains) {
  auto l = translate(
      std::string("use_original_dst: true\n"
                  "listener_filters:\n"
                  "- {name: envoy.filters.listener.original_dst, typed_config: {\"@type\": "
                  "type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3."
                  "OriginalDst}}\n"
                  "- {name: envoy.filters.listener.tls_inspector}\n"
                  "- {name: envoy.filters.listener.http_inspector}\n"
                  "listener_filters_timeout: 2s\n"
                  "continue_on_listener_filters_timeout: true\n"
                  "filter_chains:\n") +
      chain("destination_port: 80, server_names: [\"*.example.com\"]") +
      chain("prefix_ranges: [{address_prefix: 10.0.0.0, prefix_len: 8}]") +
      "default_filter_chain: {filters: [" + kTcp + "]}\n");
  ASSERT_TRUE(l.ok()) << l.status();
  const auto& c = **l;
  EXPECT_TRUE(c.use_original_dst);
  EXPECT_TRUE(c.bind_to_port);
  ASSERT_EQ(c.listener_filters.size(), 3u);
  EXPECT_EQ(c.listener_filters[0], network::ListenerFilterKind::kOriginalDst);
  EXPECT_EQ(c.listener_filters[2], network::ListenerFilterKind::kHttpInspector);
  EXPECT_EQ(c.listener_filters_timeout, std::chrono::milliseconds(2000));
  EXPECT_TRUE(c.continue_on_listener_filters_timeout);
  ASSERT_EQ(c.chains.entries().size(), 2u);
  EXPECT_EQ(c.chains.entries()[0].match.destination_port, 80u);
  EXPECT_EQ(c.chains.entries()[0].match.server_names[0], "*.example.com");
  EXPECT_NE(c.chains.defaultChain(), nullptr);
}

TEST(ListenerTranslatorTest, BindToPortFalseAndOnlyADefaultChain) {
  auto l = translate(std::string("bind_to_port: false\ndefault_filter_chain: {filters: [") + kTcp +
                     "]}\n");
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_FALSE((*l)->bind_to_port);
  EXPECT_TRUE((*l)->chains.entries().empty());
}

TEST(ListenerTranslatorTest, Errors) {
  struct Case {
    std::string body;
    std::string error;
  } cases[] = {
      {"filter_chains:\n" + chain("server_names: [a.com]") + chain("server_names: [b.com, a.com]"),
       "same filter_chain_match"},
      {"filter_chains:\n" + chain("server_names: [\"a.*.com\"]"), "'*.suffix' wildcard"},
      {"filter_chains:\n" + chain("server_names: [\"*\"]"), "'*.suffix' wildcard"},
      {"filter_chains:\n" + chain("destination_port: 70000"), "not in 1-65535"},
      {"filter_chains:\n" + chain("prefix_ranges: [{address_prefix: 10.0.0.0, prefix_len: 40}]"),
       "prefix length 40"},
      {"filter_chains:\n" + chain("address_suffix: x"), "unsupported field"},
      {"filter_chains:\n" + chain("direct_source_prefix_ranges: [{address_prefix: 1.0.0.0}]"),
       "unsupported field"},
      {"listener_filters: [{name: envoy.filters.listener.proxy_protocol}]\nfilter_chains:\n" +
           chain(""),
       "unsupported listener filter 'envoy.filters.listener.proxy_protocol'"},
      {"listener_filters: [{name: x, typed_config: {\"@type\": "
       "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector, "
       "enable_ja3_fingerprinting: true}}]\nfilter_chains:\n" +
           chain(""),
       "enable_ja3_fingerprinting"},
      {"default_filter_chain: {filter_chain_match: {destination_port: 1}, filters: [" +
           std::string(kTcp) + "]}\n",
       "filter_chain_match is not allowed"},
      {"", "no filter_chains"},
  };
  for (const auto& c : cases) {
    auto l = translate(c.body);
    ASSERT_FALSE(l.ok()) << c.body;
    EXPECT_THAT(std::string(l.status().message()), HasSubstr(c.error)) << c.body;
  }
}

}  // namespace
}  // namespace meshproxy::config
