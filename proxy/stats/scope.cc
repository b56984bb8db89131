#include "proxy/stats/scope.h"

#include <fmt/format.h>

#include <utility>

#include "proxy/stats/store.h"
#include "proxy/stats/tag_names.h"

namespace meshproxy::stats {
namespace {

std::string join(std::string_view prefix, std::string_view segment) {
  if (prefix.empty()) return std::string(segment);
  return fmt::format("{}.{}", prefix, segment);
}

}  // namespace

Scope Scope::child(std::string_view full_segment, std::string_view extracted_segment,
                   Tag tag) const {
  Scope out(*store_);
  out.full_prefix_ = join(full_prefix_, full_segment);
  out.extracted_prefix_ = join(extracted_prefix_, extracted_segment);
  out.tags_ = tags_;
  if (!tag.name.empty()) out.tags_.push_back(std::move(tag));
  return out;
}

StatName Scope::leaf(std::string_view full_leaf, std::string_view extracted_leaf, Tag tag) const {
  StatName name{join(full_prefix_, full_leaf), join(extracted_prefix_, extracted_leaf), tags_};
  if (!tag.name.empty()) name.tags.push_back(std::move(tag));
  return name;
}

Scope Scope::scope(std::string_view segment) const { return child(segment, segment, Tag{}); }

Scope Scope::scope(std::string_view kind, std::string_view value) const {
  const std::string_view tag_name = tagNameForKind(kind);
  const std::string full = fmt::format("{}.{}", kind, value);
  if (tag_name.empty()) return child(full, full, Tag{});
  return child(full, kind, Tag{std::string(tag_name), std::string(value)});
}

Scope Scope::workerScope(uint32_t worker_index) const {
  const std::string id = std::to_string(worker_index);
  return child(fmt::format("worker_{}", id), "worker", Tag{std::string(kWorkerIdTag), id});
}

Counter& Scope::counter(std::string_view name) const {
  return store_->counter(leaf(name, name, Tag{}));
}

Gauge& Scope::gauge(std::string_view name) const { return store_->gauge(leaf(name, name, Tag{})); }

Histogram& Scope::histogram(std::string_view name) const {
  return store_->histogram(leaf(name, name, Tag{}));
}

Counter& Scope::responseCodeCounter(std::string_view name, uint32_t code) const {
  const std::string value = std::to_string(code);
  return store_->counter(
      leaf(fmt::format("{}_{}", name, value), name, Tag{std::string(kResponseCodeTag), value}));
}

Counter& Scope::responseCodeClassCounter(std::string_view name, uint32_t code_class) const {
  const std::string value = std::to_string(code_class);
  return store_->counter(leaf(fmt::format("{}_{}xx", name, value), fmt::format("{}_xx", name),
                              Tag{std::string(kResponseCodeClassTag), value}));
}

}  // namespace meshproxy::stats
