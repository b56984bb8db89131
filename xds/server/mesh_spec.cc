#include "xds/server/mesh_spec.h"

#include <arpa/inet.h>
#include <yaml-cpp/yaml.h>

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "xds/server/mesh_resilience.h"

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
    if (!known)
      return fieldError(where.empty() ? key : absl::StrCat(where, ".", key), "unknown field");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> scalar(const YAML::Node& node, const std::string& field) {
  if (!node.IsScalar() || node.Scalar().empty())
    return fieldError(field, "expected a non-empty string");
  return node.Scalar();
}

absl::StatusOr<int> port(const YAML::Node& node, const std::string& field) {
  int value = 0;
  if (!node.IsScalar() || !YAML::convert<int>::decode(node, value) || value < 1 || value > 65535) {
    return fieldError(field, "expected a port number 1-65535");
  }
  return value;
}

// An IPv4 or IPv6 literal, in its canonical text form (so "::0001" and "::1" are one).
absl::StatusOr<std::string> ip(const YAML::Node& node, const std::string& field) {
  auto text = scalar(node, field);
  if (!text.ok()) return text.status();
  unsigned char buf[16];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, text->c_str(), buf) == 1) {
    return std::string(inet_ntop(AF_INET, buf, out, sizeof(out)));
  }
  if (inet_pton(AF_INET6, text->c_str(), buf) == 1) {
    return std::string(inet_ntop(AF_INET6, buf, out, sizeof(out)));
  }
  return fieldError(field, absl::StrCat("'", *text, "' is not an IP address"));
}

absl::Status ipList(const YAML::Node& node, const std::string& field,
                    std::vector<std::string>* out) {
  if (!node) return absl::OkStatus();
  if (!node.IsSequence()) return fieldError(field, "expected a list of IP addresses");
  for (size_t i = 0; i < node.size(); ++i) {
    auto a = ip(node[i], absl::StrCat(field, "[", i, "]"));
    if (!a.ok()) return a.status();
    out->push_back(*a);
  }
  return absl::OkStatus();
}

absl::StatusOr<MeshServicePort> servicePort(const YAML::Node& node, const std::string& where) {
  if (auto s = onlyKeys(node, where, {"port", "protocol", "target_port"}); !s.ok()) return s;
  MeshServicePort p;
  if (!node["port"]) return fieldError(where + ".port", "required");
  auto number = port(node["port"], where + ".port");
  if (!number.ok()) return number.status();
  p.port = p.target_port = *number;
  if (node["target_port"]) {
    auto target = port(node["target_port"], where + ".target_port");
    if (!target.ok()) return target.status();
    p.target_port = *target;
  }
  std::string protocol = "tcp";
  if (node["protocol"]) {
    auto text = scalar(node["protocol"], where + ".protocol");
    if (!text.ok()) return text.status();
    protocol = *text;
  }
  if (protocol != "http" && protocol != "http2" && protocol != "grpc" && protocol != "tcp") {
    return fieldError(where + ".protocol",
                      absl::StrCat("'", protocol, "' is not http, http2, grpc or tcp"));
  }
  p.http2 = protocol == "http2" || protocol == "grpc";
  p.http = protocol == "http" || p.http2;
  return p;
}

