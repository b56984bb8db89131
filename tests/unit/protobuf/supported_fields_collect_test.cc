// SupportedFields' collecting mode (--print-unsupported): every unsupported field, delegated
// tables entered through the hook, every Any handed to the hook.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "envoy/config/cluster/v3/cluster.pb.h"
#include "envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.pb.h"
#include "proxy/protobuf/supported_fields.h"

namespace meshproxy::protobuf {
namespace {

using ::testing::ElementsAre;

TEST(SupportedFieldsCollectTest, ListsEveryUnsupportedFieldAndCarriesOn) {
  SupportedFields fields = {
      {"envoy.config.cluster.v3.Cluster", {"name", "load_assignment*", "transport_socket"}},
      {"envoy.config.core.v3.TransportSocket", {"name", "typed_config"}},
  };
  SupportedFields endpoints = {
      {"envoy.config.endpoint.v3.ClusterLoadAssignment", {"endpoints"}},
      {"envoy.config.endpoint.v3.LocalityLbEndpoints", {"lb_endpoints"}},
  };
  envoy::config::cluster::v3::Cluster c;
  c.set_name("x");
  c.mutable_circuit_breakers();                                   // unsupported
  c.set_respect_dns_ttl(true);                                    // unsupported
  c.mutable_load_assignment()->add_endpoints()->set_priority(1);  // unsupported, delegated
  c.mutable_load_assignment()->add_endpoints()->mutable_load_balancing_weight()->set_value(2);
  c.mutable_transport_socket()->set_name("raw");
  c.mutable_transport_socket()->mutable_typed_config()->PackFrom(
      envoy::extensions::transport_sockets::raw_buffer::v3::RawBuffer());

  std::vector<std::string> anys;
  SupportedFields::CollectHooks hooks;
  hooks.delegate = [&](const google::protobuf::Descriptor& type) -> const SupportedFields* {
    return type.full_name() == "envoy.config.endpoint.v3.ClusterLoadAssignment" ? &endpoints
                                                                                : nullptr;
  };
  hooks.any = [&](const google::protobuf::Any& any, const std::string& path,
                  const google::protobuf::Message& owner) {
    anys.push_back(path + " " + any.type_url() + " in " + owner.GetDescriptor()->name());
  };
  std::vector<std::string> unsupported;
  fields.collect(c, "clusters[0]", hooks, &unsupported);
  EXPECT_THAT(unsupported,
              ElementsAre("clusters[0].circuit_breakers "
                          "(envoy.config.cluster.v3.Cluster.circuit_breakers)",
                          "clusters[0].load_assignment.endpoints[0].priority "
                          "(envoy.config.endpoint.v3.LocalityLbEndpoints.priority)",
                          "clusters[0].load_assignment.endpoints[1].load_balancing_weight "
                          "(envoy.config.endpoint.v3.LocalityLbEndpoints.load_balancing_weight)",
                          "clusters[0].respect_dns_ttl "
                          "(envoy.config.cluster.v3.Cluster.respect_dns_ttl)"));
  EXPECT_THAT(anys, ElementsAre("clusters[0].transport_socket.typed_config type.googleapis.com/"
                                "envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer in "
                                "TransportSocket"));

  // Without a delegate table the delegated field is skipped; check() still stops at the first.
  unsupported.clear();
  fields.collect(c, "", {}, &unsupported);
  EXPECT_EQ(unsupported.size(), 2u);
  EXPECT_FALSE(fields.check(c).ok());
}

}  // namespace
}  // namespace meshproxy::protobuf
