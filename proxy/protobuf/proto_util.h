#pragma once

#include <google/protobuf/any.pb.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/message.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace meshproxy::protobuf {

// JSON -> proto, rejecting unknown fields (a typo in a config is an error, not a no-op).
absl::Status jsonToMessage(std::string_view json, google::protobuf::Message* message);
// Proto -> JSON with original (snake_case) field names, for /config_dump.
std::string messageToJson(const google::protobuf::Message& message, bool pretty = false);

// Unpacks an Any whose type is T, with an error that names `where` if the type differs.
template <typename T>
absl::StatusOr<T> unpackAny(const google::protobuf::Any& any, const std::string& where) {
  T out;
  if (!any.UnpackTo(&out)) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": typed_config of type '",
                                                   any.type_url(), "' cannot be read as ",
                                                   T::descriptor()->full_name()));
  }
  return out;
}

// Hash of the deterministic serialization; equal configs hash equal across updates.
uint64_t contentHash(const google::protobuf::Message& message);

std::chrono::milliseconds toMilliseconds(const google::protobuf::Duration& d);

// A Duration as milliseconds; InvalidArgument naming `field` if it is negative.
absl::StatusOr<std::chrono::milliseconds> durationField(const google::protobuf::Duration& d,
                                                        std::string_view field);

// Prefixes a status message with context ("route 'x': ..."), keeping the code.
absl::Status withContext(const absl::Status& status, std::string_view context);

}  // namespace meshproxy::protobuf
