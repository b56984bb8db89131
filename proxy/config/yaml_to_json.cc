#include "proxy/config/yaml_to_json.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <exception>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "proxy/core/bounded_file.h"

namespace meshproxy::config {
namespace {

// Note: Debian's abseil has its own absl::string_view (not std::string_view), so std::string_view
// values are handled with std:: methods here rather than absl string helpers.

// Bounds that stop hostile or accidental inputs: yaml-cpp happily builds cyclic graphs from
// self-referencing anchors, and a few nested aliases can expand exponentially ("billion laughs").
constexpr int kMaxDepth = 256;
constexpr size_t kMaxJsonBytes = 64u << 20;
// yaml-cpp's node graph costs about 500 bytes a node (measured: 1.5 M list items, 800 MB), so
// the node count, not the file size, is what bounds memory; aliases are counted expanded, as
// the JSON will hold them. Real bootstraps have thousands of nodes; 10,000 clusters ~300,000.
constexpr uint64_t kMaxNodes = 1'000'000;

// yaml-cpp marks plain scalars with the non-specific tag "?" and quoted or block scalars with
// "!". Only plain scalars (and explicitly tagged non-strings) are typed by content.
constexpr std::string_view kPlainTag = "?";
constexpr std::string_view kQuotedTag = "!";
constexpr std::string_view kStrTag = "tag:yaml.org,2002:str";

std::string markText(const YAML::Mark& mark) {
  if (mark.is_null()) return "";
  return absl::StrCat(" at line ", mark.line + 1, ", column ", mark.column + 1);
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Returns the JSON spelling of a YAML 1.2 core-schema int or float, or nullopt when `text` is
// not one. JSON forbids a leading '+', leading zeros, and a bare '.' at either end of the
// mantissa, so those are rewritten; the digits themselves are kept verbatim (no precision loss).
std::optional<std::string> numberAsJson(std::string_view text) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  const size_t int_begin = i;
  while (i < text.size() && isDigit(text[i])) ++i;
  std::string_view int_digits = text.substr(int_begin, i - int_begin);
  std::string_view frac_digits;
  if (i < text.size() && text[i] == '.') {
    const size_t frac_begin = ++i;
    while (i < text.size() && isDigit(text[i])) ++i;
    frac_digits = text.substr(frac_begin, i - frac_begin);
  }
  if (int_digits.empty() && frac_digits.empty()) return std::nullopt;
  std::string_view exponent;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    const size_t exp_begin = i++;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    const size_t digits_begin = i;
    while (i < text.size() && isDigit(text[i])) ++i;
    if (i == digits_begin) return std::nullopt;
    exponent = text.substr(exp_begin, i - exp_begin);
  }
  if (i != text.size()) return std::nullopt;

  while (int_digits.size() > 1 && int_digits.front() == '0') int_digits.remove_prefix(1);
  std::string json = negative ? "-" : "";
  json.append(int_digits.empty() ? "0" : int_digits);
  if (!frac_digits.empty()) json.append(".").append(frac_digits);
  json.append(exponent);
  return json;
}

// An integer in base 8 ("0600") or 16 ("0x1F"), as Envoy reads YAML (yaml-cpp converts with the
// stream's base detection, YAML 1.1's rule): `mode: 0600` on a pipe is 384, the permission
// bits the writer meant. Decimal digits after a leading 0 ("09") are not octal and fall through
// to the decimal reading, as Envoy's float fallback gives the same. Nullopt: not such a number,
// or too large for 64 bits (it then stays a string, as in Envoy).
std::optional<std::string> prefixedIntegerAsJson(std::string_view text) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  if (i + 1 >= text.size() || text[i] != '0') return std::nullopt;
  unsigned base = 8;
  ++i;
  if (text[i] == 'x' || text[i] == 'X') {
    base = 16;
    if (++i == text.size()) return std::nullopt;
  }
  uint64_t value = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    unsigned digit;
    if (c >= '0' && c <= '9') {
      digit = static_cast<unsigned>(c - '0');
    } else if (base == 16 && c >= 'a' && c <= 'f') {
      digit = static_cast<unsigned>(c - 'a' + 10);
    } else if (base == 16 && c >= 'A' && c <= 'F') {
      digit = static_cast<unsigned>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    if (digit >= base) return std::nullopt;
    if (value > (UINT64_MAX - digit) / base) return std::nullopt;
    value = value * base + digit;
  }
  if (negative && value > static_cast<uint64_t>(INT64_MAX) + 1) return std::nullopt;
  return negative && value != 0 ? absl::StrCat("-", value) : absl::StrCat(value);
}

