// Small helpers for the admin pages' hand-written JSON (the project's convention: build the
// text directly, strings through proxy/core/json.h).
#pragma once

#include <string>

#include "absl/time/time.h"

namespace meshproxy::xds_server {

// RFC 3339 UTC with milliseconds, quoted ("\"2024-05-01T10:00:00.123Z\""); null for
// absl::InfinitePast() (never happened).
std::string jsonTime(absl::Time time);

}  // namespace meshproxy::xds_server
