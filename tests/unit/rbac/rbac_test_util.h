#pragma once

// Builds RBAC engines from YAML and request views from plain values, for the RBAC tests.

#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "envoy/config/rbac/v3/rbac.pb.h"
#include "proxy/config/yaml_to_json.h"
#include "proxy/filters/common/rbac/rbac_engine.h"
#include "proxy/http/header_map.h"
#include "proxy/network/address.h"
#include "proxy/network/ssl_connection_info.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::filters::rbac::testing {

inline absl::StatusOr<std::shared_ptr<const RbacEngine>> engineFromYaml(const std::string& yaml) {
  auto json = config::yamlToJson(yaml);
  if (!json.ok()) return json.status();
  envoy::config::rbac::v3::RBAC proto;
  if (auto s = protobuf::jsonToMessage(*json, &proto); !s.ok()) return s;
  return translateRbac(proto);
}

inline std::shared_ptr<const RbacEngine> mustEngine(const std::string& yaml) {
  auto engine = engineFromYaml(yaml);
  EXPECT_TRUE(engine.ok()) << engine.status() << "\n" << yaml;
  return engine.ok() ? *engine : nullptr;
}

// A peer certificate as the TLS layer reports it.
class FakeSsl : public network::SslConnectionInfo {
 public:
  bool presented = true;
  std::vector<std::string> uri_sans;
  std::vector<std::string> dns_sans;
  std::string subject;

  const std::string& protocol() const override { return empty_; }
  const std::string& cipher() const override { return empty_; }
  const std::string& alpn() const override { return empty_; }
  const std::string& serverName() const override { return empty_; }
  bool sessionReused() const override { return false; }
  bool peerCertificatePresented() const override { return presented; }
  const std::vector<std::string>& peerUriSans() const override { return uri_sans; }
  const std::string& peerUriSan() const override { return uri_sans.empty() ? empty_ : uri_sans[0]; }
  const std::vector<std::string>& peerDnsSans() const override { return dns_sans; }
  const std::string& peerSubject() const override { return subject; }
  const std::string& peerCertSha256() const override { return empty_; }
  std::string urlEncodedPeerCertPem() const override { return ""; }
  std::string urlEncodedPeerChainPem() const override { return ""; }
  const std::vector<std::string>& localUriSans() const override { return no_sans_; }

 private:
  std::string empty_;
  std::vector<std::string> no_sans_;
};

class FakeMetadata : public MetadataSource {
 public:
  std::map<std::string, google::protobuf::Struct, std::less<>> namespaces;
  const google::protobuf::Struct* find(std::string_view ns) const override {
    auto it = namespaces.find(ns);
    return it == namespaces.end() ? nullptr : &it->second;
  }
  // Sets ns from a JSON object.
  void set(const std::string& ns, const std::string& json) {
    EXPECT_TRUE(protobuf::jsonToMessage(json, &namespaces[ns]).ok()) << json;
  }
};

// One request: set what the test needs, then view().
struct Request {
  http::HeaderMap headers;
  bool tcp = false;  // no headers at all (network RBAC)
  network::Address local = *network::Address::parse("10.0.0.1:8080");
  network::Address direct_remote = *network::Address::parse("192.168.1.10:40000");
  std::optional<network::Address> remote;  // x-forwarded-for
  std::string sni;
  std::optional<FakeSsl> ssl;
  FakeMetadata metadata;

  RequestView view() const {
    RequestView v;
    v.headers = tcp ? nullptr : &headers;
    v.local = &local;
    v.direct_remote = &direct_remote;
    v.remote = remote ? &*remote : nullptr;
    v.requested_server_name = sni;
    v.ssl = ssl ? &*ssl : nullptr;
    v.metadata = &metadata;
    return v;
  }
};

// An ALLOW engine with one policy "p" of the given permission and principal (YAML, indented
// as a list item's body).
inline std::string policyYaml(const std::string& permission, const std::string& principal,
                              const std::string& action = "ALLOW") {
  return "action: " + action + "\npolicies:\n  p:\n    permissions:\n    - " + permission +
         "\n    principals:\n    - " + principal + "\n";
}

}  // namespace meshproxy::filters::rbac::testing
