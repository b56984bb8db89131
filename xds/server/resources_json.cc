#include "xds/server/resources_json.h"

#include "absl/strings/str_cat.h"
#include "proxy/core/json.h"
#include "xds/server/json_text.h"

namespace meshproxy::xds_server {
namespace {

void appendScope(std::string& out, bool& first, std::string_view scope, const TypeMap& types) {
  for (const auto& [type, resources] : types) {
    for (const auto& [name, resource] : resources) {
      absl::StrAppend(&out, first ? "\n" : ",\n", "{\"scope\":", jsonString(scope),
                      ",\"type\":", jsonString(type), ",\"name\":", jsonString(name),
                      ",\"file\":", jsonString(resource->source),
                      ",\"version\":", jsonString(resource->content_hash.substr(0, 16)), "}");
      first = false;
    }
  }
}

}  // namespace

std::string resourcesJson(const LoadState& state) {
  std::string out =
      absl::StrCat("{\"directory\":", jsonString(state.directory),
                   ",\"status\":", state.errors.empty() ? "\"ok\"" : "\"error\"",
                   ",\"generation\":", state.generation, ",\"files\":", state.files,
                   ",\"loaded_at\":", jsonTime(state.loaded_at),
                   ",\"last_attempt_at\":", jsonTime(state.last_attempt_at), ",\"resources\":[");
  bool first = true;
  if (state.serving) {
    appendScope(out, first, "all", state.serving->all());
    for (const auto& [node, types] : state.serving->byNode()) appendScope(out, first, node, types);
  }
  out += "],\n\"errors\":[";
  for (size_t i = 0; i < state.errors.size(); ++i) {
    absl::StrAppend(&out, i ? ",\n" : "\n", "{\"file\":", jsonString(state.errors[i].file),
                    ",\"message\":", jsonString(state.errors[i].message), "}");
  }
  out += "],\n\"warnings\":[";
  for (size_t i = 0; i < state.warnings.size(); ++i) {
    absl::StrAppend(&out, i ? ",\n" : "\n", jsonString(state.warnings[i]));
  }
  out += "]}\n";
  return out;
}

}  // namespace meshproxy::xds_server
