// mesh-control's admin pages: /nodes, /resources, /ready.
#pragma once

#include <functional>

#include "proxy/admin/admin_server.h"
#include "xds/server/load_state.h"
#include "xds/server/node_registry.h"

namespace meshproxy::xds_server {

struct AdminContext {
  const LoadState& load;  // main-thread state, read on the admin (main) thread
  const NodeRegistry& nodes;
  std::function<bool()> serving;  // the ADS server is up and not shutting down
  // The certificate the CA issued to a node id, as JSON ("null" if none yet, "" without a CA).
  std::function<std::string(const std::string&)> node_certificate;
};

// `context` must outlive the admin server.
void registerAdminEndpoints(admin::AdminServer& admin, const AdminContext& context);

}  // namespace meshproxy::xds_server
