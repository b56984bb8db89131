#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"

namespace google::protobuf {
class Any;
class Descriptor;
class Message;
}  // namespace google::protobuf

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

  // The collecting mode behind `meshproxy --print-unsupported`: appends every unsupported
  // field ("static_resources.listeners[0].listener_filters (envoy...Listener.listener_filters)")
  // to `unsupported` and carries on with the rest. A delegated field ("listeners*") is entered
  // with the table `hooks.delegate` returns for its message type (skipped for nullptr); every
  // Any in a supported field (typed_config, typed_per_filter_config values) goes to
  // `hooks.any` with its path and the message that holds it.
  struct CollectHooks {
    std::function<const SupportedFields*(const google::protobuf::Descriptor& type)> delegate;
    std::function<void(const google::protobuf::Any& any, const std::string& path,
                       const google::protobuf::Message& owner)>
        any;
  };
  void collect(const google::protobuf::Message& message, std::string_view root,
               const CollectHooks& hooks, std::vector<std::string>* unsupported) const;

 private:
  absl::Status checkMessage(const google::protobuf::Message& message, const std::string& path) const;
  void collectMessage(const google::protobuf::Message& message, const std::string& path,
                      const CollectHooks& hooks, std::vector<std::string>* unsupported) const;
  void collectChild(const google::protobuf::Message& child, const google::protobuf::Message& owner,
                    bool delegated, const std::string& path, const CollectHooks& hooks,
                    std::vector<std::string>* unsupported) const;

  absl::flat_hash_map<std::string, absl::flat_hash_set<std::string>> fields_;
  absl::flat_hash_set<std::string> delegated_;  // "<type>.<field>" checked elsewhere
};

}  // namespace meshproxy::protobuf
