#pragma once

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "envoy/config/accesslog/v3/accesslog.pb.h"
#include "envoy/config/core/v3/substitution_format_string.pb.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "google/protobuf/struct.pb.h"
#include "proxy/accesslog/access_log.h"
#include "proxy/accesslog/access_log_manager.h"
#include "proxy/accesslog/json_formatter.h"

namespace meshproxy::accesslog {

// Translates Envoy's envoy.config.accesslog.v3.AccessLog into a ready logger, on the main
// thread at config time. Supported typed_config types:
//   envoy.extensions.access_loggers.file.v3.FileAccessLog
//       path; log_format, or the deprecated format / json_format / typed_json_format
//   envoy.extensions.access_loggers.stream.v3.StdoutAccessLog / StderrAccessLog
//       log_format
// No format means Envoy's default text format. Anything else, and any field we would silently
// ignore (AccessLog.filter, SubstitutionFormatString.formatters, text_format_source from a file
// or an environment variable), is an InvalidArgument error starting "unsupported: ", so the
// config is NACKed instead of logging something other than what was asked.
absl::StatusOr<std::shared_ptr<const AccessLogger>> createAccessLogger(
    const envoy::config::accesslog::v3::AccessLog& config,
    AccessLogManager& manager = AccessLogManager::global());

// The repeated `access_log` field of TcpProxy / HttpConnectionManager.
absl::StatusOr<std::vector<std::shared_ptr<const AccessLogger>>> createAccessLoggers(
    const google::protobuf::RepeatedPtrField<envoy::config::accesslog::v3::AccessLog>& configs,
    AccessLogManager& manager = AccessLogManager::global());

// SubstitutionFormatString -> formatter; also what a local reply body format will use.
// content_type is accepted and left to the caller (it only matters for local replies);
// json_format_options is accepted because keys are always sorted.
absl::StatusOr<LineFormatter> createLineFormatter(
    const envoy::config::core::v3::SubstitutionFormatString& config);

// A json_format Struct as a JsonTemplate, keys sorted (a Struct is a map with no order).
absl::StatusOr<JsonTemplate> jsonTemplateFromStruct(const google::protobuf::Struct& format);

}  // namespace meshproxy::accesslog
