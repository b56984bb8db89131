#include "xds/server/yaml_writer.h"

#include <cctype>
#include <string_view>

#include "absl/strings/ascii.h"

namespace meshproxy::xds_server {
namespace {

bool looksLikeNumber(std::string_view s) {
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i == s.size()) return false;
  bool digit = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digit = true;
    } else if (c != '.' && c != 'e' && c != 'E' && c != '_' && c != '-' && c != '+' && c != 'x' &&
               c != 'o' && !std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return digit;
}

bool readsAsNonString(std::string_view s) {
  static constexpr std::string_view kReserved[] = {"true", "false", "yes",  "no", "on",
                                                   "off",  "null",  "~",    "y",  "n",
                                                   ".inf", "-.inf", ".nan", "<<"};
  std::string lower = absl::AsciiStrToLower(std::string(s));
  for (std::string_view r : kReserved) {
    if (lower == r) return true;
  }
  return looksLikeNumber(s);
}

// Whether `s` can be written plain and read back as the same string.
bool safePlain(std::string_view s) {
  if (s.empty() || readsAsNonString(s)) return false;
  if (std::string_view("-?:,[]{}#&*!|>'\"%@` \t").find(s.front()) != std::string_view::npos) {
    // "-x" and "/x" style values are fine unless the indicator stands alone.
    if (!(s.front() == '-' && s.size() > 1 && s[1] != ' ')) return false;
  }
  if (s.back() == ' ' || s.back() == ':') return false;
  if (s.find(": ") != s.npos || s.find(" #") != s.npos) return false;
  for (char c : s) {
    if (c == '\n' || c == '\r' || c == '\t' || static_cast<unsigned char>(c) < 0x20) return false;
  }
  return true;
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
  out += '"';
  return out;
}

std::string scalarText(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  // Tag "!" marks a scalar that was quoted (or a block literal) in the input, or made by
  // yamlString(): it must stay a string. Plain input scalars go back out as they came.
  if (node.Tag() == "!") return safePlain(s) && !readsAsNonString(s) ? s : quoted(s);
  if (s.empty()) return "\"\"";
  for (char c : s) {
    if (c == '\n' || static_cast<unsigned char>(c) < 0x20) return quoted(s);
  }
  return s;
}

bool isEmptyCollection(const YAML::Node& node) {
  return (node.IsMap() || node.IsSequence()) && node.size() == 0;
}

std::string inlineText(const YAML::Node& node) {
  if (node.IsNull() || !node.IsDefined()) return "null";
  if (node.IsScalar()) return scalarText(node);
  return node.IsMap() ? "{}" : "[]";
}

void write(const YAML::Node& node, int indent, std::string* out);

void writeMap(const YAML::Node& node, int indent, bool first_inline, std::string* out) {
  bool first = true;
  for (const auto& kv : node) {
    if (!(first && first_inline)) out->append(static_cast<size_t>(indent), ' ');
    first = false;
    *out += scalarText(kv.first);
    *out += ':';
    const YAML::Node& value = kv.second;
    if (value.IsMap() && value.size() > 0) {
      *out += '\n';
      writeMap(value, indent + 2, false, out);
    } else if (value.IsSequence() && value.size() > 0) {
      *out += '\n';
      write(value, indent, out);
    } else {
      *out += ' ';
      *out += inlineText(value);
      *out += '\n';
    }
  }
}

void write(const YAML::Node& node, int indent, std::string* out) {
  if (node.IsMap() && node.size() > 0) {
    writeMap(node, indent, false, out);
    return;
  }
  if (node.IsSequence() && node.size() > 0) {
    for (const auto& item : node) {
      out->append(static_cast<size_t>(indent), ' ');
      *out += "- ";
      if (item.IsMap() && item.size() > 0) {
        writeMap(item, indent + 2, true, out);
      } else if (item.IsSequence() && item.size() > 0) {
        *out += '\n';
        write(item, indent + 2, out);
      } else {
        *out += inlineText(item);
        *out += '\n';
      }
    }
    return;
  }
  out->append(static_cast<size_t>(indent), ' ');
  *out += inlineText(node);
  *out += '\n';
}

}  // namespace

YAML::Node yamlString(const std::string& value) {
  YAML::Node node(value);
  node.SetTag("!");
  return node;
}

std::string writeYaml(const YAML::Node& node) {
  std::string out;
  if (isEmptyCollection(node) || node.IsScalar() || node.IsNull()) {
    out = inlineText(node) + "\n";
  } else {
    write(node, 0, &out);
  }
  return out;
}

}  // namespace meshproxy::xds_server
