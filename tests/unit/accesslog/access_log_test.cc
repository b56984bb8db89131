#include "proxy/accesslog/access_log.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "proxy/accesslog/access_log_manager.h"
#include "tests/unit/accesslog/manager_options.h"
#include "tests/unit/accesslog/temp_dir.h"
#include "tests/unit/accesslog/test_headers.h"
#include "tests/unit/accesslog/test_upstream_host.h"

namespace meshproxy::accesslog {
namespace {

using testing::flushEvery;
using testing::readFile;
using testing::TempDir;
using testing::TestHeaders;

TEST(AccessLoggerTest, TwoThreadsLogWholeLinesInOrder) {
  TempDir dir;
  const std::string path = dir.file("access.log");
  // A long interval and a small threshold: flushes come from the threshold kick and from
  // flushAll(), racing with the writers.
  AccessLogManager manager(flushEvery(std::chrono::hours(1), 4096));
  absl::StatusOr<std::shared_ptr<LogSink>> sink = manager.fileSink(path);
  ASSERT_TRUE(sink.ok());
  absl::StatusOr<Formatter> formatter =
      Formatter::create("%REQ(X-THREAD)% %BYTES_SENT% %UPSTREAM_CLUSTER%\n");
  ASSERT_TRUE(formatter.ok());
  const AccessLogger logger(*formatter, *sink);

  constexpr int kLinesPerThread = 5000;
  auto run = [&](std::string name) {
    TestHeaders headers{{"x-thread", name}};
    StreamInfo info;
    info.request_headers = &headers;
    info.upstream_cluster = "cluster-with-a-longer-name-to-make-lines-bigger";
    for (int i = 0; i < kLinesPerThread; ++i) {
      info.bytes_sent = static_cast<uint64_t>(i);
      logger.log(info);
    }
  };
  std::thread a(run, "a");
  std::thread b(run, "b");
  a.join();
  b.join();
  manager.flushAll();

  const std::string content = readFile(path);
  ASSERT_FALSE(content.empty());
  ASSERT_EQ(content.back(), '\n');
  std::vector<std::string> lines = absl::StrSplit(content.substr(0, content.size() - 1), '\n');
  ASSERT_EQ(lines.size(), 2u * kLinesPerThread);
  int next_a = 0;
  int next_b = 0;
  for (const std::string& line : lines) {
    std::vector<std::string> fields = absl::StrSplit(line, ' ');
    ASSERT_EQ(fields.size(), 3u) << line;
    EXPECT_EQ(fields[2], "cluster-with-a-longer-name-to-make-lines-bigger");
    int& next = fields[0] == "a" ? next_a : next_b;
    ASSERT_TRUE(fields[0] == "a" || fields[0] == "b") << line;
    // Each thread's records arrive whole and in the order it logged them.
    EXPECT_EQ(fields[1], std::to_string(next)) << line;
    ++next;
  }
  EXPECT_EQ(next_a, kLinesPerThread);
  EXPECT_EQ(next_b, kLinesPerThread);
  EXPECT_EQ((*sink)->droppedRecords(), 0u);
}

TEST(AccessLoggerTest, JsonLogger) {
  TempDir dir;
  const std::string path = dir.file("access.json");
  AccessLogManager manager;
  absl::StatusOr<std::shared_ptr<LogSink>> sink = manager.fileSink(path);
  ASSERT_TRUE(sink.ok());
  absl::StatusOr<JsonFormatter> formatter = JsonFormatter::create(
      JsonTemplate::object({{"code", JsonTemplate::string("%RESPONSE_CODE%")},
                            {"host", JsonTemplate::string("%UPSTREAM_HOST%")}}));
  ASSERT_TRUE(formatter.ok());
  const AccessLogger logger(*formatter, *sink);
  StreamInfo info;
  info.response_code = 204;
  logger.log(info);
  TestUpstreamHost upstream_host("10.0.0.1:80");
  info.upstream_host = &upstream_host;
  logger.log(info);
  manager.flushAll();
  EXPECT_EQ(readFile(path),
            "{\"code\":204,\"host\":null}\n{\"code\":204,\"host\":\"10.0.0.1:80\"}\n");
}

}  // namespace
}  // namespace meshproxy::accesslog
