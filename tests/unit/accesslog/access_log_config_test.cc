#include "proxy/accesslog/access_log_config.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <string>

#include "envoy/extensions/access_loggers/file/v3/file.pb.h"
#include "envoy/extensions/access_loggers/stream/v3/stream.pb.h"
#include "tests/unit/accesslog/manager_options.h"
#include "tests/unit/accesslog/temp_dir.h"
#include "tests/unit/accesslog/test_headers.h"

namespace meshproxy::accesslog {
namespace {

using envoy::config::accesslog::v3::AccessLog;
using envoy::extensions::access_loggers::file::v3::FileAccessLog;
using envoy::extensions::access_loggers::stream::v3::StderrAccessLog;
using envoy::extensions::access_loggers::stream::v3::StdoutAccessLog;
using testing::flushEvery;
using testing::readFile;
using testing::TempDir;
using testing::TestHeaders;

// Parses an AccessLog from the JSON form an xDS server or a bootstrap file would use.
AccessLog accessLogFromJson(const std::string& json) {
  AccessLog config;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &config);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  return config;
}

std::string fileLogJson(const std::string& path, const std::string& extra) {
  return R"({"name": "envoy.access_loggers.file", "typed_config": {
      "@type": "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog",
      "path": ")" +
         path + "\"" + extra + "}}";
}

class AccessLogConfigTest : public ::testing::Test {
 protected:
  AccessLogConfigTest() {
    info_.start_time = std::chrono::system_clock::time_point(std::chrono::milliseconds(0));
    info_.response_code = 200;
    info_.bytes_sent = 5;
    info_.protocol = "HTTP/1.1";
    info_.request_headers = &headers_;
  }

  // Builds the logger, logs info_ once and returns what reached the file.
  std::string logOnce(const std::string& json) {
    absl::StatusOr<std::shared_ptr<const AccessLogger>> logger =
        createAccessLogger(accessLogFromJson(json), manager_);
    EXPECT_TRUE(logger.ok()) << logger.status();
    if (!logger.ok()) return "<error>";
    (*logger)->log(info_);
    manager_.flushAll();
    return readFile(path_);
  }

  absl::Status error(const std::string& json) {
    return createAccessLogger(accessLogFromJson(json), manager_).status();
  }

  TempDir dir_;
  const std::string path_ = dir_.file("access.log");
  AccessLogManager manager_{flushEvery(std::chrono::hours(1))};
  TestHeaders headers_{{":method", "GET"}, {":path", "/x"}};
  StreamInfo info_;
};

TEST_F(AccessLogConfigTest, FileWithDefaultFormat) {
  EXPECT_EQ(logOnce(fileLogJson(path_, "")),
            "[1970-01-01T00:00:00.000Z] \"GET /x HTTP/1.1\" 200 - 0 5 - - \"-\" \"-\" \"-\" \"-\" "
            "\"-\"\n");
}

TEST_F(AccessLogConfigTest, FileWithTextFormat) {
  EXPECT_EQ(logOnce(fileLogJson(
                path_, R"(, "log_format": {"text_format": "%REQ(:METHOD)% %RESPONSE_CODE%\n"})")),
            "GET 200\n");
}

TEST_F(AccessLogConfigTest, FileWithInlineTextFormatSource) {
  EXPECT_EQ(
      logOnce(fileLogJson(
          path_, R"(, "log_format": {"text_format_source": {"inline_string": "%PROTOCOL%\n"}})")),
      "HTTP/1.1\n");
}

TEST_F(AccessLogConfigTest, FileWithOmitEmptyValues) {
  EXPECT_EQ(logOnce(fileLogJson(path_, R"(, "log_format": {
                "text_format": "[%UPSTREAM_HOST%]\n", "omit_empty_values": true,
                "content_type": "text/plain"})")),
            "[]\n");
}

TEST_F(AccessLogConfigTest, FileWithJsonFormatSortsKeys) {
  EXPECT_EQ(logOnce(fileLogJson(path_, R"(, "log_format": {"json_format": {
                "method": "%REQ(:METHOD)%", "code": "%RESPONSE_CODE%", "host": "%UPSTREAM_HOST%",
                "nested": {"sent": "%BYTES_SENT%", "proto": "%PROTOCOL%"},
                "tags": ["a", 1, true, null]}})")),
            "{\"code\":200,\"host\":null,\"method\":\"GET\","
            "\"nested\":{\"proto\":\"HTTP/1.1\",\"sent\":5},\"tags\":[\"a\",1,true,null]}\n");
}

TEST_F(AccessLogConfigTest, FileWithJsonFormatOmitEmpty) {
  EXPECT_EQ(logOnce(fileLogJson(path_, R"(, "log_format": {"json_format": {
                "code": "%RESPONSE_CODE%", "host": "%UPSTREAM_HOST%"},
                "omit_empty_values": true, "json_format_options": {"sort_properties": true}})")),
            "{\"code\":200}\n");
}

TEST_F(AccessLogConfigTest, DeprecatedFormatField) {
  EXPECT_EQ(logOnce(fileLogJson(path_, R"(, "format": "%RESPONSE_CODE% %REQ(:PATH)%\n")")),
            "200 /x\n");
}

TEST_F(AccessLogConfigTest, DeprecatedJsonFormatIsAllStrings) {
  EXPECT_EQ(
      logOnce(fileLogJson(
          path_, R"(, "json_format": {"code": "%RESPONSE_CODE%", "host": "%UPSTREAM_HOST%"})")),
      "{\"code\":\"200\",\"host\":\"-\"}\n");
}

