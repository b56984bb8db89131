#include "xds/server/admin_endpoints.h"

#include "absl/strings/str_cat.h"
#include "xds/server/nodes_json.h"
#include "xds/server/resources_json.h"

namespace meshproxy::xds_server {
namespace {

admin::AdminResponse jsonResponse(std::string body) {
  admin::AdminResponse r;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

}  // namespace

void registerAdminEndpoints(admin::AdminServer& admin, const AdminContext& context) {
  const AdminContext* c = &context;
  (void)admin.addHandler("/nodes", "GET",
                         "connected (and recently disconnected) nodes and their ACK/NACK state",
                         [c](const admin::AdminRequest&) {
                           return jsonResponse(nodesJson(c->nodes, c->node_certificate));
                         });
  (void)admin.addHandler(
      "/resources", "GET", "the resource set being served, and errors of the latest load",
      [c](const admin::AdminRequest&) { return jsonResponse(resourcesJson(c->load)); });
  (void)admin.addHandler("/ready", "GET", "LIVE once ADS is served from a loaded resource set",
                         [c](const admin::AdminRequest&) {
                           if (!c->serving()) return admin::textResponse(503, "NOT_SERVING\n");
                           if (!c->load.serving) {
                             return admin::textResponse(
                                 503, absl::StrCat("NO_RESOURCES: ", c->load.errors.size(),
                                                   " load error(s), see /resources\n"));
                           }
                           return admin::textResponse(200, "LIVE\n");
                         });
}

}  // namespace meshproxy::xds_server
