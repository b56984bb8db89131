// An immutable view of every runtime layer merged (Envoy's Runtime::Snapshot). The main
// thread builds one per change (static layers at start, each /runtime_modify) and posts it to
// the workers, which keep it in a thread-local: a lookup takes no lock and no atomic.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "proxy/runtime/entry.h"
#include "proxy/runtime/key.h"

namespace meshproxy::runtime {

struct Layer {
  std::string name;
  absl::flat_hash_map<std::string, Entry> values;
};
using LayerSharedPtr = std::shared_ptr<const Layer>;

class Snapshot {
 public:
  // Later layers override earlier ones. Resolves every key of `keys` to its entry.
  Snapshot(std::vector<LayerSharedPtr> layers, const KeyRegistry& keys);
  Snapshot() = default;

  // nullptr when no layer sets the key.
  const Entry* get(std::string_view key) const;
  const Entry* get(const Key& key) const {
    if (key.slot() < slots_.size()) return slots_[key.slot()];
    // A key registered after this snapshot was built (the next snapshot has its slot).
    return key.empty() ? nullptr : get(key.name());
  }

  // Envoy's featureEnabled(key, FractionalPercent default, random): a FractionalPercent value
  // replaces the default; an integer value is a percentage (above 100: always); otherwise the
  // default decides.
  bool featureEnabled(const Key& key, const FractionalPercent& default_value,
                      uint64_t random) const {
    const Entry* e = get(key);
    if (e != nullptr) {
      if (e->fractional_percent) return e->fractional_percent->evaluate(random);
      if (e->uint_value) {
        if (*e->uint_value > 100) return true;
        return random % 100 < *e->uint_value;
      }
    }
    return default_value.evaluate(random);
  }
  bool getBoolean(const Key& key, bool default_value) const {
    const Entry* e = get(key);
    return e != nullptr && e->bool_value ? *e->bool_value : default_value;
  }
  uint64_t getInteger(std::string_view key, uint64_t default_value) const {
    const Entry* e = get(key);
    return e != nullptr && e->uint_value ? *e->uint_value : default_value;
  }

  const std::vector<LayerSharedPtr>& layers() const { return layers_; }
  size_t size() const { return values_.size(); }

  // Envoy's admin /runtime body: {"layers": [names], "entries": {key: {"layer_values": [per
  // layer, "" where unset], "final_value": ...}}}.
  std::string toJson() const;

  // This thread's current snapshot (an empty one until setCurrent() was called here).
  static const Snapshot& current();
  static void setCurrent(std::shared_ptr<const Snapshot> snapshot);

 private:
  std::vector<LayerSharedPtr> layers_;
  absl::flat_hash_map<std::string, const Entry*> values_;  // into layers_
  std::vector<const Entry*> slots_;
};

using SnapshotSharedPtr = std::shared_ptr<const Snapshot>;

}  // namespace meshproxy::runtime
