// What a client asked for, for one type on one stream: every resource (wildcard) or a set of
// names. Per the xDS protocol, LDS and CDS with no names at all mean every resource (legacy
// wildcard); "*" among the names means every resource for any type; otherwise only the named
// resources are sent, and a name with no resource is simply absent from the response.
#pragma once

#include <google/protobuf/repeated_field.h>

#include <set>
#include <string>
#include <string_view>

#include "xds/server/resource.h"

namespace meshproxy::xds_server {

class Subscription {
 public:
  Subscription() = default;
  static Subscription fromRequest(std::string_view type_url,
                                  const google::protobuf::RepeatedPtrField<std::string>& names);
  // A delta stream's subscription, kept as a wildcard flag and the names subscribed.
  static Subscription of(bool wildcard, std::set<std::string> names);

  bool wildcard() const { return wildcard_; }
  // Explicitly requested names ("*" excluded).
  const std::set<std::string>& names() const { return names_; }

  // The part of `available` this subscription selects.
  ResourceMap select(const ResourceMap& available) const;

  bool operator==(const Subscription& other) const = default;

 private:
  bool wildcard_ = false;
  std::set<std::string> names_;
};

}  // namespace meshproxy::xds_server
