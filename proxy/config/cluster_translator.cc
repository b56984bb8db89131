#include "proxy/config/cluster_translator.h"

#include "absl/strings/str_cat.h"
#include "envoy/config/cluster/v3/cluster.pb.h"
#include "proxy/config/address_translator.h"
#include "proxy/config/common_supported_fields.h"
#include "proxy/config/proto_util.h"

namespace meshproxy::config {
namespace {

using envoy::config::cluster::v3::Cluster;

const SupportedFields& clusterFields() {
  static const SupportedFields fields = [] {
    SupportedFields f = {
        {"envoy.config.cluster.v3.Cluster",
         {"name", "type", "connect_timeout", "lb_policy", "load_assignment",
          "per_connection_buffer_limit_bytes"}},
        {"envoy.config.endpoint.v3.ClusterLoadAssignment", {"cluster_name", "endpoints"}},
        {"envoy.config.endpoint.v3.LocalityLbEndpoints", {"lb_endpoints", "locality"}},
        {"envoy.config.endpoint.v3.LbEndpoint", {"endpoint", "load_balancing_weight"}},
        {"envoy.config.endpoint.v3.Endpoint", {"address", "hostname"}},
    };
    f.merge(commonSupportedFields());
    return f;
  }();
  return fields;
}

stats::Scope clusterScope(TranslationContext& context, const std::string& name) {
  return context.stats.scope("cluster", name);
}

std::shared_ptr<const upstream::ClusterStats> makeStats(const stats::Scope& s) {
  return std::make_shared<const upstream::ClusterStats>(upstream::ClusterStats{
      s.counter("upstream_cx_total"), s.gauge("upstream_cx_active"),
      s.counter("upstream_cx_connect_fail"), s.counter("upstream_cx_connect_timeout"),
      s.counter("upstream_cx_destroy"), s.counter("upstream_cx_rx_bytes_total"),
      s.counter("upstream_cx_tx_bytes_total"), s.counter("upstream_cx_none_healthy"),
      s.gauge("membership_total")});
}

}  // namespace

absl::StatusOr<upstream::ClusterConfigSharedPtr> translateCluster(const Cluster& proto,
                                                                  TranslationContext& context) {
  std::string where = absl::StrCat("cluster '", proto.name(), "'");
  if (proto.name().empty()) return absl::InvalidArgumentError("cluster without a name");
  if (auto s = clusterFields().check(proto); !s.ok()) return withContext(s, where);

  auto config = std::make_shared<upstream::ClusterConfig>();
  config->name = proto.name();
  switch (proto.type()) {
    case Cluster::STATIC:
      config->type = upstream::DiscoveryType::kStatic;
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": unsupported cluster type ", Cluster::DiscoveryType_Name(proto.type())));
  }
  switch (proto.lb_policy()) {
    case Cluster::ROUND_ROBIN:
      config->lb_policy = upstream::LbPolicy::kRoundRobin;
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": unsupported lb_policy ", Cluster::LbPolicy_Name(proto.lb_policy())));
  }
  if (proto.has_connect_timeout()) {
    config->connect_timeout = toMilliseconds(proto.connect_timeout());
    if (config->connect_timeout.count() <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": connect_timeout must be > 0"));
    }
  }
  if (proto.has_per_connection_buffer_limit_bytes()) {
    config->per_connection_buffer_limit = proto.per_connection_buffer_limit_bytes().value();
  }
  const auto& cla = proto.load_assignment();
  for (int l = 0; l < cla.endpoints_size(); ++l) {
    const auto& locality = cla.endpoints(l);
    for (int e = 0; e < locality.lb_endpoints_size(); ++e) {
      const auto& lb_endpoint = locality.lb_endpoints(e);
      std::string ewhere = absl::StrCat(where, " load_assignment.endpoints[", l, "].lb_endpoints[", e, "]");
      auto address = translateAddress(lb_endpoint.endpoint().address(), ewhere);
      if (!address.ok()) return address.status();
      if (address->port() == 0) {
        return absl::InvalidArgumentError(absl::StrCat(ewhere, ": endpoint port must not be 0"));
      }
      auto host = std::make_shared<upstream::Host>();
      host->address = *address;
      host->hostname = lb_endpoint.endpoint().hostname().empty() ? address->str()
                                                                 : lb_endpoint.endpoint().hostname();
      if (lb_endpoint.has_load_balancing_weight()) {
        host->weight = lb_endpoint.load_balancing_weight().value();
        if (host->weight == 0) {
          return absl::InvalidArgumentError(absl::StrCat(ewhere, ": load_balancing_weight must be >= 1"));
        }
      }
      config->hosts.push_back(std::move(host));
    }
  }
  config->stats = makeStats(clusterScope(context, config->name));
  return upstream::ClusterConfigSharedPtr(std::move(config));
}

}  // namespace meshproxy::config
