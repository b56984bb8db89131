#include "xds/server/subscription.h"

#include "xds/server/type_urls.h"

namespace meshproxy::xds_server {

Subscription Subscription::fromRequest(
    std::string_view type_url, const google::protobuf::RepeatedPtrField<std::string>& names) {
  Subscription s;
  s.wildcard_ = names.empty() && isLegacyWildcardType(type_url);
  for (const auto& name : names) {
    if (name == "*") {
      s.wildcard_ = true;
    } else {
      s.names_.insert(name);
    }
  }
  return s;
}

Subscription Subscription::of(bool wildcard, std::set<std::string> names) {
  Subscription s;
  s.wildcard_ = wildcard;
  s.names_ = std::move(names);
  return s;
}

ResourceMap Subscription::select(const ResourceMap& available) const {
  if (wildcard_) return available;
  ResourceMap out;
  for (const auto& name : names_) {
    if (auto it = available.find(name); it != available.end()) out.emplace(name, it->second);
  }
  return out;
}

}  // namespace meshproxy::xds_server
