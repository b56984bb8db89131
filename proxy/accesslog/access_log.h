#pragma once

#include <memory>
#include <string>
#include <variant>

#include "proxy/accesslog/formatter.h"
#include "proxy/accesslog/json_formatter.h"
#include "proxy/accesslog/log_sink.h"
#include "proxy/accesslog/stream_info.h"

namespace meshproxy::accesslog {

// How records are written: a text format string, or a JSON object per line. A variant rather
// than an interface because the set is closed and log() then needs no virtual call.
using LineFormatter = std::variant<Formatter, JsonFormatter>;

// One configured access log: a formatter and a sink. Immutable after construction and shared
// by every worker (through the config snapshot); the TCP proxy calls log() once per
// connection, the HTTP connection manager once per request.
class AccessLogger {
 public:
  AccessLogger(LineFormatter formatter, std::shared_ptr<LogSink> sink);

  // Formats on the calling thread into a per-thread scratch string (no allocation once it has
  // grown to the usual record size), then hands the bytes to the sink's buffer. Never does I/O.
  void log(const StreamInfo& info) const;

  // For tests and the config dump.
  void format(const StreamInfo& info, std::string& out) const;
  const LogSink& sink() const { return *sink_; }

 private:
  const LineFormatter formatter_;
  const std::shared_ptr<LogSink> sink_;
};

}  // namespace meshproxy::accesslog
