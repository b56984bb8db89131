#include "proxy/server/resource_stores.h"

namespace meshproxy::server {

bool dependenciesMet(const Dependencies& dependencies, const ResourceStores& stores) {
  for (const auto& name : dependencies.routes) {
    if (!stores.routes.hasActive(name)) return false;
  }
  for (const auto& name : dependencies.endpoints) {
    if (!stores.endpoints.hasActive(name)) return false;
  }
  return true;
}

namespace {
template <typename Store>
void addWanted(const Store& store, WantedNames& wanted) {
  for (const auto& [name, slot] : store.slots()) {
    for (const auto* entry :
         {slot.active ? &*slot.active : nullptr, slot.warming ? &slot.warming->entry : nullptr}) {
      if (entry == nullptr) continue;
      const Dependencies& d = entry->dependencies;
      wanted.routes.insert(d.routes.begin(), d.routes.end());
      wanted.endpoints.insert(d.endpoints.begin(), d.endpoints.end());
      wanted.secrets.insert(d.secrets.begin(), d.secrets.end());
    }
  }
}
}  // namespace

WantedNames wantedNames(const ResourceStores& stores) {
  WantedNames wanted;
  addWanted(stores.listeners, wanted);
  addWanted(stores.clusters, wanted);
  addWanted(stores.routes, wanted);  // none yet: they wait for nothing
  addWanted(stores.endpoints, wanted);
  addWanted(stores.secrets, wanted);
  return wanted;
}

std::set<std::string> referencedClusters(const ResourceStores& stores) {
  std::set<std::string> names;
  for (const auto& [name, slot] : stores.listeners.slots()) {
    if (!slot.active) continue;
    const Dependencies& d = slot.active->dependencies;
    names.insert(d.clusters.begin(), d.clusters.end());
    for (const auto& route : d.routes) {
      if (const auto* table = stores.routes.active(route); table != nullptr)
        names.insert(table->dependencies.clusters.begin(), table->dependencies.clusters.end());
    }
  }
  return names;
}

}  // namespace meshproxy::server
