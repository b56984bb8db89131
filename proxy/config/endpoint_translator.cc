#include "proxy/config/endpoint_translator.h"

#include "absl/strings/str_cat.h"
#include "envoy/config/endpoint/v3/endpoint.pb.h"
#include "proxy/config/address_translator.h"
#include "proxy/protobuf/common_supported_fields.h"
#include "proxy/protobuf/metadata.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/supported_fields.h"

namespace meshproxy::config {

namespace {
const protobuf::SupportedFields& endpointFields() {
  static const protobuf::SupportedFields fields = [] {
    protobuf::SupportedFields f = {
        {"envoy.config.endpoint.v3.ClusterLoadAssignment", {"cluster_name", "endpoints", "policy"}},
        {"envoy.config.endpoint.v3.ClusterLoadAssignment.Policy", {"overprovisioning_factor"}},
        {"envoy.config.endpoint.v3.LocalityLbEndpoints",
         {"lb_endpoints", "locality", "priority", "load_balancing_weight", "metadata"}},
        {"envoy.config.endpoint.v3.LbEndpoint",
         {"endpoint", "load_balancing_weight", "health_status", "metadata"}},
        // Kept as configured (Host::metadata()); typed_filter_metadata values stay opaque Anys,
        // as in Envoy, which parses only those a registered factory asks for.
        {"envoy.config.core.v3.Metadata", {"filter_metadata", "typed_filter_metadata"}},
        {"envoy.config.endpoint.v3.Endpoint", {"address", "hostname", "health_check_config"}},
        {"envoy.config.endpoint.v3.Endpoint.HealthCheckConfig", {"port_value", "hostname"}},
    };
    f.merge(protobuf::commonSupportedFields());
    return f;
  }();
  return fields;
}
}  // namespace

absl::StatusOr<upstream::HostVector> translateLoadAssignment(
    const envoy::config::endpoint::v3::ClusterLoadAssignment& cla, const std::string& where) {
  using envoy::config::core::v3::HealthStatus;
  if (auto s = endpointFields().check(cla); !s.ok()) return protobuf::withContext(s, where);
  upstream::HostVector hosts;
  uint32_t overprovisioning_factor = 140;  // Envoy's default
  if (cla.policy().has_overprovisioning_factor()) {
    overprovisioning_factor = cla.policy().overprovisioning_factor().value();
    if (overprovisioning_factor == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, " policy.overprovisioning_factor must be > 0"));
    }
  }
  for (int l = 0; l < cla.endpoints_size(); ++l) {
    const auto& locality = cla.endpoints(l);
    uint32_t locality_weight =
        locality.has_load_balancing_weight() ? locality.load_balancing_weight().value() : 0;
    if (locality.has_load_balancing_weight() && locality_weight == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, " endpoints[", l, "].load_balancing_weight must be >= 1"));
    }
    protobuf::MetadataSharedPtr locality_metadata = protobuf::keepMetadata(locality.metadata());
    if (locality.priority() > 128) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, " endpoints[", l, "].priority must be <= 128"));
    }
    for (int e = 0; e < locality.lb_endpoints_size(); ++e) {
      const auto& lb_endpoint = locality.lb_endpoints(e);
      std::string ewhere = absl::StrCat(where, " endpoints[", l, "].lb_endpoints[", e, "]");
      auto address = translateAddress(lb_endpoint.endpoint().address(), ewhere);
      if (!address.ok()) return address.status();
      if (address->ephemeral()) {
        return absl::InvalidArgumentError(absl::StrCat(ewhere, ": endpoint port must not be 0"));
      }
      uint32_t weight = 1;
      if (lb_endpoint.has_load_balancing_weight()) {
        weight = lb_endpoint.load_balancing_weight().value();
        if (weight == 0) {
          return absl::InvalidArgumentError(
              absl::StrCat(ewhere, ": load_balancing_weight must be >= 1"));
        }
      }
      // An endpoint EDS calls unhealthy, draining or timed out stays in the host list with
      // its flag set: load balancers skip it, and when EDS calls it healthy again the same
      // Host object (its pools, its outlier state) comes back into use.
      bool eds_unhealthy = false;
      switch (lb_endpoint.health_status()) {
        case HealthStatus::UNHEALTHY:
        case HealthStatus::DRAINING:
        case HealthStatus::TIMEOUT:
          eds_unhealthy = true;
          break;
        default:
          break;
      }
      std::string hostname = lb_endpoint.endpoint().hostname().empty()
                                 ? address->str()
                                 : lb_endpoint.endpoint().hostname();
      upstream::Locality where_it_runs{locality.locality().region(), locality.locality().zone(),
                                       locality.locality().sub_zone()};
      auto host = std::make_shared<upstream::Host>(*address, std::move(hostname), weight,
                                                   std::move(where_it_runs), locality.priority());
      host->setLocalityWeight(locality_weight);
      host->setOverprovisioningFactor(overprovisioning_factor);
      if (eds_unhealthy) host->setHealthFlag(upstream::HealthFlag::kFailedEdsHealth);
      const auto& hc = lb_endpoint.endpoint().health_check_config();
      // Envoy's hostnameForHealthChecks: health_check_config.hostname, else the endpoint's.
      host->setHealthCheckTarget({hc.port_value(), hc.hostname().empty()
                                                       ? lb_endpoint.endpoint().hostname()
                                                       : hc.hostname()});
      host->setMetadata(protobuf::keepMetadata(lb_endpoint.metadata()), locality_metadata);
      hosts.push_back(std::move(host));
    }
  }
  return hosts;
}

absl::Status checkLoadAssignmentFields(
    const envoy::config::endpoint::v3::ClusterLoadAssignment& proto) {
  return endpointFields().check(proto);
}

const protobuf::SupportedFields& endpointSupportedFields() { return endpointFields(); }

}  // namespace meshproxy::config
