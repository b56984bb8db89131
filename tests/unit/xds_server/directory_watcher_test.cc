// The directory watcher on a real libuv loop and a real directory (bounded waits).
#include "xds/server/directory_watcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <uv.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "tests/support/temp_dir.h"

namespace meshproxy::xds_server {
namespace {

using meshproxy::testing::TempDir;
using ::testing::Contains;

class DirectoryWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override { uv_loop_init(&loop_); }
  void TearDown() override {
    watcher_.reset();
    for (int i = 0; i < 16 && uv_loop_alive(&loop_); ++i) uv_run(&loop_, UV_RUN_NOWAIT);
    uv_loop_close(&loop_);
  }

  void start() {
    watcher_ = std::make_unique<DirectoryWatcher>(
        &loop_, dir_.path(), [this] { ++changes_; }, std::chrono::milliseconds(50),
        std::chrono::milliseconds(300));
    watcher_->start();
  }

  // Runs the loop until `done` or 3 s pass.
  bool runUntil(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (std::chrono::steady_clock::now() < deadline) {
      uv_run(&loop_, UV_RUN_NOWAIT);
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return done();
  }

  // Runs the loop for a while, for "nothing more happens" checks.
  void runFor(std::chrono::milliseconds time) {
    auto deadline = std::chrono::steady_clock::now() + time;
    while (std::chrono::steady_clock::now() < deadline) {
      uv_run(&loop_, UV_RUN_NOWAIT);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  uv_loop_t loop_;
  TempDir dir_;
  std::unique_ptr<DirectoryWatcher> watcher_;
  int changes_ = 0;
};

TEST_F(DirectoryWatcherTest, WatchesTheLayoutAndNewNodeDirectories) {
  dir_.writeFile("all/a.yaml", "");
  dir_.makeSubdir("nodes/n1");
  start();
  EXPECT_EQ(watcher_->watchedPaths(),
            (std::vector<std::string>{dir_.path(), dir_.filePath("all"), dir_.filePath("nodes"),
                                      dir_.filePath("nodes/n1")}));

  dir_.makeSubdir("nodes/n2");
  ASSERT_TRUE(runUntil([&] { return changes_ == 1; }));
  EXPECT_THAT(watcher_->watchedPaths(), Contains(dir_.filePath("nodes/n2")));

  dir_.writeFile("nodes/n2/x.yaml", "");
  ASSERT_TRUE(runUntil([&] { return changes_ == 2; }));
}

TEST_F(DirectoryWatcherTest, ABurstOfChangesIsOneCallback) {
  start();
  for (int i = 0; i < 5; ++i) dir_.writeFile("all/f" + std::to_string(i) + ".yaml", "x");
  ASSERT_TRUE(runUntil([&] { return changes_ >= 1; }));
  runFor(std::chrono::milliseconds(200));
  EXPECT_EQ(changes_, 1);
}

TEST_F(DirectoryWatcherTest, AReplacedDirectoryIsWatchedAgain) {
  dir_.makeSubdir("all");
  start();
  std::filesystem::remove_all(dir_.filePath("all"));
  dir_.makeSubdir("all");
  ASSERT_TRUE(runUntil([&] { return changes_ >= 1; }));
  runFor(std::chrono::milliseconds(100));
  int before = changes_;
  dir_.writeFile("all/new.yaml", "x");
  EXPECT_TRUE(runUntil([&] { return changes_ > before; }));
}

}  // namespace
}  // namespace meshproxy::xds_server
