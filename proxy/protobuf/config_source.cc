#include "proxy/protobuf/config_source.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "envoy/config/core/v3/config_source.pb.h"

namespace meshproxy::protobuf {

const SupportedFields& configSourceSupportedFields() {
  static const SupportedFields fields = {
      {"envoy.config.core.v3.ConfigSource",
       {"ads", "api_config_source", "path_config_source", "path", "resource_api_version",
        "initial_fetch_timeout"}},
      {"envoy.config.core.v3.AggregatedConfigSource", {}},
      {"envoy.config.core.v3.PathConfigSource", {"path", "watched_directory"}},
      {"envoy.config.core.v3.WatchedDirectory", {"path"}},
      {"envoy.config.core.v3.ApiConfigSource",
       {"api_type", "transport_api_version", "grpc_services", "set_node_on_first_message_only"}},
      {"envoy.config.core.v3.GrpcService",
       {"envoy_grpc", "google_grpc", "timeout", "initial_metadata"}},
      {"envoy.config.core.v3.GrpcService.EnvoyGrpc", {"cluster_name"}},
      {"envoy.config.core.v3.GrpcService.GoogleGrpc", {"target_uri", "stat_prefix"}},
      {"envoy.config.core.v3.HeaderValue", {"key", "value", "raw_value"}},
  };
  return fields;
}

std::string configSourceKey(const envoy::config::core::v3::ConfigSource& source) {
  envoy::config::core::v3::ConfigSource copy = source;
  copy.clear_initial_fetch_timeout();
  copy.clear_resource_api_version();
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    copy.SerializeToCodedStream(&coded);
  }
  return out;
}

}  // namespace meshproxy::protobuf
