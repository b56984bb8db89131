#pragma once

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/stats/stat_name.h"

namespace meshproxy::stats {

// Envoy's stats_config.stats_tags and use_all_default_tags, applied to a stat's name when it is
// created (never per increment).
//
// A regex extractor is matched against the name (std::regex, ECMAScript, as Envoy's: Istio's
// extractors use lookahead, which RE2 lacks). Its first capture group is cut from the
// tag-extracted name and the second (or the first, if there is only one) is the tag's value:
// "^cluster(\.(.+);)" on "cluster.outbound|80||a.b;.upstream_rq_total" gives
// cluster_name="outbound|80||a.b" and "cluster.upstream_rq_total". Every extractor matches the
// same name and the cut ranges are joined, as in Envoy. A fixed_value tag is added to every stat.
//
// use_all_default_tags false: meshproxy's built-in tags (the scopes' cluster, listener ... labels,
// tag_names.h) are dropped and the extractors see the full name; true (Envoy's default): they
// stay and the extractors see the name they left.
class TagExtractors {
 public:
  struct Spec {
    std::string tag_name;
    std::string regex;  // empty for a fixed_value tag
    std::string fixed_value;
  };
  static absl::StatusOr<std::shared_ptr<const TagExtractors>> create(std::vector<Spec> specs,
                                                                     bool use_all_default_tags);

  void apply(StatName& name) const;

 private:
  struct Extractor {
    std::string label;  // tag_name as a Prometheus label name
    std::regex regex;
    bool fixed = false;
    std::string fixed_value;
  };
  std::vector<Extractor> extractors_;
  bool use_all_default_tags_ = true;
};

// A tag name as a Prometheus label: every character outside [a-zA-Z0-9_] becomes '_'
// ("envoy.cluster_name" -> "envoy_cluster_name").
std::string sanitizeLabelName(std::string_view tag_name);

}  // namespace meshproxy::stats
