#include "xds/server/status_table.h"

#include <google/protobuf/struct.pb.h>

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::xds_server {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

using Row = std::vector<std::string>;

std::string field(const Struct& s, const std::string& name, std::string_view fallback = "-") {
  auto it = s.fields().find(name);
  if (it == s.fields().end() || it->second.kind_case() == Value::kNullValue) {
    return std::string(fallback);
  }
  const Value& v = it->second;
  if (v.has_string_value())
    return v.string_value().empty() ? std::string(fallback) : v.string_value();
  if (v.has_bool_value()) return v.bool_value() ? "true" : "false";
  if (v.has_number_value()) return absl::StrCat(static_cast<int64_t>(v.number_value()));
  return std::string(fallback);
}

std::string namesColumn(const Struct& type) {
  if (field(type, "wildcard") == "true") return "*";
  auto it = type.fields().find("resource_names");
  if (it == type.fields().end() || !it->second.has_list_value()) return "-";
  std::vector<std::string> names;
  for (const auto& v : it->second.list_value().values()) names.push_back(v.string_value());
  if (names.empty()) return "-";
  std::string joined = absl::StrJoin(names, ",");
  return joined.size() <= 40 ? joined : absl::StrCat(names.size(), " names");
}

std::string nackColumn(const Struct& type) {
  auto it = type.fields().find("last_nack");
  if (it == type.fields().end() || !it->second.has_struct_value()) return "-";
  const Struct& nack = it->second.struct_value();
  std::string message = absl::StrReplaceAll(field(nack, "message", ""), {{"\n", " "}, {"\r", " "}});
  return absl::StrCat(field(nack, "version"), ": ", message);
}

std::string render(const std::vector<Row>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> formatStatusTable(std::string_view nodes_json) {
  Struct root;
  if (auto s = protobuf::jsonToMessage(nodes_json, &root); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("/nodes is not JSON: ", s.message()));
  }
  auto nodes = root.fields().find("nodes");
  if (nodes == root.fields().end() || !nodes->second.has_list_value()) {
    return absl::InvalidArgumentError("/nodes has no 'nodes' list");
  }
  if (nodes->second.list_value().values_size() == 0) return std::string("no nodes connected\n");

  std::vector<Row> rows = {
      {"NODE", "STATE", "CONNECTED SINCE", "TYPE", "NAMES", "SENT", "ACKED", "NACK"}};
  for (const auto& node_value : nodes->second.list_value().values()) {
    const Struct& node = node_value.struct_value();
    Row head = {field(node, "id", "(no id)"),
                field(node, "connected") == "true" ? "connected" : "disconnected",
                field(node, "connected_since")};
    auto types = node.fields().find("types");
    bool any = false;
    if (types != node.fields().end() && types->second.has_list_value()) {
      for (const auto& type_value : types->second.list_value().values()) {
        const Struct& type = type_value.struct_value();
        Row row = any ? Row{"", "", ""} : head;
        row.insert(row.end(), {field(type, "type"), namesColumn(type), field(type, "version_sent"),
                               field(type, "acked_version"), nackColumn(type)});
        rows.push_back(std::move(row));
        any = true;
      }
    }
    if (!any) {
      head.insert(head.end(), {"-", "-", "-", "-", "-"});
      rows.push_back(std::move(head));
    }
  }
  return render(rows);
}

}  // namespace meshproxy::xds_server
