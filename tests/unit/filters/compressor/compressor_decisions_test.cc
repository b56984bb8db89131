#include "proxy/filters/http/compressor/compressor_decisions.h"

#include <gtest/gtest.h>

#include "envoy/extensions/filters/http/compressor/v3/compressor.pb.h"
#include "tests/unit/filters/proto_yaml.h"

namespace meshproxy::filters::compressor {
namespace {

using Proto = envoy::extensions::filters::http::compressor::v3::Compressor;

std::shared_ptr<const CompressorConfig> config(std::string_view extra = "") {
  auto c = translateCompressor(test::protoFromYaml<Proto>(std::string(R"(
compressor_library:
  name: gz
  typed_config: {'@type': type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip}
)") + std::string(extra)));
  EXPECT_TRUE(c.ok()) << c.status();
  return *c;
}

http::HeaderMap jsonResponse() {
  return {{":status", "200"}, {"content-type", "application/json"}, {"content-length", "1000"}};
}

ResponseDecision decide(const CompressorConfig& c, const http::HeaderMap& response,
                        std::optional<std::string_view> accept = "gzip", bool end_stream = false,
                        const CompressorPerRouteConfig* per_route = nullptr) {
  const CompressorCandidate chain[] = {candidateFor(c, response)};
  return decideResponse(c, per_route, response, end_stream, accept, chain);
}

TEST(CompressorDecisions, CompressesAnEligibleResponse) {
  auto c = config();
  const ResponseDecision d = decide(*c, jsonResponse());
  EXPECT_EQ(d.verdict, ResponseVerdict::kCompress);
  EXPECT_TRUE(d.add_vary);
  ASSERT_TRUE(d.choice.has_value());
  EXPECT_EQ(d.choice->stat, EncodingStat::kValidCompressor);
}

TEST(CompressorDecisions, ReasonsNotToCompress) {
  auto c = config();
  auto with = [](std::initializer_list<std::pair<std::string_view, std::string_view>> extra) {
    http::HeaderMap h = jsonResponse();
    for (auto [name, value] : extra) h.set(name, value);
    return h;
  };
  EXPECT_EQ(decide(*c, with({{"content-length", "29"}})).verdict,
            ResponseVerdict::kContentLengthTooSmall);
  EXPECT_EQ(decide(*c, with({{"content-length", "30"}})).verdict, ResponseVerdict::kCompress);
  EXPECT_EQ(decide(*c, jsonResponse(), std::nullopt).verdict, ResponseVerdict::kNoAcceptEncoding);
  EXPECT_EQ(decide(*c, jsonResponse(), "br").verdict, ResponseVerdict::kNotChosen);
  EXPECT_EQ(decide(*c, jsonResponse(), "identity").verdict, ResponseVerdict::kNotChosen);
  EXPECT_EQ(decide(*c, with({{"content-type", "image/png"}})).verdict,
            ResponseVerdict::kNotChosen);  // not a candidate for that type
  EXPECT_EQ(decide(*c, with({{"cache-control", "public, no-transform"}})).verdict,
            ResponseVerdict::kNotCompressible);
  EXPECT_EQ(decide(*c, with({{"content-encoding", "br"}})).verdict,
            ResponseVerdict::kNotCompressible);
  EXPECT_EQ(decide(*c, with({{"transfer-encoding", "gzip, chunked"}})).verdict,
            ResponseVerdict::kTransferEncoding);
  EXPECT_EQ(decide(*c, jsonResponse(), "gzip", /*end_stream=*/true).verdict,
            ResponseVerdict::kHeadersOnly);
  // An ETag blocks only with disable_on_etag_header.
  EXPECT_EQ(decide(*c, with({{"etag", "\"abc\""}})).verdict, ResponseVerdict::kCompress);
  auto etag = config("response_direction_config: {disable_on_etag_header: true}");
  const ResponseDecision d = decide(*etag, with({{"etag", "\"abc\""}}));
  EXPECT_EQ(d.verdict, ResponseVerdict::kEtag);
  EXPECT_FALSE(d.add_vary);
}

TEST(CompressorDecisions, ContentTypeParametersAndCaseAreIgnored) {
  auto c = config();
  http::HeaderMap h = jsonResponse();
  h.set("content-type", "Application/JSON; charset=utf-8");
  EXPECT_EQ(decide(*c, h).verdict, ResponseVerdict::kCompress);
}

TEST(CompressorDecisions, NoContentLengthMeansAStreamedBodyThatMayBeCompressed) {
  auto c = config();
  http::HeaderMap h = jsonResponse();
  h.remove("content-length");
  EXPECT_EQ(decide(*c, h).verdict, ResponseVerdict::kCompress);
}

TEST(CompressorDecisions, PerRouteDisablesOrEnables) {
  auto c = config();
  CompressorPerRouteConfig off;
  off.response_enabled = false;
  EXPECT_EQ(decide(*c, jsonResponse(), "gzip", false, &off).verdict, ResponseVerdict::kDisabled);
  EXPECT_FALSE(shouldRemoveAcceptEncoding(*c, &off));

  auto disabled = config(
      "response_direction_config: {common_config: {enabled: {default_value: false, runtime_key: "
      "k}}, remove_accept_encoding_header: true}");
  EXPECT_EQ(decide(*disabled, jsonResponse()).verdict, ResponseVerdict::kDisabled);
  EXPECT_FALSE(shouldRemoveAcceptEncoding(*disabled, nullptr));
  CompressorPerRouteConfig on;
  on.response_enabled = true;
  EXPECT_EQ(decide(*disabled, jsonResponse(), "gzip", false, &on).verdict,
            ResponseVerdict::kCompress);
  EXPECT_TRUE(shouldRemoveAcceptEncoding(*disabled, &on));
  on.remove_accept_encoding_header = false;
  EXPECT_FALSE(shouldRemoveAcceptEncoding(*disabled, &on));
}

TEST(CompressorDecisions, RequestCompression) {
  auto none = config();
  http::HeaderMap request = {
      {":method", "POST"}, {"content-type", "application/json"}, {"content-length", "500"}};
  EXPECT_FALSE(shouldCompressRequest(*none, request, false));

  auto c = config("request_direction_config: {common_config: {min_content_length: 100}}");
  EXPECT_TRUE(shouldCompressRequest(*c, request, false));
  EXPECT_FALSE(shouldCompressRequest(*c, request, /*end_stream=*/true));
  http::HeaderMap small = request;
  small.set("content-length", "99");
  EXPECT_FALSE(shouldCompressRequest(*c, small, false));
  http::HeaderMap encoded = request;
  encoded.set("content-encoding", "gzip");
  EXPECT_FALSE(shouldCompressRequest(*c, encoded, false));
  http::HeaderMap upgrade = request;
  upgrade.set("connection", "Upgrade");
  upgrade.set("upgrade", "websocket");
  EXPECT_FALSE(shouldCompressRequest(*c, upgrade, false));
}

TEST(CompressorDecisions, MarkCompressedDropsLengthAndStrongEtag) {
  http::HeaderMap strong = {{"content-length", "10"}, {"etag", "\"xyz\""}};
  markCompressed(strong, "gzip", true);
  EXPECT_FALSE(strong.has("content-length"));
  EXPECT_FALSE(strong.has("etag"));
  EXPECT_EQ(strong.get("content-encoding"), "gzip");

  http::HeaderMap weak = {{"content-length", "10"}, {"etag", "W/\"xyz\""}};
  markCompressed(weak, "br", true);
  EXPECT_EQ(weak.get("etag"), "W/\"xyz\"");
  EXPECT_EQ(weak.get("content-encoding"), "br");

  http::HeaderMap request = {{"etag", "\"xyz\""}};
  markCompressed(request, "zstd", false);
  EXPECT_TRUE(request.has("etag"));
}

TEST(CompressorDecisions, VaryAcceptEncodingAddedOnce) {
  http::HeaderMap none;
  addVaryAcceptEncoding(none);
  EXPECT_EQ(none.get("vary"), "Accept-Encoding");
  http::HeaderMap other = {{"vary", "Origin"}};
  addVaryAcceptEncoding(other);
  EXPECT_EQ(other.get("vary"), "Origin, Accept-Encoding");
  http::HeaderMap already = {{"vary", "origin, accept-encoding"}};
  addVaryAcceptEncoding(already);
  EXPECT_EQ(already.get("vary"), "origin, accept-encoding");
}

}  // namespace
}  // namespace meshproxy::filters::compressor
