#include "xds/server/resource_version.h"

#include "xds/server/content_hash.h"

namespace meshproxy::xds_server {

std::string computeVersion(const ResourceMap& resources) {
  std::string input;
  for (const auto& [name, resource] : resources) {
    input += resource->type_url;
    input += '\0';
    input += name;
    input += '\0';
    input += resource->content_hash;
    input += '\n';
  }
  return sha256Hex(input).substr(0, 16);
}

}  // namespace meshproxy::xds_server
