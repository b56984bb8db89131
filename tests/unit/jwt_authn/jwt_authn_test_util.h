#pragma once

// JwtAuthentication configs from YAML, for the jwt_authn config and verifier tests.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "envoy/extensions/filters/http/jwt_authn/v3/config.pb.h"
#include "proxy/config/yaml_to_json.h"
#include "proxy/filters/http/jwt_authn/jwt_authn_config.h"
#include "proxy/protobuf/proto_util.h"
#include "tests/support/temp_dir.h"

namespace meshproxy::jwt_test {

inline absl::StatusOr<std::shared_ptr<const filters::jwt_authn::JwtAuthnConfig>> configFromYaml(
    const std::string& yaml) {
  auto json = config::yamlToJson(yaml);
  if (!json.ok()) return json.status();
  envoy::extensions::filters::http::jwt_authn::v3::JwtAuthentication proto;
  if (auto s = protobuf::jsonToMessage(*json, &proto); !s.ok()) return s;
  return filters::jwt_authn::translateJwtAuthentication(proto);
}

inline std::shared_ptr<const filters::jwt_authn::JwtAuthnConfig> mustConfig(
    const std::string& yaml) {
  auto config = configFromYaml(yaml);
  EXPECT_TRUE(config.ok()) << config.status() << "\n" << yaml;
  return config.ok() ? *config : nullptr;
}

}  // namespace meshproxy::jwt_test
