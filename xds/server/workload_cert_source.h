// The CA as a resource source: SDS secret `default` (the node's own certificate and key) and
// `ROOTCA` (the root as trusted_ca), layered over the resource directory so these two names
// always come from the CA.
#pragma once

#include <memory>

#include "xds/server/resource_source.h"
#include "xds/server/workload_cert_issuer.h"

namespace meshproxy::xds_server {

inline constexpr char kWorkloadSecretName[] = "default";
inline constexpr char kRootSecretName[] = "ROOTCA";

class WorkloadCertSource : public ResourceSource {
 public:
  explicit WorkloadCertSource(std::shared_ptr<WorkloadCertIssuer> issuer);

  // Only for SDS; a certificate is issued to a node the first time it subscribes to secrets.
  ResourceMap resources(const envoy::config::core::v3::Node& node,
                        std::string_view type_url) const override;

 private:
  std::shared_ptr<WorkloadCertIssuer> issuer_;
  ResourcePtr root_;
};

}  // namespace meshproxy::xds_server
