#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace meshproxy::log {

// The text format's line layout as an spdlog pattern, the flags Envoy's --log-format and
// application_log_config.log_format.text_format take: %Y %m %d %H %M %S %T %D %e %f %F %z %l %L
// %n %v %_ %j %t %P %g %s %# %! %@ %%. Times are UTC. Source locations (%g %s %# %! %@) are
// empty: meshproxy's lines carry none. checkTextPattern names the first flag it does not know.
absl::Status checkTextPattern(std::string_view pattern);
// Call before the workers start.
absl::Status setTextPattern(std::string_view pattern);

}  // namespace meshproxy::log
