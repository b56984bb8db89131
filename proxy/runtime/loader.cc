#include "proxy/runtime/loader.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "envoy/config/bootstrap/v3/bootstrap.pb.h"

namespace meshproxy::runtime {
namespace {

using envoy::config::bootstrap::v3::RuntimeLayer;

absl::Status flatten(const google::protobuf::Value& value, const std::string& prefix,
                     Layer& layer) {
  if (value.kind_case() == google::protobuf::Value::kStructValue) {
    const auto& fields = value.struct_value().fields();
    // Envoy's ProtoLayer: a struct that looks like a FractionalPercent (or is empty) is one
    // value; any other struct is a level of the key's dotted path.
    if (!fields.empty() && !fields.contains("numerator") && !fields.contains("denominator")) {
      for (const auto& [name, child] : fields) {
        if (auto s = flatten(child, absl::StrCat(prefix, ".", name), layer); !s.ok()) return s;
      }
      return absl::OkStatus();
    }
  }
  auto entry = entryFromValue(value);
  if (!entry.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid runtime entry value for ", prefix, ": ", entry.status().message()));
  }
  layer.values.insert_or_assign(prefix, std::move(*entry));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Loader>> Loader::create(
    const envoy::config::bootstrap::v3::Bootstrap& bootstrap) {
  if (bootstrap.has_layered_runtime()) return create(bootstrap.layered_runtime());
  envoy::config::bootstrap::v3::LayeredRuntime defaults;
  auto* base = defaults.add_layers();
  base->set_name("base");
  base->mutable_static_layer();
  auto* admin = defaults.add_layers();
  admin->set_name("admin");
  admin->mutable_admin_layer();
  return create(defaults);
}

absl::StatusOr<std::unique_ptr<Loader>> Loader::create(
    const envoy::config::bootstrap::v3::LayeredRuntime& config) {
  std::unique_ptr<Loader> loader(new Loader());
  envoy::config::bootstrap::v3::LayeredRuntime effective = config;
  if (effective.layers().empty()) effective.add_layers()->mutable_admin_layer();
  absl::flat_hash_set<std::string> names;
  for (int i = 0; i < effective.layers_size(); ++i) {
    const RuntimeLayer& proto = effective.layers(i);
    const std::string where = absl::StrCat("layered_runtime.layers[", i, "] '", proto.name(), "'");
    if (!names.insert(proto.name()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("layered_runtime: duplicate layer name '", proto.name(), "'"));
    }
    auto layer = std::make_shared<Layer>();
    layer->name = proto.name();
    switch (proto.layer_specifier_case()) {
      case RuntimeLayer::kStaticLayer:
        for (const auto& [key, value] : proto.static_layer().fields()) {
          if (auto s = flatten(value, key, *layer); !s.ok()) {
            return absl::InvalidArgumentError(absl::StrCat(where, ": ", s.message()));
          }
        }
        break;
      case RuntimeLayer::kAdminLayer:
        if (loader->admin_index_ >= 0) {
          return absl::InvalidArgumentError(
              "layered_runtime: too many admin layers specified, at most one may be specified");
        }
        loader->admin_index_ = i;
        break;
      case RuntimeLayer::kDiskLayer:
        return absl::InvalidArgumentError(
            absl::StrCat(where,
                         ": unsupported field disk_layer: meshproxy implements static_layer and "
                         "admin_layer only"));
      case RuntimeLayer::kRtdsLayer:
        return absl::InvalidArgumentError(
            absl::StrCat(where,
                         ": unsupported field rtds_layer: meshproxy implements static_layer and "
                         "admin_layer only"));
      default:
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": needs one of static_layer or admin_layer"));
    }
    loader->static_layers_.push_back(std::move(layer));
  }
  loader->rebuild();
  return loader;
}

void Loader::rebuild() {
  built_with_keys_ = KeyRegistry::global().size();
  snapshot_ = std::make_shared<const Snapshot>(static_layers_, KeyRegistry::global());
  if (!active_) return;
  Snapshot::setCurrent(snapshot_);
  if (on_update_) on_update_(snapshot_);
}

void Loader::activate(std::function<void(SnapshotSharedPtr)> on_update) {
  active_ = true;
  on_update_ = std::move(on_update);
  rebuild();
}

absl::Status Loader::mergeAdminValues(
    const std::vector<std::pair<std::string, std::string>>& values) {
  if (admin_index_ < 0) return absl::FailedPreconditionError("No admin layer specified");
  // Layers are shared with older snapshots that workers may still read: copy, then swap.
  auto layer = std::make_shared<Layer>(*static_layers_[static_cast<size_t>(admin_index_)]);
  for (const auto& [key, value] : values) {
    if (value.empty()) {
      layer->values.erase(key);
    } else {
      layer->values.insert_or_assign(key, entryFromString(value));
    }
  }
  static_layers_[static_cast<size_t>(admin_index_)] = std::move(layer);
  rebuild();
  return absl::OkStatus();
}

bool Loader::refreshKeys() {
  if (KeyRegistry::global().size() == built_with_keys_) return false;
  rebuild();
  return true;
}

std::vector<std::string> Loader::unreadEnvoyKeys() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < static_layers_.size(); ++i) {
    if (static_cast<int>(i) == admin_index_) continue;
    for (const auto& [key, entry] : static_layers_[i]->values) {
      if (absl::StartsWith(key, "envoy.") || absl::StartsWith(key, "overload.")) {
        out.push_back(key);
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace meshproxy::runtime
