// The compressor and decompressor filters on a real FilterManager: the chain's compressors
// agree on one coding, a streamed body leaves compressed chunk by chunk (each decodable as it
// arrives), trailers end the compressed body, requests are compressed with
// request_direction_config, and the decompressor undoes each library's output.
#include "proxy/filters/http/compressor/compressor_filter.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/container/flat_hash_map.h"
#include "proxy/filters/http/compression/brotli_codec.h"
#include "proxy/filters/http/compression/gzip_codec.h"
#include "proxy/filters/http/compression/zstd_codec.h"
#include "proxy/filters/http/decompressor/decompressor_filter.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/stats/store.h"
#include "tests/unit/filters/compression/codec_test_support.h"
#include "tests/unit/http/filter_manager_test_support.h"

namespace meshproxy::filters::compressor {
namespace {

using compression::testing::jsonLikeText;
using http::testing::CallLog;
using http::testing::FakeStream;
using http::testing::ScriptedFilter;
using ::testing::HasSubstr;

google::protobuf::Any anyFromJson(std::string_view type, std::string_view json) {
  google::protobuf::Any any;
  const std::string full = fmt::format(R"({{"@type": "type.googleapis.com/{}", {}}})", type, json);
  auto s = protobuf::jsonToMessage(full, &any);
  EXPECT_TRUE(s.ok()) << s << " in " << full;
  return any;
}

// A compressor filter of `library` ("gzip.compressor.v3.Gzip" ...) with more Compressor fields.
google::protobuf::Any compressorConfig(std::string_view library, std::string_view extra = "") {
  return anyFromJson(
      "envoy.extensions.filters.http.compressor.v3.Compressor",
      fmt::format(R"("compressor_library": {{"name": "lib", "typed_config": {{"@type":
          "type.googleapis.com/envoy.extensions.compression.{}"}}}}{}{})",
                  library, extra.empty() ? "" : ", ", extra));
}

std::string gunzip(std::string_view encoded, bool* ok) {
  return compression::testing::decompressAll(
      *compression::makeGzipDecompressorFactory({.max_inflate_ratio = 1032}), encoded, ok);
}

class CompressorFilterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stream_.on_complete = [this] { fm_.onStreamFinished(); };
  }

  // Adds a filter made by `factory` to the stream, as the connection manager does.
  void addFilter(const absl::StatusOr<http::HttpFilterFactory>& factory) {
    ASSERT_TRUE(factory.ok()) << factory.status();
    (*factory)(fm_);
  }
  void addCompressor(std::string_view library, std::string_view extra = "") {
    addFilter(createCompressorFactory(compressorConfig(library, extra), context_));
  }
  void addUpstream() { fm_.addStreamFilter(upstream_); }

  void request(http::HeaderMap extra, bool end_stream = true) {
    auto headers = http::testing::requestHeaders();
    for (const auto& [name, value] : extra.entries()) headers->add(name, value);
    fm_.setRequestHeaders(std::move(headers), end_stream);
    fm_.decodeHeaders();
  }
  // The upstream answers with these headers, then the body in `chunks`.
  void respond(http::HeaderMap headers, const std::vector<std::string>& chunks,
               bool trailers = false) {
    upstream_->decoder->encodeHeaders(std::make_unique<http::HeaderMap>(std::move(headers)),
                                      chunks.empty() && !trailers);
    for (size_t i = 0; i < chunks.size(); ++i) {
      Buffer b = http::testing::bufferOf(chunks[i]);
      upstream_->decoder->encodeData(b, i + 1 == chunks.size() && !trailers);
    }
    if (trailers) upstream_->decoder->encodeTrailers(http::testing::trailers());
  }
  uint64_t counter(std::string_view library, std::string_view stat) {
    return store_.rootScope()
        .scope("http", "test")
        .scope("compressor")
        .scope("lib")
        .scope(library)
        .counter(stat)
        .value();
  }

  stats::Store store_;
  absl::flat_hash_map<std::string, std::shared_ptr<void>> chain_shared_;
  config::TranslationContext context_{
      .stats = store_, .http_stat_prefix = "test", .http_chain_shared = &chain_shared_};
  CallLog log_;
  FakeStream stream_{log_};
  accesslog::StreamInfo info_;
  http::FilterManager fm_{stream_, info_, 1, 1 << 20};
  std::shared_ptr<ScriptedFilter> upstream_ = std::make_shared<ScriptedFilter>("upstream", log_);
};