absl::StatusOr<MeshCanary> canary(const YAML::Node& node, const std::string& where) {
  if (!node.IsMap()) return fieldError(where, "expected a map");
  if (auto s = onlyKeys(node, where, {"endpoints", "weight", "sticky_header"}); !s.ok()) return s;
  MeshCanary c;
  if (auto s = ipList(node["endpoints"], where + ".endpoints", &c.endpoints); !s.ok()) return s;
  if (c.endpoints.empty()) return fieldError(where + ".endpoints", "required: a non-empty list");
  if (!node["weight"]) return fieldError(where + ".weight", "required");
  auto weight = scalar(node["weight"], where + ".weight");
  if (!weight.ok()) return weight.status();
  if (!absl::SimpleAtoi(*weight, &c.weight) || c.weight < 1 || c.weight > 99) {
    return fieldError(where + ".weight", absl::StrCat("'", *weight, "' is not a percent in 1-99"));
  }
  if (node["sticky_header"]) {
    auto header = scalar(node["sticky_header"], where + ".sticky_header");
    if (!header.ok()) return header.status();
    if (header->empty() ||
        header->find_first_not_of(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") !=
            std::string::npos) {
      return fieldError(where + ".sticky_header",
                        absl::StrCat("'", *header, "' is not a header name"));
    }
    c.sticky_header = absl::AsciiStrToLower(*header);
  }
  return c;
}

// "1.5s", "500ms", "2m" -> Envoy's JSON duration form in seconds ("1.5s", "0.5s", "120s").
absl::StatusOr<std::string> duration(const YAML::Node& node, const std::string& field) {
  auto text = scalar(node, field);
  if (!text.ok()) return text.status();
  std::string t = *text;
  double scale = 0;
  std::string number;
  if (t.size() > 2 && t.compare(t.size() - 2, 2, "ms") == 0) {
    scale = 0.001;
    number = t.substr(0, t.size() - 2);
  } else if (t.size() > 1 && t.back() == 's') {
    scale = 1;
    number = t.substr(0, t.size() - 1);
  } else if (t.size() > 1 && t.back() == 'm') {
    scale = 60;
    number = t.substr(0, t.size() - 1);
  }
  double value = 0;
  if (scale == 0 || !absl::SimpleAtod(number, &value) || value < 0 || value > 315576000000.0) {
    return fieldError(field, absl::StrCat("'", t, "' is not a duration like 500ms, 2s or 1m"));
  }
  // Milliseconds are the finest step the proxy uses.
  int64_t ms = static_cast<int64_t>(value * scale * 1000 + 0.5);
  return absl::StrCat(ms / 1000, ".", absl::StrFormat("%03d", ms % 1000), "s");
}

absl::StatusOr<MeshRetries> retries(const YAML::Node& node, const std::string& where) {
  if (auto s = onlyKeys(node, where,
                        {"attempts", "retry_on", "per_try_timeout", "retriable_status_codes"});
      !s.ok()) {
    return s;
  }
  MeshRetries r;
  if (node["attempts"]) {
    if (!node["attempts"].IsScalar() || !YAML::convert<int>::decode(node["attempts"], r.attempts) ||
        r.attempts < 0 || r.attempts > 100) {
      return fieldError(where + ".attempts", "expected a number 0-100");
    }
  }
  if (node["retry_on"]) {
    auto text = scalar(node["retry_on"], where + ".retry_on");
    if (!text.ok()) return text.status();
    r.retry_on = *text;
  }
  if (node["per_try_timeout"]) {
    auto d = duration(node["per_try_timeout"], where + ".per_try_timeout");
    if (!d.ok()) return d.status();
    r.per_try_timeout = *d;
  }
  if (const auto& codes = node["retriable_status_codes"]; codes) {
    if (!codes.IsSequence())
      return fieldError(where + ".retriable_status_codes", "expected a list");
    for (size_t i = 0; i < codes.size(); ++i) {
      int code = 0;
      if (!codes[i].IsScalar() || !YAML::convert<int>::decode(codes[i], code) || code < 100 ||
          code > 599) {
        return fieldError(absl::StrCat(where, ".retriable_status_codes[", i, "]"),
                          "expected an HTTP status 100-599");
      }
      r.retriable_status_codes.push_back(code);
    }
  }
  return r;
}

absl::StatusOr<MeshService> service(const YAML::Node& node, const std::string& where) {
  if (auto s = onlyKeys(
          node, where,
          {"name", "namespace", "service_account", "addresses", "endpoints", "ports", "canary",
           "circuit_breakers", "outlier_detection", "timeout", "retries", "health_check"});
      !s.ok()) {
    return s;
  }
  MeshService svc;
  if (!node["name"]) return fieldError(where + ".name", "required");
  for (auto [key, target] : {std::pair{"name", &svc.name}, std::pair{"namespace", &svc.ns},
                             std::pair{"service_account", &svc.service_account}}) {
    if (!node[key]) continue;
    auto text = scalar(node[key], absl::StrCat(where, ".", key));
    if (!text.ok()) return text.status();
    *target = *text;
  }
  if (auto s = ipList(node["addresses"], where + ".addresses", &svc.addresses); !s.ok()) return s;
  if (auto s = ipList(node["endpoints"], where + ".endpoints", &svc.endpoints); !s.ok()) return s;
  if (!node["ports"] || !node["ports"].IsSequence() || node["ports"].size() == 0) {
    return fieldError(where + ".ports", "required: a non-empty list");
  }
  std::set<int> seen;
  for (size_t i = 0; i < node["ports"].size(); ++i) {
    std::string field = absl::StrCat(where, ".ports[", i, "]");
    auto p = servicePort(node["ports"][i], field);
    if (!p.ok()) return p.status();
    if (!seen.insert(p->port).second) return fieldError(field + ".port", "listed twice");
    svc.ports.push_back(*p);
  }
  if (node["canary"]) {
    auto c = canary(node["canary"], where + ".canary");
    if (!c.ok()) return c.status();
    for (const auto& p : svc.ports) {
      if (!p.http) {
        return fieldError(where + ".canary",
                          absl::StrCat("needs every port to be http (port ", p.port, " is tcp)"));
      }
    }
    svc.canary = std::move(*c);
  }
  auto resilience = meshResilienceClusterFields(node, where);
  if (!resilience.ok()) return resilience.status();
  svc.outbound_cluster_fields = std::move(*resilience);
  if (node["timeout"]) {
    auto d = duration(node["timeout"], where + ".timeout");
    if (!d.ok()) return d.status();
    svc.timeout = *d;
  }
  if (node["retries"]) {
    auto r = retries(node["retries"], where + ".retries");
    if (!r.ok()) return r.status();
    svc.retries = std::move(*r);
  }
  if (node["health_check"]) {
    auto check = parseMeshHealthCheck(node["health_check"], where + ".health_check");
    if (!check.ok()) return check.status();
    svc.health_check = std::move(*check);
  }
  return svc;
}

}  // namespace

