#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/stats/counter.h"
#include "proxy/stats/gauge.h"
#include "proxy/stats/histogram.h"
#include "proxy/stats/stat_name.h"

namespace meshproxy::stats {

class Store;

// A name prefix plus the labels it carries. Creators build names from parts instead of
// formatting dotted strings, so the Prometheus name and labels are known without parsing:
//
//   Scope cluster = store.scope("cluster", "backend");
//   Counter& cx = cluster.counter("upstream_cx_total");
//     /stats:      cluster.backend.upstream_cx_total
//     Prometheus:  envoy_cluster_upstream_cx_total{envoy_cluster_name="backend"}
//
// A Scope is a cheap value (strings only) and borrows its Store, which must outlive it.
// Creating a stat takes the store's mutex and allocates: do it at config time and keep the
// returned reference for the data path.
class Scope {
 public:
  // Child "<prefix>.<segment>" carrying no label (e.g. "server", "upstream").
  Scope scope(std::string_view segment) const;
  // Child "<prefix>.<kind>.<value>". For kinds Envoy tags (cluster, listener, http, tcp, udp,
  // vhost, vcluster, rds; see tag_names.h) the value becomes a label and leaves the Prometheus
  // name; any other kind stays a plain two-segment name.
  Scope scope(std::string_view kind, std::string_view value) const;
  // Child "<prefix>.worker_<n>": Prometheus sees "<prefix>.worker" with envoy_worker_id="<n>".
  Scope workerScope(uint32_t worker_index) const;

  // The stat "<prefix>.<name>"; the same name always yields the same object.
  Counter& counter(std::string_view name) const;
  Gauge& gauge(std::string_view name) const;
  Histogram& histogram(std::string_view name) const;

  // "<name>_<code>" (upstream_rq_503); Prometheus "<name>" with envoy_response_code="503".
  Counter& responseCodeCounter(std::string_view name, uint32_t code) const;
  // "<name>_<class>xx" (downstream_rq_2xx); Prometheus "<name>_xx" with
  // envoy_response_code_class="2", as Envoy's default extractor does.
  Counter& responseCodeClassCounter(std::string_view name, uint32_t code_class) const;

  // Dotted prefix without a trailing dot; empty for the root scope.
  const std::string& prefix() const { return full_prefix_; }
  const std::vector<Tag>& tags() const { return tags_; }

 private:
  friend class Store;
  explicit Scope(Store& store) : store_(&store) {}

  // Appends one segment: `full_segment` to the /stats name, `extracted_segment` to the
  // Prometheus name, and `tag` (if it has a name) to the labels.
  Scope child(std::string_view full_segment, std::string_view extracted_segment, Tag tag) const;
  StatName leaf(std::string_view full_leaf, std::string_view extracted_leaf, Tag tag) const;

  Store* store_;
  std::string full_prefix_;
  std::string extracted_prefix_;
  std::vector<Tag> tags_;
};

}  // namespace meshproxy::stats
