// common_http_protocol_options.headers_with_underscores_action on the HttpConnectionManager:
// Envoy's three values map onto the codec setting (ALLOW when unset), and the http1.* counters
// the codec increments are there, shared by every HCM.
#include <gtest/gtest.h>

#include <string>

#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"
#include "proxy/config/yaml_to_json.h"
#include "proxy/filters/network/http_connection_manager/hcm_factory.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/stats/store.h"

namespace meshproxy::filters::hcm {
namespace {

using envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager;
using http::HeadersWithUnderscoresAction;

absl::StatusOr<std::shared_ptr<const http::ConnManagerConfig>> translate(
    stats::Store& store, const std::string& common_options) {
  const std::string yaml =
      "stat_prefix: in\n"
      "route_config: {virtual_hosts: [{name: a, domains: ['*'], routes: [{match: {prefix: /}, "
      "route: {cluster: c}}]}]}\n"
      "http_filters: [{name: envoy.filters.http.router, typed_config: {'@type': "
      "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}]\n" +
      common_options;
  auto json = config::yamlToJson(yaml);
  if (!json.ok()) return json.status();
  HttpConnectionManager proto;
  if (auto s = protobuf::jsonToMessage(*json, &proto); !s.ok()) return s;
  config::TranslationContext context{store, 1};
  return translateHttpConnectionManager(proto, context);
}

TEST(HcmHeadersWithUnderscoresTest, EnvoysValuesMapOntoTheCodecSetting) {
  stats::Store store;
  struct Case {
    std::string options;
    HeadersWithUnderscoresAction expected;
  };
  for (const Case& c : {
           Case{"", HeadersWithUnderscoresAction::kAllow},
           Case{"common_http_protocol_options: {idle_timeout: 5s}\n",
                HeadersWithUnderscoresAction::kAllow},
           Case{"common_http_protocol_options: {headers_with_underscores_action: ALLOW}\n",
                HeadersWithUnderscoresAction::kAllow},
           Case{"common_http_protocol_options: {headers_with_underscores_action: REJECT_REQUEST}\n",
                HeadersWithUnderscoresAction::kRejectRequest},
           Case{"common_http_protocol_options: {headers_with_underscores_action: DROP_HEADER}\n",
                HeadersWithUnderscoresAction::kDropHeader},
       }) {
    auto config = translate(store, c.options);
    ASSERT_TRUE(config.ok()) << c.options << config.status();
    EXPECT_EQ((*config)->headers_with_underscores_action, c.expected) << c.options;
    ASSERT_NE((*config)->http1_stats, nullptr);
  }
}

TEST(HcmHeadersWithUnderscoresTest, CountersAreEnvoysHttp1CodecStats) {
  stats::Store store;
  auto a = translate(store,
                     "common_http_protocol_options: {headers_with_underscores_action: "
                     "DROP_HEADER}\n");
  auto b = translate(store, "");
  ASSERT_TRUE(a.ok() && b.ok());
  // One set for the whole proxy, as Envoy roots them at "http1.".
  EXPECT_EQ(&(*a)->http1_stats->dropped_headers_with_underscores,
            &(*b)->http1_stats->dropped_headers_with_underscores);
  (*a)->http1_stats->dropped_headers_with_underscores.inc();
  (*a)->http1_stats->requests_rejected_with_underscores_in_headers.inc();
  const std::string text = store.renderText();
  EXPECT_NE(text.find("http1.dropped_headers_with_underscores: 1"), std::string::npos) << text;
  EXPECT_NE(text.find("http1.requests_rejected_with_underscores_in_headers: 1"), std::string::npos)
      << text;
}

TEST(HcmHeadersWithUnderscoresTest, AnUnknownValueIsAnError) {
  stats::Store store;
  // A number outside the enum parses (open enums) and must not be read as ALLOW.
  auto config =
      translate(store, "common_http_protocol_options: {headers_with_underscores_action: 7}\n");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("headers_with_underscores_action"), std::string::npos)
      << config.status();
}

}  // namespace
}  // namespace meshproxy::filters::hcm
