#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"

namespace google::protobuf {
class Message;
}

namespace meshproxy::protobuf {

// The proto fields meshproxy implements, per message type. Config is checked against it
// before translation, so a field that Envoy knows but meshproxy does not is an error naming
// the field ("unsupported: ...") instead of being silently ignored.
//
// Well-known types (Duration, wrappers, Struct) are leaves and always allowed. An Any is not
// entered: whoever unpacks it (a filter factory, an access logger) checks its contents.
// A field name written with a trailing '*' ("listeners*") is allowed but not entered either:
// its translator checks it with its own table.
class SupportedFields {
 public:
  using Entry = std::pair<std::string_view, std::vector<std::string_view>>;
  SupportedFields() = default;
  SupportedFields(std::initializer_list<Entry> entries);

  // Adds (unions) the entries of `other`.
  SupportedFields& merge(const SupportedFields& other);

  // OK, or InvalidArgument naming the first unsupported field with its path from `root`,
  // e.g. "unsupported field static_resources.listeners[0].listener_filters
  // (envoy.config.listener.v3.Listener.listener_filters)".
  absl::Status check(const google::protobuf::Message& message, std::string_view root = "") const;

 private:
  absl::Status checkMessage(const google::protobuf::Message& message, const std::string& path) const;

  absl::flat_hash_map<std::string, absl::flat_hash_set<std::string>> fields_;
  absl::flat_hash_set<std::string> delegated_;  // "<type>.<field>" checked elsewhere
};

}  // namespace meshproxy::protobuf