// JSON literal for a plain scalar that is a bool, null or number; nullopt means "a string".
std::optional<std::string> plainScalarAsJson(std::string_view text) {
  if (text == "true" || text == "True" || text == "TRUE") return "true";
  if (text == "false" || text == "False" || text == "FALSE") return "false";
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return "null";
  }
  if (auto prefixed = prefixedIntegerAsJson(text)) return prefixed;
  return numberAsJson(text);
}

void appendJsonString(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        // Bytes >= 0x80 are UTF-8 sequences from yaml-cpp and pass through untouched.
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out.push_back(kHex[(c >> 4) & 0xf]);
          out.push_back(kHex[c & 0xf]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

// A mapping flattened to its effective entries: explicit keys in order, then merged keys that
// no explicit key (or earlier merge source) already defines.
struct MapEntries {
  std::vector<std::pair<std::string, YAML::Node>> entries;
  absl::flat_hash_set<std::string> keys;
};

// A limit the event pass found; thrown through yaml-cpp's parser (which is exception-based
// anyway) and turned into a status by yamlToJson.
struct YamlLimitExceeded {
  std::string message;
};

// Walks yaml-cpp's event stream before any node is built and stops a document that nests too
// deep, refers to itself, or expands past kMaxNodes. An alias costs the size of the node it
// names, so a billion-laughs document fails after a few hundred events, not after gigabytes.
class LimitChecker : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    anchor_sizes_.clear();
    document_start_ = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { leaf(mark, anchor); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string&) override {
    leaf(mark, anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    // Size 0: the anchored node is still open, i.e. the alias sits inside what it names.
    if (anchor >= anchor_sizes_.size() || anchor_sizes_[anchor] == 0) {
      throw YamlLimitExceeded{
          absl::StrCat("YAML alias refers to a node that contains it (a cycle)", markText(mark))};
    }
    add(anchor_sizes_[anchor], mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, anchor);
  }
  void OnMapEnd() override { close(); }

  const YAML::Mark& documentStart() const { return document_start_; }

 private:
  struct OpenNode {
    YAML::anchor_t anchor;
    uint64_t count_before;
  };

  void leaf(const YAML::Mark& mark, YAML::anchor_t anchor) {
    add(1, mark);
    record(anchor, 1);
  }
  void open(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (open_.size() >= static_cast<size_t>(kMaxDepth)) {
      throw YamlLimitExceeded{
          absl::StrCat("YAML nested deeper than ", kMaxDepth, " levels", markText(mark))};
    }
    open_.push_back({anchor, nodes_});
    record(anchor, 0);
    add(1, mark);
  }
  void close() {
    const OpenNode node = open_.back();
    open_.pop_back();
    record(node.anchor, nodes_ - node.count_before);
  }
  void record(YAML::anchor_t anchor, uint64_t size) {
    if (anchor == YAML::NullAnchor) return;
    if (anchor >= anchor_sizes_.size()) anchor_sizes_.resize(anchor + 1, 0);
    anchor_sizes_[anchor] = size;
  }
  void add(uint64_t count, const YAML::Mark& mark) {
    nodes_ += count;
    if (nodes_ > kMaxNodes) {
      throw YamlLimitExceeded{absl::StrCat("YAML has more than ", kMaxNodes,
                                           " nodes (aliases counted expanded)", markText(mark),
                                           "; write a config this large as JSON")};
    }
  }

  uint64_t nodes_ = 0;
  std::vector<OpenNode> open_;
  std::vector<uint64_t> anchor_sizes_;  // by yaml-cpp's anchor id; 0 while the node is open
  YAML::Mark document_start_;
};

class JsonWriter {
 public:
  absl::Status write(const YAML::Node& node, int depth) {
    if (depth > kMaxDepth) {
      return absl::InvalidArgumentError(absl::StrCat(
          "YAML nested deeper than ", kMaxDepth, " levels (alias cycle?)", markText(node.Mark())));
    }
    if (out_.size() > kMaxJsonBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("YAML expands to more than ", kMaxJsonBytes, " bytes of JSON"));
    }
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        // `key: !!str` (explicitly a string, but empty) is the one null that is not null.
        out_ += node.Tag() == kStrTag ? "\"\"" : "null";
        return absl::OkStatus();
      case YAML::NodeType::Scalar:
        writeScalar(node);
        return absl::OkStatus();
      case YAML::NodeType::Sequence:
        return writeSequence(node, depth);
      case YAML::NodeType::Map:
        return writeMap(node, depth);
    }
    return absl::InternalError("unknown YAML node type");
  }

  std::string take() { return std::move(out_); }

 private:
  void writeScalar(const YAML::Node& node) {
    const std::string& text = node.Scalar();
    const std::string& tag = node.Tag();
    if (tag != kQuotedTag && tag != kStrTag) {
      if (std::optional<std::string> literal = plainScalarAsJson(text)) {
        out_ += *literal;
        return;
      }
    }
    appendJsonString(text, out_);
  }

  absl::Status writeSequence(const YAML::Node& node, int depth) {
    out_.push_back('[');
    bool first = true;
    for (const YAML::Node& item : node) {
      if (!first) out_.push_back(',');
      first = false;
      if (absl::Status s = write(item, depth + 1); !s.ok()) return s;
    }
    out_.push_back(']');
    return absl::OkStatus();
  }

  absl::Status writeMap(const YAML::Node& node, int depth) {
    MapEntries map;
    if (absl::Status s = collectEntries(node, depth, map); !s.ok()) return s;
    out_.push_back('{');
    bool first = true;
    for (const auto& [key, value] : map.entries) {
      if (!first) out_.push_back(',');
      first = false;
      appendJsonString(key, out_);
      out_.push_back(':');
      if (absl::Status s = write(value, depth + 1); !s.ok()) return s;
    }
    out_.push_back('}');
    return absl::OkStatus();
  }

  static bool isMergeKey(const YAML::Node& key) {
    return key.IsScalar() && key.Tag() == kPlainTag && key.Scalar() == "<<";
  }

  static absl::StatusOr<std::string> keyText(const YAML::Node& key) {
    if (key.IsNull()) return std::string("null");
    if (!key.IsScalar()) {
      return absl::InvalidArgumentError(
          absl::StrCat("YAML mapping key must be a scalar", markText(key.Mark())));
    }
    return key.Scalar();
  }

  absl::Status collectEntries(const YAML::Node& node, int depth, MapEntries& map) {
    if (depth > kMaxDepth) {
      return absl::InvalidArgumentError(absl::StrCat("YAML merge keys nested deeper than ",
                                                     kMaxDepth, " levels", markText(node.Mark())));
    }
    std::vector<YAML::Node> merge_sources;
    for (const auto& kv : node) {
      if (isMergeKey(kv.first)) {
        merge_sources.push_back(kv.second);
        continue;
      }
      absl::StatusOr<std::string> key = keyText(kv.first);
      if (!key.ok()) return key.status();
      if (!map.keys.insert(*key).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("duplicate YAML key '", *key, "'", markText(kv.first.Mark())));
      }
      map.entries.emplace_back(*std::move(key), kv.second);
    }
    for (const YAML::Node& source : merge_sources) {
      if (source.IsMap()) {
        if (absl::Status s = mergeFrom(source, depth, map); !s.ok()) return s;
        continue;
      }
      if (!source.IsSequence()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "YAML merge key '<<' needs a mapping or a list of mappings", markText(source.Mark())));
      }
      // In a list, earlier mappings win (YAML merge-key spec), which "first key wins" gives.
      for (const YAML::Node& item : source) {
        if (!item.IsMap()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "YAML merge key '<<' list items must be mappings", markText(item.Mark())));
        }
        if (absl::Status s = mergeFrom(item, depth, map); !s.ok()) return s;
      }
    }
    return absl::OkStatus();
  }

  absl::Status mergeFrom(const YAML::Node& source, int depth, MapEntries& map) {
    MapEntries merged;
    if (absl::Status s = collectEntries(source, depth + 1, merged); !s.ok()) return s;
    for (auto& [key, value] : merged.entries) {
      if (map.keys.insert(key).second) map.entries.emplace_back(std::move(key), value);
    }
    return absl::OkStatus();
  }

  std::string out_;
};

