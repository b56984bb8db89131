#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "envoy/config/bootstrap/v3/bootstrap.pb.h"
#include "proxy/network/address.h"
#include "proxy/protobuf/supported_fields.h"
#include "proxy/stats/statsd_format.h"

namespace meshproxy::config {

// One stats_sinks entry meshproxy implements: envoy.stat_sinks.statsd or
// envoy.stat_sinks.dog_statsd over UDP.
struct StatsdSinkConfig {
  std::string name;
  network::Address address;  // UDP destination
  stats::StatsdFormat format;
  // Lines packed per datagram up to this size; 0: one line per datagram (Envoy's statsd).
  size_t max_bytes_per_datagram = 0;
};

// bootstrap.stats_sinks and stats_flush_interval.
struct StatsSinkSettings {
  std::vector<StatsdSinkConfig> sinks;
  // How often the main thread flushes to the sinks (Envoy's default 5 s).
  std::chrono::milliseconds flush_interval{5000};
};

absl::StatusOr<StatsSinkSettings> translateStatsSinks(
    const envoy::config::bootstrap::v3::Bootstrap& bootstrap);

const protobuf::SupportedFields& statsSinksSupportedFields();

}  // namespace meshproxy::config
