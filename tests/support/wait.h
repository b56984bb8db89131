// Bounded waits for tests: every wait has a timeout.
#pragma once

#include <functional>
#include <string>

#include "absl/time/time.h"

namespace meshproxy::testing {

// Calls condition() until it returns true (then returns true) or timeout passes (then returns
// false). The condition is checked at once, every `poll`, and a last time at the deadline.
bool waitUntil(const std::function<bool()>& condition, absl::Duration timeout,
               absl::Duration poll = absl::Milliseconds(20));

// True once a TCP connection to host:port succeeds (the probe connection is closed again).
// Note that the probe is a real connection the server will see.
bool waitForTcpPort(const std::string& host, int port, absl::Duration timeout);

}  // namespace meshproxy::testing
