// match_typed_subject_alt_names: URI (SPIFFE IDs) and DNS with each StringMatcher kind.
#include "proxy/tls/san_matcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "envoy/extensions/transport_sockets/tls/v3/common.pb.h"
#include "proxy/tls/certificate.h"
#include "tests/support/test_certs.h"

namespace meshproxy::tls {
namespace {

using ProtoMatcher = envoy::extensions::transport_sockets::tls::v3::SubjectAltNameMatcher;

constexpr char kId[] = "spiffe://cluster.local/ns/payments/sa/api";

class SanMatcherTest : public ::testing::Test {
 protected:
  SanMatcherTest() {
    auto pem =
        ca_.issue({.uri_sans = {kId}, .dns_sans = {"api.payments.svc", "*.internal.example"}});
    cert_ = std::move((*parsePemCertificates(pem.cert_pem))[0]);
  }

  bool matches(ProtoMatcher::SanType type, const std::string& json_like_kind,
               const std::string& value, bool ignore_case = false) {
    ProtoMatcher proto;
    proto.set_san_type(type);
    auto* m = proto.mutable_matcher();
    if (json_like_kind == "exact") m->set_exact(value);
    if (json_like_kind == "prefix") m->set_prefix(value);
    if (json_like_kind == "suffix") m->set_suffix(value);
    if (json_like_kind == "contains") m->set_contains(value);
    if (json_like_kind == "regex") m->mutable_safe_regex()->set_regex(value);
    m->set_ignore_case(ignore_case);
    auto matcher = SanMatcher::fromProto(proto);
    EXPECT_TRUE(matcher.ok()) << matcher.status();
    return matchSubjectAltNames(cert_.get(), {&*matcher});
  }

  meshproxy::testing::TestCa ca_;
  X509Ptr cert_;
};

TEST_F(SanMatcherTest, UriWithEachMatcherKind) {
  EXPECT_TRUE(matches(ProtoMatcher::URI, "exact", kId));
  EXPECT_FALSE(matches(ProtoMatcher::URI, "exact", "spiffe://cluster.local/ns/payments/sa/ap"));
  EXPECT_TRUE(matches(ProtoMatcher::URI, "prefix", "spiffe://cluster.local/ns/payments/"));
  EXPECT_FALSE(matches(ProtoMatcher::URI, "prefix", "spiffe://other.local/"));
  EXPECT_TRUE(matches(ProtoMatcher::URI, "suffix", "/sa/api"));
  EXPECT_FALSE(matches(ProtoMatcher::URI, "suffix", "/sa/web"));
  EXPECT_TRUE(matches(ProtoMatcher::URI, "contains", "/ns/payments/"));
  EXPECT_FALSE(matches(ProtoMatcher::URI, "contains", "/ns/orders/"));
  EXPECT_TRUE(matches(ProtoMatcher::URI, "regex", "spiffe://cluster\\.local/ns/[a-z]+/sa/api"));
  EXPECT_FALSE(matches(ProtoMatcher::URI, "regex", "spiffe://cluster\\.local/ns/[0-9]+/sa/api"));
  EXPECT_TRUE(
      matches(ProtoMatcher::URI, "exact", "SPIFFE://CLUSTER.LOCAL/ns/payments/sa/api", true));
}

TEST_F(SanMatcherTest, TheSanTypeMustAgree) {
  // The SPIFFE ID is a URI SAN, not a DNS one; a DNS name is not a URI.
  EXPECT_FALSE(matches(ProtoMatcher::DNS, "exact", kId));
  EXPECT_FALSE(matches(ProtoMatcher::URI, "exact", "api.payments.svc"));
}

TEST_F(SanMatcherTest, DnsWithEachMatcherKindAndWildcards) {
  EXPECT_TRUE(matches(ProtoMatcher::DNS, "exact", "api.payments.svc"));
  EXPECT_TRUE(matches(ProtoMatcher::DNS, "prefix", "api."));
  EXPECT_TRUE(matches(ProtoMatcher::DNS, "suffix", ".payments.svc"));
  EXPECT_TRUE(matches(ProtoMatcher::DNS, "contains", "payments"));
  EXPECT_TRUE(matches(ProtoMatcher::DNS, "regex", "api\\.[a-z]+\\.svc"));
  // A wildcard SAN covers exactly one label.
  EXPECT_TRUE(matches(ProtoMatcher::DNS, "exact", "db.internal.example"));
  EXPECT_FALSE(matches(ProtoMatcher::DNS, "exact", "a.db.internal.example"));
}

TEST_F(SanMatcherTest, AnyMatcherOfTheListSuffices) {
  ProtoMatcher a;
  a.set_san_type(ProtoMatcher::URI);
  a.mutable_matcher()->set_exact("spiffe://cluster.local/ns/x/sa/y");
  ProtoMatcher b;
  b.set_san_type(ProtoMatcher::URI);
  b.mutable_matcher()->set_exact(kId);
  auto ma = SanMatcher::fromProto(a);
  auto mb = SanMatcher::fromProto(b);
  EXPECT_FALSE(matchSubjectAltNames(cert_.get(), {&*ma}));
  EXPECT_TRUE(matchSubjectAltNames(cert_.get(), {&*ma, &*mb}));
  EXPECT_TRUE(matchSubjectAltNames(cert_.get(), {}));  // no matchers: any trusted cert
}

TEST_F(SanMatcherTest, LegacyMatcherTriesEverySanType) {
  envoy::type::matcher::v3::StringMatcher proto;
  proto.set_exact("api.payments.svc");
  auto legacy = SanMatcher::fromLegacyProto(proto);
  ASSERT_TRUE(legacy.ok());
  EXPECT_TRUE(matchSubjectAltNames(cert_.get(), {&*legacy}));
  proto.set_exact(kId);
  legacy = SanMatcher::fromLegacyProto(proto);
  EXPECT_TRUE(matchSubjectAltNames(cert_.get(), {&*legacy}));
}

TEST_F(SanMatcherTest, BadMatchersAreConfigErrors) {
  ProtoMatcher unspecified;
  unspecified.mutable_matcher()->set_exact("x");
  EXPECT_FALSE(SanMatcher::fromProto(unspecified).ok());
  ProtoMatcher bad_regex;
  bad_regex.set_san_type(ProtoMatcher::URI);
  bad_regex.mutable_matcher()->mutable_safe_regex()->set_regex("(unclosed");
  EXPECT_FALSE(SanMatcher::fromProto(bad_regex).ok());
}

TEST(DnsNameMatchesTest, Rfc6125Wildcards) {
  EXPECT_TRUE(dnsNameMatches("*.example.com", "foo.example.com"));
  EXPECT_TRUE(dnsNameMatches("Foo.Example.com", "foo.example.COM"));
  EXPECT_FALSE(dnsNameMatches("*.example.com", "example.com"));
  EXPECT_FALSE(dnsNameMatches("*.example.com", "a.b.example.com"));
  EXPECT_FALSE(dnsNameMatches("*.example.com", ".example.com"));
}

}  // namespace
}  // namespace meshproxy::tls
