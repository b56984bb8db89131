#include "proxy/filters/http/decompressor/decompressor_config.h"

#include <string>

#include "envoy/extensions/filters/http/decompressor/v3/decompressor.pb.h"
#include "proxy/core/ascii_case.h"
#include "proxy/filters/http/compression/compression_library_translator.h"
#include "proxy/http/header_list.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/type_translators.h"

namespace meshproxy::filters::decompressor {
namespace {

namespace v3 = envoy::extensions::filters::http::decompressor::v3;

const protobuf::SupportedFields& fields() {
  static const protobuf::SupportedFields f = [] {
    protobuf::SupportedFields s = {
        {"envoy.extensions.filters.http.decompressor.v3.Decompressor",
         {"decompressor_library*", "request_direction_config", "response_direction_config"}},
        {"envoy.extensions.filters.http.decompressor.v3.Decompressor.CommonDirectionConfig",
         {"enabled", "ignore_no_transform_header"}},
        {"envoy.extensions.filters.http.decompressor.v3.Decompressor.RequestDirectionConfig",
         {"common_config", "advertise_accept_encoding"}},
        {"envoy.extensions.filters.http.decompressor.v3.Decompressor.ResponseDirectionConfig",
         {"common_config"}},
    };
    s.merge(protobuf::typeTranslatorFields());
    return s;
  }();
  return f;
}

absl::StatusOr<DirectionConfig> translateDirection(const v3::Decompressor::CommonDirectionConfig& p,
                                                   std::string_view field) {
  DirectionConfig d;
  if (p.has_enabled()) {
    auto e = protobuf::translateRuntimeFeatureFlag(p.enabled(), std::string(field) + ".enabled");
    if (!e.ok()) return e.status();
    d.enabled = *e;
  }
  d.ignore_no_transform_header = p.ignore_no_transform_header();
  return d;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const DecompressorConfig>> translateDecompressor(
    const v3::Decompressor& proto) {
  if (auto s = fields().check(proto); !s.ok()) return protobuf::withContext(s, "decompressor");
  if (!proto.has_decompressor_library()) {
    return absl::InvalidArgumentError("decompressor: decompressor_library is required");
  }
  auto config = std::make_shared<DecompressorConfig>();
  auto library = compression::translateDecompressorLibrary(proto.decompressor_library(),
                                                           "decompressor_library");
  if (!library.ok()) return protobuf::withContext(library.status(), "decompressor");
  config->library = std::move(*library);
  config->library_name = proto.decompressor_library().name();
  auto request = translateDirection(proto.request_direction_config().common_config(),
                                    "request_direction_config.common_config");
  if (!request.ok()) return protobuf::withContext(request.status(), "decompressor");
  config->request = *request;
  const auto& advertise = proto.request_direction_config().advertise_accept_encoding();
  config->advertise_accept_encoding =
      !proto.request_direction_config().has_advertise_accept_encoding() || advertise.value();
  auto response = translateDirection(proto.response_direction_config().common_config(),
                                     "response_direction_config.common_config");
  if (!response.ok()) return protobuf::withContext(response.status(), "decompressor");
  config->response = *response;
  return std::shared_ptr<const DecompressorConfig>(std::move(config));
}

bool shouldAdvertiseAcceptEncoding(const DecompressorConfig& config) {
  return config.response.enabled && config.advertise_accept_encoding;
}

void advertiseAcceptEncoding(const DecompressorConfig& config, http::HeaderMap& request) {
  auto current = request.getJoined("accept-encoding");
  if (!current) {
    request.set("accept-encoding", config.contentEncoding());
  } else if (!http::listHasToken(*current, config.contentEncoding())) {
    request.set("accept-encoding", *current + "," + std::string(config.contentEncoding()));
  }
}

bool shouldDecompress(const DecompressorConfig& config, const DirectionConfig& direction,
                      const http::HeaderMap& headers, bool end_stream) {
  if (end_stream || !direction.enabled) return false;
  if (!direction.ignore_no_transform_header) {
    auto cache_control = headers.getJoined("cache-control");
    if (cache_control && http::listHasToken(*cache_control, "no-transform")) return false;
  }
  auto encoding = headers.get("content-encoding");
  if (!encoding) return false;
  const std::string_view first = http::trimOws(encoding->substr(0, encoding->find(',')));
  return equalsIgnoreCase(first, config.contentEncoding());
}

void markDecompressed(http::HeaderMap& headers) {
  headers.remove("content-length");
  auto encoding = headers.get("content-encoding");
  if (!encoding) return;
  const size_t comma = encoding->find(',');
  if (comma == std::string_view::npos) {
    headers.remove("content-encoding");
    return;
  }
  const std::string rest(http::trimOws(encoding->substr(comma + 1)));
  if (rest.empty()) {
    headers.remove("content-encoding");
  } else {
    headers.set("content-encoding", rest);
  }
}

}  // namespace meshproxy::filters::decompressor
