// envoy.filters.http.compressor and envoy.filters.http.decompressor in the real meshproxy:
// curl (--compressed decodes gzip, br and zstd) gets each coding it asks for from a chain of
// three compressors, as Istio's prometheus listener has them; a 100 MiB streamed response is
// compressed with the proxy's memory bounded; a per-route CompressorPerRoute turns compression
// off; two proxies in a row compress and decompress both directions (the app sees plain
// bodies, the client too); a decompression bomb is refused with 400.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "tests/integration/http_test_util.h"
#include "tests/support/proc_stats.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server_process.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A compressor filter of `library` ("gzip", "brotli", "zstd") named `name`, with more
// Compressor fields at 14-space indent.
std::string compressorFilter(const std::string& library, const std::string& extra = "") {
  const std::string type = library == "gzip"     ? "gzip.compressor.v3.Gzip"
                           : library == "brotli" ? "brotli.compressor.v3.Brotli"
                                                 : "zstd.compressor.v3.Zstd";
  return absl::StrCat(R"(          - name: envoy.filters.http.compressor.)", library, R"(
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor
              compressor_library:
                name: text_)",
                      library, R"(
                typed_config: { "@type": type.googleapis.com/envoy.extensions.compression.)",
                      type, R"( }
)",
                      extra);
}

std::string decompressorFilter(const std::string& library, const std::string& extra = "") {
  const std::string type = library == "gzip"     ? "gzip.decompressor.v3.Gzip"
                           : library == "brotli" ? "brotli.decompressor.v3.Brotli"
                                                 : "zstd.decompressor.v3.Zstd";
  return absl::StrCat(R"(          - name: envoy.filters.http.decompressor.)", library, R"(
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.decompressor.v3.Decompressor
              decompressor_library:
                name: text_)",
                      library, R"(
                typed_config: { "@type": type.googleapis.com/envoy.extensions.compression.)",
                      type, R"( }
)",
                      extra);
}

// Istio's order on its prometheus listener: brotli, zstd, gzip.
const std::string kThreeCompressors =
    compressorFilter("brotli") + compressorFilter("zstd") + compressorFilter("gzip");

constexpr char kRoutes[] = R"(            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: { prefix: /plain }
                route: { cluster: app }
                typed_per_filter_config:
                  envoy.filters.http.compressor.gzip:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.CompressorPerRoute
                    disabled: true
              - match: { prefix: / }
                route: { cluster: app }
)";

class HttpCompressionTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(app_.ready()); }
  void start(const std::string& filters, const std::string& routes = kRoutes) {
    proxy_ = std::make_unique<HttpProxy>(
        HttpBootstrap{.route_config = routes,
                      .clusters = {{.name = "app", .ports = {app_.port()}}},
                      .http_filters = filters});
    ASSERT_TRUE(proxy_->ready());
  }
  // curl --compressed asking for `accept_encoding`: the response headers, then the decoded body.
  CommandResult fetch(const std::string& accept_encoding, const std::string& path) {
    return curl({"--compressed", "-D", "-", "-H", "Accept-Encoding: " + accept_encoding,
                 proxy_->url(path)});
  }
  int64_t counter(const std::string& name) { return (*proxy_)->counterValue(name).value_or(-1); }

  TestServerProcess app_{{.mode = "http", .name = "app"}};
  std::unique_ptr<HttpProxy> proxy_;
};

