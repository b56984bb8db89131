// The serialized FileDescriptorSet of the whole pinned Envoy API, embedded in the binary by
// the envoy_api_descriptors library (proto/CMakeLists.txt).
#pragma once

#include <cstddef>

extern const unsigned char meshproxy_envoy_api_descriptor_set[];
extern const std::size_t meshproxy_envoy_api_descriptor_set_size;
