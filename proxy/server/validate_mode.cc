#include "proxy/server/validate_mode.h"

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "proxy/config/bootstrap_loader.h"
#include "proxy/config/listener_translator.h"
#include "proxy/core/event_loop.h"
#include "proxy/filters/builtin_extensions.h"
#include "proxy/server/ads_target.h"
#include "proxy/server/cluster_resources.h"
#include "proxy/stats/store.h"
#include "proxy/tls/secret_manager.h"

namespace meshproxy::server {
namespace {

const char* typeName(upstream::DiscoveryType type) {
  switch (type) {
    case upstream::DiscoveryType::kStatic:
      return "STATIC";
    case upstream::DiscoveryType::kStrictDns:
      return "STRICT_DNS";
    case upstream::DiscoveryType::kEds:
      return "EDS";
    case upstream::DiscoveryType::kOriginalDst:
      return "ORIGINAL_DST";
  }
  return "?";
}

// Everything `serve` checks before it binds; the summary lines on success.
absl::StatusOr<std::vector<std::string>> validate(const Options& options) {
  filters::registerBuiltinExtensions();
  auto bootstrap = config::loadBootstrapFile(options.config_path);
  if (!bootstrap.ok()) return bootstrap.status();
  // Certificate files are read and SDS names recorded as in serve; the loop never runs.
  EventLoop loop;
  stats::Store stats;
  tls::SecretManager secrets(loop.uv(), &stats);
  config::TranslationContext context{
      .stats = stats, .concurrency = options.concurrency, .secrets = &secrets};

  std::vector<std::string> lines;
  const auto& resources = bootstrap->proto.static_resources();
  ClusterResources cluster_type(context);
  ClusterStore clusters;
  bool needs_xds = false;
  std::vector<std::string> cluster_lines;
  for (const auto& proto : resources.clusters()) {
    auto cluster = cluster_type.translate(proto);
    if (!cluster.ok()) return cluster.status();
    Dependencies dependencies = cluster_type.dependencies(*cluster);
    needs_xds |= !dependencies.waitsForNothing();
    clusters.addStatic(proto.name(), proto, *cluster, std::move(dependencies));
    cluster_lines.push_back(
        absl::StrCat("  cluster '", proto.name(), "' ", typeName((*cluster)->type)));
  }
  std::vector<std::string> listener_lines;
  for (const auto& proto : resources.listeners()) {
    auto listener = config::translateListener(proto, context);
    if (!listener.ok()) return listener.status();
    const auto& l = **listener;
    needs_xds |= !l.rds_route_configs.empty() || !l.secrets.empty();
    listener_lines.push_back(absl::StrCat("  listener '", l.name, "' on ", l.address.str(),
                                          l.bind_to_port ? "" : " (not bound)"));
  }
  lines.push_back(absl::StrCat("listeners: ", listener_lines.size()));
  lines.insert(lines.end(), listener_lines.begin(), listener_lines.end());
  lines.push_back(absl::StrCat("clusters: ", cluster_lines.size()));
  lines.insert(lines.end(), cluster_lines.begin(), cluster_lines.end());
  if (bootstrap->proto.has_dynamic_resources()) {
    const auto& dynamic = bootstrap->proto.dynamic_resources();
    auto target = adsTarget(dynamic.ads_config(), clusters);
    if (!target.ok()) return target.status();
    std::vector<std::string> apis;
    if (dynamic.has_cds_config()) apis.push_back("CDS");
    if (dynamic.has_lds_config()) apis.push_back("LDS");
    lines.push_back(
        absl::StrCat("ADS to ", *target,
                     apis.empty() ? "" : absl::StrCat(" (", absl::StrJoin(apis, ", "), ")")));
  } else if (needs_xds) {
    return absl::InvalidArgumentError(
        "a listener uses rds or SDS, or a cluster uses EDS or SDS, but the bootstrap has no "
        "dynamic_resources.ads_config");
  }
  if (bootstrap->admin_address) lines.push_back("admin on " + bootstrap->admin_address->str());
  return lines;
}

}  // namespace

int runValidateMode(const Options& options) {
  auto lines = validate(options);
  if (!lines.ok()) {
    std::fprintf(stderr, "%s: invalid: %s\n", options.config_path.c_str(),
                 std::string(lines.status().message()).c_str());
    return 1;
  }
  std::printf("%s: valid\n", options.config_path.c_str());
  for (const auto& line : *lines) std::printf("%s\n", line.c_str());
  return 0;
}

}  // namespace meshproxy::server
