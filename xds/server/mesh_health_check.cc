#include "xds/server/mesh_health_check.h"

#include <yaml-cpp/yaml.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace meshproxy::xds_server {
namespace {

absl::Status fieldError(const std::string& field, const std::string& message) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", message));
}

// "5s", "0.5s", "500ms" -> milliseconds (> 0).
absl::StatusOr<int64_t> durationMs(const YAML::Node& node, const std::string& field) {
  std::string text = node.IsScalar() ? node.Scalar() : "";
  double value = 0;
  double scale = 0;
  if (absl::EndsWith(text, "ms")) {
    scale = 1;
    text.resize(text.size() - 2);
  } else if (absl::EndsWith(text, "s")) {
    scale = 1000;
    text.resize(text.size() - 1);
  }
  if (scale == 0 || !absl::SimpleAtod(text, &value) || value * scale < 1 ||
      value * scale > 86400000.0) {
    return fieldError(field, "expected a duration like 5s or 500ms (1ms to 24h)");
  }
  return static_cast<int64_t>(value * scale);
}

absl::StatusOr<int> threshold(const YAML::Node& node, const std::string& field) {
  int value = 0;
  if (!node.IsScalar() || !YAML::convert<int>::decode(node, value) || value < 1 || value > 1000) {
    return fieldError(field, "expected a number 1-1000");
  }
  return value;
}

std::string duration(int64_t ms) {
  return absl::StrCat("\"", ms / 1000, ".", absl::Dec(ms % 1000, absl::kZeroPad3), "s\"");
}

}  // namespace

absl::StatusOr<MeshHealthCheck> parseMeshHealthCheck(const YAML::Node& node,
                                                     const std::string& where) {
  if (!node.IsMap()) return fieldError(where, "expected a mapping");
  MeshHealthCheck check;
  for (const auto& kv : node) {
    std::string key = kv.first.as<std::string>();
    std::string field = absl::StrCat(where, ".", key);
    const YAML::Node& value = kv.second;
    if (key == "path") {
      if (!value.IsScalar() || value.Scalar().empty() || value.Scalar()[0] != '/') {
        return fieldError(field, "expected a path starting with /");
      }
      check.path = value.Scalar();
    } else if (key == "interval" || key == "timeout" || key == "no_traffic_interval") {
      auto ms = durationMs(value, field);
      if (!ms.ok()) return ms.status();
      (key == "interval"  ? check.interval_ms
       : key == "timeout" ? check.timeout_ms
                          : check.no_traffic_interval_ms) = *ms;
    } else if (key == "unhealthy_threshold" || key == "healthy_threshold") {
      auto n = threshold(value, field);
      if (!n.ok()) return n.status();
      (key == "unhealthy_threshold" ? check.unhealthy_threshold : check.healthy_threshold) = *n;
    } else {
      return fieldError(field, "unknown field");
    }
  }
  return check;
}

std::string healthChecksJson(const MeshHealthCheck& check, bool http_port) {
  std::string kind = http_port && !check.path.empty()
                         ? absl::StrCat(R"("http_health_check":{"path":")", check.path, R"("})")
                         : std::string(R"("tcp_health_check":{})");
  return absl::StrCat(R"("health_checks":[{"timeout":)", duration(check.timeout_ms),
                      R"(,"interval":)", duration(check.interval_ms), R"(,"no_traffic_interval":)",
                      duration(check.no_traffic_interval_ms), R"(,"unhealthy_threshold":)",
                      check.unhealthy_threshold, R"(,"healthy_threshold":)",
                      check.healthy_threshold, ",", kind, "}],");
}

}  // namespace meshproxy::xds_server
