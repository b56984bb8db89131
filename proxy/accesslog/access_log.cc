#include "proxy/accesslog/access_log.h"

#include <utility>

namespace meshproxy::accesslog {
namespace {

// A record bigger than this (a huge header) does not pin that much memory per thread forever.
constexpr size_t kKeepScratchCapacity = 64 * 1024;

}  // namespace

AccessLogger::AccessLogger(LineFormatter formatter, std::shared_ptr<LogSink> sink)
    : formatter_(std::move(formatter)), sink_(std::move(sink)) {}

void AccessLogger::format(const StreamInfo& info, std::string& out) const {
  std::visit([&](const auto& formatter) { formatter.format(info, out); }, formatter_);
}

void AccessLogger::log(const StreamInfo& info) const {
  thread_local std::string line;
  line.clear();
  format(info, line);
  sink_->write(line);
  if (line.capacity() > kKeepScratchCapacity) std::string().swap(line);
}

}  // namespace meshproxy::accesslog
