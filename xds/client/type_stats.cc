#include "xds/client/type_stats.h"

#include "absl/hash/hash.h"
#include "xds/client/type_urls.h"

namespace meshproxy::xds {
namespace {

std::string statPrefix(std::string_view type_url) {
  if (type_url == kClusterType) return "cluster_manager.cds";
  if (type_url == kListenerType) return "listener_manager.lds";
  if (type_url == kRouteType) return "control_plane.rds";
  if (type_url == kEndpointType) return "control_plane.eds";
  if (type_url == kSecretType) return "control_plane.sds";
  return "control_plane.other";
}

}  // namespace

TypeStats::TypeStats(const stats::Scope& root, std::string_view type_url)
    : update_attempt(root.scope(statPrefix(type_url)).counter("update_attempt")),
      update_success(root.scope(statPrefix(type_url)).counter("update_success")),
      update_rejected(root.scope(statPrefix(type_url)).counter("update_rejected")),
      version(root.scope(statPrefix(type_url)).gauge("version")) {}

void TypeStats::accepted(const std::string& version_info) {
  update_success.inc();
  version.set(static_cast<int64_t>(absl::HashOf(version_info) & 0x7fffffffffffffff));
}

int typeOrder(std::string_view type_url) {
  if (type_url == kClusterType) return 0;
  if (type_url == kEndpointType) return 1;
  if (type_url == kListenerType) return 2;
  if (type_url == kRouteType) return 3;
  return 4;
}

}  // namespace meshproxy::xds
