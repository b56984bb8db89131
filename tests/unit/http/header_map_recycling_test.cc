#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "proxy/http/header_map.h"

namespace meshproxy::http {
namespace {

// HeaderMaps and their entry storage are recycled per thread: a map built from recycled
// memory must start empty and behave like a fresh one.
TEST(HeaderMapRecyclingTest, RecycledMapStartsEmptyAndKeepsItsOwnFields) {
  for (int round = 0; round < 50; ++round) {
    auto h = std::make_unique<HeaderMap>();
    EXPECT_TRUE(h->empty());
    h->reserve(16);
    EXPECT_TRUE(h->empty());
    h->addLowercase("x-round", std::to_string(round));
    h->addLowercase(std::string(headers::kPath), "/p");
    h->add("Content-Type", "text/plain");
    ASSERT_EQ(h->size(), 3u);
    EXPECT_EQ(h->entries()[0].first, ":path");  // pseudo-headers first
    EXPECT_EQ(h->get("x-round").value_or(""), std::to_string(round));
    EXPECT_EQ(h->get("content-type").value_or(""), "text/plain");
  }
}

TEST(HeaderMapRecyclingTest, CopiesAndMovesStayIndependent) {
  HeaderMap a{{"a", "1"}, {"b", "2"}};
  a.reserve(32);
  HeaderMap copy = a;
  HeaderMap moved = std::move(a);
  copy.set("a", "changed");
  EXPECT_EQ(moved.get("a").value_or(""), "1");
  EXPECT_EQ(copy.get("a").value_or(""), "changed");
  EXPECT_EQ(moved.removeIf([](const HeaderMap::Entry& e) { return e.first == "b"; }), 1u);
  EXPECT_EQ(moved.size(), 1u);
  EXPECT_EQ(copy.size(), 2u);
}

}  // namespace
}  // namespace meshproxy::http
