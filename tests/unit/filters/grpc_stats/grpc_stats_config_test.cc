// grpc_stats FilterConfig translation and the stat names each mode gives a call.
#include "proxy/filters/http/grpc_stats/grpc_stats_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "envoy/extensions/filters/http/grpc_stats/v3/config.pb.h"
#include "proxy/filters/http/grpc_stats/grpc_stats_filter.h"
#include "tests/unit/filters/proto_yaml.h"

namespace meshproxy::filters::grpc_stats {
namespace {

using envoy::extensions::filters::http::grpc_stats::v3::FilterConfig;
using ::testing::HasSubstr;

absl::Status translate(std::string_view yaml) {
  stats::Store store;
  config::TranslationContext context{.stats = store};
  google::protobuf::Any any;
  any.PackFrom(test::protoFromYaml<FilterConfig>(yaml));
  return createGrpcStatsFactory(any, context).status();
}

TEST(GrpcStatsConfigTest, Translation) {
  EXPECT_TRUE(translate("{}").ok());
  EXPECT_TRUE(translate("{stats_for_all_methods: true, enable_upstream_stats: true}").ok());
  EXPECT_TRUE(translate("{individual_method_stats_allowlist: {services: [{name: a.B, "
                        "method_names: [C]}]}, replace_dots_in_grpc_service_name: true}")
                  .ok());
  EXPECT_TRUE(translate("{emit_filter_state: false}").ok());
  auto status = translate("{emit_filter_state: true}");
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("emit_filter_state"));
}

TEST(GrpcStatsConfigTest, AllMethodsNamesServiceAndMethod) {
  stats::Store store;
  GrpcStatsConfig config(store, 2);
  config.mode = GrpcStatsConfig::Mode::kAllMethods;
  GrpcCallStats* s = config.statsFor(0, "backend", "/pkg.Svc/Get?x=1");
  ASSERT_NE(s, nullptr);
  GrpcStatsConfig::chargeStatus(*s, "0");
  GrpcStatsConfig::chargeStatus(*s, "14");
  GrpcStatsConfig::chargeStatus(*s, "not-a-code");
  std::string text = store.renderText();
  EXPECT_THAT(text, HasSubstr("cluster.backend.grpc.pkg.Svc.Get.success: 1"));
  EXPECT_THAT(text, HasSubstr("cluster.backend.grpc.pkg.Svc.Get.failure: 2"));
  EXPECT_THAT(text, HasSubstr("cluster.backend.grpc.pkg.Svc.Get.total: 3"));
  EXPECT_THAT(text, HasSubstr("cluster.backend.grpc.pkg.Svc.Get.0: 1"));
  EXPECT_THAT(text, HasSubstr("cluster.backend.grpc.pkg.Svc.Get.14: 1"));
  // The same call again: the same stats (the worker's cache); another worker: its own cache,
  // the same store objects.
  EXPECT_EQ(config.statsFor(0, "backend", "/pkg.Svc/Get"), s);
  EXPECT_EQ(&config.statsFor(1, "backend", "/pkg.Svc/Get")->success, &s->success);
  // A path that names no method is not counted in this mode.
  EXPECT_EQ(config.statsFor(0, "backend", "/only-one-part"), nullptr);
  EXPECT_EQ(config.statsFor(0, "backend", "/a/b/c"), nullptr);
  // No such worker, no cluster: nothing.
  EXPECT_EQ(config.statsFor(2, "backend", "/pkg.Svc/Get"), nullptr);
  EXPECT_EQ(config.statsFor(0, "", "/pkg.Svc/Get"), nullptr);
}

TEST(GrpcStatsConfigTest, ReplaceDotsInServiceName) {
  stats::Store store;
  GrpcStatsConfig config(store, 1);
  config.mode = GrpcStatsConfig::Mode::kAllMethods;
  config.replace_dots_in_grpc_service_name = true;
  config.statsFor(0, "c", "/pkg.v1.Svc/Get")->total.inc();
  EXPECT_THAT(store.renderText(), HasSubstr("cluster.c.grpc.pkg_v1_Svc.Get.total: 1"));
}

TEST(GrpcStatsConfigTest, AllowlistAndDefault) {
  stats::Store store;
  GrpcStatsConfig allow(store, 1);
  allow.mode = GrpcStatsConfig::Mode::kAllowlist;
  allow.allowlist.insert("pkg.Svc/Get");
  allow.statsFor(0, "c", "/pkg.Svc/Get")->total.inc();
  allow.statsFor(0, "c", "/pkg.Svc/Put")->total.inc();
  allow.statsFor(0, "c", "/garbage")->total.inc();
  std::string text = store.renderText();
  EXPECT_THAT(text, HasSubstr("cluster.c.grpc.pkg.Svc.Get.total: 1"));
  EXPECT_THAT(text, HasSubstr("cluster.c.grpc.total: 2"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("Put")));

  GrpcStatsConfig none(store, 1);  // neither option
  none.statsFor(0, "d", "/pkg.Svc/Get")->total.inc();
  EXPECT_THAT(store.renderText(), HasSubstr("cluster.d.grpc.total: 1"));
}

}  // namespace
}  // namespace meshproxy::filters::grpc_stats