TEST_F(HttpCompressionTest, CurlDecodesEachCodingItAsksFor) {
  start(kThreeCompressors);
  const std::string body(100'000, 'x');
  for (const char* coding : {"br", "zstd", "gzip"}) {
    SCOPED_TRACE(coding);
    auto r = fetch(coding, "/text?body_bytes=100000");
    ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
    EXPECT_THAT(r.stdout_text, HasSubstr(absl::StrCat("content-encoding: ", coding, "\r\n")));
    EXPECT_THAT(r.stdout_text, HasSubstr("vary: Accept-Encoding"));
    EXPECT_THAT(r.stdout_text, Not(HasSubstr("content-length")));
    EXPECT_TRUE(r.stdout_text.ends_with("\r\n\r\n" + body)) << r.stdout_text.substr(0, 400);
  }
  // q-values: the client's preference among the three, whatever the chain's order.
  auto r = fetch("gzip;q=0.4, br;q=0.2, zstd;q=0.9", "/text?body_bytes=1000");
  EXPECT_THAT(r.stdout_text, HasSubstr("content-encoding: zstd\r\n"));
  r = fetch("identity", "/text?body_bytes=1000");
  EXPECT_THAT(r.stdout_text, Not(HasSubstr("content-encoding")));
  EXPECT_THAT(r.stdout_text, HasSubstr("vary: Accept-Encoding"));

  EXPECT_EQ(counter("http.ingress_http.compressor.text_brotli.brotli.compressed"), 1);
  EXPECT_EQ(counter("http.ingress_http.compressor.text_zstd.zstd.compressed"), 2);
  EXPECT_EQ(counter("http.ingress_http.compressor.text_gzip.gzip.compressed"), 1);
  EXPECT_EQ(counter("http.ingress_http.compressor.text_gzip.gzip.header_identity"), 1);
  EXPECT_GE(counter("http.ingress_http.compressor.text_gzip.gzip.total_uncompressed_bytes"),
            100'000);
}

TEST_F(HttpCompressionTest, PythonDecodesGzip) {
  start(kThreeCompressors);
  // A second, independent client: Python's urllib and gzip module.
  const std::string script = absl::StrCat(
      "import gzip, urllib.request\n"
      "req = urllib.request.Request('",
      proxy_->url("/py?body_bytes=5000"),
      "', headers={'Accept-Encoding': 'gzip'})\n"
      "with urllib.request.urlopen(req, timeout=10) as r:\n"
      "    assert r.headers['Content-Encoding'] == 'gzip', r.headers\n"
      "    body = gzip.decompress(r.read())\n"
      "print(len(body), body == b'x' * 5000)\n");
  auto r = runCommand({"python3", "-c", script}, absl::Seconds(20));
  EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_EQ(r.stdout_text, "5000 True\n");
}

TEST_F(HttpCompressionTest, PerRouteDisabled) {
  start(compressorFilter("gzip"));
  auto r = fetch("gzip", "/plain?body_bytes=1000");
  EXPECT_THAT(r.stdout_text, Not(HasSubstr("content-encoding")));
  EXPECT_THAT(r.stdout_text, HasSubstr("content-length: 1000"));
  r = fetch("gzip", "/other?body_bytes=1000");
  EXPECT_THAT(r.stdout_text, HasSubstr("content-encoding: gzip"));
}

TEST_F(HttpCompressionTest, HundredMiBStreamedWithBoundedMemory) {
  start(kThreeCompressors);
  pid_t pid = proxy_->process->process().pid();
  const int64_t before = rssKb(pid);
  constexpr int64_t kBody = 100ll << 20;
  for (const char* coding : {"gzip", "br", "zstd"}) {
    SCOPED_TRACE(coding);
    // Decoded by curl and counted; the compressed size comes from the filter's counter.
    auto r = runCommand(
        {"sh", "-c",
         absl::StrCat("curl -sS --max-time 100 --compressed -H 'Accept-Encoding: ", coding, "' '",
                      proxy_->url(absl::StrCat("/big?body_bytes=", kBody)), "' | wc -c")},
        absl::Seconds(110));
    ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
    EXPECT_EQ(std::stoll(r.stdout_text), kBody);
  }
  const int64_t peak = peakRssKb(pid);
  std::printf("3 x 100 MiB compressed responses: meshproxy RSS before %lld KiB, peak %lld KiB\n",
              static_cast<long long>(before), static_cast<long long>(peak));
  EXPECT_LT(peak - before, 32 * 1024) << "the proxy buffered the response";
  EXPECT_EQ(counter("http.ingress_http.compressor.text_gzip.gzip.total_uncompressed_bytes"), kBody);
  EXPECT_LT(counter("http.ingress_http.compressor.text_gzip.gzip.total_compressed_bytes"),
            kBody / 50);
}

// client -> front (decompresses responses, compresses requests) -> back (decompresses
// requests, compresses responses) -> app: both bodies cross the middle hop compressed, the
// client and the app see them plain.
TEST_F(HttpCompressionTest, TwoProxiesCompressAndDecompressBothDirections) {
  for (const std::string library : {"gzip", "brotli", "zstd"}) {
    SCOPED_TRACE(library);
    const std::string coding = library == "brotli" ? "br" : library;
    HttpProxy back(HttpBootstrap{
        .clusters = {{.name = "app", .ports = {app_.port()}}},
        .http_filters = decompressorFilter(library, R"(              response_direction_config:
                common_config: { enabled: { default_value: false, runtime_key: off } }
)") + compressorFilter(library, "              content_type: [application/json]\n")});
    ASSERT_TRUE(back.ready());
    HttpProxy front(HttpBootstrap{
        .clusters = {{.name = "back", .ports = {back.port}}},
        .http_filters = decompressorFilter(library) +
                        compressorFilter(library, R"(              request_direction_config: {}
              response_direction_config:
                common_config: { enabled: { default_value: false, runtime_key: off } }
)")});
    ASSERT_TRUE(front.ready());
    // A request body and a padded request header (echoed in the app's JSON, so the response
    // is big enough to compress and does not inflate past the decompressor's ratio bound).
    std::string padding;
    for (int i = 0; padding.size() < 3000; ++i) absl::StrAppend(&padding, i * 7919 % 10007, "-");
    std::string upload;
    for (int i = 0; upload.size() < 20000; ++i) absl::StrAppend(&upload, "{\"n\":", i * 31, "},");
    TempDir dir;
    const std::string file = dir.writeFile("upload.json", upload);
    auto r = curl({"-D", "-", "-H", "content-type: application/json", "-H", "x-pad: " + padding,
                   "--data-binary", "@" + file, front.url("/echo")});
    ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
    EXPECT_THAT(r.stdout_text, HasSubstr("HTTP/1.1 200"));
    // Plain for the client, the app saw the whole request body, plain.
    EXPECT_THAT(r.stdout_text, Not(HasSubstr("content-encoding")));
    EXPECT_EQ(jsonNumber(r.stdout_text, "body_bytes"), static_cast<int64_t>(upload.size()));
    EXPECT_THAT(r.stdout_text, HasSubstr(padding));
    EXPECT_THAT(r.stdout_text, Not(HasSubstr("\"content-encoding\"")));
    const std::string f = "http.ingress_http.compressor.text_" + library + "." + library + ".";
    const std::string d = "http.ingress_http.decompressor.text_" + library + "." + library + ".";
    EXPECT_EQ(front->counterValue(f + "request.compressed"), 1);
    EXPECT_EQ(back->counterValue(d + "request.decompressed"), 1);
    EXPECT_EQ(back->counterValue(f + "compressed"), 1);
    EXPECT_EQ(front->counterValue(d + "response.decompressed"), 1);
    EXPECT_LT(front->counterValue(d + "response.total_compressed_bytes").value_or(1 << 30),
              front->counterValue(d + "response.total_uncompressed_bytes").value_or(0));
    (void)coding;
  }
}

TEST_F(HttpCompressionTest, DecompressionBombIsRefused) {
  start(decompressorFilter("gzip"));
  TempDir dir;
  const std::string bomb = dir.filePath("bomb.gz");
  // 64 MiB of zeros: about 64 KiB of gzip, a ratio near 1000 (the default bound is 100).
  auto made =
      runCommand({"sh", "-c", "head -c 67108864 /dev/zero | gzip -9 > " + bomb}, absl::Seconds(30));
  ASSERT_EQ(made.exit_code, 0) << made.stderr_text;
  auto r = curl({"-D", "-", "-H", "content-encoding: gzip", "--data-binary", "@" + bomb,
                 proxy_->url("/upload")});
  EXPECT_THAT(r.stdout_text, HasSubstr("HTTP/1.1 400"));
  EXPECT_THAT(r.stdout_text, HasSubstr("decompressor_error"));
  // The whole reply, body included (it passes the decompressor's own encodeData).
  EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_THAT(r.stdout_text, HasSubstr("request body decompression failed"));
  EXPECT_EQ(counter("http.ingress_http.decompressor.text_gzip.gzip.decompression_error"), 1);
  // A body that is not gzip at all: the same.
  r = curl({"-D", "-", "-H", "content-encoding: gzip", "--data-binary", "not gzip at all",
            proxy_->url("/upload")});
  EXPECT_THAT(r.stdout_text, HasSubstr("HTTP/1.1 400"));
  EXPECT_EQ(counter("http.ingress_http.decompressor.text_gzip.gzip.decompression_error"), 2);
}

}  // namespace
}  // namespace meshproxy::testing
