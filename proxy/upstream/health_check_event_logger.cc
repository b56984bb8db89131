#include "proxy/upstream/health_check_event_logger.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "envoy/data/core/v3/health_check_event.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "proxy/core/log.h"

namespace meshproxy::upstream {

namespace {
namespace data = envoy::data::core::v3;

data::HealthCheckerType checkerType(HealthCheckConfig::Kind kind) {
  switch (kind) {
    case HealthCheckConfig::Kind::kHttp:
      return data::HTTP;
    case HealthCheckConfig::Kind::kTcp:
      return data::TCP;
    case HealthCheckConfig::Kind::kGrpc:
      return data::GRPC;
  }
  return data::HTTP;
}

data::HealthCheckFailureType failureType(HealthCheckFailureType type) {
  switch (type) {
    case HealthCheckFailureType::kActive:
      return data::ACTIVE;
    case HealthCheckFailureType::kPassive:
      return data::PASSIVE;
    case HealthCheckFailureType::kNetwork:
      return data::NETWORK;
    case HealthCheckFailureType::kNetworkTimeout:
      return data::NETWORK_TIMEOUT;
  }
  return data::ACTIVE;
}
}  // namespace

std::unique_ptr<HealthCheckEventLogger> HealthCheckEventLogger::create(
    const std::vector<std::string>& paths, HealthCheckConfig::Kind kind, std::string cluster_name) {
  if (paths.empty()) return nullptr;
  std::vector<int> fds;
  for (const auto& path : paths) {
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      log::warn("cluster {}: health check event log {}: {}", cluster_name, path,
                std::strerror(errno));
      continue;
    }
    fds.push_back(fd);
  }
  return std::unique_ptr<HealthCheckEventLogger>(
      new HealthCheckEventLogger(std::move(fds), kind, std::move(cluster_name)));
}

HealthCheckEventLogger::HealthCheckEventLogger(std::vector<int> fds, HealthCheckConfig::Kind kind,
                                               std::string cluster_name)
    : fds_(std::move(fds)), kind_(kind), cluster_name_(std::move(cluster_name)) {}

HealthCheckEventLogger::~HealthCheckEventLogger() {
  for (int fd : fds_) ::close(fd);
}

data::HealthCheckEvent HealthCheckEventLogger::baseEvent(const Host& host) const {
  data::HealthCheckEvent event;
  event.set_health_checker_type(checkerType(kind_));
  auto* sa = event.mutable_host()->mutable_socket_address();
  sa->set_address(host.address().ip());
  sa->set_port_value(host.address().port());
  event.set_cluster_name(cluster_name_);
  *event.mutable_timestamp() = google::protobuf::util::TimeUtil::GetCurrentTime();
  const Locality& locality = host.locality();
  if (!locality.region.empty() || !locality.zone.empty() || !locality.sub_zone.empty()) {
    event.mutable_locality()->set_region(locality.region);
    event.mutable_locality()->set_zone(locality.zone);
    event.mutable_locality()->set_sub_zone(locality.sub_zone);
  }
  return event;
}

void HealthCheckEventLogger::logEjectUnhealthy(const Host& host, HealthCheckFailureType type) {
  auto event = baseEvent(host);
  event.mutable_eject_unhealthy_event()->set_failure_type(failureType(type));
  write(event);
}

void HealthCheckEventLogger::logAddHealthy(const Host& host, bool first_check) {
  auto event = baseEvent(host);
  event.mutable_add_healthy_event()->set_first_check(first_check);
  write(event);
}

void HealthCheckEventLogger::logUnhealthy(const Host& host, HealthCheckFailureType type,
                                          bool first_check) {
  auto event = baseEvent(host);
  auto* failure = event.mutable_health_check_failure_event();
  failure->set_failure_type(failureType(type));
  failure->set_first_check(first_check);
  write(event);
}

void HealthCheckEventLogger::logSuccessful(const Host& host) {
  auto event = baseEvent(host);
  event.mutable_successful_health_check_event();
  write(event);
}

std::string HealthCheckEventLogger::toJson(const data::HealthCheckEvent& event) {
  // Envoy's sink prints primitive fields at their defaults too ("health_checker_type":"HTTP").
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(event, &out, options).ok()) return "{}";
  return out;
}

void HealthCheckEventLogger::write(const data::HealthCheckEvent& event) {
  std::string line = toJson(event) + "\n";
  for (int fd : fds_) {
    // O_APPEND and one write per line: lines from several checkers sharing a file stay whole.
    if (::write(fd, line.data(), line.size()) < 0) {
      log::warn("cluster {}: health check event log write failed: {}", cluster_name_,
                std::strerror(errno));
    }
  }
}

}  // namespace meshproxy::upstream
