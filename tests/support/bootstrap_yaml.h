// Small builders for the bootstrap YAML integration tests feed to meshproxy.
#pragma once

#include <string>
#include <vector>

namespace meshproxy::testing {

struct TcpProxyBootstrap {
  int listener_port = 0;
  std::vector<int> upstream_ports;  // endpoints of the cluster on 127.0.0.1
  std::string cluster_name = "backend";
  std::string idle_timeout;        // e.g. "1s"; empty: default
  std::string connect_timeout = "1s";
  int buffer_limit_bytes = 0;      // per_connection_buffer_limit_bytes on listener and cluster
  int max_connect_attempts = 0;    // 0: default
  std::string access_log_path;     // empty: none
};

std::string tcpProxyBootstrapYaml(const TcpProxyBootstrap& b);

}  // namespace meshproxy::testing
