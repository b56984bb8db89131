// `mesh-control status`: renders the admin server's /nodes JSON as a table, one row per node
// and subscribed type: what was sent, what was ACKed, and the last NACK's message.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace meshproxy::xds_server {

// Errors: InvalidArgument when the text is not /nodes JSON.
absl::StatusOr<std::string> formatStatusTable(std::string_view nodes_json);

}  // namespace meshproxy::xds_server
