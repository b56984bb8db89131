#pragma once

#include <string>
#include <vector>

namespace meshproxy::stats {

// One Prometheus label. `name` is already a valid label name, e.g. "envoy_cluster_name".
struct Tag {
  std::string name;
  std::string value;

  bool operator==(const Tag&) const = default;
};

// A stat's two spellings, both fixed at creation by the Scope that made it, so rendering never
// has to parse a dotted name back into parts (which is ambiguous once a cluster name has dots).
struct StatName {
  // Dotted name as /stats prints it: "cluster.backend.upstream_cx_total".
  std::string full;
  // `full` with the tag values taken out: "cluster.upstream_cx_total". Prometheus metric name
  // is derived from this.
  std::string tag_extracted;
  // Labels in scope order, outermost first.
  std::vector<Tag> tags;
  // When set, the Prometheus metric name as is, without the "envoy_" prefix and the derivation
  // from tag_extracted: metrics defined by another convention (istio_requests_total).
  std::string prometheus_name;
};

}  // namespace meshproxy::stats
