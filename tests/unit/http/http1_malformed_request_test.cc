#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "proxy/core/strings.h"
#include "proxy/http/http1/server_connection.h"
#include "tests/unit/http/http1_test_support.h"

// Requests the server codec must refuse: smuggling vectors (ambiguous framing), line-ending
// and folding tricks, bad tokens, bad versions, bad targets, and oversized heads. Each one is
// fed whole and one byte at a time; both must fail with the same answer.
namespace meshproxy::http::http1 {
namespace {

using testing::bufferOf;
using testing::FakeOutput;
using testing::FakeServerCallbacks;

struct Malformed {
  const char* name;
  std::string input;
  uint32_t status;  // 400 or 431
};

std::string withHeaders(const std::string& fields) {
  return "POST / HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n";
}

std::string manyHeaders(int n) {
  std::string fields;
  for (int i = 0; i < n; ++i) fields += "X-H" + std::to_string(i) + ": v\r\n";
  return "GET / HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n";
}

std::vector<Malformed> malformedRequests() {
  using namespace std::string_literals;
  const std::string chunked = "Transfer-Encoding: chunked\r\n";
  return {
      // Framing: Content-Length and Transfer-Encoding.
      {"cl_and_te", withHeaders("Content-Length: 3\r\n" + chunked) + "0\r\n\r\n", 400},
      {"te_and_cl", withHeaders(chunked + "Content-Length: 3\r\n") + "0\r\n\r\n", 400},
      {"cl_cl_differing", withHeaders("Content-Length: 3\r\nContent-Length: 4\r\n") + "abcd", 400},
      // Decision: any repeated Content-Length is refused, equal or not (llhttp's rule, and
      // simpler than RFC 9110's "may accept identical values").
      {"cl_cl_identical", withHeaders("Content-Length: 3\r\nContent-Length: 3\r\n") + "abc", 400},
      {"cl_list", withHeaders("Content-Length: 3, 3\r\n") + "abc", 400},
      {"cl_negative", withHeaders("Content-Length: -1\r\n"), 400},
      {"cl_plus_sign", withHeaders("Content-Length: +1\r\n") + "a", 400},
      {"cl_not_a_number", withHeaders("Content-Length: abc\r\n"), 400},
      {"cl_overflow", withHeaders("Content-Length: 99999999999999999999999\r\n"), 400},
      {"te_chunked_identity", withHeaders("Transfer-Encoding: chunked, identity\r\n"), 400},
      {"te_xchunked", withHeaders("Transfer-Encoding: xchunked\r\n") + "0\r\n\r\n", 400},
      {"te_gzip_chunked", withHeaders("Transfer-Encoding: gzip, chunked\r\n") + "0\r\n\r\n", 400},
      {"te_gzip", withHeaders("Transfer-Encoding: gzip\r\n") + "abc", 400},
      {"te_twice", withHeaders(chunked + chunked) + "0\r\n\r\n", 400},
      {"te_empty", withHeaders("Transfer-Encoding: \r\n") + "abc", 400},
      {"te_in_http10", "POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       400},
      // Chunked bodies.
      {"chunk_size_overflow", withHeaders(chunked) + "FFFFFFFFFFFFFFFFF\r\n", 400},
      {"chunk_size_negative", withHeaders(chunked) + "-1\r\n", 400},
      {"chunk_size_garbage", withHeaders(chunked) + "zz\r\n", 400},
      {"chunk_size_0x", withHeaders(chunked) + "0x5\r\nabcde\r\n0\r\n\r\n", 400},
      {"chunk_size_space", withHeaders(chunked) + "3 \r\nabc\r\n0\r\n\r\n", 400},
      {"chunk_missing_crlf", withHeaders(chunked) + "3\r\nabcX\r\n0\r\n\r\n", 400},
      {"chunk_bare_lf_size", withHeaders(chunked) + "3\nabc\r\n0\r\n\r\n", 400},
      {"chunk_bare_lf_data", withHeaders(chunked) + "3\r\nabc\n0\r\n\r\n", 400},
      {"chunk_extension_ctl", withHeaders(chunked) + "3;\x01\r\nabc\r\n0\r\n\r\n", 400},
      {"trailer_bare_lf_end", withHeaders(chunked) + "3\r\nabc\r\n0\r\n\n", 400},
      {"trailer_obs_fold", withHeaders(chunked) + "3\r\nabc\r\n0\r\nX-T: 1\r\n 2\r\n\r\n", 400},
      // Line endings and folding.
      {"obs_fold", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", 400},
      {"obs_fold_empty_first", "GET / HTTP/1.1\r\nHost: a\r\nX:\r\n\tb\r\n\r\n", 400},
      {"bare_lf_field", "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", 400},
      {"bare_lf_request_line", "GET / HTTP/1.1\nHost: a\r\n\r\n", 400},
      {"bare_lf_end_of_head", "GET / HTTP/1.1\r\nHost: a\r\n\n", 400},
      {"bare_lf_everywhere", "GET / HTTP/1.1\nHost: a\n\n", 400},
      {"cr_cr_lf", "GET / HTTP/1.1\r\r\nHost: a\r\n\r\n", 400},
      {"cr_mid_value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", 400},
      {"leading_whitespace_field", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400},
      // Field values and names.
      {"nul_in_value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n"s, 400},
      {"ctl_in_value",
       "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01"
       "b\r\n\r\n",
       400},
      {"del_in_value",
       "GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f"
       "b\r\n\r\n",
       400},
      {"space_before_colon", "GET / HTTP/1.1\r\nHost: a\r\nX-Y : b\r\n\r\n", 400},
      {"space_in_name", "GET / HTTP/1.1\r\nHost: a\r\nX Y: b\r\n\r\n", 400},
      {"empty_name", "GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", 400},
      {"separator_in_name", "GET / HTTP/1.1\r\nHost: a\r\nX(y): b\r\n\r\n", 400},
      {"at_in_name", "GET / HTTP/1.1\r\nHost: a\r\nX@: b\r\n\r\n", 400},
      {"two_hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
      {"host_with_space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
      {"host_with_slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400},
      {"host_with_userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 400},
      // Methods.
      {"method_bad_chars", "G@T / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"method_lower_case", "get / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"method_unknown", "FOO / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"response_as_request", "HTTP/1.1 200 OK\r\n\r\n", 400},
      // Versions.
      {"http_1_2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", 400},
      {"http_2_0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 400},
      {"http_3_0", "GET / HTTP/3.0\r\nHost: a\r\n\r\n", 400},
      {"http_0_9_no_version", "GET /\r\nHost: a\r\n\r\n", 400},
      {"http_0_9_explicit", "GET / HTTP/0.9\r\nHost: a\r\n\r\n", 400},
      {"version_lower_case", "GET / http/1.1\r\nHost: a\r\n\r\n", 400},
      {"version_trailing_junk", "GET / HTTP/1.1x\r\nHost: a\r\n\r\n", 400},
      {"h2_preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400},
      // Request line and target.
      {"space_in_target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"double_space_after_method", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"double_space_before_version", "GET /  HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"trailing_space_request_line", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400},
      {"tab_in_target", "GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"ctl_in_target", "GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"non_ascii_target", "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"fragment_in_target", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"absolute_uri_bad_ipv6", "GET http://[::1/x HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"absolute_uri_userinfo", "GET http://user:pw@a/x HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"absolute_uri_empty_host", "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"absolute_uri_bad_port", "GET http://a:80x/ HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"absolute_uri_bad_scheme", "GET ftp://a/x HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"absolute_uri_one_slash", "GET http:/x HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"asterisk_on_get", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"connect_without_port", "CONNECT example.com HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"connect_with_body", "CONNECT a:443 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi",
       400},
      {"upgrade_with_body",
       "POST / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: websocket\r\n"
       "Content-Length: 2\r\n\r\nhi",
       400},
      // Sizes.
      {"header_over_60k",
       "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(61 * 1024, 'a') + "\r\n\r\n", 431},
      {"many_small_fields_over_60k",
       [] {
         std::string s = "GET / HTTP/1.1\r\nHost: a\r\n";
         for (int i = 0; i < 90; ++i)
           s += "X-F" + std::to_string(i) + ": " + std::string(700, 'v') + "\r\n";
         return s + "\r\n";
       }(),
       431},
      {"more_than_100_fields", manyHeaders(100), 431},
      {"request_line_too_long", "GET /" + std::string(70 * 1024, 'p') + " HTTP/1.1\r\n\r\n", 431},
      {"endless_leading_empty_lines",
       [] {
         std::string s;
         for (int i = 0; i < 40 * 1024; ++i) s += "\r\n";
         return s;
       }(),
       431},
      {"trailers_over_60k",
       withHeaders(chunked) + "0\r\nX-T: " + std::string(61 * 1024, 't') + "\r\n\r\n", 431},
  };
}

absl::Status feed(const std::string& input, bool byte_by_byte, FakeServerCallbacks& callbacks) {
  FakeOutput out;
  ServerConnectionImpl codec(out, callbacks, Http1Settings{});
  if (!byte_by_byte) {
    Buffer data = bufferOf(input);
    return codec.dispatch(data);
  }
  for (char c : input) {
    Buffer data = bufferOf(std::string_view(&c, 1));
    absl::Status status = codec.dispatch(data);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

class MalformedRequestTest : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedRequestTest, IsRejected) {
  const Malformed& request = GetParam();
  for (bool byte_by_byte : {false, true}) {
    FakeServerCallbacks callbacks;
    absl::Status status = feed(request.input, byte_by_byte, callbacks);
    ASSERT_FALSE(status.ok()) << (byte_by_byte ? "byte by byte" : "whole");
    EXPECT_EQ(httpStatusForCodecError(status), request.status) << status;
    const std::string_view message = toStd(status.message());
    EXPECT_TRUE(message.starts_with("http1.")) << message;
    // There is a stream to answer the error on, and no request reached it complete.
    ASSERT_FALSE(callbacks.exchanges.empty());
    EXPECT_FALSE(callbacks.exchanges.back().decoder->complete()) << status;
  }
}

INSTANTIATE_TEST_SUITE_P(Table, MalformedRequestTest, ::testing::ValuesIn(malformedRequests()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(MalformedRequestTableTest, HasEnoughCases) { EXPECT_GE(malformedRequests().size(), 25u); }

TEST(MalformedRequestTest, ExactlyAtTheLimitsIsAccepted) {
  // 100 fields including Host.
  FakeServerCallbacks callbacks;
  EXPECT_TRUE(feed(manyHeaders(99), false, callbacks).ok());
  ASSERT_EQ(callbacks.exchanges.size(), 1u);
  EXPECT_EQ(callbacks.exchanges[0].decoder->headers->size(), 99u + 4u);

  const std::string head = "GET / HTTP/1.1\r\nHost: a\r\nX: \r\n\r\n";
  const std::string at_limit =
      "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(60 * 1024 - head.size(), 'v') + "\r\n\r\n";
  ASSERT_EQ(at_limit.size(), 60u * 1024u);
  FakeServerCallbacks callbacks2;
  EXPECT_TRUE(feed(at_limit, false, callbacks2).ok());
  FakeServerCallbacks callbacks3;
  EXPECT_EQ(httpStatusForCodecError(
                feed(at_limit.substr(0, 28) + "v" + at_limit.substr(28), false, callbacks3)),
            431u);
}

}  // namespace
}  // namespace meshproxy::http::http1
