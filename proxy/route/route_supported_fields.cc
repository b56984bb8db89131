#include "proxy/route/route_supported_fields.h"

namespace meshproxy::route {

const protobuf::SupportedFields& routeConfigurationFields() {
  static const protobuf::SupportedFields fields = {
      {"envoy.config.route.v3.RouteConfiguration",
       {"name", "virtual_hosts", "internal_only_headers", "request_headers_to_add",
        "request_headers_to_remove", "response_headers_to_add", "response_headers_to_remove",
        "most_specific_header_mutations_wins", "validate_clusters",
        "max_direct_response_body_size_bytes", "ignore_port_in_host_matching",
        "ignore_path_parameters_in_path_matching", "typed_per_filter_config"}},
      {"envoy.config.route.v3.VirtualHost",
       {"name", "domains", "routes", "require_tls", "request_headers_to_add",
        "request_headers_to_remove", "response_headers_to_add", "response_headers_to_remove",
        "typed_per_filter_config", "rate_limits*", "cors*"}},
      {"envoy.config.route.v3.Route",
       {"name", "match", "route", "redirect", "direct_response", "request_headers_to_add",
        "request_headers_to_remove", "response_headers_to_add", "response_headers_to_remove",
        "typed_per_filter_config"}},
      {"envoy.config.route.v3.RouteMatch",
       {"prefix", "path", "safe_regex", "path_separated_prefix", "case_sensitive", "headers",
        "query_parameters", "runtime_fraction"}},
      {"envoy.config.core.v3.RuntimeFractionalPercent", {"default_value", "runtime_key"}},
      {"envoy.type.v3.FractionalPercent", {"numerator", "denominator"}},
      {"envoy.config.route.v3.HeaderMatcher",
       {"name", "exact_match", "safe_regex_match", "range_match", "present_match", "prefix_match",
        "suffix_match", "contains_match", "string_match", "invert_match",
        "treat_missing_header_as_empty"}},
      {"envoy.type.v3.Int64Range", {"start", "end"}},
      {"envoy.config.route.v3.QueryParameterMatcher", {"name", "string_match", "present_match"}},
      {"envoy.type.matcher.v3.StringMatcher",
       {"exact", "prefix", "suffix", "safe_regex", "contains", "ignore_case"}},
      {"envoy.type.matcher.v3.RegexMatcher", {"google_re2", "regex"}},
      // An empty google_re2 {} only names the engine; its max_program_size is not supported.
      {"envoy.type.matcher.v3.RegexMatcher.GoogleRE2", {}},
      {"envoy.type.matcher.v3.RegexMatchAndSubstitute", {"pattern", "substitution"}},
      {"envoy.config.route.v3.RouteAction",
       {"cluster", "cluster_header", "weighted_clusters", "cluster_not_found_response_code",
        "prefix_rewrite", "regex_rewrite", "host_rewrite_literal", "auto_host_rewrite",
        "append_x_forwarded_host", "timeout", "idle_timeout", "rate_limits*", "cors*"}},
      {"envoy.config.route.v3.WeightedCluster", {"clusters", "total_weight"}},
      {"envoy.config.route.v3.WeightedCluster.ClusterWeight",
       {"name", "weight", "host_rewrite_literal", "request_headers_to_add",
        "request_headers_to_remove", "response_headers_to_add", "response_headers_to_remove",
        "typed_per_filter_config"}},
      {"envoy.config.route.v3.RedirectAction",
       {"https_redirect", "scheme_redirect", "host_redirect", "port_redirect", "path_redirect",
        "prefix_rewrite", "regex_rewrite", "response_code", "strip_query"}},
      {"envoy.config.route.v3.DirectResponseAction", {"status", "body"}},
      {"envoy.config.core.v3.DataSource", {"inline_bytes", "inline_string"}},
      {"envoy.config.core.v3.HeaderValueOption",
       {"header", "append", "append_action", "keep_empty_value"}},
      {"envoy.config.core.v3.HeaderValue", {"key", "value"}},
  };
  return fields;
}

}  // namespace meshproxy::route
