// A content hash that is stable across processes and machines (absl::Hash is seeded per
// process), so a restarted control plane computes the same versions for the same content.
#pragma once

#include <string>
#include <string_view>

namespace meshproxy::xds_server {

// Lower-case hex SHA-256 of `bytes` (64 characters).
std::string sha256Hex(std::string_view bytes);

}  // namespace meshproxy::xds_server
