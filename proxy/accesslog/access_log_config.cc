#include "proxy/accesslog/access_log_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <utility>

#include "envoy/extensions/access_loggers/file/v3/file.pb.h"
#include "envoy/extensions/access_loggers/stream/v3/stream.pb.h"
#include "proxy/protobuf/typed_config.h"

namespace meshproxy::accesslog {
namespace {

using envoy::config::core::v3::DataSource;
using envoy::config::core::v3::SubstitutionFormatString;
using envoy::extensions::access_loggers::file::v3::FileAccessLog;
using envoy::extensions::access_loggers::stream::v3::StderrAccessLog;
using envoy::extensions::access_loggers::stream::v3::StdoutAccessLog;

absl::Status unsupported(std::string_view what) {
  return absl::InvalidArgumentError(fmt::format("unsupported: {}", what));
}

absl::StatusOr<JsonTemplate> templateFromValue(const google::protobuf::Value& value) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kNullValue:
      return JsonTemplate::null();
    case google::protobuf::Value::kNumberValue:
      return JsonTemplate::number(value.number_value());
    case google::protobuf::Value::kStringValue:
      return JsonTemplate::string(value.string_value());
    case google::protobuf::Value::kBoolValue:
      return JsonTemplate::boolean(value.bool_value());
    case google::protobuf::Value::kStructValue:
      return jsonTemplateFromStruct(value.struct_value());
    case google::protobuf::Value::kListValue: {
      std::vector<JsonTemplate> items;
      for (const google::protobuf::Value& item : value.list_value().values()) {
        absl::StatusOr<JsonTemplate> t = templateFromValue(item);
        if (!t.ok()) return t.status();
        items.push_back(*std::move(t));
      }
      return JsonTemplate::list(std::move(items));
    }
    case google::protobuf::Value::KIND_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError("json_format holds a value with no kind set");
}

absl::StatusOr<LineFormatter> textFormatter(std::string_view format, FormatOptions options) {
  absl::StatusOr<Formatter> formatter = Formatter::create(format, options);
  if (!formatter.ok()) return formatter.status();
  return LineFormatter(*std::move(formatter));
}

absl::StatusOr<LineFormatter> jsonFormatter(const google::protobuf::Struct& format,
                                            JsonFormatOptions options) {
  absl::StatusOr<JsonTemplate> root = jsonTemplateFromStruct(format);
  if (!root.ok()) return root.status();
  absl::StatusOr<JsonFormatter> formatter = JsonFormatter::create(*root, options);
  if (!formatter.ok()) return formatter.status();
  return LineFormatter(*std::move(formatter));
}

absl::StatusOr<std::string> inlineFormatSource(const DataSource& source) {
  switch (source.specifier_case()) {
    case DataSource::kInlineString:
      return source.inline_string();
    case DataSource::kInlineBytes:
      return source.inline_bytes();
    case DataSource::kFilename:
      return unsupported("SubstitutionFormatString.text_format_source.filename");
    case DataSource::kEnvironmentVariable:
      return unsupported("SubstitutionFormatString.text_format_source.environment_variable");
    case DataSource::SPECIFIER_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError("SubstitutionFormatString.text_format_source is empty");
}

// The file logger's format: log_format, one of the deprecated v2-era fields, or the default.
absl::StatusOr<LineFormatter> fileFormatter(const FileAccessLog& config) {
// The deprecated fields are still sent by older control planes; reading them is the point.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  switch (config.access_log_format_case()) {
    case FileAccessLog::kLogFormat:
      return createLineFormatter(config.log_format());
    case FileAccessLog::kFormat:
      // Envoy treats an empty legacy format as "use the default".
      return textFormatter(config.format().empty() ? kEnvoyDefaultFormat : config.format(), {});
    case FileAccessLog::kJsonFormat:
      // Legacy json_format renders every value as a string.
      return jsonFormatter(config.json_format(), {.typed = false, .omit_empty_values = false});
    case FileAccessLog::kTypedJsonFormat:
      return jsonFormatter(config.typed_json_format(), {.typed = true, .omit_empty_values = false});
    case FileAccessLog::ACCESS_LOG_FORMAT_NOT_SET:
      break;
  }
#pragma GCC diagnostic pop
  return LineFormatter(Formatter::envoyDefault());
}

// StdoutAccessLog and StderrAccessLog are the same message under two names.
template <typename StreamAccessLog>
absl::StatusOr<LineFormatter> streamFormatter(const google::protobuf::Any& any) {
  StreamAccessLog config;
  if (!any.UnpackTo(&config)) {
    return absl::InvalidArgumentError(
        fmt::format("cannot parse {}", StreamAccessLog::descriptor()->full_name()));
  }
  if (!config.has_log_format()) return LineFormatter(Formatter::envoyDefault());
  return createLineFormatter(config.log_format());
}

absl::Status withContext(const absl::Status& status, std::string_view name) {
  if (name.empty()) return status;
  const std::string_view message(status.message().data(), status.message().size());
  return absl::Status(status.code(), fmt::format("{} (access log \"{}\")", message, name));
}

}  // namespace

