#include "xds/server/type_urls.h"

namespace meshproxy::xds_server {

bool isLegacyWildcardType(std::string_view type_url) {
  return type_url == kListenerType || type_url == kClusterType;
}

int pushOrder(std::string_view type_url) {
  if (type_url == kClusterType) return 0;
  if (type_url == kClusterLoadAssignmentType) return 1;
  if (type_url == kSecretType) return 2;
  if (type_url == kListenerType) return 3;
  if (type_url == kRouteConfigurationType) return 4;
  return 5;
}

std::string_view shortTypeName(std::string_view type_url) {
  if (type_url == kListenerType) return "LDS";
  if (type_url == kClusterType) return "CDS";
  if (type_url == kRouteConfigurationType) return "RDS";
  if (type_url == kClusterLoadAssignmentType) return "EDS";
  if (type_url == kSecretType) return "SDS";
  size_t dot = type_url.rfind('.');
  return dot == std::string_view::npos ? type_url : type_url.substr(dot + 1);
}

}  // namespace meshproxy::xds_server
