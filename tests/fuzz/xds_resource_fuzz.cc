// libFuzzer target: xDS resources as a control plane delivers them (serialized protobuf inside a
// DiscoveryResponse), through the translators the config manager runs on each: Cluster (CDS),
// Listener (LDS), RouteConfiguration (RDS) and ClusterLoadAssignment (EDS).
//
// Input: one byte choosing the type, then the serialized resource. Seeds (corpus/xds_resource/)
// are valid resources of each type; make_xds_seed regenerates them from YAML. A resource either
// translates or is refused with a message (the NACK's error_detail); never a crash.

#include <cstdint>

#include "envoy/config/cluster/v3/cluster.pb.h"
#include "envoy/config/endpoint/v3/endpoint.pb.h"
#include "envoy/config/listener/v3/listener.pb.h"
#include "envoy/config/route/v3/route.pb.h"
#include "proxy/config/cluster_translator.h"
#include "proxy/config/endpoint_translator.h"
#include "proxy/config/listener_translator.h"
#include "proxy/route/route_table.h"
#include "proxy/stats/store.h"
#include "tests/fuzz/config_fuzz_util.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

template <typename Proto>
bool parse(const uint8_t* data, size_t size, Proto& proto) {
  if (!proto.ParseFromArray(data, static_cast<int>(size))) return false;
  meshproxy::fuzz::neutralizeFiles(proto);
  return true;
}

void expectMessage(const absl::Status& status) {
  if (!status.ok()) FUZZ_CHECK(!status.message().empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace meshproxy;
  fuzz::initConfigFuzzing();
  if (size < 1 || size > 64 * 1024) return 0;
  const uint8_t type = data[0] % 4;
  ++data;
  --size;
  stats::Store store;
  config::TranslationContext context{store, 2};
  switch (type) {
    case 0: {
      envoy::config::cluster::v3::Cluster proto;
      if (parse(data, size, proto)) expectMessage(config::translateCluster(proto, context).status());
      break;
    }
    case 1: {
      envoy::config::listener::v3::Listener proto;
      if (parse(data, size, proto)) expectMessage(config::translateListener(proto, context).status());
      break;
    }
    case 2: {
      envoy::config::route::v3::RouteConfiguration proto;
      if (parse(data, size, proto)) expectMessage(route::RouteTable::create(proto).status());
      break;
    }
    case 3: {
      envoy::config::endpoint::v3::ClusterLoadAssignment proto;
      if (parse(data, size, proto)) {
        expectMessage(config::translateLoadAssignment(proto, "cluster_load_assignment").status());
      }
      break;
    }
  }
  return 0;
}
