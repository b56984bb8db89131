#include "proxy/filters/http/decompressor/decompressor_config.h"

#include <gtest/gtest.h>

#include "envoy/extensions/filters/http/decompressor/v3/decompressor.pb.h"
#include "proxy/core/strings.h"
#include "proxy/filters/http/decompressor/decompressor_stats.h"
#include "proxy/stats/store.h"
#include "tests/unit/filters/proto_yaml.h"

namespace meshproxy::filters::decompressor {
namespace {

using Proto = envoy::extensions::filters::http::decompressor::v3::Decompressor;

constexpr std::string_view kGzip = R"(
decompressor_library:
  name: gz
  typed_config: {'@type': type.googleapis.com/envoy.extensions.compression.gzip.decompressor.v3.Gzip}
)";

std::shared_ptr<const DecompressorConfig> config(std::string_view extra = "") {
  auto c =
      translateDecompressor(test::protoFromYaml<Proto>(std::string(kGzip) + std::string(extra)));
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : nullptr;
}

TEST(DecompressorConfig, Defaults) {
  auto c = config();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->contentEncoding(), "gzip");
  EXPECT_TRUE(c->request.enabled);
  EXPECT_TRUE(c->response.enabled);
  EXPECT_TRUE(c->advertise_accept_encoding);
  EXPECT_FALSE(c->response.ignore_no_transform_header);
}

TEST(DecompressorConfig, Fields) {
  auto c = config(R"(
request_direction_config:
  common_config: {enabled: {default_value: false, runtime_key: k}}
  advertise_accept_encoding: false
response_direction_config:
  common_config: {ignore_no_transform_header: true}
)");
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->request.enabled);
  EXPECT_FALSE(c->advertise_accept_encoding);
  EXPECT_TRUE(c->response.ignore_no_transform_header);
}

TEST(DecompressorConfig, Errors) {
  EXPECT_FALSE(translateDecompressor(Proto()).ok());
  auto wrong = translateDecompressor(test::protoFromYaml<Proto>(R"(
decompressor_library:
  name: gz
  typed_config: {'@type': type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip}
)"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("compressor.v3.Gzip"), std::string::npos);
  auto ratio = translateDecompressor(test::protoFromYaml<Proto>(R"(
decompressor_library:
  name: gz
  typed_config: {'@type': type.googleapis.com/envoy.extensions.compression.gzip.decompressor.v3.Gzip, max_inflate_ratio: 5000}
)"));
  ASSERT_FALSE(ratio.ok());
  EXPECT_NE(ratio.status().message().find("max_inflate_ratio"), std::string::npos);
}

TEST(DecompressorConfig, AdvertiseAcceptEncoding) {
  auto c = config();
  http::HeaderMap none;
  advertiseAcceptEncoding(*c, none);
  EXPECT_EQ(none.get("accept-encoding"), "gzip");
  http::HeaderMap other = {{"accept-encoding", "br"}};
  advertiseAcceptEncoding(*c, other);
  EXPECT_EQ(other.get("accept-encoding"), "br,gzip");
  http::HeaderMap already = {{"accept-encoding", "GZIP;q=0.5"}};
  advertiseAcceptEncoding(*c, already);
  EXPECT_EQ(already.get("accept-encoding"), "GZIP;q=0.5");

  EXPECT_TRUE(shouldAdvertiseAcceptEncoding(*c));
  EXPECT_FALSE(shouldAdvertiseAcceptEncoding(
      *config("request_direction_config: {advertise_accept_encoding: false}")));
}

TEST(DecompressorConfig, WhatIsDecoded) {
  auto c = config();
  const http::HeaderMap gzip = {{"content-encoding", "gzip"}};
  EXPECT_TRUE(shouldDecompress(*c, c->response, gzip, false));
  EXPECT_FALSE(shouldDecompress(*c, c->response, gzip, /*end_stream=*/true));
  EXPECT_FALSE(shouldDecompress(*c, c->response, {{"content-encoding", "br"}}, false));
  EXPECT_FALSE(shouldDecompress(*c, c->response, {}, false));
  // The outermost coding is listed last (RFC 9110 8.4): Envoy reads the first; so do we.
  EXPECT_TRUE(shouldDecompress(*c, c->response, {{"content-encoding", "gzip, br"}}, false));
  const http::HeaderMap no_transform = {{"content-encoding", "gzip"},
                                        {"cache-control", "no-transform"}};
  EXPECT_FALSE(shouldDecompress(*c, c->response, no_transform, false));
  auto ignore =
      config("response_direction_config: {common_config: {ignore_no_transform_header: true}}");
  EXPECT_TRUE(shouldDecompress(*ignore, ignore->response, no_transform, false));
}

TEST(DecompressorConfig, MarkDecompressed) {
  http::HeaderMap one = {{"content-encoding", "gzip"}, {"content-length", "10"}};
  decompressor::markDecompressed(one);
  EXPECT_FALSE(one.has("content-encoding"));
  EXPECT_FALSE(one.has("content-length"));
  http::HeaderMap two = {{"content-encoding", "gzip, br"}};
  markDecompressed(two);
  EXPECT_EQ(two.get("content-encoding"), "br");
}

TEST(DecompressorConfig, StatsNames) {
  stats::Store store;
  auto c = config();
  const DecompressorStats s = makeDecompressorStats(store.rootScope().scope("http", "ingress"), *c);
  s.response.decompressed.inc();
  s.request.total_compressed_bytes.inc();
  s.decompression_error.inc();
  const std::string text = store.renderText();
  EXPECT_NE(text.find("http.ingress.decompressor.gz.gzip.response.decompressed: 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("http.ingress.decompressor.gz.gzip.request.total_compressed_bytes: 1"),
            std::string::npos);
  EXPECT_NE(text.find("http.ingress.decompressor.gz.gzip.decompression_error: 1"),
            std::string::npos);
}

}  // namespace
}  // namespace meshproxy::filters::decompressor
