#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

namespace meshproxy::upstream {

// Cluster.outlier_detection, translated, with Envoy's defaults. Percentages are 0..100.
struct OutlierDetectionConfig {
  std::chrono::milliseconds interval{10000};
  std::chrono::milliseconds base_ejection_time{30000};
  std::chrono::milliseconds max_ejection_time{300000};
  std::chrono::milliseconds max_ejection_time_jitter{0};
  uint32_t max_ejection_percent = 10;
  bool always_eject_one_host = false;

  uint32_t consecutive_5xx = 5;
  uint32_t enforcing_consecutive_5xx = 100;
  uint32_t consecutive_gateway_failure = 5;
  uint32_t enforcing_consecutive_gateway_failure = 0;
  // Local-origin errors (connect failure, timeout, reset) counted apart from the host's HTTP
  // responses; off: they count as 5xx (503, 504) in every detector.
  bool split_external_local_origin_errors = false;
  uint32_t consecutive_local_origin_failure = 5;
  uint32_t enforcing_consecutive_local_origin_failure = 100;

  uint32_t success_rate_minimum_hosts = 5;
  uint32_t success_rate_request_volume = 100;
  uint32_t success_rate_stdev_factor = 1900;  // divided by 1000
  uint32_t enforcing_success_rate = 100;
  uint32_t enforcing_local_origin_success_rate = 100;

  uint32_t failure_percentage_threshold = 85;
  uint32_t failure_percentage_minimum_hosts = 5;
  uint32_t failure_percentage_request_volume = 50;
  uint32_t enforcing_failure_percentage = 0;
  uint32_t enforcing_failure_percentage_local_origin = 0;
};

using OutlierDetectionConfigSharedPtr = std::shared_ptr<const OutlierDetectionConfig>;

}  // namespace meshproxy::upstream
