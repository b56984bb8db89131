#include "proxy/accesslog/dynamic_metadata.h"

#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>

#include "proxy/accesslog/formatter.h"
#include "proxy/accesslog/json_formatter.h"
#include "proxy/accesslog/stream_info.h"

namespace meshproxy::accesslog {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

Value stringValue(std::string s) {
  Value v;
  v.set_string_value(std::move(s));
  return v;
}

Value numberValue(double d) {
  Value v;
  v.set_number_value(d);
  return v;
}

// JWT claims as jwt_authn would hand them to RBAC and the access log.
StreamInfo withClaims() {
  StreamInfo info;
  Struct claims;
  (*claims.mutable_fields())["sub"] = stringValue("alice");
  (*claims.mutable_fields())["exp"] = numberValue(1700000000);
  Struct address;
  (*address.mutable_fields())["country"] = stringValue("NL");
  *(*claims.mutable_fields())["address"].mutable_struct_value() = address;
  info.dynamic_metadata.merge("envoy.filters.http.jwt_authn", claims);
  return info;
}

std::string formatText(std::string_view format, const StreamInfo& info) {
  auto formatter = Formatter::create(format);
  EXPECT_TRUE(formatter.ok()) << formatter.status();
  std::string out;
  if (formatter.ok()) formatter->format(info, out);
  return out;
}

TEST(DynamicMetadataTest, EmptyUntilSetAndMergesTopLevelKeys) {
  DynamicMetadata metadata;
  EXPECT_TRUE(metadata.empty());
  EXPECT_EQ(metadata.get("ns"), nullptr);
  Struct first;
  (*first.mutable_fields())["a"] = stringValue("1");
  (*first.mutable_fields())["b"] = stringValue("2");
  metadata.merge("ns", first);
  Struct second;
  (*second.mutable_fields())["b"] = stringValue("two");
  metadata.merge("ns", second);
  ASSERT_NE(metadata.get("ns"), nullptr);
  EXPECT_EQ(metadata.get("ns")->fields().at("a").string_value(), "1");
  EXPECT_EQ(metadata.get("ns")->fields().at("b").string_value(), "two");
  DynamicMetadata copy = metadata;
  EXPECT_EQ(copy.find({"ns", "b"})->string_value(), "two");
}

TEST(DynamicMetadataTest, FindWalksNestedStructs) {
  StreamInfo info = withClaims();
  const auto& m = info.dynamic_metadata;
  EXPECT_EQ(m.find({"envoy.filters.http.jwt_authn", "address", "country"})->string_value(), "NL");
  EXPECT_EQ(m.find({"envoy.filters.http.jwt_authn", "address", "city"}), nullptr);
  EXPECT_EQ(m.find({"envoy.filters.http.jwt_authn", "sub", "deeper"}), nullptr);
  EXPECT_EQ(m.find({"other", "sub"}), nullptr);
}

TEST(DynamicMetadataTest, TextAccessLog) {
  StreamInfo info = withClaims();
  EXPECT_EQ(formatText("%DYNAMIC_METADATA(envoy.filters.http.jwt_authn:sub)%", info), "alice");
  EXPECT_EQ(formatText("%DYNAMIC_METADATA(envoy.filters.http.jwt_authn:exp)%", info), "1700000000");
  EXPECT_EQ(formatText("%DYNAMIC_METADATA(envoy.filters.http.jwt_authn:address)%", info),
            "{\"country\":\"NL\"}");
  EXPECT_EQ(formatText("%DYNAMIC_METADATA(envoy.filters.http.jwt_authn:address:country)%", info),
            "NL");
  EXPECT_EQ(formatText("%DYNAMIC_METADATA(envoy.filters.http.jwt_authn:sub):3%", info), "ali");
  EXPECT_EQ(formatText("%DYNAMIC_METADATA(envoy.filters.http.jwt_authn:missing)%", info), "-");
  EXPECT_EQ(formatText("%DYNAMIC_METADATA(nobody:sub)%", StreamInfo{}), "-");
}

TEST(DynamicMetadataTest, ParsedAtConfigTime) {
  EXPECT_FALSE(Formatter::create("%DYNAMIC_METADATA%").ok());
  EXPECT_FALSE(Formatter::create("%DYNAMIC_METADATA()%").ok());
  EXPECT_FALSE(Formatter::create("%DYNAMIC_METADATA(ns::key)%").ok());
  EXPECT_TRUE(Formatter::create("%DYNAMIC_METADATA(ns)%").ok());
}

TEST(DynamicMetadataTest, TypedJsonAccessLogKeepsTypes) {
  using Fields = std::vector<std::pair<std::string, JsonTemplate>>;
  auto formatter = JsonFormatter::create(
      JsonTemplate::object(Fields{
          {"sub", JsonTemplate::string("%DYNAMIC_METADATA(envoy.filters.http.jwt_authn:sub)%")},
          {"exp", JsonTemplate::string("%DYNAMIC_METADATA(envoy.filters.http.jwt_authn:exp)%")},
          {"addr",
           JsonTemplate::string("%DYNAMIC_METADATA(envoy.filters.http.jwt_authn:address)%")},
          {"none", JsonTemplate::string("%DYNAMIC_METADATA(envoy.filters.http.jwt_authn:x)%")},
      }),
      JsonFormatOptions{});
  ASSERT_TRUE(formatter.ok()) << formatter.status();
  std::string out;
  formatter->format(withClaims(), out);
  EXPECT_EQ(out,
            "{\"sub\":\"alice\",\"exp\":1700000000,\"addr\":{\"country\":\"NL\"},\"none\":null}\n");
}

}  // namespace
}  // namespace meshproxy::accesslog
