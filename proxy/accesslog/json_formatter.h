#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/accesslog/formatter.h"
#include "proxy/accesslog/stream_info.h"

namespace meshproxy::accesslog {

// The shape of a JSON access log record, as Envoy's json_format Struct describes it: every
// string is a format string ("%RESPONSE_CODE%", "%REQ(:METHOD)% %REQ(:PATH)%" or a literal);
// numbers, booleans and null are copied as they are; objects and lists nest.
struct JsonTemplate {
  enum class Kind { kString, kNumber, kBool, kNull, kObject, kList };

  Kind kind = Kind::kNull;
  std::string string_value;                                  // kString
  double number_value = 0;                                   // kNumber
  bool bool_value = false;                                   // kBool
  std::vector<std::pair<std::string, JsonTemplate>> fields;  // kObject, written in this order
  std::vector<JsonTemplate> items;                           // kList

  // Declared here, defined where JsonTemplate is complete: the type contains itself (through
  // std::pair), and clang with libstdc++ refuses implicit members checked while it is not.
  JsonTemplate();
  JsonTemplate(const JsonTemplate&);
  JsonTemplate(JsonTemplate&&) noexcept;
  JsonTemplate& operator=(const JsonTemplate&);
  JsonTemplate& operator=(JsonTemplate&&) noexcept;
  ~JsonTemplate();

  static JsonTemplate string(std::string format);
  static JsonTemplate number(double value);
  static JsonTemplate boolean(bool value);
  static JsonTemplate null();
  static JsonTemplate object(std::vector<std::pair<std::string, JsonTemplate>> fields);
  static JsonTemplate list(std::vector<JsonTemplate> items);
};

struct JsonFormatOptions {
  // Envoy's json_format / typed_json_format: a value that is exactly one operator keeps its
  // type (numbers unquoted, missing -> null). Off for the deprecated FileAccessLog.json_format,
  // where every value is a string and a missing one is "-".
  bool typed = true;
  // Leave out keys whose value is missing instead of writing null.
  bool omit_empty_values = false;
};

// Writes one JSON object per line from a JsonTemplate compiled once at config time: keys are
// escaped and quoted up front, each string value is a compiled Formatter.
//
// Key order is the template's order. The config translation sorts keys, because a protobuf
// Struct is a map with no order of its own and sorted output is stable across restarts (the
// same order protobuf's JSON printer gives).
class JsonFormatter {
 public:
  // `root` must be an object.
  static absl::StatusOr<JsonFormatter> create(const JsonTemplate& root,
                                              JsonFormatOptions options = {});

  // Appends `{...}\n`.
  void format(const StreamInfo& info, std::string& out) const;

 private:
  struct Node {
    JsonTemplate::Kind kind = JsonTemplate::Kind::kNull;
    std::string key;      // `"name":`, already escaped; empty for list items and the root
    std::string literal;  // kNumber/kBool/kNull: the JSON text; kString without operators
    std::optional<Formatter> formatter;  // kString with operators
    std::vector<Node> children;          // kObject / kList
  };

  static absl::StatusOr<Node> compile(const JsonTemplate& value, const JsonFormatOptions& options);
  // Returns false, appending nothing, when the value is missing and omitted.
  bool formatNode(const Node& node, const StreamInfo& info, std::string& out) const;
  bool formatString(const Node& node, const StreamInfo& info, std::string& out) const;

  std::shared_ptr<const Node> root_;  // shared: a JsonFormatter is copied into each logger
  JsonFormatOptions options_;
};

}  // namespace meshproxy::accesslog
