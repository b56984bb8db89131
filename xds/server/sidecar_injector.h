// `mesh-control inject`: adds the meshproxy sidecar to Kubernetes workloads, as
// `istioctl kube-inject` does for Istio. Works on YAML text (one or more documents), so it
// needs no cluster access; the result goes to `kubectl apply -f -`.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace meshproxy::xds_server {

struct InjectOptions {
  std::string image = "meshproxy:dev";  // image with meshproxy and meshproxy-iptables
  int proxy_uid = 1337;                 // traffic of this uid/gid is never captured
  std::string bootstrap_path = "/etc/meshproxy/bootstrap.yaml";
};

// Every pod template in `yaml` (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
// CronJob, and those inside a List) gets:
//  - the init container `meshproxy-init` running meshproxy-iptables (NET_ADMIN, NET_RAW),
//    with per-pod overrides from the `traffic.meshproxy.io/*` annotations;
//  - the container `meshproxy` as uid 1337 with its node identity from the downward API,
//    readiness on 15021 and Prometheus on 15090;
//  - the annotations `sidecar.meshproxy.io/status` and prometheus.io/*.
// Templates already injected, annotated `sidecar.meshproxy.io/inject: "false"`, or on the
// host network are left as they are; other documents pass through unchanged.
// Errors name the document: YAML that does not parse, a pod template without containers,
// a malformed override annotation.
absl::StatusOr<std::string> injectSidecars(std::string_view yaml, const InjectOptions& options);

}  // namespace meshproxy::xds_server
