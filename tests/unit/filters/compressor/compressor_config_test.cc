#include "proxy/filters/http/compressor/compressor_config.h"

#include <gtest/gtest.h>

#include "envoy/extensions/filters/http/compressor/v3/compressor.pb.h"
#include "proxy/core/strings.h"
#include "tests/unit/filters/proto_yaml.h"

namespace meshproxy::filters::compressor {
namespace {

using Proto = envoy::extensions::filters::http::compressor::v3::Compressor;
using PerRouteProto = envoy::extensions::filters::http::compressor::v3::CompressorPerRoute;

constexpr std::string_view kGzipLibrary = R"(
compressor_library:
  name: text_optimized
  typed_config:
    '@type': type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip
    memory_level: 3
    window_bits: 10
    compression_level: BEST_COMPRESSION
)";

absl::StatusOr<std::shared_ptr<const CompressorConfig>> translate(std::string_view yaml) {
  return translateCompressor(test::protoFromYaml<Proto>(yaml));
}

std::string error(std::string_view yaml) {
  auto c = translate(yaml);
  return c.ok() ? "" : std::string(toStd(c.status().message()));
}

TEST(CompressorConfig, EnvoysDefaults) {
  auto c = translate(kGzipLibrary);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ((*c)->contentEncoding(), "gzip");
  EXPECT_EQ((*c)->library_name, "text_optimized");
  EXPECT_FALSE((*c)->request.has_value());  // requests are not compressed unless configured
  EXPECT_TRUE((*c)->response.enabled);
  EXPECT_EQ((*c)->response.min_content_length, 30u);
  EXPECT_EQ((*c)->response.content_types, defaultCompressibleContentTypes());
  EXPECT_FALSE((*c)->disable_on_etag_header);
  EXPECT_FALSE((*c)->remove_accept_encoding_header);
  EXPECT_FALSE((*c)->choose_first);
  EXPECT_EQ((*c)->statsPrefix("ingress."), "ingress.compressor.text_optimized.gzip.");
}

TEST(CompressorConfig, DirectionConfigs) {
  auto c = translate(std::string(kGzipLibrary) + R"(
choose_first: true
request_direction_config:
  common_config:
    min_content_length: 100
    content_type: [application/JSON]
response_direction_config:
  common_config:
    enabled: {default_value: false, runtime_key: resp_compression}
    min_content_length: 1024
    content_type: [text/html, application/json]
  disable_on_etag_header: true
  remove_accept_encoding_header: true
)");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE((*c)->request.has_value());
  EXPECT_TRUE((*c)->request->enabled);
  EXPECT_EQ((*c)->request->min_content_length, 100u);
  EXPECT_EQ((*c)->request->content_types, std::vector<std::string>{"application/json"});
  EXPECT_FALSE((*c)->response.enabled);
  EXPECT_EQ((*c)->response.min_content_length, 1024u);
  EXPECT_EQ((*c)->response.content_types.size(), 2u);
  EXPECT_TRUE((*c)->disable_on_etag_header);
  EXPECT_TRUE((*c)->remove_accept_encoding_header);
  EXPECT_TRUE((*c)->choose_first);
}

TEST(CompressorConfig, DeprecatedTopLevelFieldsApplyWithoutResponseDirectionConfig) {
  auto c = translate(std::string(kGzipLibrary) + R"(
content_length: 500
content_type: [text/plain]
disable_on_etag_header: true
remove_accept_encoding_header: true
runtime_enabled: {default_value: false, runtime_key: x}
)");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ((*c)->response.min_content_length, 500u);
  EXPECT_EQ((*c)->response.content_types, std::vector<std::string>{"text/plain"});
  EXPECT_FALSE((*c)->response.enabled);
  EXPECT_TRUE((*c)->disable_on_etag_header);
  EXPECT_TRUE((*c)->remove_accept_encoding_header);
}

TEST(CompressorConfig, DeprecatedFieldsBesideResponseDirectionConfigAreRefused) {
  EXPECT_NE(error(std::string(kGzipLibrary) + R"(
content_length: 500
response_direction_config: {}
)")
                .find("content_length"),
            std::string::npos);
}

TEST(CompressorConfig, EachLibrary) {
  for (auto [type, encoding] : {std::pair{"gzip.compressor.v3.Gzip", "gzip"},
                                std::pair{"brotli.compressor.v3.Brotli", "br"},
                                std::pair{"zstd.compressor.v3.Zstd", "zstd"}}) {
    auto c =
        translate(fmt::format("compressor_library: {{name: x, typed_config: {{'@type': "
                              "type.googleapis.com/envoy.extensions.compression.{}}}}}",
                              type));
    ASSERT_TRUE(c.ok()) << type << ": " << c.status();
    EXPECT_EQ((*c)->contentEncoding(), encoding);
  }
}

TEST(CompressorConfig, Errors) {
  EXPECT_EQ(error("{}"), "compressor: compressor_library is required");
  EXPECT_NE(error(R"(
compressor_library:
  name: x
  typed_config: {'@type': type.googleapis.com/envoy.extensions.compression.gzip.decompressor.v3.Gzip}
)")
                .find("envoy.extensions.compression.gzip.decompressor.v3.Gzip"),
            std::string::npos);
  EXPECT_NE(error(R"(
compressor_library:
  name: x
  typed_config: {'@type': type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip, memory_level: 10}
)")
                .find("memory_level"),
            std::string::npos);
  EXPECT_NE(error(R"(
compressor_library:
  name: x
  typed_config: {'@type': type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip, window_bits: 16}
)")
                .find("window_bits"),
            std::string::npos);
  EXPECT_NE(error(R"(
compressor_library:
  name: x
  typed_config: {'@type': type.googleapis.com/envoy.extensions.compression.brotli.compressor.v3.Brotli, quality: 12}
)")
                .find("quality"),
            std::string::npos);
  EXPECT_NE(error(R"(
compressor_library:
  name: x
  typed_config: {'@type': type.googleapis.com/envoy.extensions.compression.zstd.compressor.v3.Zstd, chunk_size: 100}
)")
                .find("chunk_size"),
            std::string::npos);
  EXPECT_NE(error(R"(
compressor_library:
  name: x
  typed_config:
    '@type': type.googleapis.com/envoy.extensions.compression.zstd.compressor.v3.Zstd
    dictionary: {filename: /nonexistent/dictionary}
)")
                .find("dictionary"),
            std::string::npos);
}

TEST(CompressorConfig, PerRoute) {
  auto disabled = translateCompressorPerRoute(test::protoFromYaml<PerRouteProto>("disabled: true"));
  ASSERT_TRUE(disabled.ok()) << disabled.status();
  EXPECT_EQ((*disabled)->response_enabled, false);

  auto overrides = translateCompressorPerRoute(test::protoFromYaml<PerRouteProto>(
      "overrides: {response_direction_config: {remove_accept_encoding_header: true}}"));
  ASSERT_TRUE(overrides.ok()) << overrides.status();
  EXPECT_EQ((*overrides)->response_enabled, true);
  EXPECT_EQ((*overrides)->remove_accept_encoding_header, true);

  EXPECT_FALSE(translateCompressorPerRoute(PerRouteProto()).ok());
  EXPECT_FALSE(
      translateCompressorPerRoute(test::protoFromYaml<PerRouteProto>("disabled: false")).ok());
}

}  // namespace
}  // namespace meshproxy::filters::compressor
