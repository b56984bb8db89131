#include "proxy/server/listener_resources.h"

#include "proxy/config/listener_translator.h"

namespace meshproxy::server {

absl::StatusOr<std::string> ListenerResources::nameOf(
    const envoy::config::listener::v3::Listener& proto, size_t index) const {
  if (proto.name().empty())
    return absl::InvalidArgumentError(absl::StrCat("listener resource ", index, " has no name"));
  return proto.name();
}

absl::StatusOr<config::ListenerHandle> ListenerResources::translate(
    const envoy::config::listener::v3::Listener& proto) {
  auto listener = config::translateListener(proto, context_);
  if (!listener.ok()) return listener.status();
  return config::ListenerHandle{.config = *listener, .sockets = nullptr};  // bound in beforeCommit
}

Dependencies ListenerResources::dependencies(const config::ListenerHandle& listener) const {
  const auto& config = *listener.config;
  Dependencies d;
  d.routes = config.rds_route_configs;
  // Envoy's RDS default; the listener's own rds config_source timeout is not read yet.
  if (!d.routes.empty()) d.fetch_timeout = std::chrono::milliseconds(15000);
  d.secrets = config.secrets;
  d.clusters = config.clusters;
  return d;
}

absl::Status ListenerResources::beforeCommit(std::vector<Candidate>& candidates) {
  // Static listeners first, then the update's in name order: the order /listeners shows.
  std::vector<std::shared_ptr<const network::ListenerConfig>> all;
  for (const auto& [name, slot] : store_.slots()) {
    if (slot.active && !slot.active->meta.dynamic) all.push_back(slot.active->value.config);
  }
  for (const auto& c : candidates) all.push_back(c.current().config);
  auto handles = manager_.apply(all);
  if (!handles.ok()) return handles.status();
  std::map<std::string, config::ListenerHandle> by_name;
  for (const auto& h : *handles) by_name[h.config->name] = h;
  for (auto& c : candidates) {
    if (c.changed()) *c.value = by_name[c.name];
  }
  return absl::OkStatus();
}

}  // namespace meshproxy::server
