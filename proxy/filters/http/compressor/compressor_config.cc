#include "proxy/filters/http/compressor/compressor_config.h"

#include <fmt/format.h>

#include "envoy/extensions/filters/http/compressor/v3/compressor.pb.h"
#include "proxy/core/ascii_case.h"
#include "proxy/filters/http/compression/compression_library_translator.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/type_translators.h"

namespace meshproxy::filters::compressor {
namespace {

namespace v3 = envoy::extensions::filters::http::compressor::v3;

const protobuf::SupportedFields& fields() {
  static const protobuf::SupportedFields f = [] {
    protobuf::SupportedFields s = {
        {"envoy.extensions.filters.http.compressor.v3.Compressor",
         {"content_length", "content_type", "disable_on_etag_header",
          "remove_accept_encoding_header", "runtime_enabled", "compressor_library*",
          "request_direction_config", "response_direction_config", "choose_first"}},
        {"envoy.extensions.filters.http.compressor.v3.Compressor.CommonDirectionConfig",
         {"enabled", "min_content_length", "content_type"}},
        {"envoy.extensions.filters.http.compressor.v3.Compressor.RequestDirectionConfig",
         {"common_config"}},
        {"envoy.extensions.filters.http.compressor.v3.Compressor.ResponseDirectionConfig",
         {"common_config", "disable_on_etag_header", "remove_accept_encoding_header"}},
        {"envoy.extensions.filters.http.compressor.v3.CompressorPerRoute",
         {"disabled", "overrides"}},
        {"envoy.extensions.filters.http.compressor.v3.CompressorOverrides",
         {"response_direction_config"}},
        {"envoy.extensions.filters.http.compressor.v3.ResponseDirectionOverrides",
         {"remove_accept_encoding_header"}},
    };
    s.merge(protobuf::typeTranslatorFields());
    return s;
  }();
  return f;
}

constexpr uint32_t kDefaultMinContentLength = 30;

absl::StatusOr<DirectionConfig> translateDirection(const v3::Compressor::CommonDirectionConfig& p,
                                                   std::string_view field) {
  DirectionConfig d;
  if (p.has_enabled()) {
    auto e = protobuf::translateRuntimeFeatureFlag(p.enabled(), fmt::format("{}.enabled", field));
    if (!e.ok()) return e.status();
    d.enabled = *e;
  }
  // 0 is "not set" for Envoy too.
  d.min_content_length = p.min_content_length().value() > 0 ? p.min_content_length().value()
                                                            : kDefaultMinContentLength;
  for (const auto& t : p.content_type()) d.content_types.push_back(toLowerCopy(t));
  if (d.content_types.empty()) d.content_types = defaultCompressibleContentTypes();
  return d;
}

}  // namespace

const std::vector<std::string>& defaultCompressibleContentTypes() {
  static const std::vector<std::string> types = {"text/html",
                                                 "text/plain",
                                                 "text/css",
                                                 "application/javascript",
                                                 "application/x-javascript",
                                                 "text/javascript",
                                                 "text/x-javascript",
                                                 "text/ecmascript",
                                                 "text/js",
                                                 "text/jscript",
                                                 "text/x-js",
                                                 "application/ecmascript",
                                                 "application/x-json",
                                                 "application/xml",
                                                 "application/json",
                                                 "image/svg+xml",
                                                 "text/xml",
                                                 "application/xhtml+xml",
                                                 "application/grpc-web",
                                                 "application/grpc-web+proto"};
  return types;
}

std::string CompressorConfig::statsPrefix(std::string_view filter_stat_prefix) const {
  return fmt::format("{}compressor.{}.{}", filter_stat_prefix, library_name,
                     library->statsPrefix());
}

absl::StatusOr<std::shared_ptr<const CompressorConfig>> translateCompressor(
    const v3::Compressor& proto) {
  if (auto s = fields().check(proto); !s.ok()) return protobuf::withContext(s, "compressor");
  auto config = std::make_shared<CompressorConfig>();
  if (!proto.has_compressor_library()) {
    return absl::InvalidArgumentError("compressor: compressor_library is required");
  }
  auto library =
      compression::translateCompressorLibrary(proto.compressor_library(), "compressor_library");
  if (!library.ok()) return protobuf::withContext(library.status(), "compressor");
  config->library = std::move(*library);
  config->library_name = proto.compressor_library().name();
  config->choose_first = proto.choose_first();

  if (proto.has_request_direction_config()) {
    auto d = translateDirection(proto.request_direction_config().common_config(),
                                "request_direction_config.common_config");
    if (!d.ok()) return protobuf::withContext(d.status(), "compressor");
    config->request = std::move(*d);
  }
// The deprecated fields are still sent by older control planes; reading them is the point.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  if (proto.has_response_direction_config()) {
    // Envoy would ignore them silently; a field that does nothing is an error here.
    if (proto.has_content_length() || proto.content_type_size() > 0 ||
        proto.has_runtime_enabled() || proto.disable_on_etag_header() ||
        proto.remove_accept_encoding_header()) {
      return absl::InvalidArgumentError(
          "compressor: content_length, content_type, runtime_enabled, disable_on_etag_header "
          "and remove_accept_encoding_header are ignored when response_direction_config is set; "
          "move them into it");
    }
    const auto& r = proto.response_direction_config();
    auto d = translateDirection(r.common_config(), "response_direction_config.common_config");
    if (!d.ok()) return protobuf::withContext(d.status(), "compressor");
    config->response = std::move(*d);
    config->disable_on_etag_header = r.disable_on_etag_header();
    config->remove_accept_encoding_header = r.remove_accept_encoding_header();
  } else {
    // The deprecated v3 fields, which Envoy still reads when response_direction_config is absent.
    v3::Compressor::CommonDirectionConfig common;
    if (proto.has_content_length()) *common.mutable_min_content_length() = proto.content_length();
    *common.mutable_content_type() = proto.content_type();
    if (proto.has_runtime_enabled()) *common.mutable_enabled() = proto.runtime_enabled();
    auto d = translateDirection(common, "runtime_enabled");
    if (!d.ok()) return protobuf::withContext(d.status(), "compressor");
    config->response = std::move(*d);
    config->disable_on_etag_header = proto.disable_on_etag_header();
    config->remove_accept_encoding_header = proto.remove_accept_encoding_header();
  }
#pragma GCC diagnostic pop
  return std::shared_ptr<const CompressorConfig>(std::move(config));
}

absl::StatusOr<std::shared_ptr<const CompressorPerRouteConfig>> translateCompressorPerRoute(
    const v3::CompressorPerRoute& proto) {
  if (auto s = fields().check(proto); !s.ok()) return protobuf::withContext(s, "compressor");
  auto config = std::make_shared<CompressorPerRouteConfig>();
  switch (proto.override_case()) {
    case v3::CompressorPerRoute::kDisabled:
      if (!proto.disabled()) {
        return absl::InvalidArgumentError("compressor: disabled: must be true when set");
      }
      config->response_enabled = false;
      break;
    case v3::CompressorPerRoute::kOverrides:
      if (proto.overrides().has_response_direction_config()) {
        // An empty response_direction_config enables response compression, as its presence in
        // Compressor does.
        config->response_enabled = true;
        const auto& r = proto.overrides().response_direction_config();
        if (r.has_remove_accept_encoding_header()) {
          config->remove_accept_encoding_header = r.remove_accept_encoding_header().value();
        }
      }
      break;
    default:
      return absl::InvalidArgumentError("compressor: one of disabled or overrides is required");
  }
  return std::shared_ptr<const CompressorPerRouteConfig>(std::move(config));
}

}  // namespace meshproxy::filters::compressor
