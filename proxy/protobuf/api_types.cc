#include "proxy/protobuf/api_types.h"

#include <google/protobuf/descriptor_database.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/util/type_resolver_util.h>

#include <cstdint>
#include <memory>
#include <string>

#include "proto/envoy_api_descriptor_set.h"
#include "proxy/core/log.h"

namespace meshproxy::protobuf {
namespace {

struct ApiTypes {
  // Indexes the embedded serialized files in place: a file is parsed only when a lookup needs
  // it. (Parsing the whole set into FileDescriptorProtos up front kept ~4 MiB of heap alive for
  // the life of the process, most of it for types no config names.)
  google::protobuf::EncodedDescriptorDatabase database;
  std::unique_ptr<google::protobuf::DescriptorPool> pool;
  std::unique_ptr<google::protobuf::util::TypeResolver> resolver;

  ApiTypes() {
    if (!indexEmbeddedFiles()) {
      // Built by protoc in the same build: a parse failure is a broken build, not bad input.
      log::critical("embedded Envoy API descriptor set does not parse");
    }
    pool = std::make_unique<google::protobuf::DescriptorPool>(&database);
    resolver.reset(google::protobuf::util::NewTypeResolverForDescriptorPool(
        std::string(kTypeUrlPrefix), pool.get()));
  }

  // The set is a FileDescriptorSet: field 1, repeated, each a length-delimited
  // FileDescriptorProto. Each is handed to the database by pointer into the static array.
  bool indexEmbeddedFiles() {
    const auto* data =
        static_cast<const uint8_t*>(static_cast<const void*>(meshproxy_envoy_api_descriptor_set));
    const int size = static_cast<int>(meshproxy_envoy_api_descriptor_set_size);
    google::protobuf::io::CodedInputStream input(data, size);
    input.SetTotalBytesLimit(size);
    constexpr uint32_t kFileTag = (1 << 3) | 2;  // field 1, length-delimited
    while (uint32_t tag = input.ReadTag()) {
      uint32_t length = 0;
      if (tag != kFileTag || !input.ReadVarint32(&length)) return false;
      const int offset = input.CurrentPosition();
      if (length > static_cast<uint32_t>(size - offset)) return false;
      if (!database.Add(data + offset, static_cast<int>(length))) return false;
      if (!input.Skip(static_cast<int>(length))) return false;
    }
    return input.ConsumedEntireMessage();
  }
};

ApiTypes& apiTypes() {
  static ApiTypes* types = new ApiTypes();  // never destroyed: used until exit
  return *types;
}

}  // namespace

const google::protobuf::DescriptorPool& apiDescriptorPool() { return *apiTypes().pool; }

google::protobuf::util::TypeResolver& apiTypeResolver() { return *apiTypes().resolver; }

const google::protobuf::Descriptor* findApiType(std::string_view type_url) {
  size_t slash = type_url.rfind('/');
  std::string_view name = slash == std::string_view::npos ? type_url : type_url.substr(slash + 1);
  if (name.empty()) return nullptr;
  return apiDescriptorPool().FindMessageTypeByName(std::string(name));
}

}  // namespace meshproxy::protobuf
