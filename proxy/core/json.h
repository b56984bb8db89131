#pragma once

#include <string>
#include <string_view>

namespace meshproxy {

// Appends `value` as a quoted JSON string (RFC 8259 escaping; UTF-8 passes through).
void appendJsonString(std::string& out, std::string_view value);
std::string jsonString(std::string_view value);

}  // namespace meshproxy
