#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/accesslog/command.h"
#include "proxy/accesslog/stream_info.h"

namespace meshproxy::accesslog {

// Envoy's default access log format, used when a logger configures none.
inline constexpr std::string_view kEnvoyDefaultFormat =
    "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" "
    "%RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "
    "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" "
    "\"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\"\n";

struct FormatOptions {
  // SubstitutionFormatString.omit_empty_values: a missing value prints nothing instead of "-".
  bool omit_empty_values = false;
};

// An Envoy substitution format string ("[%START_TIME%] %REQ(:METHOD)% ...") compiled once at
// config time into literal runs and commands, so formatting a line only appends.
//
// Syntax: %OPERATOR%, %OPERATOR(args)%, %OPERATOR(args):max_length%, and %% for a literal '%'.
// The format is used as given: like Envoy, no newline is added.
class Formatter {
 public:
  static absl::StatusOr<Formatter> create(std::string_view format, FormatOptions options = {});
  // kEnvoyDefaultFormat; it always parses.
  static Formatter envoyDefault();

  // Appends one formatted record to `out`; allocates only if `out` has to grow.
  void format(const StreamInfo& info, std::string& out) const;

  // The command when the whole format is exactly one operator ("%RESPONSE_CODE%"), else
  // nullptr. JSON output uses it to emit numbers and nulls instead of strings.
  const Command* soleCommand() const;

  // The format when it has no operators at all, else nullptr.
  const std::string* soleLiteral() const;

 private:
  using Part = std::variant<std::string, Command>;

  std::vector<Part> parts_;
  std::string_view missing_value_ = "-";
};

}  // namespace meshproxy::accesslog
