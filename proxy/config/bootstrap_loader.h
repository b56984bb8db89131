#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "envoy/config/bootstrap/v3/bootstrap.pb.h"
#include "proxy/network/address.h"

namespace meshproxy::config {

// The process-level part of a bootstrap; listeners and clusters go through their own
// translators so that static and xDS-delivered resources share one code path.
struct Bootstrap {
  envoy::config::bootstrap::v3::Bootstrap proto;
  std::optional<network::Address> admin_address;
};

// Reads a bootstrap in YAML or JSON and checks every top-level field is implemented.
absl::StatusOr<Bootstrap> loadBootstrapFile(const std::string& path);
absl::StatusOr<Bootstrap> parseBootstrap(std::string_view yaml_or_json);

}  // namespace meshproxy::config
