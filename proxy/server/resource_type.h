#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proxy/server/dependencies.h"

namespace meshproxy::server {

// One resource of an update after validation, before the store changes.
template <typename Proto, typename Value>
struct ResourceCandidate {
  std::string name;
  size_t index = 0;  // position in the update
  Proto proto;
  uint64_t hash = 0;
  std::string version;
  // New or changed: its translation and what it names. Unchanged (the store holds one with
  // the same content hash): `held` points at the value the store keeps.
  std::optional<Value> value;
  Dependencies dependencies;
  const Value* held = nullptr;

  bool changed() const { return value.has_value(); }
  const Value& current() const { return value ? *value : *held; }
};

// What happens to an active resource that an update removes.
struct RemovalPolicy {
  enum class Kind {
    kErase,                // gone at once (RDS, EDS, SDS)
    kKeepWhileReferenced,  // stays active while a listener or route names it (CDS)
    kDrain,                // leaves at once, shown as draining for drain_time (LDS)
  };
  Kind kind = Kind::kErase;
  std::chrono::milliseconds drain_time{0};
};

// What a ResourceStore needs to know of one xDS resource type: how a resource is named and
// translated, what it waits for, and how it is removed. One implementation per type
// (cluster_resources.h, listener_resources.h, ...); tests use fakes.
template <typename Proto, typename Value>
class ResourceType {
 public:
  using Candidate = ResourceCandidate<Proto, Value>;

  virtual ~ResourceType() = default;

  // For messages: "cluster", and the API that delivers them: "CDS".
  virtual std::string_view noun() const = 0;
  virtual std::string_view api() const = 0;
  // What it waits for while warming, for the log line when its initial_fetch_timeout passes.
  virtual std::string_view awaited() const { return "dependencies"; }
  // The resource's name, or why it has none (`index` is its position in the response).
  virtual absl::StatusOr<std::string> nameOf(const Proto& proto, size_t index) const = 0;
  // Validates and translates; an error rejects the whole update (NACK).
  virtual absl::StatusOr<Value> translate(const Proto& proto) = 0;
  // What the translated resource waits for and names (computed once, kept with it).
  virtual Dependencies dependencies(const Value& value) const = 0;
  // False while its TLS context still waits for secrets (it keeps warming).
  virtual bool transportReady(const Value&) const { return true; }
  // After every resource of the update is translated, before the store changes: checks that
  // need the whole set and whose effects can still fail (a listener's port binding, loading
  // secrets). An error rejects the update and nothing changes.
  virtual absl::Status beforeCommit(std::vector<Candidate>&) { return absl::OkStatus(); }

  // LDS and CDS: a SotW response holds every resource, so one left out is removed. Other
  // types: a response may hold only some, and a resource goes when it is unsubscribed.
  virtual bool fullState() const { return false; }
  virtual RemovalPolicy removalPolicy() const { return {}; }
  // False: a later resource with the same name in one response replaces the earlier one.
  virtual bool duplicateNamesRejected() const { return true; }
};

}  // namespace meshproxy::server
