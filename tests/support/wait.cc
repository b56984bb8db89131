#include "tests/support/wait.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "tests/support/tcp_client.h"

namespace meshproxy::testing {

bool waitUntil(const std::function<bool()>& condition, absl::Duration timeout,
               absl::Duration poll) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (condition()) return true;
    const absl::Time now = absl::Now();
    if (now >= deadline) return false;
    absl::SleepFor(std::min(poll, deadline - now));
    if (absl::Now() >= deadline) return condition();
  }
}

bool waitForTcpPort(const std::string& host, int port, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  return waitUntil(
      [&] {
        absl::Duration left = std::max(deadline - absl::Now(), absl::Milliseconds(50));
        TcpClient client;
        return client.connect(host, port, std::min(left, absl::Seconds(1)));
      },
      timeout, absl::Milliseconds(20));
}

}  // namespace meshproxy::testing
