#pragma once

#include <google/protobuf/any.pb.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "proxy/core/strings.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/server/dependencies.h"
#include "proxy/server/resource_type.h"
#include "proxy/server/resource_update.h"
#include "proxy/server/warming.h"

namespace meshproxy::server {

// What xDS said of a resource: the version it came with and when, the hash of its content.
struct ResourceMeta {
  std::string version;
  std::chrono::system_clock::time_point last_updated;
  uint64_t hash = 0;
  // From xDS. Static resources (bootstrap) cannot be replaced or removed by an update.
  bool dynamic = false;
};

// The resources of one xDS type by name (main thread), each kept with its proto (for
// /config_dump), its translation and what it depends on, in up to three states at once:
// active (serving), warming (a new version waiting for its dependencies; the active one keeps
// serving meanwhile) and draining (removed, shown until its drain time ends).
//
// An update is applied in two steps, so a bad one changes nothing: prepare() decodes,
// validates and translates every resource without touching the store (resources whose content
// hash matches what the store holds are not translated again and keep their objects), then
// commit() changes it. Both SotW and delta updates go through the same steps: a SotW update
// of a full-state type removes what it leaves out, a delta update removes what it names.
//
// The store knows nothing of other types; what "ready" means and when warming gives up come
// in through Rules, built by the caller from ResourceType::dependencies.
template <typename Proto, typename Value>
class ResourceStore {
 public:
  using Type = ResourceType<Proto, Value>;
  using Candidate = ResourceCandidate<Proto, Value>;

  struct Entry {
    Proto proto;
    Value value;
    ResourceMeta meta;
    Dependencies dependencies;
  };
  struct Warming {
    Entry entry;
    bool timed_out = false;  // initial_fetch_timeout passed: activated without what it waits for
    std::unique_ptr<WarmTimer> timer;
  };
  struct Draining {
    Proto proto;
    ResourceMeta meta;
    std::chrono::steady_clock::time_point until;
  };
  struct Slot {
    std::optional<Entry> active;
    std::optional<Warming> warming;
    std::optional<Draining> draining;
    // Removed by xDS but still named by something active (RemovalPolicy::kKeepWhileReferenced).
    bool removed = false;
    bool empty() const { return !active && !warming && !draining; }
  };
  using Slots = std::map<std::string, Slot, std::less<>>;

  // How a new or changed resource becomes active.
  struct Rules {
    // Everything it waits for is there: it serves at once, or leaves warming.
    std::function<bool(const Entry&)> ready;
    // Starts the deadline after which a warming resource is activated anyway (markTimedOut).
    std::function<std::unique_ptr<WarmTimer>(const std::string& name, const Entry&)> start_timer;
  };

  // A validated update: every resource translated (or unchanged), nothing changed yet.
  struct Prepared {
    std::vector<Candidate> candidates;  // by name
    std::vector<std::string> removed;   // names the update removes
  };

  ResourceStore() = default;
  ResourceStore(const ResourceStore&) = delete;
  ResourceStore& operator=(const ResourceStore&) = delete;

  absl::StatusOr<Prepared> prepare(const ResourceUpdate& update, Type& type) const {
    std::map<std::string, Candidate> incoming;
    const auto& resources = *update.resources;
    for (size_t i = 0; i < resources.size(); ++i) {
      Proto proto;
      if (!resources[i].UnpackTo(&proto)) {
        return absl::InvalidArgumentError(
            absl::StrCat("resource ", i, ": cannot decode ", resources[i].type_url()));
      }
      auto name = type.nameOf(proto, i);
      if (!name.ok()) return name.status();
      if (type.duplicateNamesRejected() && incoming.contains(*name)) {
        return absl::InvalidArgumentError(
            absl::StrCat("duplicate ", toAbsl(type.noun()), " '", *name, "'"));
      }
      Candidate c{
          .name = *name, .index = i, .proto = std::move(proto), .version = update.versionOf(i)};
      c.hash = protobuf::contentHash(c.proto);
      if (auto it = slots_.find(*name); it != slots_.end()) {
        const Slot& slot = it->second;
        if (slot.active && !slot.active->meta.dynamic) {
          return absl::InvalidArgumentError(absl::StrCat(toAbsl(type.noun()), " '", *name,
                                                         "' is static and cannot be replaced by ",
                                                         toAbsl(type.api())));
        }
        // Same content as the version warming or serving: keep that one and its objects.
        if (slot.warming && slot.warming->entry.meta.hash == c.hash) {
          c.held = &slot.warming->entry.value;
        } else if (slot.active && slot.active->meta.hash == c.hash) {
          c.held = &slot.active->value;
        }
      }
      if (c.held == nullptr) {
        auto value = type.translate(c.proto);
        if (!value.ok()) return value.status();
        c.dependencies = type.dependencies(*value);
        c.value = std::move(*value);
      }
      incoming.insert_or_assign(*name, std::move(c));
    }
    Prepared prepared;
    prepared.removed = removedBy(update, type, incoming);
    prepared.candidates.reserve(incoming.size());
    for (auto& [name, c] : incoming) prepared.candidates.push_back(std::move(c));
    return prepared;
  }

