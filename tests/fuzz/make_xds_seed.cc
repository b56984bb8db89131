// Writes a seed for xds_resource_fuzz: `make_xds_seed TYPE resource.yaml out` where TYPE is
// cluster, listener, route or endpoint. The seed is the type byte and the resource serialized
// as a control plane sends it.

#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "envoy/config/cluster/v3/cluster.pb.h"
#include "envoy/config/endpoint/v3/endpoint.pb.h"
#include "envoy/config/listener/v3/listener.pb.h"
#include "envoy/config/route/v3/route.pb.h"
#include "proxy/config/yaml_to_json.h"
#include "proxy/protobuf/proto_util.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: make_xds_seed cluster|listener|route|endpoint in.yaml out\n";
    return 2;
  }
  const std::string type = argv[1];
  std::unique_ptr<google::protobuf::Message> proto;
  char byte = 0;
  if (type == "cluster") {
    proto = std::make_unique<envoy::config::cluster::v3::Cluster>();
    byte = 0;
  } else if (type == "listener") {
    proto = std::make_unique<envoy::config::listener::v3::Listener>();
    byte = 1;
  } else if (type == "route") {
    proto = std::make_unique<envoy::config::route::v3::RouteConfiguration>();
    byte = 2;
  } else if (type == "endpoint") {
    proto = std::make_unique<envoy::config::endpoint::v3::ClusterLoadAssignment>();
    byte = 3;
  } else {
    std::cerr << "unknown type " << type << "\n";
    return 2;
  }
  auto json = meshproxy::config::loadConfigFileAsJson(argv[2]);
  if (!json.ok()) {
    std::cerr << json.status() << "\n";
    return 1;
  }
  if (auto s = meshproxy::protobuf::jsonToMessage(*json, proto.get()); !s.ok()) {
    std::cerr << s << "\n";
    return 1;
  }
  std::ofstream out(argv[3], std::ios::binary);
  out.put(byte);
  out << proto->SerializeAsString();
  return out ? 0 : 1;
}
