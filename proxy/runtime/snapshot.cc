#include "proxy/runtime/snapshot.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "proxy/core/json.h"
#include "proxy/core/strings.h"

namespace meshproxy::runtime {
namespace {

const Snapshot& emptySnapshot() {
  static const Snapshot* empty = new Snapshot();
  return *empty;
}

thread_local std::shared_ptr<const Snapshot> t_current;
thread_local const Snapshot* t_current_raw = nullptr;

}  // namespace

Snapshot::Snapshot(std::vector<LayerSharedPtr> layers, const KeyRegistry& keys)
    : layers_(std::move(layers)) {
  for (const auto& layer : layers_) {
    for (const auto& [key, entry] : layer->values) values_[key] = &entry;
  }
  slots_.resize(keys.size(), nullptr);
  for (uint32_t slot = 0; slot < keys.size(); ++slot) slots_[slot] = get(keys.name(slot));
}

const Entry* Snapshot::get(std::string_view key) const {
  auto it = values_.find(toAbsl(key));
  return it == values_.end() ? nullptr : it->second;
}

std::string Snapshot::toJson() const {
  std::vector<std::string_view> keys;
  keys.reserve(values_.size());
  for (const auto& [key, entry] : values_) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  std::string out = "{\"layers\":[";
  for (size_t i = 0; i < layers_.size(); ++i) {
    absl::StrAppend(&out, i ? "," : "", jsonString(layers_[i]->name));
  }
  out += "],\"entries\":{";
  for (size_t k = 0; k < keys.size(); ++k) {
    absl::StrAppend(&out, k ? "," : "", jsonString(keys[k]), ":{\"layer_values\":[");
    for (size_t i = 0; i < layers_.size(); ++i) {
      auto it = layers_[i]->values.find(toAbsl(keys[k]));
      absl::StrAppend(
          &out, i ? "," : "",
          jsonString(it == layers_[i]->values.end() ? std::string_view()
                                                    : std::string_view(it->second.raw)));
    }
    absl::StrAppend(&out, "],\"final_value\":", jsonString(values_.at(toAbsl(keys[k]))->raw), "}");
  }
  out += "}}";
  return out;
}

const Snapshot& Snapshot::current() {
  return t_current_raw != nullptr ? *t_current_raw : emptySnapshot();
}

void Snapshot::setCurrent(std::shared_ptr<const Snapshot> snapshot) {
  t_current = std::move(snapshot);
  t_current_raw = t_current.get();
}

}  // namespace meshproxy::runtime