TEST_F(AccessLogConfigTest, DeprecatedTypedJsonFormat) {
  EXPECT_EQ(logOnce(fileLogJson(path_,
                                R"(, "typed_json_format": {"code": "%RESPONSE_CODE%",
                                   "host": "%UPSTREAM_HOST%"})")),
            "{\"code\":200,\"host\":null}\n");
}

TEST_F(AccessLogConfigTest, TwoLoggersOnOnePathShareASink) {
  auto a = createAccessLogger(accessLogFromJson(fileLogJson(path_, "")), manager_);
  auto b = createAccessLogger(accessLogFromJson(fileLogJson(path_, "")), manager_);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(&(*a)->sink(), &(*b)->sink());
}

TEST_F(AccessLogConfigTest, StdoutAndStderr) {
  auto out = createAccessLogger(accessLogFromJson(R"({"name": "envoy.access_loggers.stdout",
      "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog",
        "log_format": {"text_format": "%RESPONSE_CODE%\n"}}})"),
                                manager_);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)->sink().name(), "stdout");
  std::string line;
  (*out)->format(info_, line);
  EXPECT_EQ(line, "200\n");

  auto err = createAccessLogger(accessLogFromJson(R"({"typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StderrAccessLog"}})"),
                                manager_);
  ASSERT_TRUE(err.ok()) << err.status();
  EXPECT_EQ((*err)->sink().name(), "stderr");
  line.clear();
  (*err)->format(info_, line);
  EXPECT_EQ(line.substr(0, 27), "[1970-01-01T00:00:00.000Z] ");  // the default format
}

TEST_F(AccessLogConfigTest, FileOnDevStdout) {
  auto logger = createAccessLogger(accessLogFromJson(fileLogJson("/dev/stdout", "")), manager_);
  ASSERT_TRUE(logger.ok()) << logger.status();
  EXPECT_EQ((*logger)->sink().name(), "stdout");
}

TEST_F(AccessLogConfigTest, CreateAccessLoggersForRepeatedField) {
  envoy::config::accesslog::v3::AccessLog file = accessLogFromJson(fileLogJson(path_, ""));
  google::protobuf::RepeatedPtrField<AccessLog> configs;
  *configs.Add() = file;
  *configs.Add() = file;
  auto loggers = createAccessLoggers(configs, manager_);
  ASSERT_TRUE(loggers.ok());
  EXPECT_EQ(loggers->size(), 2u);

  configs.Add()->mutable_filter()->mutable_not_health_check_filter();
  EXPECT_FALSE(createAccessLoggers(configs, manager_).ok());
}

TEST_F(AccessLogConfigTest, UnsupportedTypeUrl) {
  const absl::Status status = error(R"({"name": "grpc", "typed_config": {
      "@type": "type.googleapis.com/google.protobuf.Empty"}})");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "unsupported extension 'grpc' (type.googleapis.com/google.protobuf.Empty)");
}

TEST_F(AccessLogConfigTest, FilterIsUnsupported) {
  AccessLog config = accessLogFromJson(fileLogJson(path_, ""));
  config.mutable_filter()
      ->mutable_status_code_filter()
      ->mutable_comparison()
      ->mutable_value()
      ->set_default_value(400);
  const absl::Status status = createAccessLogger(config, manager_).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(std::string(status.message()).starts_with("unsupported: AccessLog.filter")) << status;
}

TEST_F(AccessLogConfigTest, UnsupportedSubstitutionFormatStringFields) {
  absl::Status status = error(fileLogJson(
      path_, R"(, "log_format": {"text_format_source": {"filename": "/etc/format.txt"}})"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(std::string(status.message())
                  .starts_with("unsupported: SubstitutionFormatString.text_format_source.filename"))
      << status;

  status = error(fileLogJson(
      path_, R"(, "log_format": {"text_format_source": {"environment_variable": "FMT"}})"));
  EXPECT_TRUE(std::string(status.message()).starts_with("unsupported: ")) << status;

  status = error(fileLogJson(path_, R"(, "log_format": {"text_format": "%PROTOCOL%",
      "formatters": [{"name": "envoy.formatter.req_without_query",
                      "typed_config": {"@type": "type.googleapis.com/google.protobuf.Empty"}}]})"));
  EXPECT_TRUE(
      std::string(status.message()).starts_with("unsupported: SubstitutionFormatString.formatters"))
      << status;
}

TEST_F(AccessLogConfigTest, BadFormatsAreErrors) {
  absl::Status status =
      error(fileLogJson(path_, R"(, "log_format": {"text_format": "%NOT_AN_OPERATOR%"})"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "unsupported access log command operator: %NOT_AN_OPERATOR% "
            "(access log \"envoy.access_loggers.file\")");
  EXPECT_FALSE(
      error(fileLogJson(path_, R"(, "log_format": {"json_format": {"a": "%NOPE%"}})")).ok());
  EXPECT_FALSE(error(fileLogJson(path_, R"(, "log_format": {})")).ok());  // no format at all
  // A rejected config creates no file.
  EXPECT_EQ(readFile(path_), "");
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST_F(AccessLogConfigTest, MissingPathOrTypedConfig) {
  EXPECT_FALSE(error(fileLogJson("", "")).ok());
  EXPECT_FALSE(error(R"({"name": "envoy.access_loggers.file"})").ok());
  EXPECT_FALSE(error(fileLogJson("/nonexistent-dir/a.log", "")).ok());
}

}  // namespace
}  // namespace meshproxy::accesslog
