#include "proxy/accesslog/log_sink.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "tests/unit/accesslog/temp_dir.h"

namespace meshproxy::accesslog {
namespace {

using testing::readFile;
using testing::TempDir;

TEST(LogSinkTest, CreatesMissingFileAndWritesOnFlush) {
  TempDir dir;
  const std::string path = dir.file("access.log");
  absl::StatusOr<std::shared_ptr<LogSink>> sink = LogSink::openFile(path, {}, nullptr);
  ASSERT_TRUE(sink.ok()) << sink.status();
  (*sink)->write("one\n");
  (*sink)->write("two\n");
  EXPECT_EQ(readFile(path), "");  // buffered, not written by the caller
  (*sink)->flush();
  EXPECT_EQ(readFile(path), "one\ntwo\n");
}

TEST(LogSinkTest, AppendsToExistingFile) {
  TempDir dir;
  const std::string path = dir.file("access.log");
  std::ofstream(path) << "old\n";
  absl::StatusOr<std::shared_ptr<LogSink>> sink = LogSink::openFile(path, {}, nullptr);
  ASSERT_TRUE(sink.ok());
  (*sink)->write("new\n");
  (*sink)->flush();
  EXPECT_EQ(readFile(path), "old\nnew\n");
}

TEST(LogSinkTest, DestructorFlushes) {
  TempDir dir;
  const std::string path = dir.file("access.log");
  {
    absl::StatusOr<std::shared_ptr<LogSink>> sink = LogSink::openFile(path, {}, nullptr);
    ASSERT_TRUE(sink.ok());
    (*sink)->write("last words\n");
  }
  EXPECT_EQ(readFile(path), "last words\n");
}

TEST(LogSinkTest, OpenFailureIsAnError) {
  absl::StatusOr<std::shared_ptr<LogSink>> sink =
      LogSink::openFile("/nonexistent-dir/x/access.log", {}, nullptr);
  EXPECT_EQ(sink.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(LogSinkTest, KicksFlushThreadPastThreshold) {
  TempDir dir;
  auto signal = std::make_shared<FlushSignal>();
  absl::StatusOr<std::shared_ptr<LogSink>> sink =
      LogSink::openFile(dir.file("a.log"), SinkLimits{10, 1024}, signal);
  ASSERT_TRUE(sink.ok());
  (*sink)->write("12345\n");
  // Below the threshold there is no kick, so the wait runs its full time.
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(signal->wait(std::chrono::milliseconds(50)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(45));
  (*sink)->write("67890\n");
  start = std::chrono::steady_clock::now();
  EXPECT_TRUE(signal->wait(std::chrono::seconds(10)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(LogSinkTest, DropsRecordsPastMaxBuffer) {
  TempDir dir;
  const std::string path = dir.file("a.log");
  absl::StatusOr<std::shared_ptr<LogSink>> sink =
      LogSink::openFile(path, SinkLimits{1000, 10}, nullptr);
  ASSERT_TRUE(sink.ok());
  (*sink)->write("123456\n");
  (*sink)->write("123456\n");  // would exceed 10 bytes
  (*sink)->write("123456\n");
  EXPECT_EQ((*sink)->droppedRecords(), 2u);
  (*sink)->flush();
  (*sink)->write("abc\n");  // room again after the flush
  (*sink)->flush();
  EXPECT_EQ(readFile(path), "123456\nabc\n");
}

TEST(LogSinkTest, ReopenAfterRotation) {
  TempDir dir;
  const std::string path = dir.file("access.log");
  absl::StatusOr<std::shared_ptr<LogSink>> sink = LogSink::openFile(path, {}, nullptr);
  ASSERT_TRUE(sink.ok());
  (*sink)->write("before\n");
  ASSERT_EQ(std::rename(path.c_str(), dir.file("access.log.1").c_str()), 0);
  ASSERT_TRUE((*sink)->reopen().ok());
  (*sink)->write("after\n");
  (*sink)->flush();
  // Records buffered before the reopen belong to the rotated file.
  EXPECT_EQ(readFile(dir.file("access.log.1")), "before\n");
  EXPECT_EQ(readFile(path), "after\n");
}

TEST(LogSinkTest, StreamSinkReopenIsNoOp) {
  std::shared_ptr<LogSink> sink = LogSink::forStream(1, "stdout", {}, nullptr);
  EXPECT_TRUE(sink->reopen().ok());
  EXPECT_EQ(sink->name(), "stdout");
}

}  // namespace
}  // namespace meshproxy::accesslog
