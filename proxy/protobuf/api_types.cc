#include "proxy/protobuf/api_types.h"

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/descriptor_database.h>
#include <google/protobuf/util/type_resolver_util.h>

#include <memory>
#include <string>

#include "proto/envoy_api_descriptor_set.h"
#include "proxy/core/log.h"

namespace meshproxy::protobuf {
namespace {

struct ApiTypes {
  google::protobuf::SimpleDescriptorDatabase database;
  std::unique_ptr<google::protobuf::DescriptorPool> pool;
  std::unique_ptr<google::protobuf::util::TypeResolver> resolver;

  ApiTypes() {
    google::protobuf::FileDescriptorSet set;
    if (!set.ParseFromArray(meshproxy_envoy_api_descriptor_set,
                            static_cast<int>(meshproxy_envoy_api_descriptor_set_size))) {
      // Built by protoc in the same build: a parse failure is a broken build, not bad input.
      log::critical("embedded Envoy API descriptor set does not parse");
    }
    for (auto& file : *set.mutable_file()) database.AddAndOwn(new auto(std::move(file)));
    // Files are built on first lookup, so startup pays only for the types a config names.
    pool = std::make_unique<google::protobuf::DescriptorPool>(&database);
    resolver.reset(google::protobuf::util::NewTypeResolverForDescriptorPool(
        std::string(kTypeUrlPrefix), pool.get()));
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