const http::HeaderMap kTextResponse = {{":status", "200"}, {"content-type", "text/plain"}};

TEST_F(CompressorFilterTest, TheChainAgreesOnTheClientsPreferredCoding) {
  addCompressor("brotli.compressor.v3.Brotli");
  addCompressor("zstd.compressor.v3.Zstd");
  addCompressor("gzip.compressor.v3.Gzip");
  addUpstream();
  request({{"accept-encoding", "br;q=0.5, gzip, zstd;q=0.8"}});
  const std::string body = jsonLikeText(50'000);
  respond(kTextResponse, {body.substr(0, 20'000), body.substr(20'000)});

  EXPECT_EQ(stream_.response_headers.get("content-encoding"), "gzip");
  EXPECT_EQ(stream_.response_headers.get("vary"), "Accept-Encoding");
  EXPECT_FALSE(stream_.response_headers.has("content-length"));
  bool ok = false;
  EXPECT_EQ(gunzip(stream_.body, &ok), body);
  EXPECT_TRUE(ok);
  EXPECT_LT(stream_.body.size(), body.size() / 2);
  EXPECT_EQ(counter("gzip", "compressed"), 1u);
  EXPECT_EQ(counter("gzip", "header_compressor_used"), 1u);
  EXPECT_EQ(counter("gzip", "total_uncompressed_bytes"), body.size());
  EXPECT_EQ(counter("gzip", "total_compressed_bytes"), stream_.body.size());
  EXPECT_EQ(counter("brotli", "not_compressed"), 1u);
  EXPECT_EQ(counter("brotli", "header_compressor_overshadowed"), 1u);
  EXPECT_EQ(counter("zstd", "header_compressor_overshadowed"), 1u);
}

TEST_F(CompressorFilterTest, EachLibraryDecodesBack) {
  struct Case {
    const char* library;
    const char* coding;
    std::shared_ptr<compression::DecompressorFactory> decoder;
  };
  const Case cases[] = {
      {"brotli.compressor.v3.Brotli", "br", compression::makeBrotliDecompressorFactory({})},
      {"zstd.compressor.v3.Zstd", "zstd", *compression::makeZstdDecompressorFactory({})},
      {"gzip.compressor.v3.Gzip", "gzip", compression::makeGzipDecompressorFactory({})},
  };
  const std::string body = jsonLikeText(30'000, 5);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.coding);
    chain_shared_.clear();  // each library alone in its chain
    CallLog log;
    FakeStream stream(log);
    http::FilterManager fm(stream, info_, 1, 1 << 20);
    auto factory = createCompressorFactory(compressorConfig(c.library), context_);
    ASSERT_TRUE(factory.ok()) << factory.status();
    (*factory)(fm);
    auto upstream = std::make_shared<ScriptedFilter>("upstream", log);
    fm.addStreamFilter(upstream);
    auto headers = http::testing::requestHeaders();
    headers->add("accept-encoding", c.coding);
    fm.setRequestHeaders(std::move(headers), true);
    fm.decodeHeaders();
    upstream->decoder->encodeHeaders(std::make_unique<http::HeaderMap>(kTextResponse), false);
    Buffer b = http::testing::bufferOf(body);
    upstream->decoder->encodeData(b, true);
    EXPECT_EQ(stream.response_headers.get("content-encoding"), c.coding);
    bool ok = false;
    EXPECT_EQ(compression::testing::decompressAll(*c.decoder, stream.body, &ok), body);
    EXPECT_TRUE(ok);
    fm.onStreamFinished();
  }
}

TEST_F(CompressorFilterTest, EveryChunkLeavesAtOnceAndDecodesSoFar) {
  addCompressor("gzip.compressor.v3.Gzip");
  addUpstream();
  request({{"accept-encoding", "gzip"}});
  upstream_->decoder->encodeHeaders(std::make_unique<http::HeaderMap>(kTextResponse), false);
  std::string sent;
  for (int i = 0; i < 5; ++i) {
    const std::string chunk = jsonLikeText(8'000, i + 10);
    sent += chunk;
    Buffer b = http::testing::bufferOf(chunk);
    upstream_->decoder->encodeData(b, false);
    // Nothing waits in the filter: what reached the codec decodes to everything sent so far.
    auto d = compression::makeGzipDecompressorFactory({})->create();
    Buffer in = http::testing::bufferOf(stream_.body);
    Buffer out;
    ASSERT_TRUE(d->decompress(in, out));
    EXPECT_EQ(out.toString(), sent);
  }
  Buffer end;
  upstream_->decoder->encodeData(end, true);
  bool ok = false;
  EXPECT_EQ(gunzip(stream_.body, &ok), sent);
  EXPECT_TRUE(ok);
}

TEST_F(CompressorFilterTest, TrailersFinishTheCompressedBodyBeforeThem) {
  addCompressor("gzip.compressor.v3.Gzip");
  addUpstream();
  request({{"accept-encoding", "gzip"}});
  respond(kTextResponse, {"first part, ", "second part"}, /*trailers=*/true);
  EXPECT_TRUE(stream_.response_trailers.has("x-checksum"));
  bool ok = false;
  EXPECT_EQ(gunzip(stream_.body, &ok), "first part, second part");
  EXPECT_TRUE(ok);
}

TEST_F(CompressorFilterTest, NotCompressedButVaryStillSet) {
  addCompressor("gzip.compressor.v3.Gzip");
  addUpstream();
  request({});  // no Accept-Encoding
  respond(kTextResponse, {"plain body that is long enough to compress"});
  EXPECT_FALSE(stream_.response_headers.has("content-encoding"));
  EXPECT_EQ(stream_.response_headers.get("vary"), "Accept-Encoding");
  EXPECT_EQ(stream_.body, "plain body that is long enough to compress");
  EXPECT_EQ(counter("gzip", "no_accept_header"), 1u);
  EXPECT_EQ(counter("gzip", "not_compressed"), 1u);
}

TEST_F(CompressorFilterTest, ContentTypeNotListedIsLeftAlone) {
  addCompressor(
      "gzip.compressor.v3.Gzip",
      R"("response_direction_config": {"common_config": {"content_type": ["text/html"]}})");
  addUpstream();
  request({{"accept-encoding", "gzip"}});
  respond(kTextResponse, {"plain body that is long enough to compress"});
  EXPECT_FALSE(stream_.response_headers.has("content-encoding"));
  EXPECT_FALSE(stream_.response_headers.has("vary"));
}

TEST_F(CompressorFilterTest, RemoveAcceptEncodingHidesItFromTheUpstream) {
  addCompressor("gzip.compressor.v3.Gzip",
                R"("response_direction_config": {"remove_accept_encoding_header": true})");
  addUpstream();
  request({{"accept-encoding", "gzip"}});
  EXPECT_FALSE(fm_.requestHeaders()->has("accept-encoding"));
  respond(kTextResponse, {"plain body that is long enough to compress"});
  EXPECT_EQ(stream_.response_headers.get("content-encoding"), "gzip");
}

TEST_F(CompressorFilterTest, DisableOnEtag) {
  addCompressor("gzip.compressor.v3.Gzip",
                R"("response_direction_config": {"disable_on_etag_header": true})");
  addUpstream();
  request({{"accept-encoding", "gzip"}});
  http::HeaderMap headers = kTextResponse;
  headers.add("etag", "\"v1\"");
  respond(headers, {"plain body that is long enough to compress"});
  EXPECT_FALSE(stream_.response_headers.has("content-encoding"));
  EXPECT_EQ(stream_.response_headers.get("etag"), "\"v1\"");
}

TEST_F(CompressorFilterTest, RequestDirectionCompressesTheRequestBody) {
  addCompressor("gzip.compressor.v3.Gzip", R"("request_direction_config": {})");
  std::string upstream_body;
  upstream_->on_decode_data = [&](Buffer& data, bool) {
    upstream_body += data.toString();
    return http::FilterDataStatus::kContinue;
  };
  addUpstream();
  request({{"content-type", "application/json"}}, /*end_stream=*/false);
  EXPECT_EQ(fm_.requestHeaders()->get("content-encoding"), "gzip");
  const std::string body = jsonLikeText(10'000);
  Buffer b = http::testing::bufferOf(body);
  fm_.decodeData(b, false);
  fm_.decodeTrailers(http::testing::trailers());
  bool ok = false;
  EXPECT_EQ(gunzip(upstream_body, &ok), body);
  EXPECT_TRUE(ok);
  EXPECT_EQ(counter("gzip", "request.compressed"), 1u);
}

TEST_F(CompressorFilterTest, ChainsOfSeparateConnectionManagersDoNotMix) {
  // A gzip filter translated for another connection manager (its own chain) does not make
  // this chain's brotli filter step aside.
  absl::flat_hash_map<std::string, std::shared_ptr<void>> other_chain;
  config::TranslationContext other{
      .stats = store_, .http_stat_prefix = "other", .http_chain_shared = &other_chain};
  ASSERT_TRUE(createCompressorFactory(compressorConfig("gzip.compressor.v3.Gzip"), other).ok());
  addCompressor("brotli.compressor.v3.Brotli");
  addUpstream();
  request({{"accept-encoding", "gzip, br;q=0.1"}});
  respond(kTextResponse, {"plain body that is long enough to compress"});
  EXPECT_EQ(stream_.response_headers.get("content-encoding"), "br");
}

// --- decompressor

google::protobuf::Any decompressorConfig(std::string_view library, std::string_view extra = "") {
  return anyFromJson(
      "envoy.extensions.filters.http.decompressor.v3.Decompressor",
      fmt::format(R"("decompressor_library": {{"name": "lib", "typed_config": {{"@type":
          "type.googleapis.com/envoy.extensions.compression.{}"}}}}{}{})",
                  library, extra.empty() ? "" : ", ", extra));
}

