#include "proxy/upstream/outlier_event_log.h"

#include <cerrno>
#include <cstring>
#include <ctime>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "proxy/core/json.h"

namespace meshproxy::upstream {

namespace {

std::string rfc3339(std::chrono::system_clock::time_point now) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
}

bool isSuccessRate(OutlierEjectionType type) {
  return type == OutlierEjectionType::kSuccessRate ||
         type == OutlierEjectionType::kSuccessRateLocalOrigin;
}

bool isFailurePercentage(OutlierEjectionType type) {
  return type == OutlierEjectionType::kFailurePercentage ||
         type == OutlierEjectionType::kFailurePercentageLocalOrigin;
}

}  // namespace

std::string formatOutlierEvent(const OutlierEvent& event,
                               std::chrono::system_clock::time_point now) {
  std::string out = "{\"type\":";
  appendJsonString(out, ejectionTypeName(event.type));
  absl::StrAppend(&out, ",\"timestamp\":\"", rfc3339(now), "\"");
  if (event.secs_since_last_action.has_value()) {
    // A UInt64Value: a string in proto JSON.
    absl::StrAppend(&out, ",\"secs_since_last_action\":\"", *event.secs_since_last_action, "\"");
  }
  out += ",\"cluster_name\":";
  appendJsonString(out, event.cluster_name);
  out += ",\"upstream_url\":";
  appendJsonString(out, event.upstream_url);
  absl::StrAppend(&out, ",\"action\":\"", event.eject ? "EJECT" : "UNEJECT", "\"");
  absl::StrAppend(&out, ",\"num_ejections\":", event.num_ejections);
  absl::StrAppend(&out, ",\"enforced\":", event.enforced ? "true" : "false");
  if (event.eject) {
    if (isSuccessRate(event.type)) {
      absl::StrAppend(&out, ",\"eject_success_rate_event\":{\"host_success_rate\":",
                      event.host_success_rate, ",\"cluster_average_success_rate\":",
                      static_cast<uint32_t>(event.cluster_average_success_rate),
                      ",\"cluster_success_rate_ejection_threshold\":",
                      static_cast<uint32_t>(event.cluster_success_rate_ejection_threshold), "}");
    } else if (isFailurePercentage(event.type)) {
      absl::StrAppend(&out, ",\"eject_failure_percentage_event\":{\"host_success_rate\":",
                      event.host_success_rate, "}");
    } else {
      out += ",\"eject_consecutive_event\":{}";
    }
  }
  out += "}";
  return out;
}

absl::StatusOr<std::unique_ptr<OutlierEventLog>> OutlierEventLog::open(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cluster_manager.outlier_detection.event_log_path '", path, "': ", std::strerror(errno)));
  }
  return std::unique_ptr<OutlierEventLog>(new OutlierEventLog(file));
}

OutlierEventLog::~OutlierEventLog() { std::fclose(file_); }

void OutlierEventLog::write(const OutlierEvent& event) {
  std::string line = formatOutlierEvent(event, std::chrono::system_clock::now());
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

}  // namespace meshproxy::upstream
