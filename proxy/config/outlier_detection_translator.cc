#include "proxy/config/outlier_detection_translator.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "envoy/config/cluster/v3/outlier_detection.pb.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::config {

using envoy::config::cluster::v3::OutlierDetection;

const protobuf::SupportedFields& outlierDetectionSupportedFields() {
  // Not implemented, refused by name: successful_active_health_check_uneject_host (needs
  // active health checks), monitors (extension monitors).
  static const protobuf::SupportedFields fields = {
      {"envoy.config.cluster.v3.Cluster", {"outlier_detection"}},
      {"envoy.config.cluster.v3.OutlierDetection",
       {"consecutive_5xx",
        "interval",
        "base_ejection_time",
        "max_ejection_percent",
        "enforcing_consecutive_5xx",
        "enforcing_success_rate",
        "success_rate_minimum_hosts",
        "success_rate_request_volume",
        "success_rate_stdev_factor",
        "consecutive_gateway_failure",
        "enforcing_consecutive_gateway_failure",
        "split_external_local_origin_errors",
        "consecutive_local_origin_failure",
        "enforcing_consecutive_local_origin_failure",
        "enforcing_local_origin_success_rate",
        "failure_percentage_threshold",
        "enforcing_failure_percentage",
        "enforcing_failure_percentage_local_origin",
        "failure_percentage_minimum_hosts",
        "failure_percentage_request_volume",
        "max_ejection_time",
        "max_ejection_time_jitter",
        "always_eject_one_host"}},
  };
  return fields;
}

const protobuf::SupportedFields& outlierEventLogBootstrapFields() {
  static const protobuf::SupportedFields fields = {
      {"envoy.config.bootstrap.v3.Bootstrap", {"cluster_manager"}},
      {"envoy.config.bootstrap.v3.ClusterManager", {"outlier_detection"}},
      {"envoy.config.bootstrap.v3.ClusterManager.OutlierDetection", {"event_log_path"}},
  };
  return fields;
}

namespace {

absl::Status percent(const google::protobuf::UInt32Value& value, bool has, const char* name,
                     uint32_t& out) {
  if (!has) return absl::OkStatus();
  if (value.value() > 100) {
    return absl::InvalidArgumentError(
        absl::StrCat("outlier_detection.", name, " must be at most 100"));
  }
  out = value.value();
  return absl::OkStatus();
}

absl::Status positiveDuration(const google::protobuf::Duration& d, bool has, const char* name,
                              std::chrono::milliseconds& out, bool allow_zero = false) {
  if (!has) return absl::OkStatus();
  auto ms = protobuf::durationField(d, std::string("outlier_detection.") + name);
  if (!ms.ok()) return ms.status();
  if (ms->count() < 0 || (!allow_zero && ms->count() == 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("outlier_detection.", name, allow_zero ? " must be >= 0" : " must be > 0"));
  }
  out = *ms;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<upstream::OutlierDetectionConfigSharedPtr> translateOutlierDetection(
    const OutlierDetection& p) {
  auto c = std::make_shared<upstream::OutlierDetectionConfig>();
#define MESH_COUNT(field) \
  if (p.has_##field()) c->field = p.field().value();
#define MESH_PERCENT(field) \
  if (auto s = percent(p.field(), p.has_##field(), #field, c->field); !s.ok()) return s;
  MESH_COUNT(consecutive_5xx)
  MESH_COUNT(consecutive_gateway_failure)
  MESH_COUNT(consecutive_local_origin_failure)
  MESH_COUNT(success_rate_minimum_hosts)
  MESH_COUNT(success_rate_request_volume)
  MESH_COUNT(success_rate_stdev_factor)
  MESH_COUNT(failure_percentage_minimum_hosts)
  MESH_COUNT(failure_percentage_request_volume)
  MESH_PERCENT(max_ejection_percent)
  MESH_PERCENT(enforcing_consecutive_5xx)
  MESH_PERCENT(enforcing_consecutive_gateway_failure)
  MESH_PERCENT(enforcing_consecutive_local_origin_failure)
  MESH_PERCENT(enforcing_success_rate)
  MESH_PERCENT(enforcing_local_origin_success_rate)
  MESH_PERCENT(failure_percentage_threshold)
  MESH_PERCENT(enforcing_failure_percentage)
  MESH_PERCENT(enforcing_failure_percentage_local_origin)
#undef MESH_COUNT
#undef MESH_PERCENT
  if (auto s = positiveDuration(p.interval(), p.has_interval(), "interval", c->interval); !s.ok())
    return s;
  if (auto s = positiveDuration(p.base_ejection_time(), p.has_base_ejection_time(),
                                "base_ejection_time", c->base_ejection_time);
      !s.ok())
    return s;
  if (auto s = positiveDuration(p.max_ejection_time(), p.has_max_ejection_time(),
                                "max_ejection_time", c->max_ejection_time);
      !s.ok())
    return s;
  if (auto s = positiveDuration(p.max_ejection_time_jitter(), p.has_max_ejection_time_jitter(),
                                "max_ejection_time_jitter", c->max_ejection_time_jitter,
                                /*allow_zero=*/true);
      !s.ok())
    return s;
  // Envoy: max_ejection_time below base_ejection_time is a config error.
  if (p.has_max_ejection_time() && c->max_ejection_time < c->base_ejection_time) {
    return absl::InvalidArgumentError(
        "outlier_detection.max_ejection_time must be >= base_ejection_time");
  }
  c->split_external_local_origin_errors = p.split_external_local_origin_errors();
  c->always_eject_one_host = p.has_always_eject_one_host() && p.always_eject_one_host().value();
  return upstream::OutlierDetectionConfigSharedPtr(std::move(c));
}

}  // namespace meshproxy::config
