#include "xds/server/resource_file_parser.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "envoy/service/discovery/v3/discovery.pb.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/config/yaml_to_json.h"
#include "proxy/core/bounded_file.h"
#include "proxy/core/strings.h"
#include "xds/server/resource_builder.h"

namespace meshproxy::xds_server {
namespace {

using envoy::service::discovery::v3::DiscoveryResponse;
using google::protobuf::Value;

// Checks one item's shape, and explains why it does not parse. Used to name the failing item:
// the whole file is parsed at once (below), and protobuf's error does not say which item.
absl::Status checkItem(const Value& value, const std::string& where) {
  if (!value.has_struct_value()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": expected a mapping with '@type'"));
  }
  const auto& fields = value.struct_value().fields();
  auto type = fields.find("@type");
  if (type == fields.end() || !type->second.has_string_value()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": no '@type'"));
  }
  std::string json;
  if (auto s = google::protobuf::util::MessageToJsonString(value, &json); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", std::string(s.message())));
  }
  google::protobuf::Any any;
  if (auto s = protobuf::jsonToMessage(json, &any); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, " (", type->second.string_value(), "): ", s.message()));
  }
  return absl::OkStatus();
}

absl::Status checkItems(const google::protobuf::ListValue& list, const std::string& prefix) {
  for (int i = 0; i < list.values_size(); ++i) {
    if (auto s = checkItem(list.values(i), absl::StrCat(prefix, "[", i, "]")); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<Resource>> parseResourceJson(std::string_view json,
                                                        const std::string& source) {
  // The shape is read from a google.protobuf.Value; the resources themselves are parsed from
  // the original text (as a DiscoveryResponse, whose `resources` is exactly a list of Any), so
  // numbers keep every digit instead of going through a double.
  Value root;
  if (auto s = protobuf::jsonToMessage(json, &root); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("not valid JSON: ", s.message()));
  }
  std::string wrapped;
  absl::Status item_check;
  std::string prefix;  // how errors name an item: "resource[2]", "resources[2]", "resource"
  if (root.has_null_value()) return std::vector<Resource>{};  // an empty file holds nothing
  if (root.has_list_value()) {
    wrapped = absl::StrCat("{\"resources\":", toAbsl(json), "}");
    prefix = "resource";
    item_check = checkItems(root.list_value(), prefix);
  } else if (root.has_struct_value() && root.struct_value().fields().contains("@type")) {
    wrapped = absl::StrCat("{\"resources\":[", toAbsl(json), "]}");
    item_check = checkItem(root, "resource");
  } else if (root.has_struct_value() && root.struct_value().fields().contains("resources")) {
    const auto& fields = root.struct_value().fields();
    for (const auto& [key, value] : fields) {
      if (key != "resources" && key != "version_info" && key != "type_url") {
        return absl::InvalidArgumentError(
            absl::StrCat("unexpected key '", key, "' beside 'resources'"));
      }
    }
    const Value& resources = fields.at("resources");
    if (!resources.has_list_value()) {
      return absl::InvalidArgumentError("'resources' is not a sequence");
    }
    wrapped = std::string(json);
    prefix = "resources";
    item_check = checkItems(resources.list_value(), prefix);
  } else {
    return absl::InvalidArgumentError(
        "expected a resource with '@type', a sequence of them, or a mapping with 'resources'");
  }
  if (!item_check.ok()) return item_check;

  DiscoveryResponse response;
  if (auto s = protobuf::jsonToMessage(wrapped, &response); !s.ok()) return s;
  std::vector<Resource> out;
  for (int i = 0; i < response.resources_size(); ++i) {
    auto resource = buildResource(response.resources(i), source);
    if (!resource.ok()) {
      std::string where = prefix.empty() ? "resource" : absl::StrCat(prefix, "[", i, "]");
      return absl::InvalidArgumentError(absl::StrCat(where, ": ", resource.status().message()));
    }
    out.push_back(std::move(*resource));
  }
  return out;
}

absl::StatusOr<std::vector<Resource>> parseResourceFile(const std::string& path) {
  // The file's extension decides, not its first character: YAML flow style ("{'@type': ...}")
  // starts with '{' too, and loadConfigFileAsJson would take it for JSON.
  if (path.ends_with(".json")) {
    auto json = config::loadConfigFileAsJson(path);
    if (!json.ok()) return json.status();
    return parseResourceJson(*json, path);
  }
  absl::StatusOr<std::string> content = readFileBounded(path, kMaxConfigFileBytes, "resource file");
  if (!content.ok()) return content.status();
  std::string& text = *content;
  if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);  // UTF-8 byte-order mark
  auto json = config::yamlToJson(text);
  if (!json.ok()) return json.status();
  return parseResourceJson(*json, path);
}

}  // namespace meshproxy::xds_server