absl::StatusOr<MeshSpec> parseMeshSpec(std::string_view yaml_text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("YAML: ", e.what()));
  }
  MeshSpec spec;
  if (root.IsNull()) return spec;
  if (auto s = onlyKeys(root, "", {"mtls", "headers_with_underscores_action", "services"});
      !s.ok()) {
    return s;
  }
  if (root["mtls"]) {
    auto mode = scalar(root["mtls"], "mtls");
    if (!mode.ok()) return mode.status();
    if (*mode == "STRICT") {
      spec.mtls = MtlsMode::kStrict;
    } else if (*mode == "PERMISSIVE") {
      spec.mtls = MtlsMode::kPermissive;
    } else if (*mode == "DISABLE") {
      spec.mtls = MtlsMode::kDisable;
    } else {
      return fieldError("mtls", absl::StrCat("'", *mode, "' is not STRICT, PERMISSIVE or DISABLE"));
    }
  }
  if (root["headers_with_underscores_action"]) {
    constexpr char kField[] = "headers_with_underscores_action";
    auto action = scalar(root[kField], kField);
    if (!action.ok()) return action.status();
    if (*action != "ALLOW" && *action != "REJECT_REQUEST" && *action != "DROP_HEADER") {
      return fieldError(
          kField, absl::StrCat("'", *action, "' is not ALLOW, REJECT_REQUEST or DROP_HEADER"));
    }
    spec.headers_with_underscores_action = *action;
  }
  if (root["services"]) {
    if (!root["services"].IsSequence()) return fieldError("services", "expected a list");
    std::set<std::string> names;
    for (size_t i = 0; i < root["services"].size(); ++i) {
      std::string where = absl::StrCat("services[", i, "]");
      auto svc = service(root["services"][i], where);
      if (!svc.ok()) return svc.status();
      if (!names.insert(svc->fqdn()).second) {
        return fieldError(where, absl::StrCat("service ", svc->fqdn(), " is listed twice"));
      }
      spec.services.push_back(std::move(*svc));
    }
  }
  return spec;
}

}  // namespace meshproxy::xds_server
