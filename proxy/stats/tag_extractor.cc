#include "proxy/stats/tag_extractor.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace meshproxy::stats {

std::string sanitizeLabelName(std::string_view tag_name) {
  std::string out(tag_name);
  for (char& c : out) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) c = '_';
  }
  return out;
}

absl::StatusOr<std::shared_ptr<const TagExtractors>> TagExtractors::create(
    std::vector<Spec> specs, bool use_all_default_tags) {
  auto out = std::make_shared<TagExtractors>();
  out->use_all_default_tags_ = use_all_default_tags;
  for (size_t i = 0; i < specs.size(); ++i) {
    auto& spec = specs[i];
    if (spec.tag_name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("stats_tags[", i, "]: tag_name is empty"));
    }
    Extractor e;
    e.label = sanitizeLabelName(spec.tag_name);
    if (spec.regex.empty()) {
      e.fixed = true;
      e.fixed_value = std::move(spec.fixed_value);
    } else {
      try {
        e.regex = std::regex(spec.regex, std::regex::ECMAScript | std::regex::optimize);
      } catch (const std::regex_error& err) {
        return absl::InvalidArgumentError(
            absl::StrCat("stats_tags[", i, "] '", spec.tag_name, "': invalid regex: ", err.what()));
      }
      if (e.regex.mark_count() < 1) {
        return absl::InvalidArgumentError(absl::StrCat("stats_tags[", i, "] '", spec.tag_name,
                                                       "': the regex needs a capture group"));
      }
    }
    out->extractors_.push_back(std::move(e));
  }
  return std::shared_ptr<const TagExtractors>(std::move(out));
}

void TagExtractors::apply(StatName& name) const {
  // Named by another convention (istio_requests_total with its own labels): left alone.
  if (!name.prometheus_name.empty()) return;
  if (!use_all_default_tags_) {
    name.tag_extracted = name.full;
    name.tags.clear();
  }
  const std::string subject = name.tag_extracted;
  std::vector<bool> cut(subject.size(), false);
  bool any_cut = false;
  for (const auto& e : extractors_) {
    if (std::any_of(name.tags.begin(), name.tags.end(),
                    [&](const Tag& t) { return t.name == e.label; })) {
      continue;  // one value per tag name, the first extractor's
    }
    if (e.fixed) {
      name.tags.push_back({e.label, e.fixed_value});
      continue;
    }
    std::smatch match;
    if (!std::regex_search(subject, match, e.regex)) continue;
    const auto& removed = match[1];
    const auto& value = match.size() > 2 ? match[2] : match[1];
    if (!removed.matched) continue;
    name.tags.push_back({e.label, value.str()});
    for (auto p = removed.first - subject.begin(); p < removed.second - subject.begin(); ++p) {
      cut[static_cast<size_t>(p)] = true;
      any_cut = true;
    }
  }
  if (!any_cut) return;
  std::string extracted;
  extracted.reserve(subject.size());
  for (size_t i = 0; i < subject.size(); ++i) {
    if (!cut[i]) extracted.push_back(subject[i]);
  }
  name.tag_extracted = std::move(extracted);
}

}  // namespace meshproxy::stats
