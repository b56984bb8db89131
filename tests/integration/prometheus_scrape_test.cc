// A real Prometheus (Debian's prometheus package) scrapes meshproxy's /stats/prometheus and
// answers queries over what it stored: the exposition is not only well-formed but usable, with
// counters and histogram buckets Prometheus's own functions compute on.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <memory>

#include "absl/strings/str_cat.h"
#include "tests/support/bootstrap_yaml.h"
#include "tests/support/meshproxy_process.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

constexpr char kPrometheus[] = "/usr/bin/prometheus";

std::string urlEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, "%", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

// The value of an instant-vector query with one sample; nullopt while Prometheus has none.
std::optional<double> queryScalar(int port, const std::string& promql) {
  HttpResponse r = httpGet("127.0.0.1", port, "/api/v1/query?query=" + urlEncode(promql));
  if (r.status != 200) return std::nullopt;
  google::protobuf::Struct body;
  if (!google::protobuf::util::JsonStringToMessage(r.body, &body).ok()) return std::nullopt;
  const auto& data = body.fields().at("data").struct_value();
  const auto& result = data.fields().at("result").list_value();
  if (result.values_size() != 1) return std::nullopt;
  const auto& value = result.values(0).struct_value().fields().at("value").list_value();
  return std::stod(value.values(1).string_value());
}

TEST(PrometheusScrapeTest, RealPrometheusScrapesCountersAndHistograms) {
  if (access(kPrometheus, X_OK) != 0) GTEST_SKIP() << "Debian's prometheus is not installed";
  TestServerProcess upstream("http");
  ASSERT_TRUE(upstream.ready());
  const int listener = pickFreePort();
  MeshproxyProcess proxy(httpBootstrapYaml(
      {.listener_port = listener, .clusters = {{"reviews", {upstream.port()}, ""}}}));
  ASSERT_TRUE(proxy.ready());

  constexpr int kRequests = 25;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_EQ(httpGet("127.0.0.1", listener, "/").status, 200) << i;
  }

  TempDir dir;
  const int prometheus_port = pickFreePort();
  const std::string config = dir.writeFile("prometheus.yml", absl::StrCat(R"(global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: sidecar
    metrics_path: /stats/prometheus
    static_configs:
      - targets: ["127.0.0.1:)",
                                                                          proxy.adminPort(), R"("]
)"));
  Process prometheus(
      {kPrometheus, "--config.file=" + config, "--storage.tsdb.path=" + dir.makeSubdir("data"),
       absl::StrCat("--web.listen-address=127.0.0.1:", prometheus_port), "--log.level=warn"});
  ASSERT_TRUE(prometheus.started()) << prometheus.startError();

  // Requests the proxy answered with 2xx, as Prometheus stored them from a scrape.
  const std::string rq2xx = "sum(envoy_http_downstream_rq_xx{envoy_response_code_class=\"2\"})";
  std::optional<double> count;
  ASSERT_TRUE(waitUntil(
      [&] {
        count = queryScalar(prometheus_port, rq2xx);
        return count.has_value() && *count >= kRequests;
      },
      absl::Seconds(40), absl::Milliseconds(250)))
      << "no scrape with the traffic; last " << (count ? std::to_string(*count) : "none") << "\n"
      << prometheus.stderrTail();
  EXPECT_NEAR(*count, kRequests, 1);
  EXPECT_EQ(queryScalar(prometheus_port, "up{job=\"sidecar\"}"), 1.0);

  // The histogram: _count agrees with the counter, and histogram_quantile over the cumulative
  // buckets gives a latency inside Envoy's bucket range (loopback requests take a few ms).
  auto histogram_count = queryScalar(prometheus_port, "sum(envoy_http_downstream_rq_time_count)");
  ASSERT_TRUE(histogram_count.has_value());
  EXPECT_NEAR(*histogram_count, kRequests, 1);
  auto p99 =
      queryScalar(prometheus_port,
                  "histogram_quantile(0.99, sum by (le) (envoy_http_downstream_rq_time_bucket))");
  ASSERT_TRUE(p99.has_value());
  EXPECT_TRUE(std::isfinite(*p99)) << *p99;
  EXPECT_GE(*p99, 0.0);
  EXPECT_LE(*p99, 1000.0);
  prometheus.stop();
}

}  // namespace
}  // namespace meshproxy::testing
