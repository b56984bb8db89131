#include "xds/server/sidecar_injector.h"

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "xds/server/yaml_writer.h"

namespace meshproxy::xds_server {
namespace {

constexpr char kInitName[] = "meshproxy-init";
constexpr char kProxyName[] = "meshproxy";
constexpr char kStatusAnnotation[] = "sidecar.meshproxy.io/status";
constexpr char kInjectAnnotation[] = "sidecar.meshproxy.io/inject";

// Per-pod capture overrides, as Istio's traffic.sidecar.istio.io/* annotations, and the
// meshproxy-iptables option each one becomes.
struct CaptureOverride {
  const char* annotation;
  const char* flag;
  bool cidrs;  // CIDR list (else port list); both accept "*" where the flag does
};
constexpr CaptureOverride kOverrides[] = {
    {"traffic.meshproxy.io/includeInboundPorts", "-b", false},
    {"traffic.meshproxy.io/excludeInboundPorts", "-d", false},
    {"traffic.meshproxy.io/includeOutboundIPRanges", "-i", true},
    {"traffic.meshproxy.io/excludeOutboundIPRanges", "-x", true},
    {"traffic.meshproxy.io/excludeOutboundPorts", "-o", false},
};

absl::Status checkOverride(const CaptureOverride& o, const std::string& value) {
  if (value == "*" && (std::string(o.flag) == "-b" || std::string(o.flag) == "-i")) {
    return absl::OkStatus();
  }
  for (absl::string_view item : absl::StrSplit(value, ',')) {
    bool ok = !item.empty();
    if (o.cidrs) {
      for (char c : item) {
        ok = ok &&
             (std::isxdigit(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '/');
      }
    } else {
      int port = 0;
      for (char c : item) {
        ok = ok && std::isdigit(static_cast<unsigned char>(c)) &&
             (port = port * 10 + (c - '0')) <= 65535;
      }
      ok = ok && port > 0;
    }
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat("annotation ", o.annotation, ": '", value,
                                                     "' is not a comma-separated list of ",
                                                     o.cidrs ? "CIDRs" : "ports"));
    }
  }
  return absl::OkStatus();
}

// The node at `path` under `node` (a handle into the same tree), or an invalid node when
// a step is missing. (Chained operator[] on yaml-cpp nodes throws at the first missing map.)
YAML::Node nodeAt(YAML::Node node, std::initializer_list<const char*> path) {
  for (const char* key : path) {
    if (!node.IsMap() || !node[key]) return YAML::Node(YAML::NodeType::Undefined);
    node.reset(node[key]);  // operator= would overwrite the node's content, not rebind
  }
  return node;
}

std::string scalarAt(const YAML::Node& node, std::initializer_list<const char*> path,
                     const std::string& fallback) {
  YAML::Node found = nodeAt(node, path);
  return found.IsDefined() && found.IsScalar() ? found.as<std::string>() : fallback;
}

YAML::Node fieldEnv(const std::string& name, const std::string& path) {
  YAML::Node env;
  env["name"] = name;
  env["valueFrom"]["fieldRef"]["fieldPath"] = path;
  return env;
}

YAML::Node initContainer(const YAML::Node& annotations, const InjectOptions& options,
                         absl::Status* status) {
  YAML::Node c;
  c["name"] = kInitName;
  c["image"] = options.image;
  c["command"].push_back("meshproxy-iptables");
  YAML::Node args;
  auto arg = [&args](const std::string& v) { args.push_back(yamlString(v)); };
  arg("-p"), arg("15001"), arg("-z"), arg("15006");
  arg("-u"), arg(std::to_string(options.proxy_uid));
  arg("-g"), arg(std::to_string(options.proxy_uid));
  for (const CaptureOverride& o : kOverrides) {
    if (!annotations || !annotations[o.annotation]) continue;
    std::string value = annotations[o.annotation].as<std::string>();
    if (auto s = checkOverride(o, value); !s.ok()) {
      *status = s;
      return c;
    }
    arg(o.flag), arg(value);
  }
  c["args"] = args;
  YAML::Node sc;
  sc["runAsUser"] = 0;
  sc["runAsNonRoot"] = false;
  sc["capabilities"]["add"].push_back("NET_ADMIN");
  sc["capabilities"]["add"].push_back("NET_RAW");
  sc["capabilities"]["drop"].push_back("ALL");
  c["securityContext"] = sc;
  c["resources"]["requests"]["cpu"] = "10m";
  c["resources"]["requests"]["memory"] = "10Mi";
  return c;
}

// The ports the application containers declare: the layout generator makes an inbound
// filter chain per port (node metadata APP_PORTS).
std::string appPorts(const YAML::Node& containers) {
  std::set<int> ports;
  for (const auto& c : containers) {
    if (!c["ports"]) continue;
    for (const auto& p : c["ports"]) {
      if (p["containerPort"] && (!p["protocol"] || p["protocol"].as<std::string>() == "TCP")) {
        ports.insert(p["containerPort"].as<int>());
      }
    }
  }
  return absl::StrJoin(ports, ",");
}

YAML::Node proxyContainer(const std::string& workload, const YAML::Node& app_containers,
                          const InjectOptions& options) {
  YAML::Node c;
  c["name"] = kProxyName;
  c["image"] = options.image;
  YAML::Node args;
  auto arg = [&args](const std::string& v) { args.push_back(yamlString(v)); };
  arg("-c"), arg(options.bootstrap_path);
  // Kubernetes expands $(VAR) from the env below before the process starts.
  arg("--service-node"), arg("$(POD_NAME).$(POD_NAMESPACE)");
  arg("--service-cluster"), arg(absl::StrCat(workload, ".$(POD_NAMESPACE)"));
  for (const char* kv :
       {"NAMESPACE=$(POD_NAMESPACE)", "SERVICE_ACCOUNT=$(SERVICE_ACCOUNT)", "POD_NAME=$(POD_NAME)",
        "POD_IP=$(INSTANCE_IP)", "NODE_NAME=$(NODE_NAME)"}) {
    arg("--node-metadata"), arg(kv);
  }
  if (std::string ports = appPorts(app_containers); !ports.empty()) {
    arg("--node-metadata"), arg(absl::StrCat("APP_PORTS=", ports));
  }
  c["args"] = args;
  YAML::Node env;
  env.push_back(fieldEnv("POD_NAME", "metadata.name"));
  env.push_back(fieldEnv("POD_NAMESPACE", "metadata.namespace"));
  env.push_back(fieldEnv("INSTANCE_IP", "status.podIP"));
  env.push_back(fieldEnv("SERVICE_ACCOUNT", "spec.serviceAccountName"));
  env.push_back(fieldEnv("NODE_NAME", "spec.nodeName"));
  c["env"] = env;
  YAML::Node ports;
  YAML::Node ready;
  ready["name"] = "http-ready";
  ready["containerPort"] = 15021;
  ports.push_back(ready);
  YAML::Node prom;
  prom["name"] = "http-envoy-prom";
  prom["containerPort"] = 15090;
  ports.push_back(prom);
  c["ports"] = ports;
  YAML::Node probe;
  probe["httpGet"]["path"] = "/healthz/ready";
  probe["httpGet"]["port"] = 15021;
  probe["initialDelaySeconds"] = 1;
  probe["periodSeconds"] = 2;
  probe["failureThreshold"] = 30;
  c["readinessProbe"] = probe;
  YAML::Node sc;
  sc["runAsUser"] = options.proxy_uid;
  sc["runAsGroup"] = options.proxy_uid;
  sc["runAsNonRoot"] = true;
  sc["allowPrivilegeEscalation"] = false;
  sc["readOnlyRootFilesystem"] = true;
  sc["capabilities"]["drop"].push_back("ALL");
  c["securityContext"] = sc;
  c["resources"]["requests"]["cpu"] = "100m";
  c["resources"]["requests"]["memory"] = "128Mi";
  c["resources"]["limits"]["cpu"] = "2";
  c["resources"]["limits"]["memory"] = "1Gi";
  return c;
}

bool hasContainer(const YAML::Node& list, const char* name) {
  if (!list || !list.IsSequence()) return false;
  for (const auto& c : list) {
    if (c["name"] && c["name"].as<std::string>() == name) return true;
  }
  return false;
}

// Injects into one pod template ({metadata, spec}); `where` names it in errors.
absl::Status injectTemplate(YAML::Node pod, const std::string& workload, const std::string& where,
                            const InjectOptions& options) {
  YAML::Node spec = pod["spec"];
  if (!spec || !spec.IsMap() || !spec["containers"] || !spec["containers"].IsSequence() ||
      spec["containers"].size() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": pod template has no containers"));
  }
  if (!pod["metadata"]) pod["metadata"] = YAML::Node(YAML::NodeType::Map);
  YAML::Node annotations = pod["metadata"]["annotations"];
  if (scalarAt(pod, {"metadata", "annotations", kInjectAnnotation}, "") == "false") {
    return absl::OkStatus();
  }
  if (scalarAt(spec, {"hostNetwork"}, "") == "true") {
    return absl::OkStatus();  // capture would redirect the node's traffic
  }
  if (hasContainer(spec["containers"], kProxyName) ||
      hasContainer(spec["initContainers"], kInitName)) {
    return absl::OkStatus();  // already injected: injecting twice is harmless
  }
  absl::Status status;
  YAML::Node init = initContainer(annotations, options, &status);
  if (!status.ok()) return absl::InvalidArgumentError(absl::StrCat(where, ": ", status.message()));
  YAML::Node proxy = proxyContainer(workload, spec["containers"], options);

  // The capture rules must be in place before any other init container talks to the network.
  YAML::Node inits;
  inits.push_back(init);
  if (spec["initContainers"]) {
    for (const auto& c : spec["initContainers"]) inits.push_back(c);
  }
  spec["initContainers"] = inits;
  spec["containers"].push_back(proxy);

  YAML::Node metadata = pod["metadata"];
  if (!metadata["annotations"]) metadata["annotations"] = YAML::Node(YAML::NodeType::Map);
  YAML::Node ann = metadata["annotations"];
  ann[kStatusAnnotation] =
      yamlString(R"({"initContainers":["meshproxy-init"],"containers":["meshproxy"]})");
  if (!ann["prometheus.io/scrape"]) {
    ann["prometheus.io/scrape"] = yamlString("true");
    ann["prometheus.io/port"] = yamlString("15090");
    ann["prometheus.io/path"] = yamlString("/stats/prometheus");
  }
  return absl::OkStatus();
}

