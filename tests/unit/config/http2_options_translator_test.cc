// http2_protocol_options into the codec's settings: every field used or refused by name.
#include "proxy/config/http2_options_translator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "envoy/config/core/v3/protocol.pb.h"
#include "proxy/config/yaml_to_json.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::config {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<http::http2::Http2Settings> translate(const std::string& yaml) {
  envoy::config::core::v3::Http2ProtocolOptions proto;
  auto json = yamlToJson(yaml);
  EXPECT_TRUE(json.ok()) << json.status();
  auto s = protobuf::jsonToMessage(*json, &proto);
  EXPECT_TRUE(s.ok()) << s;
  http::http2::Http2Settings settings;
  auto status = translateHttp2ProtocolOptions(proto, "cluster 'c'", settings);
  if (!status.ok()) return status;
  return settings;
}

TEST(Http2OptionsTranslatorTest, EmptyKeepsEnvoysDefaults) {
  auto s = translate("{}");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->hpack_table_size, 4096u);
  EXPECT_EQ(s->max_concurrent_streams, 2147483647u);
  EXPECT_EQ(s->initial_stream_window_size, 268435456u);
  EXPECT_EQ(s->initial_connection_window_size, 268435456u);
  EXPECT_EQ(s->max_outbound_frames, 10000u);
  EXPECT_EQ(s->max_outbound_control_frames, 1000u);
  EXPECT_EQ(s->max_consecutive_inbound_frames_with_empty_payload, 1u);
  EXPECT_EQ(s->max_inbound_priority_frames_per_stream, 100u);
  EXPECT_EQ(s->max_inbound_window_update_frames_per_data_frame_sent, 10u);
  EXPECT_FALSE(s->allow_connect);
  EXPECT_FALSE(s->override_stream_error_on_invalid_http_message);
  EXPECT_EQ(s->keepalive_interval.count(), 0);
}

TEST(Http2OptionsTranslatorTest, EveryImplementedFieldArrives) {
  auto s = translate(R"(
hpack_table_size: 0
max_concurrent_streams: 100
initial_stream_window_size: 65536
initial_connection_window_size: 1048576
allow_connect: true
max_outbound_frames: 500
max_outbound_control_frames: 50
max_consecutive_inbound_frames_with_empty_payload: 3
max_inbound_priority_frames_per_stream: 7
max_inbound_window_update_frames_per_data_frame_sent: 2
override_stream_error_on_invalid_http_message: true
use_oghttp2_codec: false
connection_keepalive: {interval: 30s, timeout: 5s, interval_jitter: {value: 10}}
)");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->hpack_table_size, 0u);
  EXPECT_EQ(s->max_concurrent_streams, 100u);
  EXPECT_EQ(s->initial_stream_window_size, 65536u);
  EXPECT_EQ(s->initial_connection_window_size, 1048576u);
  EXPECT_TRUE(s->allow_connect);
  EXPECT_EQ(s->max_outbound_frames, 500u);
  EXPECT_EQ(s->max_outbound_control_frames, 50u);
  EXPECT_EQ(s->max_consecutive_inbound_frames_with_empty_payload, 3u);
  EXPECT_EQ(s->max_inbound_priority_frames_per_stream, 7u);
  EXPECT_EQ(s->max_inbound_window_update_frames_per_data_frame_sent, 2u);
  EXPECT_TRUE(s->override_stream_error_on_invalid_http_message);
  EXPECT_EQ(s->keepalive_interval.count(), 30000);
  EXPECT_EQ(s->keepalive_timeout.count(), 5000);
  EXPECT_EQ(s->keepalive_interval_jitter_percent, 10u);
}

TEST(Http2OptionsTranslatorTest, DeprecatedStreamErrorFieldAndItsOverride) {
  auto legacy = translate("stream_error_on_invalid_http_messaging: true");
  ASSERT_TRUE(legacy.ok()) << legacy.status();
  EXPECT_TRUE(legacy->override_stream_error_on_invalid_http_message);
  auto overridden = translate(
      "{stream_error_on_invalid_http_messaging: true, "
      "override_stream_error_on_invalid_http_message: false}");
  ASSERT_TRUE(overridden.ok()) << overridden.status();
  EXPECT_FALSE(overridden->override_stream_error_on_invalid_http_message);
}

TEST(Http2OptionsTranslatorTest, UnimplementedFieldsAreRefusedByName) {
  const std::pair<const char*, const char*> cases[] = {
      {"allow_metadata: true", "allow_metadata"},
      {"custom_settings_parameters: [{identifier: 9, value: 1}]", "custom_settings_parameters"},
      {"use_oghttp2_codec: true", "use_oghttp2_codec"},
      {"connection_keepalive: {interval: 1s, timeout: 1s, connection_idle_interval: 10s}",
       "connection_idle_interval"},
  };
  for (const auto& [yaml, field] : cases) {
    auto s = translate(yaml);
    ASSERT_FALSE(s.ok()) << yaml;
    EXPECT_THAT(std::string(s.status().message()), HasSubstr(field)) << yaml;
    EXPECT_THAT(std::string(s.status().message()), HasSubstr("cluster 'c'")) << yaml;
  }
}

TEST(Http2OptionsTranslatorTest, ValuesOutsideEnvoysRangesAreRefused) {
  const std::pair<const char*, const char*> cases[] = {
      {"max_concurrent_streams: 0", "max_concurrent_streams"},
      {"max_concurrent_streams: 2147483648", "max_concurrent_streams"},
      {"initial_stream_window_size: 1000", "initial_stream_window_size"},
      {"initial_connection_window_size: 4294967295", "initial_connection_window_size"},
      {"max_outbound_frames: 0", "max_outbound_frames"},
      {"max_outbound_control_frames: 0", "max_outbound_control_frames"},
      {"max_inbound_window_update_frames_per_data_frame_sent: 0",
       "max_inbound_window_update_frames_per_data_frame_sent"},
      {"connection_keepalive: {interval: 1s}", "timeout"},
      {"connection_keepalive: {timeout: 1s}", "interval"},
      {"connection_keepalive: {interval: 0.0001s, timeout: 1s}", "connection_keepalive"},
  };
  for (const auto& [yaml, field] : cases) {
    auto s = translate(yaml);
    ASSERT_FALSE(s.ok()) << yaml;
    EXPECT_THAT(std::string(s.status().message()), HasSubstr(field)) << yaml;
  }
}

}  // namespace
}  // namespace meshproxy::config
