#pragma once

#include <cstdint>

namespace meshproxy::network {

// The overload manager's global downstream connection limit
// (envoy.resource_monitors.downstream_connections, max_active_downstream_connections): every
// connection accepted by a listener without ignore_global_conn_limit takes a slot until it is
// destroyed; at the limit, a new one is closed at accept. No limit until one is set.
void setGlobalConnectionLimit(uint64_t max_connections);
// Takes a slot; false (and nothing taken) at the limit.
bool tryAcquireGlobalConnection();
void releaseGlobalConnection();
// Connections holding a slot now, and the limit (UINT64_MAX when none): the monitor's pressure.
uint64_t globalConnectionCount();
uint64_t globalConnectionLimit();

}  // namespace meshproxy::network
