// Envoy's defaults and lenient spellings, applied to a parsed bootstrap before it is checked,
// so the translators see one spelling of each thing.
#pragma once

#include "absl/status/status.h"
#include "envoy/config/bootstrap/v3/bootstrap.pb.h"

namespace meshproxy::config {

// - TypedStruct-wrapped typed configs become the typed form (protobuf::unwrapTypedStructs).
// - A static listener without a name gets one, as Envoy does (Envoy takes a UUID; meshproxy
//   takes the address, "0.0.0.0_10000", Istio's convention, with a suffix if taken), so stats,
//   /listeners and /config_dump can tell listeners apart.
// - The deprecated admin.access_log_path becomes an admin.access_log file logger, its
//   replacement. An admin access log to /dev/null (Envoy's examples and Envoy Gateway write
//   one) is dropped: it has no effect to implement. Any other admin access log stays and is
//   rejected as unsupported.
absl::Status applyEnvoyDefaults(envoy::config::bootstrap::v3::Bootstrap& bootstrap);

}  // namespace meshproxy::config
