#include "proxy/server/xds_sources.h"

#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "proxy/core/log.h"
#include "proxy/core/strings.h"
#include "proxy/protobuf/config_source.h"
#include "proxy/server/grpc_source.h"
#include "xds/client/type_urls.h"

namespace meshproxy::server {
namespace {

using envoy::config::core::v3::ConfigSource;

// path_config_source, or the deprecated ConfigSource.path.
bool isFile(const ConfigSource& config) {
  return config.has_path_config_source() ||
         config.config_source_specifier_case() == ConfigSource::kPath;
}
std::string filePath(const ConfigSource& config) {
  return config.has_path_config_source() ? config.path_config_source().path() : config.path();
}
std::string watchedDirectory(const ConfigSource& config) {
  return config.has_path_config_source() ? config.path_config_source().watched_directory().path()
                                         : "";
}

}  // namespace

XdsSources::XdsSources(EventLoop& loop, stats::Store& stats, xds::ResourceHandler& handler)
    : loop_(loop), stats_(stats), handler_(handler) {}

XdsSources::~XdsSources() {
  // The stream threads post to the loop; stop them before what they reach goes away.
  secret_sources_.clear();
  lds_.client.reset();
  cds_.client.reset();
  ads_.reset();
}

absl::Status XdsSources::configure(const envoy::config::bootstrap::v3::Bootstrap& bootstrap) {
  node_ = bootstrap.node();
  if (!bootstrap.has_dynamic_resources()) return absl::OkStatus();
  const auto& dynamic = bootstrap.dynamic_resources();
  if (dynamic.has_ads_config()) {
    if (auto s = checkGrpcSource(dynamic.ads_config(), /*aggregated=*/true,
                                 "dynamic_resources.ads_config");
        !s.ok()) {
      return s;
    }
    ads_config_ = dynamic.ads_config();
    has_ads_ = true;
  }
  if (dynamic.has_cds_config()) {
    if (auto s = configureType(dynamic.cds_config(), xds::kClusterType,
                               "dynamic_resources.cds_config", cds_);
        !s.ok()) {
      return s;
    }
  }
  if (dynamic.has_lds_config()) {
    if (auto s = configureType(dynamic.lds_config(), xds::kListenerType,
                               "dynamic_resources.lds_config", lds_);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status XdsSources::configureType(const ConfigSource& config, std::string_view type_url,
                                       std::string_view where, TypeSource& out) {
  out.config = config;
  if (config.has_ads()) {
    if (!has_ads_) {
      return absl::InvalidArgumentError(
          absl::StrCat(toAbsl(where), ".ads needs dynamic_resources.ads_config"));
    }
    out.kind = Kind::kAds;
  } else if (config.has_api_config_source()) {
    if (auto s = checkGrpcSource(config.api_config_source(), /*aggregated=*/false,
                                 absl::StrCat(toAbsl(where), ".api_config_source"));
        !s.ok()) {
      return s;
    }
    out.kind = Kind::kGrpc;
  } else if (isFile(config)) {
    if (auto s = checkFileSource(filePath(config), watchedDirectory(config), where); !s.ok())
      return s;
    out.kind = Kind::kFile;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(toAbsl(where), ": needs ads, api_config_source or path_config_source (",
                     toAbsl(type_url), ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<xds::XdsClient>> XdsSources::makeGrpcClient(
    const envoy::config::core::v3::ApiConfigSource& api, std::string_view type_url,
    std::string_view where) {
  auto resolved = resolveGrpcSource(api, /*aggregated=*/false, *clusters_, where);
  if (!resolved.ok()) return resolved.status();
  xds::ClientOptions options{
      .grpc = resolved->grpc,
      .service = xds::serviceForType(type_url),
      .set_node_on_first_message_only = resolved->set_node_on_first_message_only,
      .label = absl::StrCat(toAbsl(where), " (", resolved->grpc.target, ")"),
      .report_connected_state = false,
  };
  log::info("xds: {} from {} over {}{}", toAbsl(type_url), resolved->grpc.target,
            xds::serviceName(options.service), resolved->delta ? " (delta)" : "");
  return xds::makeXdsClient(resolved->delta, loop_, node_, std::move(options), stats_);
}

absl::Status XdsSources::start(const ClusterStore& clusters) {
  clusters_ = &clusters;
  if (has_ads_) {
    auto resolved = resolveGrpcSource(ads_config_, /*aggregated=*/true, clusters,
                                      "dynamic_resources.ads_config");
    if (!resolved.ok()) return resolved.status();
    ads_ = xds::makeXdsClient(
        resolved->delta, loop_, node_,
        {.grpc = resolved->grpc,
         .service = xds::DiscoveryService::kAggregated,
         .set_node_on_first_message_only = resolved->set_node_on_first_message_only,
         .label = "ADS",
         .report_connected_state = true},
        stats_);
    if (cds_.kind == Kind::kAds) ads_->subscribe(xds::kClusterType, handler_, true);
    ads_->subscribe(xds::kEndpointType, handler_, false);
    if (lds_.kind == Kind::kAds) ads_->subscribe(xds::kListenerType, handler_, true);
    ads_->subscribe(xds::kRouteType, handler_, false);
    // Secrets are asked for as soon as a cluster or listener names one (setSecretNames).
    ads_->subscribe(xds::kSecretType, handler_, false);
    log::info("xds: ADS to {} ({}; cds: {}, lds: {})", resolved->grpc.target,
              resolved->delta ? "delta" : "state of the world", cds_.kind == Kind::kAds,
              lds_.kind == Kind::kAds);
    ads_->start();
  }
  // Clusters before listeners, as Envoy initializes them.
  if (auto s = startType(cds_, xds::kClusterType, "dynamic_resources.cds_config"); !s.ok())
    return s;
  return startType(lds_, xds::kListenerType, "dynamic_resources.lds_config");
}

absl::StatusOr<std::vector<std::string>> XdsSources::describe(const ClusterStore& clusters) {
  clusters_ = &clusters;
  std::vector<std::string> lines;
  if (has_ads_) {
    auto resolved = resolveGrpcSource(ads_config_, /*aggregated=*/true, clusters,
                                      "dynamic_resources.ads_config");
    if (!resolved.ok()) return resolved.status();
    std::vector<std::string> apis;
    if (resolved->delta) apis.push_back("delta");
    if (cds_.kind == Kind::kAds) apis.push_back("CDS");
    if (lds_.kind == Kind::kAds) apis.push_back("LDS");
    lines.push_back(
        absl::StrCat("ADS to ", resolved->grpc.target,
                     apis.empty() ? "" : absl::StrCat(" (", absl::StrJoin(apis, ", "), ")")));
  }
  for (const auto& [source, name, where] :
       {std::tuple{&cds_, "CDS", "dynamic_resources.cds_config"},
        std::tuple{&lds_, "LDS", "dynamic_resources.lds_config"}}) {
    if (source->kind == Kind::kGrpc) {
      auto resolved = resolveGrpcSource(source->config.api_config_source(), /*aggregated=*/false,
                                        clusters, absl::StrCat(where, ".api_config_source"));
      if (!resolved.ok()) return resolved.status();
      lines.push_back(
          absl::StrCat(name, " from ", resolved->grpc.target, resolved->delta ? " (delta)" : ""));
    } else if (source->kind == Kind::kFile) {
      lines.push_back(absl::StrCat(name, " from file ", filePath(source->config)));
    }
  }
  return lines;
}

absl::Status XdsSources::startType(TypeSource& source, std::string_view type_url,
                                   std::string_view where) {
  if (source.kind == Kind::kGrpc) {
    auto client = makeGrpcClient(source.config.api_config_source(), type_url,
                                 absl::StrCat(toAbsl(where), ".api_config_source"));
    if (!client.ok()) return client.status();
    source.client = std::move(*client);
    source.client->subscribe(type_url, handler_, /*wildcard=*/true);
    source.client->start();
  } else if (source.kind == Kind::kFile) {
    source.file = std::make_unique<FileSource>(loop_, filePath(source.config),
                                               watchedDirectory(source.config),
                                               std::string(type_url), handler_, stats_);
    return source.file->start();
  }
  return absl::OkStatus();
}

absl::Status XdsSources::checkSdsSource(const ConfigSource* source) const {
  if (source == nullptr) {
    if (!has_ads_) return absl::InvalidArgumentError("ads needs dynamic_resources.ads_config");
    return absl::OkStatus();
  }
  if (source->has_api_config_source()) {
    if (clusters_ != nullptr) {
      return resolveGrpcSource(source->api_config_source(), false, *clusters_, "api_config_source")
          .status();
    }
    return checkGrpcSource(source->api_config_source(), false, "api_config_source");
  }
  if (isFile(*source)) return checkFileSource(filePath(*source), watchedDirectory(*source), "path");
  return absl::InvalidArgumentError("needs ads, api_config_source or path_config_source");
}

absl::StatusOr<XdsSources::SecretSource> XdsSources::makeSecretSource(const ConfigSource& config) {
  SecretSource out;
  if (config.has_api_config_source()) {
    if (clusters_ == nullptr) return absl::FailedPreconditionError("SDS source before start");
    auto client = makeGrpcClient(config.api_config_source(), xds::kSecretType,
                                 "sds_config.api_config_source");
    if (!client.ok()) return client.status();
    out.client = std::move(*client);
    out.client->subscribe(xds::kSecretType, handler_, /*wildcard=*/false);
    return out;
  }
  if (isFile(config)) {
    out.file = std::make_unique<FileSource>(loop_, filePath(config), watchedDirectory(config),
                                            std::string(xds::kSecretType), handler_, stats_);
    return out;
  }
  return absl::InvalidArgumentError(
      "sds_config needs ads, api_config_source or path_config_source");
}

void XdsSources::setResourceNames(std::string_view type_url, const std::set<std::string>& names) {
  if (ads_ != nullptr) {
    ads_->setResourceNames(type_url, names);
  } else if (!names.empty()) {
    log::warn("xds: {} '{}' is wanted from ADS, but the bootstrap has no ads_config",
              toAbsl(type_url), *names.begin());
  }
}

absl::Status XdsSources::setSecretNames(const std::map<std::string, const ConfigSource*>& names) {
  std::set<std::string> from_ads;
  std::map<std::string, std::pair<const ConfigSource*, std::set<std::string>>> by_source;
  for (const auto& [name, source] : names) {
    if (source == nullptr) {
      from_ads.insert(name);
    } else {
      auto& group = by_source[protobuf::configSourceKey(*source)];
      group.first = source;
      group.second.insert(name);
    }
  }
  if (ads_ != nullptr) ads_->setResourceNames(xds::kSecretType, from_ads);
  // Sources no secret comes from any more stop (their secrets stay with the SecretManager
  // while a context still holds them).
  std::erase_if(secret_sources_, [&](const auto& kv) { return !by_source.contains(kv.first); });
  absl::Status status;
  for (const auto& [key, group] : by_source) {
    auto it = secret_sources_.find(key);
    if (it == secret_sources_.end()) {
      auto source = makeSecretSource(*group.first);
      if (!source.ok()) {
        status.Update(source.status());
        continue;
      }
      it = secret_sources_.emplace(key, std::move(*source)).first;
      if (it->second.client != nullptr) {
        it->second.client->setResourceNames(xds::kSecretType, group.second);
        it->second.client->start();
      } else if (auto s = it->second.file->start(/*load_now=*/false); !s.ok()) {
        status.Update(s);
      }
      continue;
    }
    if (it->second.client != nullptr)
      it->second.client->setResourceNames(xds::kSecretType, group.second);
  }
  return status;
}

std::string XdsSources::acceptedVersion(std::string_view type_url) const {
  const TypeSource* source = type_url == xds::kClusterType    ? &cds_
                             : type_url == xds::kListenerType ? &lds_
                                                              : nullptr;
  if (source == nullptr || source->kind == Kind::kAds)
    return ads_ == nullptr ? "" : ads_->acceptedVersion(type_url);
  if (source->client != nullptr) return source->client->acceptedVersion(type_url);
  if (source->file != nullptr) return source->file->acceptedVersion();
  return "";
}

}  // namespace meshproxy::server
