#include "proxy/protobuf/metadata.h"

#include <google/protobuf/util/message_differencer.h>

#include <string>

#include "envoy/config/core/v3/base.pb.h"

namespace meshproxy::protobuf {

MetadataSharedPtr keepMetadata(const envoy::config::core::v3::Metadata& metadata) {
  if (metadata.filter_metadata().empty() && metadata.typed_filter_metadata().empty()) {
    return nullptr;
  }
  return std::make_shared<const envoy::config::core::v3::Metadata>(metadata);
}

const google::protobuf::Struct* filterMetadata(const envoy::config::core::v3::Metadata* metadata,
                                               std::string_view filter) {
  if (metadata == nullptr) return nullptr;
  auto it = metadata->filter_metadata().find(std::string(filter));
  return it == metadata->filter_metadata().end() ? nullptr : &it->second;
}

bool metadataEqual(const envoy::config::core::v3::Metadata* a,
                   const envoy::config::core::v3::Metadata* b) {
  if (a == b) return true;  // the same object, or both unset (the common case)
  static const envoy::config::core::v3::Metadata kEmpty;
  return google::protobuf::util::MessageDifferencer::Equals(a != nullptr ? *a : kEmpty,
                                                            b != nullptr ? *b : kEmpty);
}

}  // namespace meshproxy::protobuf