absl::StatusOr<JsonTemplate> jsonTemplateFromStruct(const google::protobuf::Struct& format) {
  std::vector<std::pair<std::string, JsonTemplate>> fields;
  fields.reserve(format.fields().size());
  for (const auto& [key, value] : format.fields()) {
    absl::StatusOr<JsonTemplate> t = templateFromValue(value);
    if (!t.ok()) return t.status();
    fields.emplace_back(key, *std::move(t));
  }
  std::sort(fields.begin(), fields.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return JsonTemplate::object(std::move(fields));
}

absl::StatusOr<LineFormatter> createLineFormatter(const SubstitutionFormatString& config) {
  if (config.formatters_size() > 0) return unsupported("SubstitutionFormatString.formatters");
  const FormatOptions text_options{.omit_empty_values = config.omit_empty_values()};
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  switch (config.format_case()) {
    case SubstitutionFormatString::kTextFormat:
      return textFormatter(config.text_format(), text_options);
    case SubstitutionFormatString::kJsonFormat:
      return jsonFormatter(config.json_format(),
                           {.typed = true, .omit_empty_values = config.omit_empty_values()});
    case SubstitutionFormatString::kTextFormatSource: {
      if (config.text_format_source().has_watched_directory()) {
        return unsupported("SubstitutionFormatString.text_format_source.watched_directory");
      }
      absl::StatusOr<std::string> format = inlineFormatSource(config.text_format_source());
      if (!format.ok()) return format.status();
      return textFormatter(*format, text_options);
    }
    case SubstitutionFormatString::FORMAT_NOT_SET:
      break;
  }
#pragma GCC diagnostic pop
  return absl::InvalidArgumentError(
      "SubstitutionFormatString sets none of text_format, json_format, text_format_source");
}

absl::StatusOr<std::shared_ptr<const AccessLogger>> createAccessLogger(
    const envoy::config::accesslog::v3::AccessLog& config, AccessLogManager& manager) {
  if (config.has_filter()) return withContext(unsupported("AccessLog.filter"), config.name());
  if (!config.has_typed_config()) {
    return withContext(absl::InvalidArgumentError("AccessLog has no typed_config"), config.name());
  }
  const google::protobuf::Any& any = config.typed_config();

  absl::StatusOr<LineFormatter> formatter;
  absl::StatusOr<std::shared_ptr<LogSink>> sink;
  if (any.Is<FileAccessLog>()) {
    FileAccessLog file;
    if (!any.UnpackTo(&file)) {
      return withContext(absl::InvalidArgumentError("cannot parse FileAccessLog"), config.name());
    }
    if (file.path().empty()) {
      return withContext(absl::InvalidArgumentError("FileAccessLog.path is empty"), config.name());
    }
    formatter = fileFormatter(file);
    // Open the file only once the format is known to be good: a NACKed config leaves no file.
    if (formatter.ok()) sink = manager.fileSink(file.path());
  } else if (any.Is<StdoutAccessLog>()) {
    formatter = streamFormatter<StdoutAccessLog>(any);
    if (formatter.ok()) sink = manager.stdoutSink();
  } else if (any.Is<StderrAccessLog>()) {
    formatter = streamFormatter<StderrAccessLog>(any);
    if (formatter.ok()) sink = manager.stderrSink();
  } else {
    return protobuf::unsupportedExtension(config.name(), any);
  }

  if (!formatter.ok()) return withContext(formatter.status(), config.name());
  if (!sink.ok()) return withContext(sink.status(), config.name());
  return std::make_shared<const AccessLogger>(*std::move(formatter), *std::move(sink));
}

absl::StatusOr<std::vector<std::shared_ptr<const AccessLogger>>> createAccessLoggers(
    const google::protobuf::RepeatedPtrField<envoy::config::accesslog::v3::AccessLog>& configs,
    AccessLogManager& manager) {
  std::vector<std::shared_ptr<const AccessLogger>> loggers;
  loggers.reserve(configs.size());
  for (const auto& config : configs) {
    absl::StatusOr<std::shared_ptr<const AccessLogger>> logger =
        createAccessLogger(config, manager);
    if (!logger.ok()) return logger.status();
    loggers.push_back(*std::move(logger));
  }
  return loggers;
}

}  // namespace meshproxy::accesslog
