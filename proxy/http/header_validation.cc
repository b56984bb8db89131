#include "proxy/http/header_validation.h"

namespace meshproxy::http {

bool isValidHeaderValue(std::string_view value) {
  return value.find_first_of(std::string_view("\0\r\n", 3)) == std::string_view::npos;
}

bool isValidHeaderName(std::string_view name) { return !name.empty() && isValidHeaderValue(name); }

}  // namespace meshproxy::http
