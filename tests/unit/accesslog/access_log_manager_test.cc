#include "proxy/accesslog/access_log_manager.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/unit/accesslog/manager_options.h"
#include "tests/unit/accesslog/temp_dir.h"

namespace meshproxy::accesslog {
namespace {

using std::chrono::milliseconds;
using testing::flushEvery;
using testing::readFile;
using testing::TempDir;

// Polls `done` for up to 5 s, the bound every waiting test here uses.
template <typename Predicate>
bool eventually(Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return done();
}

TEST(AccessLogManagerTest, SharesSinksByPath) {
  TempDir dir;
  AccessLogManager manager;
  auto a = manager.fileSink(dir.file("a.log"));
  auto again = manager.fileSink(dir.file("a.log"));
  auto b = manager.fileSink(dir.file("b.log"));
  ASSERT_TRUE(a.ok() && again.ok() && b.ok());
  EXPECT_EQ(a->get(), again->get());
  EXPECT_NE(a->get(), b->get());
  EXPECT_EQ(manager.sinkCount(), 2u);
}

TEST(AccessLogManagerTest, DevStdoutAndStderrAreTheStreamSinks) {
  AccessLogManager manager;
  auto out = manager.fileSink("/dev/stdout");
  auto err = manager.fileSink("/dev/stderr");
  ASSERT_TRUE(out.ok() && err.ok());
  EXPECT_EQ(out->get(), manager.stdoutSink().get());
  EXPECT_EQ(err->get(), manager.stderrSink().get());
  EXPECT_NE(out->get(), err->get());
  EXPECT_EQ((*out)->name(), "stdout");
}

TEST(AccessLogManagerTest, FlushThreadWritesOnInterval) {
  TempDir dir;
  const std::string path = dir.file("a.log");
  AccessLogManager manager(flushEvery(milliseconds(20)));
  auto sink = manager.fileSink(path);
  ASSERT_TRUE(sink.ok());
  (*sink)->write("tick\n");
  EXPECT_TRUE(eventually([&] { return readFile(path) == "tick\n"; }));
}

TEST(AccessLogManagerTest, FlushThreadWritesPastThresholdBeforeInterval) {
  TempDir dir;
  const std::string path = dir.file("a.log");
  AccessLogManager manager(flushEvery(std::chrono::hours(1), 8));
  auto sink = manager.fileSink(path);
  ASSERT_TRUE(sink.ok());
  (*sink)->write("0123456789\n");
  EXPECT_TRUE(eventually([&] { return readFile(path) == "0123456789\n"; }));
}

TEST(AccessLogManagerTest, ClosesSinksNobodyUses) {
  TempDir dir;
  const std::string path = dir.file("a.log");
  AccessLogManager manager(flushEvery(milliseconds(10)));
  {
    auto sink = manager.fileSink(path);
    ASSERT_TRUE(sink.ok());
    (*sink)->write("bye\n");
  }
  EXPECT_TRUE(eventually([&] { return manager.sinkCount() == 0; }));
  EXPECT_EQ(readFile(path), "bye\n");
}

TEST(AccessLogManagerTest, ShutdownFlushes) {
  TempDir dir;
  const std::string path = dir.file("a.log");
  std::shared_ptr<LogSink> sink;
  {
    AccessLogManager manager(flushEvery(std::chrono::hours(1)));
    auto opened = manager.fileSink(path);
    ASSERT_TRUE(opened.ok());
    sink = *opened;
    sink->write("one\n");
  }
  EXPECT_EQ(readFile(path), "one\n");
  // A sink that outlives its manager still works; it flushes when destroyed.
  sink->write("two\n");
  sink.reset();
  EXPECT_EQ(readFile(path), "one\ntwo\n");
}

TEST(AccessLogManagerTest, ReopenAll) {
  TempDir dir;
  const std::string path = dir.file("a.log");
  AccessLogManager manager(flushEvery(std::chrono::hours(1)));
  auto sink = manager.fileSink(path);
  ASSERT_TRUE(sink.ok());
  manager.stdoutSink();  // stream sinks take part and do nothing
  (*sink)->write("old\n");
  ASSERT_EQ(std::rename(path.c_str(), dir.file("a.log.1").c_str()), 0);
  EXPECT_TRUE(manager.reopenAll().ok());
  (*sink)->write("new\n");
  manager.flushAll();
  EXPECT_EQ(readFile(dir.file("a.log.1")), "old\n");
  EXPECT_EQ(readFile(path), "new\n");
}

TEST(AccessLogManagerTest, OpenErrorNamesThePath) {
  AccessLogManager manager;
  auto sink = manager.fileSink("/nonexistent-dir/a.log");
  ASSERT_FALSE(sink.ok());
  EXPECT_NE(std::string(sink.status().message()).find("/nonexistent-dir/a.log"), std::string::npos);
}

TEST(AccessLogManagerTest, GlobalIsOneInstance) {
  EXPECT_EQ(&AccessLogManager::global(), &AccessLogManager::global());
}

}  // namespace
}  // namespace meshproxy::accesslog
