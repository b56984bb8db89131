#pragma once

#include "envoy/config/bootstrap/v3/bootstrap.pb.h"
#include "proxy/admin/config_dump.h"
#include "proxy/server/resource_stores.h"

namespace meshproxy::xds {
class XdsManager;
}
namespace meshproxy::tls {
class SecretManager;
}

namespace meshproxy::server {

// What /config_dump shows, read from the stores: static and dynamic resources in each state
// (active, warming, draining), with the versions xDS accepted. The result borrows from the
// stores and `bootstrap`; render it (admin::renderConfigDump) before anything changes.
// The shape lives in admin/, which knows no stores; this is the only code that reads them for it.
admin::ConfigDumpSections configDumpSections(
    const ResourceStores& stores, const envoy::config::bootstrap::v3::Bootstrap& bootstrap,
    const xds::XdsManager* xds, const tls::SecretManager* secrets);

}  // namespace meshproxy::server
