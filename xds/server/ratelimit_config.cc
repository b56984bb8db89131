#include "xds/server/ratelimit_config.h"

#include <yaml-cpp/yaml.h>

#include "absl/strings/str_cat.h"

namespace meshproxy::xds_server::ratelimit {
namespace {

absl::Status fieldError(const std::string& field, const std::string& message) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", message));
}

absl::Status onlyKeys(const YAML::Node& map, const std::string& where,
                      std::initializer_list<const char*> allowed) {
  if (!map.IsMap()) return fieldError(where, "expected a mapping");
  for (const auto& kv : map) {
    const std::string key = kv.first.as<std::string>();
    bool known = false;
    for (const char* a : allowed) known = known || key == a;
    if (!known) return fieldError(absl::StrCat(where, ".", key), "unknown field");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> scalar(const YAML::Node& node, const std::string& field) {
  if (!node.IsScalar() || node.Scalar().empty()) {
    return fieldError(field, "expected a non-empty string");
  }
  return node.Scalar();
}

absl::StatusOr<RateLimit> parseRateLimit(const YAML::Node& node, const std::string& where) {
  if (auto s = onlyKeys(node, where, {"unit", "requests_per_unit", "unlimited", "name"}); !s.ok()) {
    return s;
  }
  RateLimit r;
  if (node["name"]) {
    auto name = scalar(node["name"], where + ".name");
    if (!name.ok()) return name.status();
    r.name = *name;
  }
  if (node["unlimited"]) {
    bool unlimited = false;
    if (!YAML::convert<bool>::decode(node["unlimited"], unlimited)) {
      return fieldError(where + ".unlimited", "expected true or false");
    }
    r.unlimited = unlimited;
  }
  if (r.unlimited) {
    if (node["unit"] || node["requests_per_unit"]) {
      return fieldError(where, "unlimited takes neither unit nor requests_per_unit");
    }
    return r;
  }
  auto unit = scalar(node["unit"], where + ".unit");
  if (!unit.ok()) return unit.status();
  std::string u = *unit;
  for (char& c : u) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (u == "second") {
    r.unit = Unit::kSecond;
  } else if (u == "minute") {
    r.unit = Unit::kMinute;
  } else if (u == "hour") {
    r.unit = Unit::kHour;
  } else if (u == "day") {
    r.unit = Unit::kDay;
  } else {
    return fieldError(where + ".unit",
                      absl::StrCat("unknown unit '", *unit, "' (second, minute, hour or day)"));
  }
  uint32_t n = 0;
  if (!node["requests_per_unit"] ||
      !YAML::convert<uint32_t>::decode(node["requests_per_unit"], n)) {
    return fieldError(where + ".requests_per_unit", "expected a number");
  }
  r.requests_per_unit = n;
  return r;
}

absl::Status parseDescriptors(const YAML::Node& list, const std::string& where,
                              DescriptorNode& parent) {
  if (!list) return absl::OkStatus();
  if (!list.IsSequence()) return fieldError(where, "expected a list");
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string at = absl::StrCat(where, "[", i, "]");
    const YAML::Node& d = list[i];
    if (auto s = onlyKeys(d, at, {"key", "value", "rate_limit", "shadow_mode", "descriptors"});
        !s.ok()) {
      return s;
    }
    auto key = scalar(d["key"], at + ".key");
    if (!key.ok()) return key.status();
    std::string child_key = *key;
    if (d["value"]) {
      auto value = scalar(d["value"], at + ".value");
      if (!value.ok()) return value.status();
      absl::StrAppend(&child_key, "=", *value);
    }
    auto node = std::make_unique<DescriptorNode>();
    if (d["rate_limit"]) {
      auto r = parseRateLimit(d["rate_limit"], at + ".rate_limit");
      if (!r.ok()) return r.status();
      node->rate_limit = *r;
    }
    if (d["shadow_mode"] && !YAML::convert<bool>::decode(d["shadow_mode"], node->shadow_mode)) {
      return fieldError(at + ".shadow_mode", "expected true or false");
    }
    if (auto s = parseDescriptors(d["descriptors"], at + ".descriptors", *node); !s.ok()) return s;
    if (!parent.children.emplace(child_key, std::move(node)).second) {
      return fieldError(at, absl::StrCat("duplicate descriptor ", child_key));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::chrono::seconds unitDuration(Unit unit) {
  switch (unit) {
    case Unit::kSecond:
      return std::chrono::seconds(1);
    case Unit::kMinute:
      return std::chrono::minutes(1);
    case Unit::kHour:
      return std::chrono::hours(1);
    case Unit::kDay:
      return std::chrono::hours(24);
  }
  return std::chrono::seconds(1);
}

absl::StatusOr<std::shared_ptr<const RateLimitConfig>> RateLimitConfig::parse(
    const std::vector<std::string>& yaml_documents) {
  auto config = std::shared_ptr<RateLimitConfig>(new RateLimitConfig());
  for (size_t i = 0; i < yaml_documents.size(); ++i) {
    const std::string where = absl::StrCat("config[", i, "]");
    YAML::Node doc;
    try {
      doc = YAML::Load(yaml_documents[i]);
    } catch (const YAML::Exception& e) {
      return fieldError(where, e.what());
    }
    if (auto s = onlyKeys(doc, where, {"domain", "descriptors"}); !s.ok()) return s;
    auto domain = scalar(doc["domain"], where + ".domain");
    if (!domain.ok()) return domain.status();
    DomainConfig d;
    d.domain = *domain;
    if (auto s = parseDescriptors(doc["descriptors"], where + ".descriptors", d.root); !s.ok()) {
      return s;
    }
    const std::string name = d.domain;
    if (!config->domains_.emplace(name, std::move(d)).second) {
      return fieldError(where + ".domain", absl::StrCat("domain ", name, " is configured twice"));
    }
  }
  return std::shared_ptr<const RateLimitConfig>(std::move(config));
}

std::optional<MatchedLimit> RateLimitConfig::match(
    std::string_view domain,
    const std::vector<std::pair<std::string, std::string>>& entries) const {
  auto d = domains_.find(std::string(domain));
  if (d == domains_.end() || entries.empty()) return std::nullopt;
  const DescriptorNode* node = &d->second.root;
  MatchedLimit m;
  m.counter_key = d->second.domain;
  std::string lookup;
  for (const auto& [key, value] : entries) {
    lookup = absl::StrCat(key, "=", value);
    auto exact = node->children.find(lookup);
    if (exact == node->children.end()) exact = node->children.find(key);
    if (exact == node->children.end()) return std::nullopt;
    node = exact->second.get();
    // A wildcard node counts each value apart: the key holds the value either way.
    absl::StrAppend(&m.counter_key, "_", key, "_", value);
  }
  if (!node->rate_limit) return std::nullopt;
  m.limit = &*node->rate_limit;
  m.shadow_mode = node->shadow_mode;
  return m;
}

}  // namespace meshproxy::xds_server::ratelimit
