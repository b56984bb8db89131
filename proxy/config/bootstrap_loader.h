#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "envoy/config/bootstrap/v3/bootstrap.pb.h"
#include "proxy/config/bootstrap_sections.h"
#include "proxy/network/address.h"
#include "proxy/protobuf/supported_fields.h"

namespace meshproxy::config {

// The process-level part of a bootstrap; listeners and clusters go through their own
// translators so that static and xDS-delivered resources share one code path.
struct Bootstrap {
  envoy::config::bootstrap::v3::Bootstrap proto;
  std::optional<network::Address> admin_address;
  // cluster_manager, application_log_config ... (bootstrap_sections.h).
  BootstrapSettings settings;
};

// Reads a bootstrap in YAML or JSON and checks every top-level field is implemented.
absl::StatusOr<Bootstrap> loadBootstrapFile(const std::string& path);
absl::StatusOr<Bootstrap> parseBootstrap(std::string_view yaml_or_json);
// The file parsed, with Envoy's defaults applied and TypedStructs unwrapped, but no field
// checked: for reports that list every unsupported field (--print-unsupported).
absl::StatusOr<envoy::config::bootstrap::v3::Bootstrap> readBootstrapFileUnchecked(
    const std::string& path);

// The bootstrap's own fields (listeners and clusters are delegated to their tables). For reports that list every unsupported field (--print-unsupported).
const protobuf::SupportedFields& bootstrapSupportedFields();

}  // namespace meshproxy::config
