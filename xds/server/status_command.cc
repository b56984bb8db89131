#include "xds/server/status_command.h"

#include <cstdio>
#include <string>

#include "xds/server/admin_client.h"
#include "xds/server/status_table.h"

namespace meshproxy::xds_server {

int runStatusCommand(const Options& options) {
  auto response = httpGet(options.admin, "/nodes");
  if (!response.ok()) {
    std::fprintf(stderr, "mesh-control status: %s (is mesh-control running with --admin %s?)\n",
                 std::string(response.status().message()).c_str(), options.admin.c_str());
    return 1;
  }
  if (response->status != 200) {
    std::fprintf(stderr, "mesh-control status: GET /nodes on %s answered %d\n",
                 options.admin.c_str(), response->status);
    return 1;
  }
  auto table = formatStatusTable(response->body);
  if (!table.ok()) {
    std::fprintf(stderr, "mesh-control status: %s\n",
                 std::string(table.status().message()).c_str());
    return 1;
  }
  std::fputs(table->c_str(), stdout);
  return 0;
}

}  // namespace meshproxy::xds_server
