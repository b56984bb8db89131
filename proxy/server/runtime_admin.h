#pragma once

#include "proxy/admin/admin_server.h"
#include "proxy/runtime/loader.h"

namespace meshproxy::server {

// Envoy's GET /runtime (every layer's values, JSON) and POST /runtime_modify?k=v&k2= (set or,
// with an empty value, remove keys in the admin layer).
void registerRuntimeEndpoints(admin::AdminServer& admin, runtime::Loader& loader);

}  // namespace meshproxy::server
