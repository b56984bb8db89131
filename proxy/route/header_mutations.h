#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "proxy/accesslog/formatter.h"
#include "proxy/accesslog/stream_info.h"
#include "proxy/http/header_map.h"

namespace meshproxy::route {

// HeaderValueOption.append_action.
enum class AppendAction : uint8_t {
  kAppendIfExistsOrAdd,     // add another field (the default)
  kAddIfAbsent,             // add only if no field of that name exists
  kOverwriteIfExistsOrAdd,  // replace all fields of that name, or add
  kOverwriteIfExists,       // replace only if one exists
};

// One *_headers_to_add entry: the value is an Envoy substitution format string, compiled once.
struct HeaderToAdd {
  std::string name;  // lower case
  accesslog::Formatter value;
  AppendAction action = AppendAction::kAppendIfExistsOrAdd;
  // Without keep_empty_value a value that formats to "" adds nothing.
  bool keep_empty_value = false;
};

// The header additions and removals of one level (route configuration, virtual host, route or
// weighted cluster), applied as Envoy's HeaderParser does: removals first, then every value is
// formatted against the headers as they are at that point, then overwrites, then additions.
class HeaderMutations {
 public:
  HeaderMutations() = default;
  HeaderMutations(std::vector<std::string> to_remove, std::vector<HeaderToAdd> to_add);

  // `info` supplies %REQ(...)%, %RESP(...)%, %DOWNSTREAM_REMOTE_ADDRESS% and friends; point its
  // request_headers (and, for responses, response_headers) at the maps being mutated.
  void apply(http::HeaderMap& headers, const accesslog::StreamInfo& info) const;

  bool empty() const { return to_remove_.empty() && to_add_.empty(); }

 private:
  std::vector<std::string> to_remove_;  // lower case
  std::vector<HeaderToAdd> to_add_;
};

}  // namespace meshproxy::route
