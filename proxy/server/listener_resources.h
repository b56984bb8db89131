#pragma once

#include <chrono>

#include "envoy/config/listener/v3/listener.pb.h"
#include "proxy/config/snapshot.h"
#include "proxy/config/translation_context.h"
#include "proxy/server/listener_manager.h"
#include "proxy/server/resource_store.h"

namespace meshproxy::server {

// LDS: listeners with the sockets bound for them.
using ListenerStore = ResourceStore<envoy::config::listener::v3::Listener, config::ListenerHandle>;

// A listener waits for its route configurations (RDS) and the SDS secrets of its TLS
// contexts. Binding is part of validation: before an update commits, every listener it leaves
// (static ones, and new, changed and unchanged dynamic ones) is bound through the
// ListenerManager, and a port in use rejects the update. A removed listener drains.
class ListenerResources
    : public ResourceType<envoy::config::listener::v3::Listener, config::ListenerHandle> {
 public:
  ListenerResources(config::TranslationContext& context, ListenerManager& manager,
                    const ListenerStore& store, std::chrono::milliseconds drain_time)
      : context_(context), manager_(manager), store_(store), drain_time_(drain_time) {}

  std::string_view noun() const override { return "listener"; }
  std::string_view api() const override { return "LDS"; }
  std::string_view awaited() const override { return "routes or secrets"; }
  absl::StatusOr<std::string> nameOf(const envoy::config::listener::v3::Listener& proto,
                                     size_t index) const override;
  absl::StatusOr<config::ListenerHandle> translate(
      const envoy::config::listener::v3::Listener& proto) override;
  Dependencies dependencies(const config::ListenerHandle& listener) const override;
  bool transportReady(const config::ListenerHandle& listener) const override {
    return listener.config->transportReady();
  }
  absl::Status beforeCommit(std::vector<Candidate>& candidates) override;
  bool fullState() const override { return true; }
  RemovalPolicy removalPolicy() const override {
    return {.kind = RemovalPolicy::Kind::kDrain, .drain_time = drain_time_};
  }

 private:
  config::TranslationContext& context_;
  ListenerManager& manager_;
  const ListenerStore& store_;
  std::chrono::milliseconds drain_time_;
};

}  // namespace meshproxy::server
