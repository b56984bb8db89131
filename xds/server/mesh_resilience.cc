#include "xds/server/mesh_resilience.h"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace meshproxy::xds_server {
namespace {

absl::Status fieldError(const std::string& field, const std::string& message) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", message));
}

absl::Status onlyKeys(const YAML::Node& map, const std::string& where,
                      std::initializer_list<const char*> allowed) {
  if (!map.IsMap()) return fieldError(where, "expected a mapping");
  for (const auto& kv : map) {
    std::string key = kv.first.as<std::string>();
    bool known = false;
    for (const char* a : allowed) known = known || key == a;
    if (!known) return fieldError(absl::StrCat(where, ".", key), "unknown field");
  }
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> count(const YAML::Node& node, const std::string& field,
                               uint32_t max = UINT32_MAX) {
  uint32_t value = 0;
  if (!node.IsScalar() || !absl::SimpleAtoi(node.Scalar(), &value) || value > max) {
    return fieldError(field, absl::StrCat("expected a whole number 0-", max));
  }
  return value;
}

// "500ms", "10s", "1m" -> a protobuf JSON Duration ("0.500s").
absl::StatusOr<std::string> duration(const YAML::Node& node, const std::string& field) {
  std::string text = node.IsScalar() ? node.Scalar() : "";
  absl::string_view rest = text;
  int64_t ms_per_unit = 0;
  if (absl::ConsumeSuffix(&rest, "ms")) {
    ms_per_unit = 1;
  } else if (absl::ConsumeSuffix(&rest, "s")) {
    ms_per_unit = 1000;
  } else if (absl::ConsumeSuffix(&rest, "m")) {
    ms_per_unit = 60000;
  }
  uint32_t n = 0;
  if (ms_per_unit == 0 || !absl::SimpleAtoi(rest, &n) || n == 0) {
    return fieldError(field, absl::StrCat("'", text, "' is not a duration like 500ms, 10s or 1m"));
  }
  int64_t ms = static_cast<int64_t>(n) * ms_per_unit;
  return absl::StrCat("\"", ms / 1000, ".", absl::StrFormat("%03d", ms % 1000), "s\"");
}

absl::StatusOr<std::string> circuitBreakers(const YAML::Node& node, const std::string& where) {
  static constexpr const char* kFields[] = {"max_connections", "max_pending_requests",
                                            "max_requests", "max_retries"};
  if (auto s = onlyKeys(node, where, {kFields[0], kFields[1], kFields[2], kFields[3]}); !s.ok())
    return s;
  std::vector<std::string> fields;
  for (const char* name : kFields) {
    if (!node[name]) continue;
    auto value = count(node[name], absl::StrCat(where, ".", name));
    if (!value.ok()) return value.status();
    fields.push_back(absl::StrCat("\"", name, "\":", *value));
  }
  return absl::StrCat(R"("circuit_breakers":{"thresholds":[{"priority":"DEFAULT")",
                      fields.empty() ? "" : ",", absl::StrJoin(fields, ","), "}]},");
}

absl::StatusOr<std::string> outlierDetection(const YAML::Node& node, const std::string& where) {
  if (auto s = onlyKeys(node, where,
                        {"consecutive_5xx", "consecutive_gateway_failure", "interval",
                         "base_ejection_time", "max_ejection_time", "max_ejection_percent"});
      !s.ok()) {
    return s;
  }
  std::vector<std::string> fields;
  for (const char* name : {"consecutive_5xx", "consecutive_gateway_failure"}) {
    if (!node[name]) continue;
    auto value = count(node[name], absl::StrCat(where, ".", name));
    if (!value.ok()) return value.status();
    fields.push_back(absl::StrCat("\"", name, "\":", *value));
  }
  // Asking for gateway-failure ejections means enforcing them (Envoy's default is 0%).
  if (node["consecutive_gateway_failure"]) {
    fields.push_back(R"("enforcing_consecutive_gateway_failure":100)");
  }
  if (node["max_ejection_percent"]) {
    auto value = count(node["max_ejection_percent"], where + ".max_ejection_percent", 100);
    if (!value.ok()) return value.status();
    fields.push_back(absl::StrCat(R"("max_ejection_percent":)", *value));
  }
  for (const char* name : {"interval", "base_ejection_time", "max_ejection_time"}) {
    if (!node[name]) continue;
    auto value = duration(node[name], absl::StrCat(where, ".", name));
    if (!value.ok()) return value.status();
    fields.push_back(absl::StrCat("\"", name, "\":", *value));
  }
  return absl::StrCat(R"("outlier_detection":{)", absl::StrJoin(fields, ","), "},");
}

}  // namespace

absl::StatusOr<std::string> meshResilienceClusterFields(const YAML::Node& service,
                                                        const std::string& where) {
  std::string out;
  if (service["circuit_breakers"]) {
    auto cb = circuitBreakers(service["circuit_breakers"], where + ".circuit_breakers");
    if (!cb.ok()) return cb.status();
    out += *cb;
  }
  if (service["outlier_detection"]) {
    auto od = outlierDetection(service["outlier_detection"], where + ".outlier_detection");
    if (!od.ok()) return od.status();
    out += *od;
  }
  return out;
}

}  // namespace meshproxy::xds_server
