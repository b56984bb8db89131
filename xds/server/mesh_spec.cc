#include "xds/server/mesh_spec.h"

#include <arpa/inet.h>
#include <yaml-cpp/yaml.h>

#include <set>

#include "absl/strings/str_cat.h"

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
  if (protocol != "http" && protocol != "tcp") {
    return fieldError(where + ".protocol", absl::StrCat("'", protocol, "' is not http or tcp"));
  }
  p.http = protocol == "http";
  return p;
}

absl::StatusOr<MeshService> service(const YAML::Node& node, const std::string& where) {
  if (auto s = onlyKeys(
          node, where, {"name", "namespace", "service_account", "addresses", "endpoints", "ports"});
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
