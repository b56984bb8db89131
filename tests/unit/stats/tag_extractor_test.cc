// stats_config.stats_tags as Envoy applies them, with Istio's and Envoy Gateway's extractors.
#include "proxy/stats/tag_extractor.h"

#include <gtest/gtest.h>

#include "proxy/stats/store.h"

namespace meshproxy::stats {
namespace {

StatName applied(const TagExtractors& t, StatName name) {
  t.apply(name);
  return name;
}

TEST(TagExtractorTest, IstioExtractorsOnTheFullName) {
  // From Istio's sidecar bootstrap (use_all_default_tags: false).
  auto t = TagExtractors::create(
      {{"http_conn_manager_listener_prefix",
        R"(^listener(?=\.).*?\.http\.(((?:[_.[:digit:]]*|[_\[\]aAbBcCdDeEfF[:digit:]]*))\.))", ""},
       {"listener_address", R"(^listener\.(((?:[_.[:digit:]]*|[_\[\]aAbBcCdDeEfF[:digit:]]*))\.))",
        ""},
       {"response_code", R"(_rq(_(\d{3}))$)", ""}},
      false);
  ASSERT_TRUE(t.ok()) << t.status();
  StatName n = applied(**t, {"listener.0.0.0.0_15090.http.1.downstream_rq_200",
                             "listener.http.downstream_rq",
                             {{"envoy_listener_address", "x"}}});
  EXPECT_EQ(n.tag_extracted, "listener.http.downstream_rq");
  ASSERT_EQ(n.tags.size(), 3u);
  EXPECT_EQ(n.tags[0], (Tag{"http_conn_manager_listener_prefix", "1"}));
  EXPECT_EQ(n.tags[1], (Tag{"listener_address", "0.0.0.0_15090"}));
  EXPECT_EQ(n.tags[2], (Tag{"response_code", "200"}));
}

TEST(TagExtractorTest, WithDefaultTagsTheExtractorsSeeWhatTheyLeft) {
  // Envoy Gateway's (use_all_default_tags: true).
  auto t = TagExtractors::create({{"from_zone", R"(\.zone(\.(([^\.]+)\.)))", ""}}, true);
  ASSERT_TRUE(t.ok()) << t.status();
  StatName n = applied(**t, {"cluster.c.zone.a.upstream_rq",
                             "cluster.zone.a.upstream_rq",
                             {{"envoy_cluster_name", "c"}}});
  // Envoy cuts the first group, dots included, from the name the default tags left.
  EXPECT_EQ(n.tag_extracted, "cluster.zoneupstream_rq");
  ASSERT_EQ(n.tags.size(), 2u);
  EXPECT_EQ(n.tags[0], (Tag{"envoy_cluster_name", "c"}));
  EXPECT_EQ(n.tags[1], (Tag{"from_zone", "a."}));
}

TEST(TagExtractorTest, MetricsNamedByAnotherConventionAreLeftAlone) {
  auto t = TagExtractors::create({{"fixed", "", "v"}}, false);
  ASSERT_TRUE(t.ok());
  StatName n{"istio_requests_total", "istio_requests_total", {}, "istio_requests_total"};
  EXPECT_TRUE(applied(**t, n).tags.empty());
}

TEST(TagExtractorTest, ARegexWithoutACaptureGroupIsRefused) {
  auto t = TagExtractors::create({{"t", "abc", ""}}, true);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("needs a capture group"), std::string::npos);
}

TEST(TagExtractorTest, LabelNamesAreSanitized) {
  EXPECT_EQ(sanitizeLabelName("envoy.cluster-name"), "envoy_cluster_name");
}

TEST(StoreNamePolicyTest, AcceptHidesStatsThatStillCount) {
  Store store;
  Counter& before = store.rootScope().counter("server.hidden");
  store.setNamePolicy({.accept = [](std::string_view n) { return n.rfind("server.", 0) != 0; }});
  Counter& after = store.rootScope().counter("cluster_manager.cds_update");
  Counter& hidden_after = store.rootScope().counter("server.live");
  before.inc();
  hidden_after.inc();
  after.inc();
  StatSet all = store.all();
  ASSERT_EQ(all.counters.size(), 1u);
  EXPECT_EQ(all.counters[0]->name().full, "cluster_manager.cds_update");
  EXPECT_EQ(before.value(), 1u) << "a hidden stat still counts";
  EXPECT_EQ(store.renderPrometheus().find("server"), std::string::npos);
}

}  // namespace
}  // namespace meshproxy::stats
