#include "proxy/core/timer.h"

#include <gtest/gtest.h>
#include <uv.h>

#include <chrono>
#include <memory>

namespace meshproxy {
namespace {

using std::chrono::milliseconds;

// A private loop per test; uv_run(DEFAULT) returns once no referenced handle is active, so a
// disarmed timer must not keep it running.
class TimerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(uv_loop_init(&loop_), 0); }
  void TearDown() override {
    Timer::releasePool(&loop_);
    for (int i = 0; i < 16 && uv_loop_alive(&loop_) != 0; ++i) uv_run(&loop_, UV_RUN_NOWAIT);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }
  uint64_t now() {
    uv_update_time(&loop_);
    return uv_now(&loop_);
  }
  uv_loop_t loop_;
};

TEST_F(TimerTest, ReEnablingLaterFiresOnceAtTheNewDeadline) {
  int fired = 0;
  uint64_t fired_at = 0;
  Timer t(&loop_, [&] {
    ++fired;
    fired_at = now();
  });
  const uint64_t start = now();
  t.enable(milliseconds(20));
  // Lazily re-armed: the handle stays due at +20 ms and must not fire the callback then.
  t.enable(milliseconds(80));
  EXPECT_TRUE(t.enabled());
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(fired, 1);
  EXPECT_GE(fired_at - start, 80u);
  EXPECT_FALSE(t.enabled());
}

TEST_F(TimerTest, ReEnablingSoonerFiresAtTheSoonerDeadline) {
  int fired = 0;
  uint64_t fired_at = 0;
  Timer t(&loop_, [&] {
    ++fired;
    fired_at = now();
  });
  const uint64_t start = now();
  t.enable(milliseconds(5000));
  t.enable(milliseconds(10));
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(fired, 1);
  EXPECT_LT(fired_at - start, 2000u);
}

TEST_F(TimerTest, DisabledTimerNeverFiresAndKeepsNoLoopAlive) {
  int fired = 0;
  Timer t(&loop_, [&] { ++fired; });
  t.enable(milliseconds(10000));
  t.disable();
  EXPECT_FALSE(t.enabled());
  const uint64_t start = now();
  uv_run(&loop_, UV_RUN_DEFAULT);  // returns at once: the running handle is unreferenced
  EXPECT_LT(now() - start, 1000u);
  EXPECT_EQ(fired, 0);
}

TEST_F(TimerTest, RecycledHandleStillRunningServesTheNextTimer) {
  int first = 0, second = 0;
  auto t1 = std::make_unique<Timer>(&loop_, [&] { ++first; });
  t1->enable(milliseconds(30));
  t1.reset();  // its handle goes back to the pool, still due at +30 ms
  Timer t2(&loop_, [&] { ++second; });
  uv_run(&loop_, UV_RUN_DEFAULT);  // nothing armed: the stale handle keeps nothing alive
  EXPECT_EQ(first, 0);
  EXPECT_EQ(second, 0);
  const uint64_t start = now();
  t2.enable(milliseconds(60));
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(first, 0);
  EXPECT_EQ(second, 1);
  EXPECT_GE(now() - start, 60u);
}

TEST_F(TimerTest, DestroyedInsideItsOwnCallback) {
  int fired = 0;
  std::unique_ptr<Timer> t;
  t = std::make_unique<Timer>(&loop_, [&] {
    ++fired;
    t.reset();
  });
  t->enable(milliseconds(1));
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(t, nullptr);
}

TEST_F(TimerTest, RepeatingFiresUntilDisabled) {
  int fired = 0;
  std::unique_ptr<Timer> t;
  t = std::make_unique<Timer>(&loop_, [&] {
    if (++fired == 3) t->disable();
  });
  t->enableRepeating(milliseconds(5));
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(fired, 3);
  // A one-shot enable after repeating replaces it.
  t->enable(milliseconds(5));
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(fired, 4);
}

}  // namespace
}  // namespace meshproxy
