#include "proxy/router/translation_util.h"

#include <google/protobuf/duration.pb.h>

#include <chrono>

#include "proxy/router/ascii_case.h"

namespace meshproxy::router {

bool isValidHeaderValue(std::string_view value) {
  return value.find_first_of(std::string_view("\0\r\n", 3)) == std::string_view::npos;
}

bool isValidHeaderName(std::string_view name) { return !name.empty() && isValidHeaderValue(name); }

std::string toLowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lowerAscii(c);
  return out;
}

absl::StatusOr<std::chrono::milliseconds> durationField(const google::protobuf::Duration& d,
                                                        std::string_view field) {
  if (d.seconds() < 0 || d.nanos() < 0) {
    return absl::InvalidArgumentError(std::string(field) + " must not be negative");
  }
  return std::chrono::milliseconds(d.seconds() * 1000 + d.nanos() / 1000000);
}

}  // namespace meshproxy::router
