// YAML → JSON text, so Envoy-style YAML bootstraps can go through protobuf's JSON parser
// (google::protobuf::util::JsonStringToMessage), which then does all field typing and validation.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace meshproxy::config {

// Converts one YAML document to compact JSON text.
//
// Scalars are typed the way Envoy's YAML loader types them, per the YAML 1.2 core schema:
// a plain (unquoted) scalar that is true/false (also True/TRUE/False/FALSE) becomes a JSON
// bool; null, ~ or an empty value becomes null; a decimal integer or float (1, -7, +3, 1.5, .5,
// 1e3) becomes a JSON number (normalised to valid JSON: "+3" → 3, ".5" → 0.5, "007" → 7).
// Everything else, and every quoted or block scalar, stays a string ("5s", "0x10", ".inf",
// '42'). Mapping keys are always strings. Anchors, aliases and YAML 1.1 merge keys (<<) are
// resolved; an explicit key overrides a merged one.
//
// Errors (all InvalidArgument): malformed YAML (message carries 1-based line and column),
// more than one document, duplicate or non-scalar mapping keys, nesting deeper than 256 levels,
// an alias inside the node it names (a cycle), more than 1,000,000 nodes with aliases counted
// expanded, or more than 64 MiB of JSON. The nesting, cycle and node limits are checked on the
// parser's events before any node is built, so a "billion laughs" document costs nothing.
// An empty input yields "null".
absl::StatusOr<std::string> yamlToJson(std::string_view yaml_text);

// Reads a config file (at most 64 MiB, kMaxConfigFileBytes) and returns JSON text. The content
// is passed through unchanged when the path ends in ".json" or its first non-whitespace
// character is '{' (JSON is assumed); otherwise it is converted with yamlToJson. A leading
// UTF-8 byte-order mark is dropped.
// Errors: NotFound / PermissionDenied / other errno-derived codes when the file cannot be read;
// FailedPrecondition past the size cap (`-c /dev/zero` included); InvalidArgument from
// yamlToJson, or for JSON nested deeper than 256 levels (protobuf's parser bounds messages but
// not Struct/ListValue, where deep nesting costs seconds), prefixed with the path. Every
// message names the file.
absl::StatusOr<std::string> loadConfigFileAsJson(const std::string& path);

}  // namespace meshproxy::config
