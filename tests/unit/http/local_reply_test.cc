#include "proxy/http/local_reply.h"

#include <gtest/gtest.h>

namespace meshproxy::http {
namespace {

TEST(LocalReplyTest, HttpStatusMapsToGrpcStatusAsEnvoyMapsIt) {
  EXPECT_EQ(httpToGrpcStatus(400), 13u);  // INTERNAL
  EXPECT_EQ(httpToGrpcStatus(401), 16u);  // UNAUTHENTICATED
  EXPECT_EQ(httpToGrpcStatus(403), 7u);   // PERMISSION_DENIED
  EXPECT_EQ(httpToGrpcStatus(404), 12u);  // UNIMPLEMENTED
  EXPECT_EQ(httpToGrpcStatus(429), 14u);  // UNAVAILABLE
  EXPECT_EQ(httpToGrpcStatus(502), 14u);
  EXPECT_EQ(httpToGrpcStatus(503), 14u);
  EXPECT_EQ(httpToGrpcStatus(504), 14u);
  EXPECT_EQ(httpToGrpcStatus(413), 2u);  // UNKNOWN
  EXPECT_EQ(httpToGrpcStatus(500), 2u);
}

TEST(LocalReplyTest, GrpcContentTypes) {
  auto with = [](std::string_view type) {
    HeaderMap h{{":method", "POST"}, {":path", "/pkg.Svc/Call"}, {"content-type", type}};
    return isGrpcRequest(h);
  };
  EXPECT_TRUE(with("application/grpc"));
  EXPECT_TRUE(with("application/grpc+proto"));
  EXPECT_TRUE(with("application/grpc+json"));
  EXPECT_FALSE(with("application/grpc-web"));
  EXPECT_FALSE(with("application/grpc-web+proto"));
  EXPECT_FALSE(with("application/json"));
  EXPECT_FALSE(isGrpcRequest(HeaderMap{{":method", "POST"}, {":path", "/"}}));
}

TEST(LocalReplyTest, GrpcMessageIsPercentEncoded) {
  EXPECT_EQ(percentEncodeGrpcMessage("plain text ~ ok"), "plain text ~ ok");
  EXPECT_EQ(percentEncodeGrpcMessage("100% \n\xc3\xa9"), "100%25 %0A%C3%A9");
}

TEST(LocalReplyTest, PlainReply) {
  HeaderMap request{{":method", "GET"}, {":path", "/"}};
  LocalReply reply = makeLocalReply(&request, 404, "not found", "route_not_found");
  EXPECT_EQ(reply.headers->status(), 404u);
  EXPECT_EQ(reply.headers->get("content-type"), "text/plain");
  EXPECT_EQ(reply.headers->get("content-length"), "9");
  EXPECT_EQ(reply.headers->get("x-meshproxy-reason"), "route_not_found");
  EXPECT_EQ(reply.body, "not found");
}

TEST(LocalReplyTest, GrpcReplyWithoutBodyHasNoMessage) {
  HeaderMap request{{":method", "POST"}, {":path", "/a.B/C"}, {"content-type", "application/grpc"}};
  LocalReply reply = makeLocalReply(&request, 404, "", "route_not_found");
  EXPECT_EQ(reply.headers->status(), 200u);
  EXPECT_EQ(reply.headers->get("grpc-status"), "12");
  EXPECT_FALSE(reply.headers->has("grpc-message"));
  EXPECT_FALSE(reply.headers->has("content-length"));
  EXPECT_EQ(reply.body, "");
}

TEST(LocalReplyTest, NoRequestHeadersGivesAPlainReply) {
  LocalReply reply = makeLocalReply(nullptr, 400, "Bad Request", "http1.codec_error");
  EXPECT_EQ(reply.headers->status(), 400u);
  EXPECT_EQ(reply.body, "Bad Request");
}

}  // namespace
}  // namespace meshproxy::http
