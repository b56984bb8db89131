#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/accesslog/header_lookup.h"
#include "proxy/tracing/span.h"

namespace google::protobuf {
class Struct;
}

namespace meshproxy::tracing {

// Where a metadata custom tag reads (envoy.type.metadata.v3.MetadataKind).
enum class MetadataKind { kRequest, kRoute, kCluster, kHost };

// One entry of custom_tags (envoy.type.tracing.v3.CustomTag), translated.
struct CustomTag {
  enum class Source { kLiteral, kEnvironment, kRequestHeader, kMetadata };

  std::string tag;
  Source source = Source::kLiteral;
  // Literal: the value. Environment: the variable's value read once at config time, or its
  // default_value when unset (as Envoy does: the process environment does not change).
  std::string value;
  // RequestHeader: the lower-case header name. Metadata: the filter name (metadata_key.key).
  std::string name;
  std::vector<std::string> path;  // Metadata: metadata_key.path, keys into nested structs
  MetadataKind metadata_kind = MetadataKind::kRequest;
  std::string default_value;  // RequestHeader and Metadata, when the value is absent

  bool operator==(const CustomTag&) const = default;
};

// The filter metadata of one kind for the current request (dynamic metadata, the route's, the
// cluster's or the host's metadata), by filter name; nullptr when there is none.
using MetadataLookup =
    std::function<const google::protobuf::Struct*(MetadataKind kind, std::string_view filter)>;

// Envoy's CustomTag::applySpan for each tag: the tag is set when its value is not empty.
// Metadata values print as Envoy prints them: a string as is, a number with "%g"-like shortest
// form, a bool as "true"/"false", a list or struct as JSON. `request_headers` and `metadata` may
// be null (no headers, no metadata): the default values apply.
void applyCustomTags(Span& span, const std::vector<CustomTag>& tags,
                     const accesslog::HeaderLookup* request_headers,
                     const MetadataLookup& metadata);

// Route-level custom tags replace HCM-level tags of the same name (Envoy merges them by tag).
std::vector<CustomTag> mergeCustomTags(const std::vector<CustomTag>& hcm,
                                       const std::vector<CustomTag>& route);

}  // namespace meshproxy::tracing
