#pragma once

#include "absl/status/statusor.h"
#include "proxy/protobuf/supported_fields.h"
#include "proxy/upstream/outlier_detection_config.h"

namespace envoy::config::cluster::v3 {
class OutlierDetection;
}

namespace meshproxy::config {

// Cluster.outlier_detection -> its immutable runtime form (Envoy's defaults for fields not
// set). Errors name the field.
absl::StatusOr<upstream::OutlierDetectionConfigSharedPtr> translateOutlierDetection(
    const envoy::config::cluster::v3::OutlierDetection& proto);

// The Cluster.outlier_detection fields meshproxy implements (merged into the cluster's table).
const protobuf::SupportedFields& outlierDetectionSupportedFields();
// Bootstrap cluster_manager.outlier_detection.event_log_path (merged into the bootstrap's).
const protobuf::SupportedFields& outlierEventLogBootstrapFields();

}  // namespace meshproxy::config
