#include "proxy/upstream/priority_load.h"

#include <algorithm>

namespace meshproxy::upstream {

PriorityLoad computePriorityLoad(const std::vector<PriorityHealth>& levels,
                                 uint32_t overprovisioning_factor, double panic_threshold) {
  PriorityLoad out;
  out.load.assign(levels.size(), 0);
  out.panic.assign(levels.size(), false);
  uint64_t total_health = 0;
  uint64_t total_hosts = 0;
  std::vector<uint32_t> health(levels.size(), 0);
  for (size_t i = 0; i < levels.size(); ++i) {
    total_hosts += levels[i].hosts;
    if (levels[i].hosts == 0) continue;
    uint64_t h =
        static_cast<uint64_t>(overprovisioning_factor) * levels[i].healthy / levels[i].hosts;
    health[i] = static_cast<uint32_t>(std::min<uint64_t>(100, h));
    total_health += health[i];
  }
  if (total_hosts == 0) return out;
  if (total_health == 0) {
    // Total panic: every level balances over all of its hosts, load by host count.
    uint32_t left = 100;
    size_t first = levels.size();
    for (size_t i = 0; i < levels.size(); ++i) {
      out.panic[i] = panic_threshold > 0;
      out.load[i] = static_cast<uint32_t>(100 * levels[i].hosts / total_hosts);
      left -= out.load[i];
      if (levels[i].hosts > 0 && first == levels.size()) first = i;
    }
    out.load[first] += left;
    if (panic_threshold <= 0) out.load.assign(levels.size(), 0);  // nothing to pick from
    return out;
  }
  const uint32_t normalized = static_cast<uint32_t>(std::min<uint64_t>(100, total_health));
  uint32_t left = 100;
  size_t first_available = levels.size();
  for (size_t i = 0; i < levels.size(); ++i) {
    uint32_t share = std::min(left, health[i] * 100 / normalized);
    out.load[i] = share;
    left -= share;
    if (health[i] > 0 && first_available == levels.size()) first_available = i;
  }
  if (left > 0) out.load[first_available] += left;  // rounding
  if (normalized < 100 && panic_threshold > 0) {
    for (size_t i = 0; i < levels.size(); ++i) {
      if (levels[i].hosts == 0) continue;
      double healthy_percent = 100.0 * levels[i].healthy / levels[i].hosts;
      out.panic[i] = healthy_percent < panic_threshold;
    }
  }
  return out;
}

uint32_t choosePriority(const std::vector<uint32_t>& load, uint64_t value) {
  uint32_t point = static_cast<uint32_t>(value % 100);
  uint32_t end = 0;
  for (size_t i = 0; i < load.size(); ++i) {
    end += load[i];
    if (point < end) return static_cast<uint32_t>(i);
  }
  return 0;
}

double localityEffectiveWeight(uint32_t weight, uint32_t hosts, uint32_t healthy,
                               uint32_t overprovisioning_factor) {
  if (hosts == 0 || weight == 0) return 0;
  double availability =
      std::min(1.0, overprovisioning_factor / 100.0 * healthy / static_cast<double>(hosts));
  return weight * availability;
}

}  // namespace meshproxy::upstream
