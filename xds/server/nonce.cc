#include "xds/server/nonce.h"

#include <atomic>
#include <cstdint>

namespace meshproxy::xds_server {

std::string nextNonce() {
  static std::atomic<uint64_t> counter{0};
  return std::to_string(counter.fetch_add(1, std::memory_order_relaxed) + 1);
}

}  // namespace meshproxy::xds_server
