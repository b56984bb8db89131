#include "proxy/filters/http/compressor/compressor_stats.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "envoy/extensions/filters/http/compressor/v3/compressor.pb.h"
#include "proxy/stats/store.h"
#include "tests/unit/filters/proto_yaml.h"

namespace meshproxy::filters::compressor {
namespace {

using Proto = envoy::extensions::filters::http::compressor::v3::Compressor;

std::shared_ptr<const CompressorConfig> config(std::string_view type) {
  auto c = translateCompressor(test::protoFromYaml<Proto>(
      fmt::format("compressor_library: {{name: text, typed_config: {{'@type': "
                  "type.googleapis.com/envoy.extensions.compression.{}}}}}",
                  type)));
  EXPECT_TRUE(c.ok()) << c.status();
  return *c;
}

TEST(CompressorStats, NamesAndCounting) {
  stats::Store store;
  const stats::Scope http = store.rootScope().scope("http", "ingress");
  auto gzip = config("gzip.compressor.v3.Gzip");
  auto br = config("brotli.compressor.v3.Brotli");
  const CompressorStats s = makeCompressorStats(http, *gzip);
  const http::HeaderMap response = {
      {":status", "200"}, {"content-type", "application/json"}, {"content-length", "1000"}};
  const CompressorCandidate chain[] = {candidateFor(*gzip, response), candidateFor(*br, response)};

  recordResponseDecision(s, *gzip, decideResponse(*gzip, nullptr, response, false, "gzip", chain));
  recordResponseDecision(s, *gzip, decideResponse(*gzip, nullptr, response, false, "br", chain));
  recordResponseDecision(s, *gzip, decideResponse(*gzip, nullptr, response, false, "*", chain));
  recordResponseDecision(s, *gzip,
                         decideResponse(*gzip, nullptr, response, false, "identity", chain));
  recordResponseDecision(s, *gzip,
                         decideResponse(*gzip, nullptr, response, false, std::nullopt, chain));
  http::HeaderMap small = response;
  small.set("content-length", "10");
  recordResponseDecision(s, *gzip, decideResponse(*gzip, nullptr, small, false, "gzip", chain));

  auto value = [&](std::string_view name) {
    return store.rootScope()
        .scope("http", "ingress")
        .scope("compressor")
        .scope("text")
        .scope("gzip")
        .counter(name)
        .value();
  };
  EXPECT_EQ(value("compressed"), 2u);  // "gzip" and "*"
  EXPECT_EQ(value("not_compressed"), 4u);
  EXPECT_EQ(value("header_compressor_used"), 1u);
  EXPECT_EQ(value("header_compressor_overshadowed"), 1u);
  EXPECT_EQ(value("header_wildcard"), 1u);
  EXPECT_EQ(value("header_identity"), 1u);
  EXPECT_EQ(value("no_accept_header"), 1u);
  EXPECT_EQ(value("content_length_too_small"), 1u);
  EXPECT_NE(store.renderText().find("http.ingress.compressor.text.gzip.request.compressed"),
            std::string::npos);
}

}  // namespace
}  // namespace meshproxy::filters::compressor
