// Ephemeral loopback ports for tests (never fixed ports).
#pragma once

namespace meshproxy::testing {

// Binds 127.0.0.1:0, reads the port the kernel chose, closes the socket and returns the port.
// Never returns the same port twice within one process. Returns 0 if no port could be found
// (the current test also fails).
int pickFreePort();

}  // namespace meshproxy::testing
