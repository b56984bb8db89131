#include "xds/server/workload_cert_issuer.h"

#include "absl/strings/str_cat.h"
#include "proxy/core/log.h"

namespace meshproxy::xds_server {
namespace {

std::string metadataString(const envoy::config::core::v3::Node& node, const std::string& key) {
  const auto& fields = node.metadata().fields();
  auto it = fields.find(key);
  if (it == fields.end() || !it->second.has_string_value()) return "";
  return it->second.string_value();
}

}  // namespace

WorkloadCertIssuer::WorkloadCertIssuer(std::shared_ptr<const CertificateAuthority> ca,
                                       std::string trust_domain, std::chrono::seconds ttl)
    : ca_(std::move(ca)), trust_domain_(std::move(trust_domain)), ttl_(ttl) {}

std::string WorkloadCertIssuer::spiffeId(const envoy::config::core::v3::Node& node,
                                         const std::string& trust_domain) {
  std::string ns = metadataString(node, "NAMESPACE");
  std::string sa = metadataString(node, "SERVICE_ACCOUNT");
  return absl::StrCat("spiffe://", trust_domain, "/ns/", ns.empty() ? "default" : ns, "/sa/",
                      sa.empty() ? "default" : sa);
}

std::shared_ptr<const WorkloadCertificate> WorkloadCertIssuer::issue(const std::string& spiffe_id,
                                                                     const std::string& node_id) {
  auto cert = ca_->issue(spiffe_id, ttl_);
  if (!cert.ok()) {
    log::error("CA: cannot issue a certificate for node '{}' ({}): {}", node_id, spiffe_id,
               cert.status().message());
    return nullptr;
  }
  log::info("CA: issued {} to node '{}' (serial {}, valid {}s)", spiffe_id, node_id, cert->serial,
            ttl_.count());
  return std::make_shared<const WorkloadCertificate>(std::move(*cert));
}

std::shared_ptr<const WorkloadCertificate> WorkloadCertIssuer::certificateFor(
    const envoy::config::core::v3::Node& node) {
  std::string id = spiffeId(node, trust_domain_);
  absl::MutexLock lock(&mu_);
  auto it = by_node_.find(node.id());
  if (it != by_node_.end() && it->second.cert != nullptr && it->second.cert->spiffe_id == id) {
    return it->second.cert;
  }
  if (metadataString(node, "NAMESPACE").empty() ||
      metadataString(node, "SERVICE_ACCOUNT").empty()) {
    log::warn(
        "CA: node '{}' has no NAMESPACE and/or SERVICE_ACCOUNT metadata; its identity defaults "
        "to {}",
        node.id(), id);
  }
  auto cert = issue(id, node.id());
  if (cert != nullptr) by_node_[node.id()] = Entry{node, cert};
  return cert;
}

std::shared_ptr<const WorkloadCertificate> WorkloadCertIssuer::current(
    const std::string& node_id) const {
  absl::MutexLock lock(&mu_);
  auto it = by_node_.find(node_id);
  return it == by_node_.end() ? nullptr : it->second.cert;
}

bool WorkloadCertIssuer::renewDue(std::chrono::system_clock::time_point now,
                                  const std::set<std::string>& connected_node_ids) {
  absl::MutexLock lock(&mu_);
  bool renewed = false;
  for (auto it = by_node_.begin(); it != by_node_.end();) {
    if (!connected_node_ids.contains(it->first)) {
      it = by_node_.erase(it);
      continue;
    }
    const WorkloadCertificate& cert = *it->second.cert;
    // Half the lifetime, counted from the moment of issue (not_before is backdated).
    auto issued_at = cert.not_after - ttl_;
    if (now >= issued_at + ttl_ / 2) {
      if (auto fresh = issue(cert.spiffe_id, it->first); fresh != nullptr) {
        it->second.cert = std::move(fresh);
        renewed = true;
      }
    }
    ++it;
  }
  return renewed;
}

}  // namespace meshproxy::xds_server
