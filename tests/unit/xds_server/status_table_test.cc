// `mesh-control status` table from /nodes JSON.
#include "xds/server/status_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace meshproxy::xds_server {
namespace {

using ::testing::HasSubstr;

TEST(StatusTableTest, OneRowPerNodeAndType) {
  auto table = formatStatusTable(R"({"nodes":[
    {"id":"node-a","connected":true,"connected_since":"2024-05-01T10:00:00.000Z","types":[
      {"type":"CDS","wildcard":true,"resource_names":[],"version_sent":"c2","acked_version":"c1",
       "last_nack":{"version":"c2","message":"bad\ncluster","time":"2024-05-01T10:00:01.000Z"}},
      {"type":"EDS","wildcard":false,"resource_names":["a","b"],"version_sent":"e1",
       "acked_version":"e1","last_nack":null}]},
    {"id":"node-b","connected":false,"connected_since":"2024-05-01T09:00:00.000Z","types":[]}]})");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(
      *table,
      "NODE    STATE         CONNECTED SINCE           TYPE  NAMES  SENT  ACKED  NACK\n"
      "node-a  connected     2024-05-01T10:00:00.000Z  CDS   *      c2    c1     c2: bad cluster\n"
      "                                                EDS   a,b    e1    e1     -\n"
      "node-b  disconnected  2024-05-01T09:00:00.000Z  -     -      -     -      -\n");
}

TEST(StatusTableTest, NoNodes) {
  auto table = formatStatusTable(R"({"nodes":[]})");
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(*table, "no nodes connected\n");
}

TEST(StatusTableTest, NotNodesJson) {
  EXPECT_FALSE(formatStatusTable("<html>").ok());
  EXPECT_THAT(std::string(formatStatusTable("{}").status().message()), HasSubstr("nodes"));
}

}  // namespace
}  // namespace meshproxy::xds_server
