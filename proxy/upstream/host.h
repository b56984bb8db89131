#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "proxy/network/address.h"

namespace meshproxy::upstream {

// One endpoint of a cluster, as config describes it. Immutable and shared by all workers;
// per-worker state (active requests, pools) lives in the worker's own structures.
struct Host {
  network::Address address;
  uint32_t weight = 1;
  // The name the endpoint was configured with (DNS name or IP), for /clusters and logs.
  std::string hostname;
};

using HostSharedPtr = std::shared_ptr<const Host>;
using HostVector = std::vector<HostSharedPtr>;

}  // namespace meshproxy::upstream
