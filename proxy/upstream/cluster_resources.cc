#include "proxy/upstream/cluster_resources.h"

#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "proxy/core/strings.h"

namespace meshproxy::upstream {

std::shared_ptr<ClusterResources> ClusterResources::forCluster(std::string_view cluster_name) {
  // Weak entries: the counters live exactly as long as some config of the cluster does. A
  // cluster removed and added again after its last request finished starts from zero, which
  // is then also the truth.
  static std::mutex mutex;
  static absl::flat_hash_map<std::string, std::weak_ptr<ClusterResources>> by_name;
  std::lock_guard<std::mutex> lock(mutex);
  auto& entry = by_name[toAbsl(cluster_name)];
  if (auto existing = entry.lock(); existing != nullptr) return existing;
  auto fresh = std::make_shared<ClusterResources>();
  entry = fresh;
  // Forget names whose counters are gone, so churned cluster names do not accumulate.
  if (by_name.size() > 64 && by_name.size() % 64 == 0) {
    absl::erase_if(by_name, [](const auto& kv) { return kv.second.expired(); });
  }
  return fresh;
}

}  // namespace meshproxy::upstream
