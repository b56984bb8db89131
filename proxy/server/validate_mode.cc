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
#include "proxy/server/cluster_resources.h"
#include "proxy/server/xds_sources.h"
#include "proxy/stats/store.h"
#include "proxy/tls/secret_manager.h"
#include "proxy/runtime/loader.h"

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
    case upstream::DiscoveryType::kLogicalDns:
      return "LOGICAL_DNS";
  }
  return "?";
}

// Validate mode applies no update: the sources never start.
class NoUpdates : public xds::ResourceHandler {
 public:
  absl::Status onConfigUpdate(std::string_view, const std::vector<google::protobuf::Any>&,
                              const std::string&) override {
    return absl::OkStatus();
  }
  absl::Status onDeltaUpdate(std::string_view, const xds::DeltaUpdate&) override {
    return absl::OkStatus();
  }
};

// Everything `serve` checks before it binds; the summary lines on success.
absl::StatusOr<std::vector<std::string>> validate(const Options& options) {
  filters::registerBuiltinExtensions();
  auto bootstrap = config::loadBootstrapFile(options.config_path);
  if (!bootstrap.ok()) return bootstrap.status();
  // Translation reads the runtime as serve does (re2.max_program_size.error_level).
  auto loaded_runtime = runtime::Loader::create(bootstrap->proto);
  if (!loaded_runtime.ok()) return loaded_runtime.status();
  (*loaded_runtime)->activate(nullptr);
  // Certificate files are read and SDS names recorded as in serve; the loop never runs.
  EventLoop loop;
  stats::Store stats;
  tls::SecretManager secrets(loop.uv(), &stats);
  if (auto s = secrets.addStaticSecrets({bootstrap->proto.static_resources().secrets().begin(),
                                         bootstrap->proto.static_resources().secrets().end()});
      !s.ok()) {
    return s;
  }
  config::TranslationContext context{.stats = stats,
                                     .concurrency = options.concurrency,
                                     .secrets = &secrets,
                                     .node_metadata = &bootstrap->proto.node().metadata(),
.bootstrap_tracing = bootstrap->proto.tracing().has_http() ? &bootstrap->proto.tracing().http() : nullptr,
.node_id = bootstrap->proto.node().id(),
.node_cluster = bootstrap->proto.node().cluster(),
.node_zone = bootstrap->proto.node().locality().zone()};
  // The config sources are read and checked as in serve (each TLS context's sds_config
  // against them), resolved below; nothing connects and no file is read.
  NoUpdates no_updates;
  XdsSources sources(loop, stats, no_updates);
  if (auto s = sources.configure(bootstrap->proto); !s.ok()) return s;
  secrets.setSdsSourceValidator([&sources](const envoy::config::core::v3::ConfigSource* source) {
    return sources.checkSdsSource(source);
  });

  std::vector<std::string> lines;
  const auto& resources = bootstrap->proto.static_resources();
  ClusterResources cluster_type(context);
  ClusterStore clusters;
  bool needs_ads = false;
  std::vector<std::string> cluster_lines;
  for (const auto& proto : resources.clusters()) {
    auto cluster = cluster_type.translate(proto);
    if (!cluster.ok()) return cluster.status();
    Dependencies dependencies = cluster_type.dependencies(*cluster);
    needs_ads |= !dependencies.endpoints.empty();
    clusters.addStatic(proto.name(), proto, *cluster, std::move(dependencies));
    cluster_lines.push_back(
        absl::StrCat("  cluster '", proto.name(), "' ", typeName((*cluster)->type)));
  }
  std::vector<std::string> listener_lines;
  for (const auto& proto : resources.listeners()) {
    auto listener = config::translateListener(proto, context);
    if (!listener.ok()) return listener.status();
    const auto& l = **listener;
    needs_ads |= !l.rds_route_configs.empty();
    listener_lines.push_back(absl::StrCat("  listener '", l.name, "' on ", l.address.str(),
                                          l.bind_to_port ? "" : " (not bound)"));
  }
  lines.push_back(absl::StrCat("listeners: ", listener_lines.size()));
  lines.insert(lines.end(), listener_lines.begin(), listener_lines.end());
  lines.push_back(absl::StrCat("clusters: ", cluster_lines.size()));
  lines.insert(lines.end(), cluster_lines.begin(), cluster_lines.end());
  auto sources_lines = sources.describe(clusters);
  if (!sources_lines.ok()) return sources_lines.status();
  lines.insert(lines.end(), sources_lines->begin(), sources_lines->end());
  if (!sources.hasAds() && needs_ads) {
    return absl::InvalidArgumentError(
        "a listener uses rds or a cluster uses EDS, but the bootstrap has no "
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

absl::Status validateConfig(const Options& options) { return validate(options).status(); }

}  // namespace meshproxy::server
