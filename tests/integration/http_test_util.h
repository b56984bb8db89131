// Shared pieces of the HTTP integration tests.
#pragma once

#include <memory>
#include <string>

#include "tests/support/bootstrap_yaml.h"
#include "tests/support/http_client.h"
#include "tests/support/meshproxy_process.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"

namespace meshproxy::testing {

// meshproxy with one HTTP listener on a picked port.
struct HttpProxy {
  int port = pickFreePort();
  std::unique_ptr<MeshproxyProcess> process;

  explicit HttpProxy(HttpBootstrap b, MeshproxyOptions options = {.concurrency = 1}) {
    b.listener_port = port;
    process = std::make_unique<MeshproxyProcess>(httpBootstrapYaml(b), options);
  }
  MeshproxyProcess* operator->() { return process.get(); }
  bool ready() const { return process->ready(); }

  HttpResponse get(std::string_view path, const HeaderList& headers = {},
                   absl::Duration timeout = absl::Seconds(5)) const {
    return httpRequest("127.0.0.1", port, "GET", path, headers, "", timeout);
  }
  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port) + std::string(path);
  }
};

// curl with a bounded run time; returns the result.
inline CommandResult curl(std::vector<std::string> args, absl::Duration timeout = absl::Seconds(30)) {
  args.insert(args.begin(), {"curl", "-sS", "--max-time", "25"});
  return runCommand(args, timeout);
}

// The value of a JSON string field in mesh-test-server's description ("server": "v1").
inline std::string jsonField(const std::string& body, const std::string& name) {
  std::string key = "\"" + name + "\": \"";
  size_t p = body.find(key);
  if (p == std::string::npos) return "";
  p += key.size();
  size_t e = body.find('"', p);
  return body.substr(p, e - p);
}

inline int64_t jsonNumber(const std::string& body, const std::string& name) {
  std::string key = "\"" + name + "\": ";
  size_t p = body.find(key);
  if (p == std::string::npos) return -1;
  return std::stoll(body.substr(p + key.size()));
}

}  // namespace meshproxy::testing
