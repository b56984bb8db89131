#include "proxy/config/http2_options_translator.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "envoy/config/core/v3/protocol.pb.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/supported_fields.h"

namespace meshproxy::config {
namespace {

const protobuf::SupportedFields& http2Fields() {
  static const protobuf::SupportedFields fields = {
      {"envoy.config.core.v3.Http2ProtocolOptions",
       {"hpack_table_size", "max_concurrent_streams", "initial_stream_window_size",
        "initial_connection_window_size", "allow_connect", "max_outbound_frames",
        "max_outbound_control_frames", "max_consecutive_inbound_frames_with_empty_payload",
        "max_inbound_priority_frames_per_stream",
        "max_inbound_window_update_frames_per_data_frame_sent",
        "stream_error_on_invalid_http_messaging", "override_stream_error_on_invalid_http_message",
        "connection_keepalive", "use_oghttp2_codec"}},
      {"envoy.config.core.v3.KeepaliveSettings", {"interval", "timeout", "interval_jitter"}},
      {"envoy.type.v3.Percent", {"value"}},
  };
  return fields;
}

absl::Status outOfRange(const std::string& where, std::string_view field, uint64_t value,
                        uint64_t min, uint64_t max) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": http2_protocol_options.",
                                                 std::string(field), " ", value, " is outside [",
                                                 min, ", ", max, "]"));
}

}  // namespace

absl::Status translateHttp2ProtocolOptions(
    const envoy::config::core::v3::Http2ProtocolOptions& proto, std::string_view where_view,
    http::http2::Http2Settings& settings) {
  const std::string where(where_view);
  if (auto s = http2Fields().check(proto, "http2_protocol_options"); !s.ok()) {
    return protobuf::withContext(s, where);
  }
  if (proto.has_use_oghttp2_codec() && proto.use_oghttp2_codec().value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": http2_protocol_options.use_oghttp2_codec: only the nghttp2 codec exists"));
  }
  constexpr uint64_t kMax31 = 2147483647;
  struct Bounded {
    bool set;
    uint32_t value;
    std::string_view field;
    uint64_t min, max;
    uint32_t* target;
  };
  const Bounded bounded[] = {
      {proto.has_hpack_table_size(), proto.hpack_table_size().value(), "hpack_table_size", 0,
       0xffffffff, &settings.hpack_table_size},
      {proto.has_max_concurrent_streams(), proto.max_concurrent_streams().value(),
       "max_concurrent_streams", 1, kMax31, &settings.max_concurrent_streams},
      {proto.has_initial_stream_window_size(), proto.initial_stream_window_size().value(),
       "initial_stream_window_size", 65535, kMax31, &settings.initial_stream_window_size},
      {proto.has_initial_connection_window_size(), proto.initial_connection_window_size().value(),
       "initial_connection_window_size", 65535, kMax31, &settings.initial_connection_window_size},
      {proto.has_max_outbound_frames(), proto.max_outbound_frames().value(), "max_outbound_frames",
       1, 0xffffffff, &settings.max_outbound_frames},
      {proto.has_max_outbound_control_frames(), proto.max_outbound_control_frames().value(),
       "max_outbound_control_frames", 1, 0xffffffff, &settings.max_outbound_control_frames},
      {proto.has_max_consecutive_inbound_frames_with_empty_payload(),
       proto.max_consecutive_inbound_frames_with_empty_payload().value(),
       "max_consecutive_inbound_frames_with_empty_payload", 0, 0xffffffff,
       &settings.max_consecutive_inbound_frames_with_empty_payload},
      {proto.has_max_inbound_priority_frames_per_stream(),
       proto.max_inbound_priority_frames_per_stream().value(),
       "max_inbound_priority_frames_per_stream", 0, 0xffffffff,
       &settings.max_inbound_priority_frames_per_stream},
      {proto.has_max_inbound_window_update_frames_per_data_frame_sent(),
       proto.max_inbound_window_update_frames_per_data_frame_sent().value(),
       "max_inbound_window_update_frames_per_data_frame_sent", 1, 0xffffffff,
       &settings.max_inbound_window_update_frames_per_data_frame_sent},
  };
  for (const Bounded& b : bounded) {
    if (!b.set) continue;
    if (b.value < b.min || b.value > b.max)
      return outOfRange(where, b.field, b.value, b.min, b.max);
    *b.target = b.value;
  }
  settings.allow_connect = proto.allow_connect();
  // The deprecated field, unless the newer one says otherwise (Envoy's precedence).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  const bool legacy_stream_error = proto.stream_error_on_invalid_http_messaging();
#pragma GCC diagnostic pop
  if (legacy_stream_error) {
    settings.override_stream_error_on_invalid_http_message = true;
  }
  if (proto.has_override_stream_error_on_invalid_http_message()) {
    settings.override_stream_error_on_invalid_http_message =
        proto.override_stream_error_on_invalid_http_message().value();
  }
  if (proto.has_connection_keepalive()) {
    const auto& keepalive = proto.connection_keepalive();
    if (!keepalive.has_timeout()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": http2_protocol_options.connection_keepalive.timeout is required"));
    }
    const auto timeout = protobuf::toMilliseconds(keepalive.timeout());
    const auto interval = protobuf::toMilliseconds(keepalive.interval());
    if (timeout.count() < 1 || (keepalive.has_interval() && interval.count() < 1)) {
      return absl::InvalidArgumentError(absl::StrCat(
          where,
          ": http2_protocol_options.connection_keepalive: interval and timeout must be at "
          "least 1ms"));
    }
    if (!keepalive.has_interval()) {
      // Envoy sends interval PINGs only with an interval; without one (and without
      // connection_idle_interval, which meshproxy rejects) the timeout is never used.
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": http2_protocol_options.connection_keepalive.interval is required"));
    }
    settings.keepalive_interval = interval;
    settings.keepalive_timeout = timeout;
    if (keepalive.has_interval_jitter()) {
      const double jitter = keepalive.interval_jitter().value();
      if (!(jitter >= 0 && jitter <= 100)) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": http2_protocol_options.connection_keepalive.interval_jitter must be 0-100"));
      }
      settings.keepalive_interval_jitter_percent = static_cast<uint32_t>(std::lround(jitter));
    }
  }
  return absl::OkStatus();
}

}  // namespace meshproxy::config
