// Reads one resource file. Three shapes are accepted, in YAML or JSON:
//   - one resource: a mapping with its `@type`;
//   - a sequence of such mappings;
//   - a mapping with a `resources:` sequence (Envoy's file-based xDS shape, a DiscoveryResponse;
//     its `version_info` and `type_url` are allowed and ignored).
// Every resource carries its `@type`; fields are checked against the proto (an unknown field is
// an error, as in Envoy's strict loading).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "xds/server/resource.h"

namespace meshproxy::xds_server {

// Errors name the resource's position ("resources[2]") and the reason; the caller adds the file.
absl::StatusOr<std::vector<Resource>> parseResourceFile(const std::string& path);

// The same, for JSON text already read; `source` is recorded in each Resource.
absl::StatusOr<std::vector<Resource>> parseResourceJson(std::string_view json,
                                                        const std::string& source);

}  // namespace meshproxy::xds_server