std::string_view skipBom(std::string_view text) {
  constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
  if (text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());
  return text;
}

// protobuf's JSON parser stops nested messages at depth 100, but not Struct and ListValue
// (metadata, typed_struct): 10,000 nested lists there cost 20 s of CPU. One linear scan first.
absl::Status checkJsonNesting(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) {
        return absl::InvalidArgumentError(
            absl::StrCat("JSON nested deeper than ", kMaxDepth, " levels (at byte ", i, ")"));
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return absl::OkStatus();
}

bool looksLikeJson(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && text[first] == '{';
}

}  // namespace

absl::StatusOr<std::string> yamlToJson(std::string_view yaml_text) {
  // yaml-cpp reports every problem by throwing; nothing may escape this function.
  try {
    std::istringstream stream{std::string(yaml_text)};
    int documents = 0;
    {
      // Limits first, before any node is built. At most three documents are looked at: one is
      // what a config is, and Debian's yaml-cpp 0.7 cannot place a stray ',' outside brackets:
      // it hands back an empty document at the same position forever (yaml-cpp issue 1040,
      // fixed after 0.8). A document that starts where the previous one did is that case.
      YAML::Parser parser(stream);
      LimitChecker checker;
      std::optional<int> previous_start;
      while (documents < 3 && parser.HandleNextDocument(checker)) {
        if (previous_start == checker.documentStart().pos) {
          return absl::InvalidArgumentError(absl::StrCat("YAML parse error",
                                                         markText(checker.documentStart()),
                                                         ": unexpected content (a stray ','?)"));
        }
        previous_start = checker.documentStart().pos;
        ++documents;
      }
    }
    if (documents == 0) return std::string("null");
    if (documents > 1) {
      return absl::InvalidArgumentError(
          "expected one YAML document, found more (remove the extra '---')");
    }
    // One document: YAML::Load builds just it (never YAML::LoadAll, see above).
    stream.clear();
    stream.seekg(0);
    const YAML::Node doc = YAML::Load(stream);
    JsonWriter writer;
    if (absl::Status s = writer.write(doc, 0); !s.ok()) return s;
    return writer.take();
  } catch (const YamlLimitExceeded& e) {
    return absl::InvalidArgumentError(e.message);
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's own guard (it says only "bad file"); the checker above normally comes first.
    return absl::InvalidArgumentError(absl::StrCat("YAML nested too deep", markText(e.mark)));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("YAML parse error", markText(e.mark), ": ", e.msg));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("YAML conversion failed: ", e.what()));
  }
}

absl::StatusOr<std::string> loadConfigFileAsJson(const std::string& path) {
  absl::StatusOr<std::string> content = readFileBounded(path, kMaxConfigFileBytes, "config file");
  if (!content.ok()) return content.status();

  const std::string_view text = skipBom(*content);
  if (path.ends_with(".json") || looksLikeJson(text)) {
    if (absl::Status s = checkJsonNesting(text); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat(path, ": ", s.message()));
    }
    return std::string(text);
  }
  absl::StatusOr<std::string> json = yamlToJson(text);
  if (!json.ok()) {
    return absl::Status(json.status().code(), absl::StrCat(path, ": ", json.status().message()));
  }
  return json;
}

}  // namespace meshproxy::config
