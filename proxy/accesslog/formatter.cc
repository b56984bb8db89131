#include "proxy/accesslog/formatter.h"

#include <fmt/format.h>

#include <charconv>
#include <optional>

namespace meshproxy::accesslog {
namespace {

bool isNameChar(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }

absl::Status syntaxError(std::string_view format, size_t position, std::string_view what) {
  return absl::InvalidArgumentError(
      fmt::format("invalid access log format at position {} ({}): \"{}\"", position, what, format));
}

}  // namespace

absl::StatusOr<Formatter> Formatter::create(std::string_view format, FormatOptions options) {
  Formatter formatter;
  if (options.omit_empty_values) formatter.missing_value_ = "";

  std::string literal;
  auto flush_literal = [&] {
    if (literal.empty()) return;
    formatter.parts_.emplace_back(std::move(literal));
    literal.clear();
  };

  size_t i = 0;
  while (i < format.size()) {
    if (format[i] != '%') {
      literal += format[i++];
      continue;
    }
    if (i + 1 < format.size() && format[i + 1] == '%') {
      literal += '%';
      i += 2;
      continue;
    }
    const size_t start = i;
    size_t pos = i + 1;
    while (pos < format.size() && isNameChar(format[pos])) ++pos;
    const std::string_view name = format.substr(i + 1, pos - i - 1);
    if (name.empty() || !(name[0] >= 'A' && name[0] <= 'Z')) {
      return syntaxError(format, start, "'%' starts no command operator; write %% for a '%'");
    }

    std::optional<std::string_view> args;
    if (pos < format.size() && format[pos] == '(') {
      // Arguments end at the first ')', as in Envoy; START_TIME formats contain '%' but no ')'.
      const size_t close = format.find(')', pos);
      if (close == std::string_view::npos) return syntaxError(format, start, "missing ')'");
      args = format.substr(pos + 1, close - pos - 1);
      pos = close + 1;
    }

    std::optional<size_t> max_length;
    if (pos < format.size() && format[pos] == ':') {
      const size_t digits_start = pos + 1;
      size_t digits_end = digits_start;
      while (digits_end < format.size() && format[digits_end] >= '0' && format[digits_end] <= '9') {
        ++digits_end;
      }
      size_t length = 0;
      const auto [end, error] =
          std::from_chars(format.data() + digits_start, format.data() + digits_end, length);
      if (digits_end == digits_start || error != std::errc()) {
        return syntaxError(format, start, "max length after ':' must be a number");
      }
      max_length = length;
      pos = digits_end;
    }

    if (pos >= format.size() || format[pos] != '%') {
      return syntaxError(format, start, fmt::format("no closing '%' after %{}", name));
    }

    absl::StatusOr<Command> command = Command::parse(name, args, max_length);
    if (!command.ok()) return command.status();
    flush_literal();
    formatter.parts_.emplace_back(*std::move(command));
    i = pos + 1;
  }
  flush_literal();
  return formatter;
}

Formatter Formatter::envoyDefault() { return *create(kEnvoyDefaultFormat); }

void Formatter::format(const StreamInfo& info, std::string& out) const {
  for (const Part& part : parts_) {
    if (const auto* literal = std::get_if<std::string>(&part)) {
      out += *literal;
    } else if (!std::get<Command>(part).append(info, out)) {
      out += missing_value_;
    }
  }
}

const Command* Formatter::soleCommand() const {
  if (parts_.size() != 1) return nullptr;
  return std::get_if<Command>(&parts_.front());
}

const std::string* Formatter::soleLiteral() const {
  static const std::string kEmpty;
  if (parts_.empty()) return &kEmpty;
  if (parts_.size() != 1) return nullptr;
  return std::get_if<std::string>(&parts_.front());
}

}  // namespace meshproxy::accesslog
