#include "proxy/filters/http/cache/cache_headers.h"

#include <string>

#include "absl/strings/numbers.h"
#include "absl/time/time.h"
#include "proxy/core/ascii_case.h"
#include "proxy/core/strings.h"
#include "proxy/http/header_list.h"

namespace meshproxy::filters::cache {
namespace {

struct Directive {
  std::string_view name;
  std::string_view argument;  // quotes removed
  bool has_argument = false;
};

// Calls f for each directive of a Cache-Control value.
template <typename F>
void forEachDirective(std::string_view value, F&& f) {
  http::forEachListElement(value, [&](std::string_view element) {
    Directive d;
    const size_t eq = element.find('=');
    d.name = http::trimOws(element.substr(0, eq));
    if (eq != std::string_view::npos) {
      d.has_argument = true;
      d.argument = http::trimOws(element.substr(eq + 1));
      if (d.argument.size() >= 2 && d.argument.front() == '"' && d.argument.back() == '"') {
        d.argument = d.argument.substr(1, d.argument.size() - 2);
      }
    }
    f(d);
    return true;
  });
}

// delta-seconds (RFC 9111 1.2.2): digits only; a value too large is the largest one.
std::optional<Seconds> deltaSeconds(const Directive& d) {
  if (!d.has_argument || d.argument.empty() ||
      d.argument.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  int64_t n = 0;
  if (!absl::SimpleAtoi(toAbsl(d.argument), &n)) n = int64_t{1} << 31;  // 2^31: RFC 9111's cap
  return Seconds(n);
}

}  // namespace

RequestCacheControl parseRequestCacheControl(std::string_view cache_control) {
  RequestCacheControl c;
  forEachDirective(cache_control, [&](const Directive& d) {
    if (equalsIgnoreCase(d.name, "no-cache")) {
      c.must_validate = true;
    } else if (equalsIgnoreCase(d.name, "no-store")) {
      c.no_store = true;
    } else if (equalsIgnoreCase(d.name, "no-transform")) {
      c.no_transform = true;
    } else if (equalsIgnoreCase(d.name, "only-if-cached")) {
      c.only_if_cached = true;
    } else if (equalsIgnoreCase(d.name, "max-age")) {
      c.max_age = deltaSeconds(d);
    } else if (equalsIgnoreCase(d.name, "min-fresh")) {
      c.min_fresh = deltaSeconds(d);
    } else if (equalsIgnoreCase(d.name, "max-stale")) {
      c.max_stale = d.has_argument ? deltaSeconds(d) : std::optional<Seconds>(Seconds::max());
    }
  });
  return c;
}

ResponseCacheControl parseResponseCacheControl(std::string_view cache_control) {
  ResponseCacheControl c;
  std::optional<Seconds> max_age, s_maxage;
  forEachDirective(cache_control, [&](const Directive& d) {
    if (equalsIgnoreCase(d.name, "no-cache")) {
      // no-cache="field": only those fields need validation; Envoy validates the whole
      // response, the safe reading.
      c.must_validate = true;
    } else if (equalsIgnoreCase(d.name, "no-store") || equalsIgnoreCase(d.name, "private")) {
      c.no_store = true;
    } else if (equalsIgnoreCase(d.name, "no-transform")) {
      c.no_transform = true;
    } else if (equalsIgnoreCase(d.name, "must-revalidate") ||
               equalsIgnoreCase(d.name, "proxy-revalidate")) {
      c.no_stale = true;
    } else if (equalsIgnoreCase(d.name, "public")) {
      c.is_public = true;
    } else if (equalsIgnoreCase(d.name, "s-maxage")) {
      s_maxage = deltaSeconds(d);
    } else if (equalsIgnoreCase(d.name, "max-age")) {
      max_age = deltaSeconds(d);
    }
  });
  c.max_age = s_maxage ? s_maxage : max_age;
  return c;
}

std::optional<SystemTime> parseHttpDate(std::string_view value) {
  static constexpr const char* kFormats[] = {
      "%a, %d %b %Y %H:%M:%S GMT",  // IMF-fixdate
      "%A, %d-%b-%y %H:%M:%S GMT",  // RFC 850
      "%a %b %e %H:%M:%S %Y",       // asctime
  };
  const std::string text(http::trimOws(value));
  for (const char* format : kFormats) {
    absl::Time t;
    std::string error;
    if (absl::ParseTime(format, text, absl::UTCTimeZone(), &t, &error)) {
      return absl::ToChronoTime(t);
    }
  }
  return std::nullopt;
}

}  // namespace meshproxy::filters::cache
