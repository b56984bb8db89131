#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "proxy/upstream/outlier_detector.h"

namespace meshproxy::upstream {

// One JSON object per line, as Envoy writes cluster_manager.outlier_detection.event_log_path
// (envoy.data.cluster.v3.OutlierDetectionEvent in proto JSON):
//   {"type":"CONSECUTIVE_5XX","timestamp":"2026-12-03T16:30:00.123Z",
//    "secs_since_last_action":"12","cluster_name":"backend","upstream_url":"10.0.0.1:80",
//    "action":"EJECT","num_ejections":1,"enforced":true,"eject_consecutive_event":{}}
std::string formatOutlierEvent(const OutlierEvent& event,
                               std::chrono::system_clock::time_point now);

// The event log file, appended to and flushed per event (events are rare). Main thread.
class OutlierEventLog {
 public:
  static absl::StatusOr<std::unique_ptr<OutlierEventLog>> open(const std::string& path);
  ~OutlierEventLog();
  void write(const OutlierEvent& event);

 private:
  explicit OutlierEventLog(std::FILE* file) : file_(file) {}
  std::FILE* file_;
};

}  // namespace meshproxy::upstream