absl::Status injectObject(YAML::Node doc, const std::string& where, const InjectOptions& options) {
  if (!doc.IsMap() || !doc["kind"]) return absl::OkStatus();
  std::string kind = doc["kind"].as<std::string>();
  std::string name = scalarAt(doc, {"metadata", "name"}, "unnamed");
  std::string here = absl::StrCat(where, " (", kind, " ", name, ")");
  if (kind == "List") {
    if (!doc["items"]) return absl::OkStatus();
    int i = 0;
    for (auto item : doc["items"]) {
      if (auto s = injectObject(item, absl::StrCat(where, " item ", i++), options); !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  }
  // The workload name the proxy reports as its cluster: the `app` label when there is one.
  auto workloadOf = [&](const YAML::Node& pod) {
    return scalarAt(pod, {"metadata", "labels", "app"}, name);
  };
  if (kind == "Pod") return injectTemplate(doc, workloadOf(doc), here, options);
  if (kind == "Deployment" || kind == "StatefulSet" || kind == "DaemonSet" ||
      kind == "ReplicaSet" || kind == "Job" || kind == "ReplicationController") {
    YAML::Node tmpl = nodeAt(doc, {"spec", "template"});
    if (!tmpl.IsDefined() || !tmpl.IsMap())
      return absl::InvalidArgumentError(absl::StrCat(here, ": no spec.template"));
    return injectTemplate(tmpl, workloadOf(tmpl), here, options);
  }
  if (kind == "CronJob") {
    YAML::Node tmpl = nodeAt(doc, {"spec", "jobTemplate", "spec", "template"});
    if (!tmpl.IsDefined() || !tmpl.IsMap()) {
      return absl::InvalidArgumentError(absl::StrCat(here, ": no spec.jobTemplate.spec.template"));
    }
    return injectTemplate(tmpl, workloadOf(tmpl), here, options);
  }
  return absl::OkStatus();  // Services, ConfigMaps, ...: nothing to inject
}

}  // namespace

absl::StatusOr<std::string> injectSidecars(std::string_view yaml, const InjectOptions& options) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("YAML: ", e.what()));
  }
  std::string out;
  int index = 0;
  for (auto& doc : docs) {
    ++index;
    if (doc.IsNull()) continue;
    try {
      if (auto s = injectObject(doc, absl::StrCat("document ", index), options); !s.ok()) return s;
    } catch (const YAML::Exception& e) {
      return absl::InvalidArgumentError(absl::StrCat("document ", index, ": ", e.what()));
    }
    if (!out.empty()) out += "---\n";
    out += writeYaml(doc);
  }
  return out;
}

}  // namespace meshproxy::xds_server
