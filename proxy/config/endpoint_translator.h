#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "proxy/upstream/host.h"
#include "proxy/protobuf/supported_fields.h"

namespace envoy::config::endpoint::v3 {
class ClusterLoadAssignment;
}

namespace meshproxy::config {

// A ClusterLoadAssignment (inline load_assignment of a STATIC cluster, or an EDS resource)
// -> its usable hosts. Endpoints EDS marks UNHEALTHY, DRAINING or TIMEOUT are left out.
absl::StatusOr<upstream::HostVector> translateLoadAssignment(
    const envoy::config::endpoint::v3::ClusterLoadAssignment& proto, const std::string& where);

// Just the unsupported-field check (STRICT_DNS endpoints hold names, not addresses).
absl::Status checkLoadAssignmentFields(const envoy::config::endpoint::v3::ClusterLoadAssignment& proto);

// The ClusterLoadAssignment fields meshproxy implements. For reports that list every unsupported field (--print-unsupported).
const protobuf::SupportedFields& endpointSupportedFields();

}  // namespace meshproxy::config
