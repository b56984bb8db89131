#include "proxy/accesslog/log_sink.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "proxy/core/thread_shard.h"
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

// Workers (threads with a shard, lock-free lanes) and other threads (the shared lane) write at
// once while a flusher drains: every line arrives exactly once, whole, and each thread's lines
// keep their order.
TEST(LogSinkTest, LinesFromManyThreadsAllArriveWholeAndInOrderPerThread) {
  TempDir dir;
  const std::string path = dir.file("a.log");
  absl::StatusOr<std::shared_ptr<LogSink>> opened =
      LogSink::openFile(path, SinkLimits{4096, 256 * 1024 * 1024}, nullptr);
  ASSERT_TRUE(opened.ok());
  LogSink& sink = **opened;
  constexpr int kWorkers = 4;
  constexpr int kOthers = 2;
  constexpr int kThreads = kWorkers + kOthers;
  constexpr int kLines = 20000;

  std::atomic<bool> writing{true};
  std::thread flusher([&] {
    while (writing.load()) {
      sink.flush();
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&sink, t] {
      std::optional<ThreadShardClaim> claim;
      if (t < kWorkers) claim.emplace();
      for (int i = 0; i < kLines; ++i) {
        // Lengths vary so lines straddle every block boundary.
        sink.write(fmt::format("t{} {} {}\n", t, i,
                               std::string(static_cast<size_t>((i * 7 + t) % 300), 'x')));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  writing = false;
  flusher.join();
  sink.flush();
  EXPECT_EQ(sink.droppedRecords(), 0u);

  std::istringstream in(readFile(path));
  std::vector<int> next(kThreads, 0);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    int t = -1;
    int i = -1;
    char padding[512] = {0};
    ASSERT_GE(std::sscanf(line.c_str(), "t%d %d %511s", &t, &i, padding), 2) << line;
    ASSERT_TRUE(t >= 0 && t < kThreads) << line;
    ASSERT_EQ(i, next[t]) << "thread " << t << " out of order or line lost: " << line;
    ASSERT_EQ(std::string(padding), std::string(static_cast<size_t>((i * 7 + t) % 300), 'x'))
        << "torn line: " << line;
    ++next[t];
  }
  EXPECT_EQ(lines, kThreads * kLines);
}

TEST(LogSinkTest, WorkerLaneKicksFlushThreadPastThreshold) {
  TempDir dir;
  auto signal = std::make_shared<FlushSignal>();
  absl::StatusOr<std::shared_ptr<LogSink>> sink =
      LogSink::openFile(dir.file("a.log"), SinkLimits{10, 1024}, signal);
  ASSERT_TRUE(sink.ok());
  std::thread([&] {
    ThreadShardClaim claim;
    (*sink)->write("12345\n");
  }).join();
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(signal->wait(std::chrono::milliseconds(50)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(45));
  std::thread([&] {
    ThreadShardClaim claim;  // the same shard again: the lane's producer carries on
    (*sink)->write("67890\n");
  }).join();
  start = std::chrono::steady_clock::now();
  EXPECT_TRUE(signal->wait(std::chrono::seconds(10)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  (*sink)->flush();
  EXPECT_EQ(readFile(dir.file("a.log")), "12345\n67890\n");
}

// The limit is per sink: two writer threads share it.
TEST(LogSinkTest, BufferLimitIsSharedByWriterThreads) {
  TempDir dir;
  const std::string path = dir.file("a.log");
  absl::StatusOr<std::shared_ptr<LogSink>> sink =
      LogSink::openFile(path, SinkLimits{1000, 20}, nullptr);
  ASSERT_TRUE(sink.ok());
  (*sink)->write("123456\n");  // shared lane: 7 of 20 bytes
  std::thread([&] {
    ThreadShardClaim claim;
    (*sink)->write("123456\n");  // a second lane: each may now hold 10
    (*sink)->write("123456\n");  // dropped
  }).join();
  (*sink)->write("123456\n");  // dropped
  EXPECT_EQ((*sink)->droppedRecords(), 2u);
  (*sink)->flush();
  EXPECT_EQ(readFile(path), "123456\n123456\n");
}

TEST(LogSinkTest, DestructorWritesLanesOfExitedWorkers) {
  TempDir dir;
  const std::string path = dir.file("a.log");
  {
    absl::StatusOr<std::shared_ptr<LogSink>> sink = LogSink::openFile(path, {}, nullptr);
    ASSERT_TRUE(sink.ok());
    std::thread([&] {
      ThreadShardClaim claim;
      (*sink)->write("from a worker\n");
    }).join();
  }
  EXPECT_EQ(readFile(path), "from a worker\n");
}

}  // namespace
}  // namespace meshproxy::accesslog
