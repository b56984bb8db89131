// Every message type of the pinned Envoy API, including the many meshproxy has no C++ class for.
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/type_resolver.h>

#include <string_view>

namespace meshproxy::protobuf {

inline constexpr std::string_view kTypeUrlPrefix = "type.googleapis.com";

// The descriptor pool of the whole pinned API (every .proto of envoy-api and xds whose imports
// the package has; proto/CMakeLists.txt), built lazily from the descriptor set embedded in the
// binary. It is not the generated pool: only the import closure of what meshproxy implements is
// compiled to C++. Config is parsed through this pool so that an Any of any Envoy type parses
// and keeps its type URL, and the extension registries, not the JSON parser, decide what is
// supported. Thread-safe.
const google::protobuf::DescriptorPool& apiDescriptorPool();

// JSON <-> binary type resolution over apiDescriptorPool(). Thread-safe.
google::protobuf::util::TypeResolver& apiTypeResolver();

// The message type a type URL names
// ("type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua"; any prefix up to the last '/'),
// or nullptr if the API has no such type.
const google::protobuf::Descriptor* findApiType(std::string_view type_url);

}  // namespace meshproxy::protobuf
