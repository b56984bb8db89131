#include "proxy/matcher/matcher_supported_fields.h"

namespace meshproxy::matcher {

const protobuf::SupportedFields& matcherSupportedFields() {
  static const protobuf::SupportedFields fields = {
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
      {"envoy.type.matcher.v3.PathMatcher", {"path"}},
      {"envoy.type.matcher.v3.MetadataMatcher", {"filter", "path", "value", "invert"}},
      {"envoy.type.matcher.v3.MetadataMatcher.PathSegment", {"key"}},
      {"envoy.type.matcher.v3.ValueMatcher",
       {"null_match", "double_match", "string_match", "bool_match", "present_match", "list_match",
        "or_match"}},
      {"envoy.type.matcher.v3.ValueMatcher.NullMatch", {}},
      {"envoy.type.matcher.v3.DoubleMatcher", {"range", "exact"}},
      {"envoy.type.v3.DoubleRange", {"start", "end"}},
      {"envoy.type.matcher.v3.ListMatcher", {"one_of"}},
      {"envoy.type.matcher.v3.OrMatcher", {"value_matchers"}},
  };
  return fields;
}

}  // namespace meshproxy::matcher
