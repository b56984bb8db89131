#include "proxy/stats/prometheus_format.h"

#include <gtest/gtest.h>

#include <string>

#include "proxy/stats/store.h"

namespace meshproxy::stats {
namespace {

TEST(StatsPrometheusTest, EnvoyTagExtractionForCommonNames) {
  Store store;
  store.scope("cluster", "backend").counter("upstream_cx_total").add(3);
  store.scope("cluster", "api").counter("upstream_cx_total").add(1);
  Scope listener = store.scope("listener", "127.0.0.1_10000");
  listener.counter("downstream_cx_total").add(5);
  listener.workerScope(1).counter("downstream_cx_total").add(3);
  listener.workerScope(0).counter("downstream_cx_total").add(2);
  Scope http = store.scope("http", "ingress_http");
  http.counter("downstream_rq_total").add(7);
  http.responseCodeClassCounter("downstream_rq", 2).add(6);
  http.responseCodeClassCounter("downstream_rq", 5).add(1);
  listener.scope("http", "ingress_http").responseCodeClassCounter("downstream_rq", 2).add(6);
  store.scope("cluster", "backend").responseCodeCounter("upstream_rq", 503).inc();
  store.scope("tcp", "ingress_tcp").counter("downstream_cx_rx_bytes_total").add(100);
  store.rootScope().scope("server").gauge("live").set(1);
  store.scope("cluster", "backend").gauge("upstream_cx_active").set(-1);
  store.scope("runtime", "admin").counter("load-success").inc();

  EXPECT_EQ(
      store.renderPrometheus(),
      "# TYPE envoy_cluster_upstream_cx_total counter\n"
      "envoy_cluster_upstream_cx_total{envoy_cluster_name=\"api\"} 1\n"
      "envoy_cluster_upstream_cx_total{envoy_cluster_name=\"backend\"} 3\n"
      "# TYPE envoy_cluster_upstream_rq counter\n"
      "envoy_cluster_upstream_rq{envoy_cluster_name=\"backend\",envoy_response_code=\"503\"} 1\n"
      "# TYPE envoy_http_downstream_rq_total counter\n"
      "envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix=\"ingress_http\"} 7\n"
      "# TYPE envoy_http_downstream_rq_xx counter\n"
      "envoy_http_downstream_rq_xx{envoy_http_conn_manager_prefix=\"ingress_http\","
      "envoy_response_code_class=\"2\"} 6\n"
      "envoy_http_downstream_rq_xx{envoy_http_conn_manager_prefix=\"ingress_http\","
      "envoy_response_code_class=\"5\"} 1\n"
      "# TYPE envoy_listener_downstream_cx_total counter\n"
      "envoy_listener_downstream_cx_total{envoy_listener_address=\"127.0.0.1_10000\"} 5\n"
      "# TYPE envoy_listener_http_downstream_rq_xx counter\n"
      "envoy_listener_http_downstream_rq_xx{envoy_listener_address=\"127.0.0.1_10000\","
      "envoy_http_conn_manager_prefix=\"ingress_http\",envoy_response_code_class=\"2\"} 6\n"
      "# TYPE envoy_listener_worker_downstream_cx_total counter\n"
      "envoy_listener_worker_downstream_cx_total{envoy_listener_address=\"127.0.0.1_10000\","
      "envoy_worker_id=\"0\"} 2\n"
      "envoy_listener_worker_downstream_cx_total{envoy_listener_address=\"127.0.0.1_10000\","
      "envoy_worker_id=\"1\"} 3\n"
      "# TYPE envoy_runtime_admin_load_success counter\n"
      "envoy_runtime_admin_load_success{} 1\n"
      "# TYPE envoy_tcp_downstream_cx_rx_bytes_total counter\n"
      "envoy_tcp_downstream_cx_rx_bytes_total{envoy_tcp_prefix=\"ingress_tcp\"} 100\n"
      "# TYPE envoy_cluster_upstream_cx_active gauge\n"
      "envoy_cluster_upstream_cx_active{envoy_cluster_name=\"backend\"} -1\n"
      "# TYPE envoy_server_live gauge\n"
      "envoy_server_live{} 1\n");
}

TEST(StatsPrometheusTest, HistogramBucketsAreCumulative) {
  Store store;
  Histogram& h = store.scope("cluster", "backend").histogram("upstream_rq_time");
  for (uint64_t v : {0, 3, 30, 30, 300, 999999999}) h.record(v);
  store.rootScope().histogram("plain_ms").record(1);

  EXPECT_EQ(
      store.renderPrometheus(),
      "# TYPE envoy_cluster_upstream_rq_time histogram\n"
      "envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"0.5\"} 1\n"
      "envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"1\"} 1\n"
      "envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"5\"} 2\n"
      "envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"10\"} 2\n"
      "envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"25\"} 2\n"
      "envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"50\"} 4\n"
      "envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"100\"} 4\n"
      "envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"250\"} 4\n"
      "envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"500\"} 5\n"
      "envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"1000\"} 5\n"
      "envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"2500\"} 5\n"
      "envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"5000\"} 5\n"
      "envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"10000\"} 5\n"
      "envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"30000\"} 5\n"
      "envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"60000\"} 5\n"
      "envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"300000\"} 5\n"
      "envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"600000\"} 5\n"
      "envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"1800000\"} 5\n"
      "envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"3600000\"} 5\n"
      "envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"+Inf\"} 6\n"
      "envoy_cluster_upstream_rq_time_sum{envoy_cluster_name=\"backend\"} 1000000362\n"
      "envoy_cluster_upstream_rq_time_count{envoy_cluster_name=\"backend\"} 6\n"
      "# TYPE envoy_plain_ms histogram\n"
      "envoy_plain_ms_bucket{le=\"0.5\"} 0\n"
      "envoy_plain_ms_bucket{le=\"1\"} 1\n"
      "envoy_plain_ms_bucket{le=\"5\"} 1\n"
      "envoy_plain_ms_bucket{le=\"10\"} 1\n"
      "envoy_plain_ms_bucket{le=\"25\"} 1\n"
      "envoy_plain_ms_bucket{le=\"50\"} 1\n"
      "envoy_plain_ms_bucket{le=\"100\"} 1\n"
      "envoy_plain_ms_bucket{le=\"250\"} 1\n"
      "envoy_plain_ms_bucket{le=\"500\"} 1\n"
      "envoy_plain_ms_bucket{le=\"1000\"} 1\n"
      "envoy_plain_ms_bucket{le=\"2500\"} 1\n"
      "envoy_plain_ms_bucket{le=\"5000\"} 1\n"
      "envoy_plain_ms_bucket{le=\"10000\"} 1\n"
      "envoy_plain_ms_bucket{le=\"30000\"} 1\n"
      "envoy_plain_ms_bucket{le=\"60000\"} 1\n"
      "envoy_plain_ms_bucket{le=\"300000\"} 1\n"
      "envoy_plain_ms_bucket{le=\"600000\"} 1\n"
      "envoy_plain_ms_bucket{le=\"1800000\"} 1\n"
      "envoy_plain_ms_bucket{le=\"3600000\"} 1\n"
      "envoy_plain_ms_bucket{le=\"+Inf\"} 1\n"
      "envoy_plain_ms_sum{} 1\n"
      "envoy_plain_ms_count{} 1\n");
}

TEST(StatsPrometheusTest, LabelValuesAreEscaped) {
  EXPECT_EQ(escapeLabelValue("plain.value-1"), "plain.value-1");
  EXPECT_EQ(escapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");

  Store store;
  store.scope("cluster", "we\"ird\\name\nx").counter("upstream_cx_total").inc();
  EXPECT_EQ(store.renderPrometheus(),
            "# TYPE envoy_cluster_upstream_cx_total counter\n"
            "envoy_cluster_upstream_cx_total{envoy_cluster_name=\"we\\\"ird\\\\name\\nx\"} 1\n");
}

TEST(StatsPrometheusTest, DottedClusterNamesStayInTheLabel) {
  // Istio cluster names contain dots and pipes; the parts come from the creator, so nothing
  // leaks into the metric name.
  Store store;
  store.scope("cluster", "outbound|80||web.default.svc.cluster.local").counter("upstream_cx_total");
  EXPECT_EQ(store.renderPrometheus(),
            "# TYPE envoy_cluster_upstream_cx_total counter\n"
            "envoy_cluster_upstream_cx_total{envoy_cluster_name="
            "\"outbound|80||web.default.svc.cluster.local\"} 0\n");
}

TEST(StatsPrometheusTest, NamesAreSanitized) {
  EXPECT_EQ(prometheusMetricName("cluster.upstream_cx_total"), "envoy_cluster_upstream_cx_total");
  EXPECT_EQ(prometheusMetricName("vulture.eats-liver"), "envoy_vulture_eats_liver");
  EXPECT_EQ(formatLabels({{"a.tag-name", "a.tag-value"}, {"9lives", "x"}}),
            "a_tag_name=\"a.tag-value\",_9lives=\"x\"");
  EXPECT_EQ(formatLabels({}), "");
}

}  // namespace
}  // namespace meshproxy::stats
