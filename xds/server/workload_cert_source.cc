#include "xds/server/workload_cert_source.h"

#include "envoy/extensions/transport_sockets/tls/v3/secret.pb.h"
#include "proxy/core/log.h"
#include "xds/server/resource_builder.h"
#include "xds/server/type_urls.h"

namespace meshproxy::xds_server {
namespace {

using envoy::extensions::transport_sockets::tls::v3::Secret;

constexpr char kSourceName[] = "mesh-control CA";

ResourcePtr toResource(const Secret& secret) {
  google::protobuf::Any any;
  any.PackFrom(secret);
  auto resource = buildResource(any, kSourceName);
  if (!resource.ok()) {
    log::error("CA: secret '{}': {}", secret.name(), resource.status().message());
    return nullptr;
  }
  return std::make_shared<const Resource>(std::move(*resource));
}

}  // namespace

WorkloadCertSource::WorkloadCertSource(std::shared_ptr<WorkloadCertIssuer> issuer)
    : issuer_(std::move(issuer)) {
  Secret root;
  root.set_name(kRootSecretName);
  root.mutable_validation_context()->mutable_trusted_ca()->set_inline_string(
      issuer_->ca().rootPem());
  root_ = toResource(root);
}

ResourceMap WorkloadCertSource::resources(const envoy::config::core::v3::Node& node,
                                          std::string_view type_url) const {
  ResourceMap out;
  if (type_url != kSecretType) return out;
  if (root_ != nullptr) out[kRootSecretName] = root_;
  auto cert = issuer_->certificateFor(node);
  if (cert == nullptr) return out;
  Secret secret;
  secret.set_name(kWorkloadSecretName);
  secret.mutable_tls_certificate()->mutable_certificate_chain()->set_inline_string(cert->cert_pem);
  secret.mutable_tls_certificate()->mutable_private_key()->set_inline_string(cert->key_pem);
  if (auto r = toResource(secret); r != nullptr) out[kWorkloadSecretName] = r;
  return out;
}

}  // namespace meshproxy::xds_server
