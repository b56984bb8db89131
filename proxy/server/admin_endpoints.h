#pragma once

#include "proxy/admin/admin_server.h"

namespace meshproxy::server {

class Server;

// Registers Envoy's admin endpoints (/ready, /stats, /stats/prometheus, /config_dump,
// /listeners, /clusters, /certs, /server_info, POST /drain_listeners, POST /quitquitquit).
void registerAdminEndpoints(admin::AdminServer& admin, Server& server);

}  // namespace meshproxy::server
