#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proxy/core/strings.h"

namespace google::protobuf {
class Duration;
}

namespace meshproxy::router {

// Envoy's protoc-gen-validate rules for header names and values (well_known_regex HTTP_HEADER_*
// with strict: false): anything but NUL, CR and LF; a name is also non-empty.
bool isValidHeaderName(std::string_view name);
bool isValidHeaderValue(std::string_view value);

std::string toLowerCopy(std::string_view s);

// A Duration as milliseconds; InvalidArgument naming `field` if it is negative.
absl::StatusOr<std::chrono::milliseconds> durationField(const google::protobuf::Duration& d,
                                                        std::string_view field);

// Prefixes the message of a failed status with `context` ("route 'x': ..."), keeping its code.
inline absl::Status withContext(const absl::Status& status, std::string_view context) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      std::string(context) + ": " + std::string(toStd(status.message())));
}

}  // namespace meshproxy::router
