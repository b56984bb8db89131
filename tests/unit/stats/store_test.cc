#include "proxy/stats/store.h"

#include <gtest/gtest.h>

#include <string>

namespace meshproxy::stats {
namespace {

TEST(StatsStoreTest, SameNameReturnsSameObject) {
  Store store;
  Counter& first = store.scope("cluster", "backend").counter("upstream_cx_total");
  first.add(7);
  // A config reload builds a new scope for the same cluster; its counter must carry on.
  Counter& again = store.scope("cluster", "backend").counter("upstream_cx_total");
  EXPECT_EQ(&first, &again);
  EXPECT_EQ(again.value(), 7u);

  EXPECT_EQ(&store.rootScope().gauge("server.live"),
            &store.rootScope().scope("server").gauge("live"));
  EXPECT_EQ(&store.scope("cluster", "backend").histogram("upstream_rq_time"),
            &store.scope("cluster", "backend").histogram("upstream_rq_time"));
  EXPECT_NE(&store.scope("cluster", "other").counter("upstream_cx_total"), &first);
}

TEST(StatsStoreTest, ScopesBuildEnvoyNames) {
  Store store;
  Scope listener = store.scope("listener", "127.0.0.1_10000");
  const StatName& worker = listener.workerScope(3).counter("downstream_cx_total").name();
  EXPECT_EQ(worker.full, "listener.127.0.0.1_10000.worker_3.downstream_cx_total");
  EXPECT_EQ(worker.tag_extracted, "listener.worker.downstream_cx_total");
  EXPECT_EQ(worker.tags, (std::vector<Tag>{{"envoy_listener_address", "127.0.0.1_10000"},
                                           {"envoy_worker_id", "3"}}));

  const StatName& rq503 =
      store.scope("cluster", "backend").responseCodeCounter("upstream_rq", 503).name();
  EXPECT_EQ(rq503.full, "cluster.backend.upstream_rq_503");
  EXPECT_EQ(rq503.tag_extracted, "cluster.upstream_rq");
  EXPECT_EQ(rq503.tags,
            (std::vector<Tag>{{"envoy_cluster_name", "backend"}, {"envoy_response_code", "503"}}));

  // A name Envoy does not tag keeps every segment in the metric name.
  const StatName& plain = store.scope("runtime", "admin").counter("load_success").name();
  EXPECT_EQ(plain.full, "runtime.admin.load_success");
  EXPECT_EQ(plain.tag_extracted, "runtime.admin.load_success");
  EXPECT_TRUE(plain.tags.empty());
}

TEST(StatsStoreTest, TextOutputSortedWithHistogramsLast) {
  Store store;
  store.scope("tcp", "ingress_tcp").counter("downstream_cx_rx_bytes_total").add(100);
  store.scope("cluster", "backend").gauge("upstream_cx_active").set(-2);
  store.scope("cluster", "backend").counter("upstream_cx_total").add(3);
  store.scope("http", "ingress_http").responseCodeClassCounter("downstream_rq", 2).add(7);
  store.scope("listener", "127.0.0.1_10000").workerScope(0).counter("downstream_cx_total").inc();
  store.scope("listener", "127.0.0.1_10000").counter("downstream_cx_total").inc();
  Histogram& slow = store.scope("cluster", "backend").histogram("upstream_rq_time");
  for (int i = 0; i < 100; ++i) slow.record(20);
  Histogram& fast = store.scope("cluster", "a").histogram("upstream_rq_time");
  for (int i = 0; i < 10; ++i) fast.record(1);
  store.scope("cluster", "backend").histogram("upstream_cx_length_ms");

  EXPECT_EQ(store.renderText(),
            "cluster.backend.upstream_cx_active: -2\n"
            "cluster.backend.upstream_cx_total: 3\n"
            "http.ingress_http.downstream_rq_2xx: 7\n"
            "listener.127.0.0.1_10000.downstream_cx_total: 1\n"
            "listener.127.0.0.1_10000.worker_0.downstream_cx_total: 1\n"
            "tcp.ingress_tcp.downstream_cx_rx_bytes_total: 100\n"
            "cluster.a.upstream_rq_time: P0(nan,1) P25(nan,1) P50(nan,1) P75(nan,1) P90(nan,1) "
            "P95(nan,1) P99(nan,1) P99.5(nan,1) P99.9(nan,1) P100(nan,1)\n"
            "cluster.backend.upstream_cx_length_ms: No recorded values\n"
            "cluster.backend.upstream_rq_time: P0(nan,11) P25(nan,14.5) P50(nan,18) "
            "P75(nan,21.5) P90(nan,23.6) P95(nan,24.3) P99(nan,24.86) P99.5(nan,24.93) "
            "P99.9(nan,24.986) P100(nan,25)\n");
}

TEST(StatsStoreTest, TextFilterIsAnUnanchoredRegex) {
  Store store;
  store.scope("cluster", "backend").counter("upstream_cx_total").inc();
  store.scope("cluster", "backend").gauge("upstream_cx_active");
  store.scope("http", "ingress_http").counter("downstream_rq_total");

  absl::StatusOr<std::string> text = store.renderText("upstream_cx_(total|active)");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text,
            "cluster.backend.upstream_cx_active: 0\n"
            "cluster.backend.upstream_cx_total: 1\n");

  absl::StatusOr<std::string> prom = store.renderPrometheus("^http\\.");
  ASSERT_TRUE(prom.ok()) << prom.status();
  EXPECT_EQ(*prom,
            "# TYPE envoy_http_downstream_rq_total counter\n"
            "envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix=\"ingress_http\"} 0\n");

  EXPECT_EQ(store.renderText("(").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store.renderPrometheus("(").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(StatsStoreTest, EmptyStoreRendersNothing) {
  Store store;
  EXPECT_EQ(store.renderText(), "");
  EXPECT_EQ(store.renderPrometheus(), "");
}

}  // namespace
}  // namespace meshproxy::stats
