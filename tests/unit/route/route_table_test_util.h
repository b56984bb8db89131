#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "envoy/config/route/v3/route.pb.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/config/yaml_to_json.h"
#include "proxy/core/strings.h"
#include "proxy/http/header_map.h"
#include "proxy/route/route_table.h"

// Helpers for router tests: route configurations written as Envoy YAML, requests as header maps.
namespace meshproxy::route::testing {

inline envoy::config::route::v3::RouteConfiguration routeConfigFromYaml(std::string_view yaml) {
  envoy::config::route::v3::RouteConfiguration proto;
  auto json = config::yamlToJson(yaml);
  EXPECT_TRUE(json.ok()) << json.status();
  if (!json.ok()) return proto;
  auto status = protobuf::jsonToMessage(*json, &proto);
  EXPECT_TRUE(status.ok()) << status;
  return proto;
}

// The table for `yaml`, or nullptr (with a test failure) when it does not build.
inline std::shared_ptr<const RouteTable> buildTable(std::string_view yaml,
                                                    const RouteTableOptions& options = {}) {
  auto table = RouteTable::create(routeConfigFromYaml(yaml), options);
  EXPECT_TRUE(table.ok()) << table.status();
  return table.ok() ? *table : nullptr;
}

// The error message of a configuration that must not build ("" if it builds).
inline std::string createError(std::string_view yaml, const RouteTableOptions& options = {}) {
  auto table = RouteTable::create(routeConfigFromYaml(yaml), options);
  if (table.ok()) return "";
  EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(toStd(table.status().message()));
}

// A GET request as the codec would hand it over.
inline http::HeaderMap request(std::string_view authority, std::string_view path,
                               std::string_view scheme = "http") {
  http::HeaderMap headers;
  headers.add(":method", "GET");
  headers.add(":scheme", scheme);
  headers.add(":authority", authority);
  headers.add(":path", path);
  return headers;
}

// The name of the route `table` picks for the request, "<none>" when none does.
inline std::string routeName(const RouteTable& table, const http::HeaderMap& headers) {
  const Route* route = table.match(headers, 0);
  return route == nullptr ? "<none>" : route->name();
}

}  // namespace meshproxy::route::testing