  ChangeSet commit(Prepared prepared, const Type& type, const Rules& rules) {
    ChangeSet changes;
    const auto now = std::chrono::system_clock::now();
    const auto steady_now = std::chrono::steady_clock::now();
    for (auto it = slots_.begin(); it != slots_.end();) {
      Slot& slot = it->second;
      if (slot.draining && slot.draining->until <= steady_now) slot.draining.reset();
      it = slot.empty() ? slots_.erase(it) : std::next(it);
    }
    for (auto& c : prepared.candidates) {
      Slot& slot = slots_[c.name];
      slot.removed = false;  // named again
      if (!c.changed()) continue;
      changes.updated.push_back(c.name);
      slot.warming.reset();  // a newer version replaces the one warming
      Entry entry{std::move(c.proto),
                  std::move(*c.value),
                  {c.version, now, c.hash, true},
                  std::move(c.dependencies)};
      if (rules.ready(entry)) {
        slot.active = std::move(entry);
        changes.activated.push_back(c.name);
        continue;
      }
      slot.warming.emplace(Warming{.entry = std::move(entry)});
      slot.warming->timer = rules.start_timer(c.name, slot.warming->entry);
    }
    const RemovalPolicy policy = type.removalPolicy();
    for (const auto& name : prepared.removed) {
      auto it = slots_.find(name);
      if (it == slots_.end()) continue;
      Slot& slot = it->second;
      slot.warming.reset();
      if (slot.active && slot.active->meta.dynamic) {
        switch (policy.kind) {
          case RemovalPolicy::Kind::kErase:
            slot.active.reset();
            break;
          case RemovalPolicy::Kind::kKeepWhileReferenced:
            slot.removed = true;
            break;
          case RemovalPolicy::Kind::kDrain:
            slot.draining = Draining{std::move(slot.active->proto), slot.active->meta,
                                     steady_now + policy.drain_time};
            slot.active.reset();
            break;
        }
      }
      changes.removed.push_back(name);
      if (slot.empty()) slots_.erase(it);
    }
    return changes;
  }

  // Moves every warming resource that is ready (or timed out) to active; returns their names.
  std::vector<std::string> activateReady(const Rules& rules) {
    std::vector<std::string> activated;
    for (auto& [name, slot] : slots_) {
      if (!slot.warming || (!slot.warming->timed_out && !rules.ready(slot.warming->entry)))
        continue;
      slot.warming->timer.reset();
      slot.active = std::move(slot.warming->entry);
      slot.warming.reset();
      activated.push_back(name);
    }
    return activated;
  }

  // initial_fetch_timeout of a warming resource passed; false if none is warming by that name.
  bool markTimedOut(std::string_view name) {
    auto it = slots_.find(name);
    if (it == slots_.end() || !it->second.warming) return false;
    it->second.warming->timed_out = true;
    return true;
  }

  // A resource from the bootstrap: active at once, never replaced or removed by xDS. The
  // first of two with one name stays.
  bool addStatic(std::string name, Proto proto, Value value, Dependencies dependencies) {
    if (slots_.contains(name)) return false;
    uint64_t hash = protobuf::contentHash(proto);
    slots_[std::move(name)].active = Entry{std::move(proto),
                                           std::move(value),
                                           {"", std::chrono::system_clock::now(), hash, false},
                                           std::move(dependencies)};
    return true;
  }

  // Drops the removed resources `still_referenced` no longer wants; returns their names.
  std::vector<std::string> purgeRemoved(
      const std::function<bool(const std::string&)>& still_referenced) {
    std::vector<std::string> purged;
    for (auto it = slots_.begin(); it != slots_.end();) {
      Slot& slot = it->second;
      if (!slot.removed || still_referenced(it->first)) {
        ++it;
        continue;
      }
      purged.push_back(it->first);
      slot.removed = false;
      slot.active.reset();
      it = slot.empty() ? slots_.erase(it) : std::next(it);
    }
    return purged;
  }

  // Forgets every resource not in `wanted` (what an unsubscribe implies).
  void retainOnly(const std::set<std::string>& wanted) {
    std::erase_if(slots_, [&](const auto& kv) { return !wanted.contains(kv.first); });
  }

  const Entry* active(std::string_view name) const {
    auto it = slots_.find(name);
    return it == slots_.end() || !it->second.active ? nullptr : &*it->second.active;
  }
  const Warming* warming(std::string_view name) const {
    auto it = slots_.find(name);
    return it == slots_.end() || !it->second.warming ? nullptr : &*it->second.warming;
  }
  bool hasActive(std::string_view name) const { return active(name) != nullptr; }
  size_t warmingCount() const {
    size_t n = 0;
    for (const auto& [name, slot] : slots_) n += slot.warming ? 1 : 0;
    return n;
  }
  // Every name in order, with whatever states it has.
  const Slots& slots() const { return slots_; }

 private:
  std::vector<std::string> removedBy(const ResourceUpdate& update, const Type& type,
                                     const std::map<std::string, Candidate>& incoming) const {
    std::vector<std::string> removed;
    auto removable = [](const Slot& slot) {
      return slot.warming || (slot.active && slot.active->meta.dynamic);
    };
    if (update.kind == ResourceUpdate::Kind::kDelta) {
      for (const auto& name : update.removed) {
        auto it = slots_.find(name);
        if (it != slots_.end() && removable(it->second) && !incoming.contains(name))
          removed.push_back(name);
      }
    } else if (type.fullState()) {
      for (const auto& [name, slot] : slots_) {
        if (removable(slot) && !incoming.contains(name)) removed.push_back(name);
      }
    }
    return removed;
  }

  Slots slots_;
};

// The one path every update of every type takes: everything validated and translated, then
// the type's whole-update checks, then the change. An error leaves the store as it was.
template <typename Proto, typename Value>
absl::StatusOr<ChangeSet> applyUpdate(ResourceStore<Proto, Value>& store,
                                      ResourceType<Proto, Value>& type,
                                      const ResourceUpdate& update,
                                      const typename ResourceStore<Proto, Value>::Rules& rules) {
  auto prepared = store.prepare(update, type);
  if (!prepared.ok()) return prepared.status();
  if (auto s = type.beforeCommit(prepared->candidates); !s.ok()) return s;
  return store.commit(std::move(*prepared), type, rules);
}

}  // namespace meshproxy::server
