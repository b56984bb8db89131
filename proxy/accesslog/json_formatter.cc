#include "proxy/accesslog/json_formatter.h"

#include <fmt/format.h>

#include <cmath>

#include "proxy/core/json.h"

namespace meshproxy::accesslog {
namespace {

bool needsEscape(unsigned char c) { return c == '"' || c == '\\' || c < 0x20; }

// Finishes the JSON string whose opening quote is at out[quote]: values rarely need escaping,
// so the common case is one scan and a closing quote; the rare case re-appends the value
// escaped, through a per-thread scratch string that keeps its capacity between records.
void closeJsonString(std::string& out, size_t quote) {
  size_t i = quote + 1;
  while (i < out.size() && !needsEscape(static_cast<unsigned char>(out[i]))) ++i;
  if (i == out.size()) {
    out += '"';
    return;
  }
  thread_local std::string scratch;
  scratch.assign(out, quote + 1, std::string::npos);
  out.resize(quote);
  appendJsonString(out, scratch);
}

}  // namespace

JsonTemplate::JsonTemplate() = default;
JsonTemplate::JsonTemplate(const JsonTemplate&) = default;
JsonTemplate::JsonTemplate(JsonTemplate&&) noexcept = default;
JsonTemplate& JsonTemplate::operator=(const JsonTemplate&) = default;
JsonTemplate& JsonTemplate::operator=(JsonTemplate&&) noexcept = default;
JsonTemplate::~JsonTemplate() = default;

JsonTemplate JsonTemplate::string(std::string format) {
  JsonTemplate t;
  t.kind = Kind::kString;
  t.string_value = std::move(format);
  return t;
}

JsonTemplate JsonTemplate::number(double value) {
  JsonTemplate t;
  t.kind = Kind::kNumber;
  t.number_value = value;
  return t;
}

JsonTemplate JsonTemplate::boolean(bool value) {
  JsonTemplate t;
  t.kind = Kind::kBool;
  t.bool_value = value;
  return t;
}

JsonTemplate JsonTemplate::null() { return JsonTemplate{}; }

JsonTemplate JsonTemplate::object(std::vector<std::pair<std::string, JsonTemplate>> fields) {
  JsonTemplate t;
  t.kind = Kind::kObject;
  t.fields = std::move(fields);
  return t;
}

JsonTemplate JsonTemplate::list(std::vector<JsonTemplate> items) {
  JsonTemplate t;
  t.kind = Kind::kList;
  t.items = std::move(items);
  return t;
}

absl::StatusOr<JsonFormatter> JsonFormatter::create(const JsonTemplate& root,
                                                    JsonFormatOptions options) {
  if (root.kind != JsonTemplate::Kind::kObject) {
    return absl::InvalidArgumentError("JSON access log format must be an object");
  }
  absl::StatusOr<Node> node = compile(root, options);
  if (!node.ok()) return node.status();
  JsonFormatter formatter;
  formatter.root_ = std::make_shared<const Node>(*std::move(node));
  formatter.options_ = options;
  return formatter;
}

absl::StatusOr<JsonFormatter::Node> JsonFormatter::compile(const JsonTemplate& value,
                                                           const JsonFormatOptions& options) {
  Node node;
  node.kind = value.kind;
  switch (value.kind) {
    case JsonTemplate::Kind::kString: {
      absl::StatusOr<Formatter> formatter =
          Formatter::create(value.string_value, {.omit_empty_values = options.omit_empty_values});
      if (!formatter.ok()) return formatter.status();
      if (const std::string* literal = formatter->soleLiteral()) {
        appendJsonString(node.literal, *literal);
      } else {
        node.formatter = *std::move(formatter);
      }
      break;
    }
    case JsonTemplate::Kind::kNumber:
      if (!std::isfinite(value.number_value)) {
        return absl::InvalidArgumentError("JSON access log format holds a non-finite number");
      }
      node.literal = fmt::format("{}", value.number_value);
      break;
    case JsonTemplate::Kind::kBool:
      node.literal = value.bool_value ? "true" : "false";
      break;
    case JsonTemplate::Kind::kNull:
      node.literal = "null";
      break;
    case JsonTemplate::Kind::kObject:
      for (const auto& [key, child_value] : value.fields) {
        absl::StatusOr<Node> child = compile(child_value, options);
        if (!child.ok()) return child.status();
        appendJsonString(child->key, key);
        child->key += ':';
        node.children.push_back(*std::move(child));
      }
      break;
    case JsonTemplate::Kind::kList:
      for (const JsonTemplate& item : value.items) {
        absl::StatusOr<Node> child = compile(item, options);
        if (!child.ok()) return child.status();
        node.children.push_back(*std::move(child));
      }
      break;
  }
  return node;
}

void JsonFormatter::format(const StreamInfo& info, std::string& out) const {
  formatNode(*root_, info, out);
  out += '\n';
}

bool JsonFormatter::formatNode(const Node& node, const StreamInfo& info, std::string& out) const {
  switch (node.kind) {
    case JsonTemplate::Kind::kString:
      if (!node.formatter) {
        out += node.literal;
        return true;
      }
      return formatString(node, info, out);
    case JsonTemplate::Kind::kNull:
      if (options_.omit_empty_values) return false;
      out += node.literal;
      return true;
    case JsonTemplate::Kind::kNumber:
    case JsonTemplate::Kind::kBool:
      out += node.literal;
      return true;
    case JsonTemplate::Kind::kObject:
    case JsonTemplate::Kind::kList: {
      const bool object = node.kind == JsonTemplate::Kind::kObject;
      out += object ? '{' : '[';
      bool first = true;
      for (const Node& child : node.children) {
        const size_t rollback = out.size();
        if (!first) out += ',';
        out += child.key;
        if (formatNode(child, info, out)) {
          first = false;
        } else {
          out.resize(rollback);  // omitted: take back the comma and the key
        }
      }
      out += object ? '}' : ']';
      return true;
    }
  }
  return false;
}

bool JsonFormatter::formatString(const Node& node, const StreamInfo& info, std::string& out) const {
  const Command* command = node.formatter->soleCommand();
  if (command == nullptr) {
    // Several parts: always a string, missing parts written as "-" (or nothing).
    const size_t quote = out.size();
    out += '"';
    node.formatter->format(info, out);
    closeJsonString(out, quote);
    return true;
  }

  const size_t before = out.size();
  const bool raw_number = options_.typed && command->numeric();
  if (!raw_number) out += '"';
  bool raw_json = false;
  if (!command->append(info, out, &raw_json)) {
    out.resize(before);
    if (options_.omit_empty_values) return false;
    out += options_.typed ? "null" : "\"-\"";
    return true;
  }
  if (raw_json && options_.typed) {
    out.erase(before, 1);  // typed: a metadata number or struct stays JSON
    return true;
  }
  if (!raw_number) closeJsonString(out, before);
  return true;
}

}  // namespace meshproxy::accesslog
