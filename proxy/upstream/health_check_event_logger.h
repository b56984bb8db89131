#pragma once

#include <memory>
#include <string>
#include <vector>

#include "proxy/upstream/health_check_config.h"
#include "proxy/upstream/health_check_state.h"
#include "proxy/upstream/host.h"

namespace envoy::data::core::v3 {
class HealthCheckEvent;
}

namespace meshproxy::upstream {

// Health check events as Envoy's file sink writes them: one envoy.data.core.v3
// .HealthCheckEvent per line, as JSON with proto field names, appended to each configured
// file (event_log_path, event_logger HealthCheckEventFileSink). Main thread; events are rare
// (transitions, and failures with always_log_health_check_failures).
class HealthCheckEventLogger {
 public:
  // Null when `paths` is empty. A file that cannot be opened is logged and skipped.
  static std::unique_ptr<HealthCheckEventLogger> create(const std::vector<std::string>& paths,
                                                        HealthCheckConfig::Kind kind,
                                                        std::string cluster_name);
  ~HealthCheckEventLogger();

  void logEjectUnhealthy(const Host& host, HealthCheckFailureType type);
  void logAddHealthy(const Host& host, bool first_check);
  void logUnhealthy(const Host& host, HealthCheckFailureType type, bool first_check);
  void logSuccessful(const Host& host);

  // The JSON line (without the newline) for an event; public for tests.
  static std::string toJson(const envoy::data::core::v3::HealthCheckEvent& event);

 private:
  HealthCheckEventLogger(std::vector<int> fds, HealthCheckConfig::Kind kind,
                         std::string cluster_name);
  envoy::data::core::v3::HealthCheckEvent baseEvent(const Host& host) const;
  void write(const envoy::data::core::v3::HealthCheckEvent& event);

  std::vector<int> fds_;
  const HealthCheckConfig::Kind kind_;
  const std::string cluster_name_;
};

}  // namespace meshproxy::upstream
