#include "tests/e2e/netns.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace meshproxy::testing {
namespace {

CommandResult run(const std::vector<std::string>& argv) {
  return runCommand(argv, absl::Seconds(20));
}

std::string failure(const std::vector<std::string>& argv, const CommandResult& r) {
  std::string line;
  for (const auto& a : argv) absl::StrAppend(&line, line.empty() ? "" : " ", a);
  return absl::StrCat(line, " -> exit ", r.exit_code, ": ", r.stderr_text);
}

}  // namespace

std::string netnsUnavailableReason() {
  if (geteuid() != 0) return "network namespace tests need root";
  std::string probe = absl::StrCat("mp-probe-", getpid());
  auto add = run({"ip", "netns", "add", probe});
  if (!add.ok()) return absl::StrCat("`ip netns add` fails here: ", add.stderr_text);
  run({"ip", "netns", "del", probe});
  return "";
}

std::vector<std::string> inNs(const std::string& ns, std::vector<std::string> argv) {
  std::vector<std::string> out = {"ip", "netns", "exec", ns};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

std::vector<std::string> inNsAsProxyUser(const std::string& ns, std::vector<std::string> argv) {
  std::vector<std::string> out = {"ip",      "netns",        "exec",         ns,
                                  "setpriv", "--reuid=1337", "--regid=1337", "--clear-groups"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

CommandResult shInNs(const std::string& ns, const std::string& script, absl::Duration timeout) {
  return runCommand(inNs(ns, {"bash", "-c", script}), timeout);
}

NetnsLan::NetnsLan() : prefix_(absl::StrCat("mp", getpid() % 100000)) {
  lan_ns_ = prefix_ + "-lan";
  auto step = [this](const std::vector<std::string>& argv) {
    if (!error_.empty()) return;
    auto r = run(argv);
    if (!r.ok()) error_ = failure(argv, r);
  };
  step({"ip", "netns", "add", lan_ns_});
  if (error_.empty()) namespaces_.push_back(lan_ns_);
  step(inNs(lan_ns_, {"ip", "link", "set", "lo", "up"}));
  step(inNs(lan_ns_, {"ip", "link", "add", "br0", "type", "bridge"}));
  step(inNs(lan_ns_, {"ip", "link", "set", "br0", "up"}));
  step(inNs(lan_ns_, {"ip", "addr", "add", lan_ipv4_ + "/24", "dev", "br0"}));
  // IPv6 only where the kernel has it enabled for new namespaces.
  ipv6_ = error_.empty() &&
          run(inNs(lan_ns_, {"ip", "-6", "addr", "add", "fd00:200::fe/64", "dev", "br0", "nodad"}))
              .ok();
}

NetnsLan::~NetnsLan() {
  // Deleting a namespace takes its veth ends and everything inside with it.
  for (auto it = namespaces_.rbegin(); it != namespaces_.rend(); ++it) {
    run({"ip", "netns", "del", *it});
  }
}

Pod NetnsLan::addPod(const std::string& label, int host) {
  Pod pod;
  pod.ns = absl::StrCat(prefix_, "-", label);
  pod.ipv4 = absl::StrCat("10.200.0.", host);
  std::string veth = absl::StrCat("v", prefix_.substr(2), "-", host);  // <= 15 chars
  auto step = [this](const std::vector<std::string>& argv) {
    if (!error_.empty()) return;
    auto r = run(argv);
    if (!r.ok()) error_ = failure(argv, r);
  };
  step({"ip", "netns", "add", pod.ns});
  if (error_.empty()) namespaces_.push_back(pod.ns);
  step(inNs(pod.ns, {"ip", "link", "set", "lo", "up"}));
  // The pair is made inside the LAN namespace; one end then moves into the pod as eth0.
  step(inNs(lan_ns_,
            {"ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", pod.ns}));
  step(inNs(lan_ns_, {"ip", "link", "set", veth, "master", "br0", "up"}));
  step(inNs(pod.ns, {"ip", "addr", "add", pod.ipv4 + "/24", "dev", "eth0"}));
  step(inNs(pod.ns, {"ip", "link", "set", "eth0", "up"}));
  if (ipv6_ && error_.empty()) {
    pod.ipv6 = absl::StrCat("fd00:200::", host);
    step(inNs(pod.ns, {"ip", "-6", "addr", "add", pod.ipv6 + "/64", "dev", "eth0", "nodad"}));
  }
  return pod;
}

}  // namespace meshproxy::testing
