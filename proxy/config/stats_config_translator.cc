#include "proxy/config/stats_config_translator.h"

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "proxy/matcher/matcher_translator.h"
#include "proxy/matcher/regex.h"
#include "proxy/matcher/string_matcher.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::config {
namespace {

using envoy::config::metrics::v3::StatsMatcher;

absl::StatusOr<std::shared_ptr<const std::vector<matcher::StringMatcher>>> translateList(
    const envoy::type::matcher::v3::ListStringMatcher& list, const std::string& where) {
  auto out = std::make_shared<std::vector<matcher::StringMatcher>>();
  for (int i = 0; i < list.patterns_size(); ++i) {
    auto m =
        matcher::translateStringMatcher(list.patterns(i), matcher::kDefaultMaxRegexProgramSize);
    if (!m.ok())
      return protobuf::withContext(m.status(), absl::StrCat(where, ".patterns[", i, "]"));
    out->push_back(std::move(*m));
  }
  return std::shared_ptr<const std::vector<matcher::StringMatcher>>(std::move(out));
}

bool anyMatches(const std::vector<matcher::StringMatcher>& list, std::string_view name) {
  for (const auto& m : list) {
    if (m.match(name)) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<stats::StatNamePolicy> translateStatsConfig(
    const envoy::config::bootstrap::v3::Bootstrap& bootstrap) {
  stats::StatNamePolicy policy;
  if (!bootstrap.has_stats_config()) return policy;
  const auto& config = bootstrap.stats_config();
  const bool use_all_default_tags =
      !config.has_use_all_default_tags() || config.use_all_default_tags().value();
  std::vector<stats::TagExtractors::Spec> specs;
  for (int i = 0; i < config.stats_tags_size(); ++i) {
    const auto& t = config.stats_tags(i);
    if (t.tag_value_case() == envoy::config::metrics::v3::TagSpecifier::TAG_VALUE_NOT_SET) {
      // Envoy then uses its built-in extractor of that name; meshproxy's built-in tags come
      // from use_all_default_tags only.
      return absl::InvalidArgumentError(absl::StrCat(
          "stats_config.stats_tags[", i, "] '", t.tag_name(),
          "': needs regex or fixed_value (a built-in extractor by name is not supported)"));
    }
    specs.push_back({t.tag_name(), t.regex(), t.fixed_value()});
  }
  if (!specs.empty() || !use_all_default_tags) {
    auto tags = stats::TagExtractors::create(std::move(specs), use_all_default_tags);
    if (!tags.ok()) return protobuf::withContext(tags.status(), "stats_config");
    policy.tags = std::move(*tags);
  }
  if (config.has_stats_matcher()) {
    const auto& m = config.stats_matcher();
    switch (m.stats_matcher_case()) {
      case StatsMatcher::kRejectAll:
        if (m.reject_all()) policy.accept = [](std::string_view) { return false; };
        break;
      case StatsMatcher::kExclusionList: {
        auto list = translateList(m.exclusion_list(), "stats_config.stats_matcher.exclusion_list");
        if (!list.ok()) return list.status();
        policy.accept = [list = *list](std::string_view name) { return !anyMatches(*list, name); };
        break;
      }
      case StatsMatcher::kInclusionList: {
        auto list = translateList(m.inclusion_list(), "stats_config.stats_matcher.inclusion_list");
        if (!list.ok()) return list.status();
        policy.accept = [list = *list](std::string_view name) { return anyMatches(*list, name); };
        break;
      }
      case StatsMatcher::STATS_MATCHER_NOT_SET:
        break;
    }
  }
  return policy;
}

const protobuf::SupportedFields& statsConfigSupportedFields() {
  // histogram_bucket_settings is not implemented (the histograms have fixed buckets).
  static const protobuf::SupportedFields fields = {
      {"envoy.config.bootstrap.v3.Bootstrap", {"stats_config"}},
      {"envoy.config.metrics.v3.StatsConfig",
       {"stats_tags", "use_all_default_tags", "stats_matcher"}},
      {"envoy.config.metrics.v3.TagSpecifier", {"tag_name", "regex", "fixed_value"}},
      {"envoy.config.metrics.v3.StatsMatcher", {"reject_all", "exclusion_list", "inclusion_list"}},
      {"envoy.type.matcher.v3.ListStringMatcher", {"patterns"}},
      {"envoy.type.matcher.v3.StringMatcher",
       {"exact", "prefix", "suffix", "safe_regex", "contains", "ignore_case"}},
      {"envoy.type.matcher.v3.RegexMatcher", {"google_re2", "regex"}},
      {"envoy.type.matcher.v3.RegexMatcher.GoogleRE2", {}},
  };
  return fields;
}

}  // namespace meshproxy::config
