#include "proxy/server/listener_manager.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace meshproxy::server {

absl::StatusOr<std::vector<config::ListenerHandle>> ListenerManager::apply(
    const std::vector<std::shared_ptr<const network::ListenerConfig>>& listeners) {
  absl::flat_hash_map<std::string, const config::ListenerHandle*> existing;
  absl::flat_hash_map<std::string, const config::ListenerHandle*> by_address;
  for (const auto& h : current_) {
    existing[h.config->name] = &h;
    if (!h.config->address.ephemeral()) by_address[h.config->address.str()] = &h;
  }

  absl::flat_hash_set<std::string> addresses;
  std::vector<config::ListenerHandle> next;
  next.reserve(listeners.size());
  for (const auto& config : listeners) {
    // Port 0 asks for a fresh ephemeral port each time, so it never collides.
    if (!config->address.ephemeral() && !addresses.insert(config->address.str()).second) {
      return absl::InvalidArgumentError(absl::StrCat("listener '", config->name, "': address ",
                                                     config->address.str(),
                                                     " is already used by another listener"));
    }
    auto it = existing.find(config->name);
    if (it != existing.end() && it->second->config->content_hash == config->content_hash) {
      next.push_back(*it->second);
      continue;
    }
    // A changed listener on an address we already listen on keeps its sockets: workers swap
    // the config in place and not one connection attempt is refused during the change.
    // Binding options must be the same for the sockets to fit.
    if (auto same = by_address.find(config->address.str());
        same != by_address.end() && same->second->config->bind_to_port == config->bind_to_port &&
        same->second->config->transparent == config->transparent &&
        same->second->config->freebind == config->freebind) {
      next.push_back({config, same->second->sockets});
      continue;
    }
    if (!config->bind_to_port) {
      // Reached only through use_original_dst hand-off; the address is a lookup key.
      next.push_back({config, std::shared_ptr<network::ListenSockets>(
                                  network::ListenSockets::unbound(config->address))});
      continue;
    }
    auto sockets = network::ListenSockets::bind(
        config->address, concurrency_,
        {.transparent = config->transparent, .freebind = config->freebind});
    if (!sockets.ok()) {
      return absl::Status(sockets.status().code(),
                          absl::StrCat("listener '", config->name, "': ", sockets.status().message()));
    }
    next.push_back({config, std::shared_ptr<network::ListenSockets>(std::move(*sockets))});
  }
  current_ = next;
  return next;
}

}  // namespace meshproxy::server
