#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "proxy/config/yaml_to_json.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::test {

// A config message written as Envoy YAML (a test failure when it does not parse).
template <typename T>
T protoFromYaml(std::string_view yaml) {
  T proto;
  auto json = config::yamlToJson(yaml);
  EXPECT_TRUE(json.ok()) << json.status();
  if (!json.ok()) return proto;
  auto status = protobuf::jsonToMessage(*json, &proto);
  EXPECT_TRUE(status.ok()) << status;
  return proto;
}

}  // namespace meshproxy::test