TEST_F(CompressorFilterTest, DecompressorUndoesEachLibrary) {
  struct Case {
    const char* library;
    const char* coding;
    std::shared_ptr<compression::CompressorFactory> encoder;
  };
  const Case cases[] = {
      {"brotli.decompressor.v3.Brotli", "br", compression::makeBrotliCompressorFactory({})},
      {"zstd.decompressor.v3.Zstd", "zstd", *compression::makeZstdCompressorFactory({})},
      {"gzip.decompressor.v3.Gzip", "gzip", compression::makeGzipCompressorFactory({})},
  };
  const std::string body = jsonLikeText(40'000, 9);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.coding);
    chain_shared_.clear();  // each library alone in its chain
    CallLog log;
    FakeStream stream(log);
    http::FilterManager fm(stream, info_, 1, 1 << 20);
    auto factory = decompressor::createDecompressorFactory(decompressorConfig(c.library), context_);
    ASSERT_TRUE(factory.ok()) << factory.status();
    (*factory)(fm);
    auto upstream = std::make_shared<ScriptedFilter>("upstream", log);
    fm.addStreamFilter(upstream);
    fm.setRequestHeaders(http::testing::requestHeaders(), true);
    fm.decodeHeaders();
    // advertise_accept_encoding (default true): the upstream is told it may use the coding.
    EXPECT_THAT(std::string(fm.requestHeaders()->get("accept-encoding").value_or("")),
                HasSubstr(c.coding));
    const std::string encoded =
        compression::testing::compressAll(*c.encoder, std::vector<std::string>{body});
    upstream->decoder->encodeHeaders(std::make_unique<http::HeaderMap>(http::HeaderMap{
                                         {":status", "200"},
                                         {"content-encoding", c.coding},
                                         {"content-length", std::to_string(encoded.size())}}),
                                     false);
    for (size_t i = 0; i < encoded.size(); i += 1000) {
      Buffer b = http::testing::bufferOf(std::string_view(encoded).substr(i, 1000));
      upstream->decoder->encodeData(b, i + 1000 >= encoded.size());
    }
    EXPECT_FALSE(stream.response_headers.has("content-encoding"));
    EXPECT_FALSE(stream.response_headers.has("content-length"));
    EXPECT_EQ(stream.body, body);
    fm.onStreamFinished();
  }
}

TEST_F(CompressorFilterTest, DecompressorDecodesRequestBodies) {
  addFilter(decompressor::createDecompressorFactory(decompressorConfig("gzip.decompressor.v3.Gzip"),
                                                    context_));
  std::string upstream_body;
  upstream_->on_decode_data = [&](Buffer& data, bool) {
    upstream_body += data.toString();
    return http::FilterDataStatus::kContinue;
  };
  addUpstream();
  request({{"content-encoding", "gzip"}}, /*end_stream=*/false);
  EXPECT_FALSE(fm_.requestHeaders()->has("content-encoding"));
  const std::string body = jsonLikeText(20'000, 4);
  Buffer b = http::testing::bufferOf(compression::testing::compressAll(
      *compression::makeGzipCompressorFactory({}), std::vector<std::string>{body}));
  fm_.decodeData(b, true);
  EXPECT_EQ(upstream_body, body);
  EXPECT_EQ(store_.rootScope()
                .scope("http", "test")
                .scope("decompressor")
                .scope("lib")
                .scope("gzip")
                .scope("request")
                .counter("decompressed")
                .value(),
            1u);
}

}  // namespace
}  // namespace meshproxy::filters::compressor
