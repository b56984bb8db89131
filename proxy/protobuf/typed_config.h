// An extension's typed_config as Envoy reads it: directly typed, or wrapped in a TypedStruct.
#pragma once

#include <google/protobuf/any.pb.h>
#include <google/protobuf/message.h>

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace meshproxy::protobuf {

// True for udpa.type.v1.TypedStruct and xds.type.v3.TypedStruct: a config given as a type URL
// plus a Struct instead of typed bytes (Istio wraps its filters so).
bool isTypedStruct(const google::protobuf::Any& any);

// The type URL an extension is configured with: the wrapped one for a TypedStruct.
std::string extensionTypeUrl(const google::protobuf::Any& any);

// Rewrites every TypedStruct inside `message` (Anys inside Anys too: the HTTP filters inside a
// connection manager inside a listener) whose type URL names a type of the Envoy API into the
// typed Any it stands for, as Envoy does when it reads a typed_config. A TypedStruct naming a
// type outside the API stays as it is, for the extension registries to reject by that type
// URL. Errors (InvalidArgument) when a wrapped Struct does not fit its type, naming the path.
absl::Status unwrapTypedStructs(google::protobuf::Message& message);

// A copy of `message` with its TypedStructs unwrapped, or nullopt when it has none (the common
// case, found without a walk: type URLs are plain strings in the serialized bytes). For
// resources that arrive over xDS, which do not pass through the bootstrap loader.
template <typename T>
absl::StatusOr<std::optional<T>> withTypedStructsUnwrapped(const T& message) {
  if (message.SerializeAsString().find("TypedStruct") == std::string::npos) return std::nullopt;
  T copy = message;
  if (auto s = unwrapTypedStructs(copy); !s.ok()) return s;
  return std::optional<T>(std::move(copy));
}

// Config JSON in which every object whose "@type" names a type outside the Envoy API (Istio's
// own extensions: stats.PluginConfig, envoy.tcp.metadataexchange...) is rewritten as the
// udpa TypedStruct of that type, so the JSON parses and the extension registries can reject it
// by name and type URL instead of the parser refusing the whole file. nullopt when there is no
// such object. Only used after a parse failed on an unknown type: the JSON goes through
// google.protobuf.Value, whose numbers are doubles (integers above 2^53 would lose precision).
absl::StatusOr<std::optional<std::string>> wrapTypesOutsideTheApi(std::string_view json);

// InvalidArgument "unsupported extension 'NAME' (TYPE_URL)", with the wrapped type URL for a
// TypedStruct: what every registry answers for a type meshproxy does not implement.
absl::Status unsupportedExtension(std::string_view name, const google::protobuf::Any& typed_config);

}  // namespace meshproxy::protobuf
