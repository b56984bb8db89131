// Per-node workload identities: each node that subscribes to SDS gets a certificate for the
// SPIFFE ID its metadata claims (spiffe://<trust-domain>/ns/<NAMESPACE>/sa/<SERVICE_ACCOUNT>,
// as Istio derives it), kept until half its lifetime has passed, then re-issued.
//
// Trust: the identity is whatever the node's metadata says. Fine for a demo and for tests;
// a production CA must authenticate the claim (README "mTLS and identity").
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/synchronization/mutex.h"
#include "envoy/config/core/v3/base.pb.h"
#include "xds/server/ca.h"

namespace meshproxy::xds_server {

class WorkloadCertIssuer {
 public:
  WorkloadCertIssuer(std::shared_ptr<const CertificateAuthority> ca, std::string trust_domain,
                     std::chrono::seconds ttl);

  // The node's SPIFFE ID; missing NAMESPACE / SERVICE_ACCOUNT metadata default to "default".
  static std::string spiffeId(const envoy::config::core::v3::Node& node,
                              const std::string& trust_domain);

  // Thread-safe (stream threads). The node's current certificate, issued on first use (or
  // when its claimed identity changed). Null if signing failed (logged).
  std::shared_ptr<const WorkloadCertificate> certificateFor(
      const envoy::config::core::v3::Node& node);
  // The certificate last issued to a node id, without issuing (for /nodes).
  std::shared_ptr<const WorkloadCertificate> current(const std::string& node_id) const;

  // Main thread, periodically: forgets nodes no longer connected, re-issues every certificate
  // past half its lifetime. True if anything was re-issued (the caller publishes, so the
  // streams push the new secret).
  bool renewDue(std::chrono::system_clock::time_point now,
                const std::set<std::string>& connected_node_ids);

  const CertificateAuthority& ca() const { return *ca_; }
  std::chrono::seconds ttl() const { return ttl_; }

 private:
  struct Entry {
    envoy::config::core::v3::Node node;
    std::shared_ptr<const WorkloadCertificate> cert;
  };
  std::shared_ptr<const WorkloadCertificate> issue(const std::string& spiffe_id,
                                                   const std::string& node_id);

  const std::shared_ptr<const CertificateAuthority> ca_;
  const std::string trust_domain_;
  const std::chrono::seconds ttl_;
  mutable absl::Mutex mu_;
  std::map<std::string, Entry> by_node_ ABSL_GUARDED_BY(mu_);
};

}  // namespace meshproxy::xds_server
