#include "proxy/upstream/host.h"

#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "proxy/core/strings.h"

namespace meshproxy::upstream {

namespace {
std::atomic<uint32_t> g_outcome_stripes{1};
}  // namespace

void Host::setOutcomeStripes(uint32_t stripes) {
  g_outcome_stripes.store(stripes == 0 ? 1 : stripes, std::memory_order_relaxed);
}

Host::Host(network::Address address, std::string hostname, uint32_t weight, Locality locality,
           uint32_t priority)
    : address_(std::move(address)),
      hostname_(std::move(hostname)),
      locality_(std::move(locality)),
      weight_(weight),
      priority_(priority),
      outcome_stripes_(g_outcome_stripes.load(std::memory_order_relaxed)),
      outcomes_(std::make_unique<HostOutcomes[]>(outcome_stripes_)) {}

network::Address Host::healthCheckAddress() const {
  network::Address address = address_;
  if (health_check_target_.port != 0) address.setPort(health_check_target_.port);
  return address;
}

Host::OutcomeTotals Host::outcomeTotals() const {
  OutcomeTotals totals;
  for (uint32_t i = 0; i < outcome_stripes_; ++i) {
    totals.success += outcomes_[i].success.load(std::memory_order_relaxed);
    totals.error += outcomes_[i].error.load(std::memory_order_relaxed);
    totals.local_origin_failure +=
        outcomes_[i].local_origin_failure.load(std::memory_order_relaxed);
    totals.local_origin_success +=
        outcomes_[i].local_origin_success.load(std::memory_order_relaxed);
  }
  return totals;
}

ReconciledHosts reconcileHosts(const HostVector& current, const HostVector& incoming) {
  ReconciledHosts out;
  out.changed = current.size() != incoming.size();
  absl::flat_hash_map<absl::string_view, size_t> by_address;  // into `current`
  by_address.reserve(current.size());
  for (size_t i = 0; i < current.size(); ++i) {
    by_address.emplace(toAbsl(current[i]->address().str()), i);
  }

  out.hosts.reserve(incoming.size());
  for (size_t i = 0; i < incoming.size(); ++i) {
    const HostSharedPtr& fresh = incoming[i];
    auto it = by_address.find(toAbsl(fresh->address().str()));
    Host* kept = it == by_address.end() ? nullptr : current[it->second].get();
    if (kept != nullptr && kept->hostname() == fresh->hostname() &&
        kept->locality() == fresh->locality() &&
        kept->healthCheckTarget() == fresh->healthCheckTarget() &&
        protobuf::metadataEqual(kept->metadata(), fresh->metadata()) &&
        protobuf::metadataEqual(kept->localityMetadata(), fresh->localityMetadata())) {
      size_t index = it->second;
      by_address.erase(it);  // a duplicate address in `incoming` gets its own object
      if (kept->weight() != fresh->weight() || kept->priority() != fresh->priority() ||
          kept->localityWeight() != fresh->localityWeight() ||
          kept->overprovisioningFactor() != fresh->overprovisioningFactor()) {
        out.changed = true;
        kept->setWeight(fresh->weight());
        kept->setPriority(fresh->priority());
        kept->setLocalityWeight(fresh->localityWeight());
        kept->setOverprovisioningFactor(fresh->overprovisioningFactor());
      }
      // EDS health_status is discovery's to say; the other flags (health checks, outlier
      // detection) belong to the kept object and stay as they are.
      bool eds_unhealthy = fresh->healthFlag(HealthFlag::kFailedEdsHealth);
      if (kept->healthFlag(HealthFlag::kFailedEdsHealth) != eds_unhealthy) {
        out.changed = true;
        if (eds_unhealthy) {
          kept->setHealthFlag(HealthFlag::kFailedEdsHealth);
        } else {
          kept->clearHealthFlag(HealthFlag::kFailedEdsHealth);
        }
      }
      if (index != i) out.changed = true;
      out.hosts.push_back(current[index]);
      continue;
    }
    out.changed = true;
    out.hosts.push_back(fresh);
  }
  return out;
}

}  // namespace meshproxy::upstream
