#include "xds/server/node_registry.h"

namespace meshproxy::xds_server {

void NodeRegistry::connect(StreamInfo info) {
  absl::MutexLock lock(&mu_);
  uint64_t id = info.stream_id;
  connected_.insert_or_assign(id, std::move(info));
}

void NodeRegistry::updateType(uint64_t stream_id, const TypeStatus& status) {
  absl::MutexLock lock(&mu_);
  auto it = connected_.find(stream_id);
  if (it != connected_.end()) it->second.types.insert_or_assign(status.type_url, status);
}

void NodeRegistry::disconnect(uint64_t stream_id, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = connected_.find(stream_id);
  if (it == connected_.end()) return;
  it->second.disconnected_at = now;
  disconnected_.push_front(std::move(it->second));
  connected_.erase(it);
  while (disconnected_.size() > kRecentDisconnected) disconnected_.pop_back();
}

std::vector<StreamInfo> NodeRegistry::connected() const {
  absl::MutexLock lock(&mu_);
  std::vector<StreamInfo> out;
  out.reserve(connected_.size());
  for (const auto& [id, info] : connected_) out.push_back(info);
  return out;
}

std::vector<StreamInfo> NodeRegistry::recentlyDisconnected() const {
  absl::MutexLock lock(&mu_);
  return {disconnected_.begin(), disconnected_.end()};
}

size_t NodeRegistry::connectedCount() const {
  absl::MutexLock lock(&mu_);
  return connected_.size();
}

}  // namespace meshproxy::xds_server
