#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "proxy/stats/stat_name.h"
#include "proxy/stats/stat_set.h"

namespace meshproxy::stats {

// Prometheus text exposition format 0.0.4, laid out as Envoy's /stats/prometheus:
//   counters, then gauges, then histograms; within each, metrics sorted by name with one
//   "# TYPE <metric> <type>" line each, then one sample per label set sorted by labels.
//   Samples always carry braces, "{}" when unlabelled, as Envoy prints them.
//   Histograms print cumulative "<metric>_bucket{...,le="<bound>"}" lines for every default
//   bound and le="+Inf", then "<metric>_sum{...}" and "<metric>_count{...}".
std::string formatPrometheus(const StatSet& stats);

// "envoy_" + the tag-extracted name with every character outside [a-zA-Z0-9_] replaced by '_'
// ("cluster.upstream_cx_total" -> "envoy_cluster_upstream_cx_total").
std::string prometheusMetricName(std::string_view tag_extracted_name);

// A label value escaped for the text format: backslash, double quote and newline.
std::string escapeLabelValue(std::string_view value);

// `name="value",...` without braces; empty for no tags. Names are sanitized like metric names.
std::string formatLabels(const std::vector<Tag>& tags);

}  // namespace meshproxy::stats
