#include "proxy/server/runtime_admin.h"

#include <algorithm>

#include "proxy/core/log.h"

namespace meshproxy::server {

void registerRuntimeEndpoints(admin::AdminServer& admin, runtime::Loader& loader) {
  runtime::Loader* l = &loader;
  (void)admin.addHandler("/runtime", "GET", "print runtime values",
                         [l](const admin::AdminRequest&) {
                           admin::AdminResponse r;
                           r.content_type = "application/json";
                           r.body = l->snapshot()->toJson();
                           return r;
                         });
  (void)admin.addHandler(
      "/runtime_modify", "POST", "modify runtime values (?key1=value1&key2=value2)",
      [l](const admin::AdminRequest& req) {
        if (req.query_params.empty()) {
          return admin::textResponse(400,
                                     "usage: /runtime_modify?key1=value1&key2=value2&keyN=valueN\n"
                                     "use an empty value to remove a previously added override");
        }
        std::vector<std::pair<std::string, std::string>> values(req.query_params.begin(),
                                                                req.query_params.end());
        std::sort(values.begin(), values.end());
        if (auto s = l->mergeAdminValues(values); !s.ok()) {
          return admin::textResponse(503, std::string(s.message()));
        }
        for (const auto& [key, value] : values) {
          log::info("runtime: admin layer {} {}{}", value.empty() ? "removed" : "set", key,
                    value.empty() ? "" : " = " + value);
        }
        return admin::textResponse(200, "OK\n");
      });
}

}  // namespace meshproxy::server
