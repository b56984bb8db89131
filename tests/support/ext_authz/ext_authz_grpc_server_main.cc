// mesh-ext-authz-grpc-server: an envoy.service.auth.v3.Authorization server (grpc++) for the
// ext_authz integration tests. It listens on 127.0.0.1 (port 0 picks one) and prints
// "PORT <n>" once serving. It decides by the request's x-authz header:
//   "deny"  -> PERMISSION_DENIED with denied_response 403, body "denied by grpc authz" and
//              header x-deny-reason: policy;
//   "slow"  -> waits 2 s, then allows (for the timeout tests);
//   other   -> OK, and echoes what it saw back into upstream headers: x-authz-principal
//              (source principal), x-authz-dest-principal, x-authz-method, x-authz-path,
//              x-authz-context (context_extensions as k=v,...), x-authz-body; it removes
//              x-remove-me, adds x-authz-response: yes to the client's response and returns
//              dynamic metadata {"checked_by": "grpc"}.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "envoy/service/auth/v3/external_auth.grpc.pb.h"

namespace {

namespace auth = envoy::service::auth::v3;

void addHeader(google::protobuf::RepeatedPtrField<envoy::config::core::v3::HeaderValueOption>* to,
               const std::string& key, const std::string& value) {
  auto* option = to->Add();
  option->mutable_header()->set_key(key);
  option->mutable_header()->set_value(value);
}

class AuthorizationService final : public auth::Authorization::Service {
  grpc::Status Check(grpc::ServerContext*, const auth::CheckRequest* request,
                     auth::CheckResponse* response) override {
    const auto& attributes = request->attributes();
    const auto& http = attributes.request().http();
    auto it = http.headers().find("x-authz");
    const std::string decision = it == http.headers().end() ? "" : it->second;
    if (decision == "deny") {
      response->mutable_status()->set_code(grpc::StatusCode::PERMISSION_DENIED);
      auto* denied = response->mutable_denied_response();
      denied->mutable_status()->set_code(envoy::type::v3::Forbidden);
      denied->set_body("denied by grpc authz");
      addHeader(denied->mutable_headers(), "x-deny-reason", "policy");
      return grpc::Status::OK;
    }
    if (decision == "slow") std::this_thread::sleep_for(std::chrono::seconds(2));
    response->mutable_status()->set_code(grpc::StatusCode::OK);
    auto* ok = response->mutable_ok_response();
    addHeader(ok->mutable_headers(), "x-authz-principal", attributes.source().principal());
    addHeader(ok->mutable_headers(), "x-authz-dest-principal",
              attributes.destination().principal());
    addHeader(ok->mutable_headers(), "x-authz-method", http.method());
    addHeader(ok->mutable_headers(), "x-authz-path", http.path());
    std::string context;
    for (const auto& [k, v] : attributes.context_extensions()) {
      if (!context.empty()) context += ",";
      context += k + "=" + v;
    }
    addHeader(ok->mutable_headers(), "x-authz-context", context);
    addHeader(ok->mutable_headers(), "x-authz-body", http.body());
    ok->add_headers_to_remove("x-remove-me");
    addHeader(ok->mutable_response_headers_to_add(), "x-authz-response", "yes");
    (*response->mutable_dynamic_metadata()->mutable_fields())["checked_by"].set_string_value(
        "grpc");
    return grpc::Status::OK;
  }
};

}  // namespace

int main(int argc, char** argv) {
  const std::string port = argc > 1 ? argv[1] : "0";
  AuthorizationService service;
  grpc::ServerBuilder builder;
  int selected = 0;
  builder.AddListeningPort("127.0.0.1:" + port, grpc::InsecureServerCredentials(), &selected);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || selected == 0) {
    std::fprintf(stderr, "cannot listen on 127.0.0.1:%s\n", port.c_str());
    return 1;
  }
  std::printf("PORT %d\n", selected);
  std::fflush(stdout);
  server->Wait();
  return 0;
}
