// Pods as network namespaces for the end-to-end tests: a small LAN (a bridge in its own
// namespace) with one namespace per pod, addresses that exist only inside them
// (10.200.0.0/24, fd00:200::/64), and commands run inside with `ip netns exec`.
// Everything is named after the test's PID and removed by the destructor.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tests/support/process.h"

namespace meshproxy::testing {

// Why network namespaces cannot be used here ("" when they can): not root, or `ip netns add`
// fails (e.g. in an unprivileged container).
std::string netnsUnavailableReason();

struct Pod {
  std::string ns;    // namespace name
  std::string ipv4;  // 10.200.0.N
  std::string ipv6;  // fd00:200::N, empty when IPv6 is unavailable
};

class NetnsLan {
 public:
  NetnsLan();  // creates the LAN namespace with its bridge (10.200.0.254, fd00:200::fe)
  ~NetnsLan();
  NetnsLan(const NetnsLan&) = delete;
  NetnsLan& operator=(const NetnsLan&) = delete;

  // A new namespace joined to the LAN with address number `host` (1..250).
  Pod addPod(const std::string& label, int host);
  const std::string& lanNs() const { return lan_ns_; }
  const std::string& lanIpv4() const { return lan_ipv4_; }
  bool ipv6() const { return ipv6_; }
  // Set by the constructor when something failed (tests then fail with it).
  const std::string& error() const { return error_; }

 private:
  std::string prefix_;
  std::string lan_ns_;
  std::string lan_ipv4_ = "10.200.0.254";
  bool ipv6_ = false;
  std::string error_;
  std::vector<std::string> namespaces_;
};

// argv prefixed with `ip netns exec <ns>`.
std::vector<std::string> inNs(const std::string& ns, std::vector<std::string> argv);
// argv run as uid/gid 1337 (the proxy's user), inside `ns`.
std::vector<std::string> inNsAsProxyUser(const std::string& ns, std::vector<std::string> argv);
// Runs a shell command line inside `ns` (bounded); returns the result.
CommandResult shInNs(const std::string& ns, const std::string& script,
                     absl::Duration timeout = absl::Seconds(20));

}  // namespace meshproxy::testing
