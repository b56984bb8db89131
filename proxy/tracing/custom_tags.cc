#include "proxy/tracing/custom_tags.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace meshproxy::tracing {
namespace {

std::string metadataValue(const CustomTag& tag, const MetadataLookup& metadata) {
  const google::protobuf::Struct* filter =
      metadata ? metadata(tag.metadata_kind, tag.name) : nullptr;
  if (filter == nullptr) return tag.default_value;
  // Walk the path: every key but the last names a nested struct.
  const google::protobuf::Value* value = nullptr;
  const google::protobuf::Struct* current = filter;
  for (size_t i = 0; i < tag.path.size(); ++i) {
    auto it = current->fields().find(tag.path[i]);
    if (it == current->fields().end()) return tag.default_value;
    value = &it->second;
    if (i + 1 < tag.path.size()) {
      if (!value->has_struct_value()) return tag.default_value;
      current = &value->struct_value();
    }
  }
  if (value == nullptr) return tag.default_value;
  std::string out;
  switch (value->kind_case()) {
    case google::protobuf::Value::kBoolValue:
      return value->bool_value() ? "true" : "false";
    case google::protobuf::Value::kNumberValue:
      return absl::StrCat(value->number_value());
    case google::protobuf::Value::kStringValue:
      return value->string_value();
    case google::protobuf::Value::kListValue:
      if (google::protobuf::util::MessageToJsonString(value->list_value(), &out).ok()) return out;
      break;
    case google::protobuf::Value::kStructValue:
      if (google::protobuf::util::MessageToJsonString(value->struct_value(), &out).ok()) return out;
      break;
    default:
      break;
  }
  return tag.default_value;
}

}  // namespace

void applyCustomTags(Span& span, const std::vector<CustomTag>& tags,
                     const accesslog::HeaderLookup* request_headers,
                     const MetadataLookup& metadata) {
  for (const CustomTag& tag : tags) {
    switch (tag.source) {
      case CustomTag::Source::kLiteral:
      case CustomTag::Source::kEnvironment:
        if (!tag.value.empty()) span.setTag(tag.tag, tag.value);
        break;
      case CustomTag::Source::kRequestHeader: {
        std::optional<std::string_view> v =
            request_headers ? request_headers->get(tag.name) : std::nullopt;
        std::string_view value = v.value_or(tag.default_value);
        if (!value.empty()) span.setTag(tag.tag, value);
        break;
      }
      case CustomTag::Source::kMetadata: {
        std::string value = metadataValue(tag, metadata);
        if (!value.empty()) span.setTag(tag.tag, value);
        break;
      }
    }
  }
}

std::vector<CustomTag> mergeCustomTags(const std::vector<CustomTag>& hcm,
                                       const std::vector<CustomTag>& route) {
  std::vector<CustomTag> out;
  for (const CustomTag& t : hcm) {
    bool overridden =
        std::any_of(route.begin(), route.end(), [&](const CustomTag& r) { return r.tag == t.tag; });
    if (!overridden) out.push_back(t);
  }
  out.insert(out.end(), route.begin(), route.end());
  return out;
}

}  // namespace meshproxy::tracing
