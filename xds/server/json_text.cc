#include "xds/server/json_text.h"

#include "proxy/core/json.h"

namespace meshproxy::xds_server {

std::string jsonTime(absl::Time time) {
  if (time == absl::InfinitePast()) return "null";
  return jsonString(
      std::string(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone())));
}

}  // namespace meshproxy::xds_server
