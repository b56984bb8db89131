#include <gtest/gtest.h>

#include "proxy/http/http1/request_target.h"

namespace meshproxy::http::http1 {
namespace {

TEST(RequestTargetTest, Forms) {
  RequestTarget t;
  ASSERT_EQ(parseRequestTarget("/a?b", false, false, &t), nullptr);
  EXPECT_EQ(t.form, RequestTarget::Form::kOrigin);
  EXPECT_EQ(t.path, "/a?b");

  ASSERT_EQ(parseRequestTarget("HTTP://h.example:81/p", false, false, &t), nullptr);
  EXPECT_EQ(t.form, RequestTarget::Form::kAbsolute);
  EXPECT_EQ(t.scheme, "http");
  EXPECT_EQ(t.authority, "h.example:81");
  EXPECT_EQ(t.path, "/p");

  ASSERT_EQ(parseRequestTarget("h.example:443", true, false, &t), nullptr);
  EXPECT_EQ(t.form, RequestTarget::Form::kAuthority);
  EXPECT_EQ(t.authority, "h.example:443");

  ASSERT_EQ(parseRequestTarget("*", false, true, &t), nullptr);
  EXPECT_EQ(t.form, RequestTarget::Form::kAsterisk);
}

TEST(RequestTargetTest, Rejections) {
  RequestTarget t;
  for (const char* bad : {"", "a/b", "/a#f", "/a b", "/\x7f", "http://", "http://u@h/",
                          "http://h:99999/", "http://[::1/", "ftp://h/"}) {
    EXPECT_NE(parseRequestTarget(bad, false, false, &t), nullptr) << bad;
  }
  EXPECT_NE(parseRequestTarget("*", false, false, &t), nullptr);
  EXPECT_NE(parseRequestTarget("h.example", true, false, &t), nullptr);
  EXPECT_NE(parseRequestTarget("/path", true, false, &t), nullptr);
}

TEST(RequestTargetTest, Authorities) {
  for (const char* ok : {"a", "a.b-c_d~", "a:1", "[::1]", "[::1]:80", "%41bc", "1.2.3.4:65535"}) {
    EXPECT_TRUE(isValidAuthority(ok, false)) << ok;
  }
  for (const char* bad : {"", ":80", "a:", "a:65536", "a b", "a/b", "u@a", "[]", "[::1", "%4"}) {
    EXPECT_FALSE(isValidAuthority(bad, false)) << bad;
  }
}

}  // namespace
}  // namespace meshproxy::http::http1
