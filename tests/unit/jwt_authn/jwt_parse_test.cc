// Parsing of compact JWS tokens: structure, base64url, JSON, header and claim types.

#include <gtest/gtest.h>

#include <string>

#include "proxy/filters/http/jwt_authn/base64url.h"
#include "proxy/filters/http/jwt_authn/jwt.h"

namespace meshproxy::filters::jwt_authn {
namespace {

std::string b64(std::string_view s) { return base64UrlEncode(s); }

std::string token(std::string_view header, std::string_view payload, std::string_view sig = "sig") {
  return b64(header) + "." + b64(payload) + "." + b64(sig);
}

JwtStatus parse(const std::string& t) {
  Jwt jwt;
  return parseJwt(t, &jwt);
}

constexpr const char* kHeader = R"({"alg":"RS256","kid":"k1","typ":"JWT"})";

TEST(Base64UrlTest, StrictDecoding) {
  std::string out;
  EXPECT_TRUE(base64UrlDecode("", &out));
  EXPECT_TRUE(base64UrlDecode("QQ", &out));
  EXPECT_EQ(out, "A");
  EXPECT_TRUE(base64UrlDecode("-_8", &out));
  EXPECT_EQ(out, "\xfb\xff");
  EXPECT_FALSE(base64UrlDecode("QQ==", &out));  // padding
  EXPECT_FALSE(base64UrlDecode("Q", &out));     // dangling 6 bits
  EXPECT_FALSE(base64UrlDecode("QR", &out));    // non-zero unused bits: not canonical
  EXPECT_FALSE(base64UrlDecode("+/8", &out));   // standard alphabet
  EXPECT_FALSE(base64UrlDecode("QQ QQ", &out));
  EXPECT_FALSE(base64UrlDecode("QQ\n", &out));
  EXPECT_EQ(base64UrlEncode("\xfb\xff"), "-_8");
}

TEST(JwtParseTest, ReadsHeaderAndClaims) {
  const std::string t =
      token(kHeader, R"({"iss":"https://iss","sub":"alice","aud":["a","b"],"exp":2000000000,)"
                     R"("nbf":1000,"iat":999.7,"jti":"j","scope":"read write"})");
  Jwt jwt;
  ASSERT_EQ(parseJwt(t, &jwt), JwtStatus::kOk);
  EXPECT_EQ(jwt.alg, JwtAlgorithm::kRS256);
  EXPECT_EQ(jwt.kid, "k1");
  EXPECT_EQ(jwt.iss, "https://iss");
  EXPECT_EQ(jwt.sub, "alice");
  EXPECT_EQ(jwt.audiences, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(jwt.exp, 2000000000u);
  EXPECT_EQ(jwt.nbf, 1000u);
  EXPECT_EQ(jwt.iat, 999u);  // a NumericDate may have a fraction; truncated
  EXPECT_EQ(jwt.jti, "j");
  EXPECT_EQ(jwt.signature, "sig");
  EXPECT_EQ(jwt.payload.fields().at("scope").string_value(), "read write");
  EXPECT_EQ(jwt.signedData(), t.substr(0, t.rfind('.')));
  EXPECT_EQ(jwt.headerBase64Url(), b64(kHeader));
  EXPECT_EQ(jwt.payloadBase64Url(), t.substr(t.find('.') + 1, t.rfind('.') - t.find('.') - 1));
}

TEST(JwtParseTest, AudienceMayBeOneString) {
  Jwt jwt;
  ASSERT_EQ(parseJwt(token(kHeader, R"({"aud":"only"})"), &jwt), JwtStatus::kOk);
  EXPECT_EQ(jwt.audiences, std::vector<std::string>{"only"});
  EXPECT_EQ(jwt.exp, 0u);  // absent
}

TEST(JwtParseTest, BadStructure) {
  const std::string h = b64(kHeader), p = b64("{}"), s = b64("sig");
  for (const std::string& t :
       {std::string(""), std::string("abc"), h + "." + p, h + "." + p + "." + s + ".",
        h + "." + p + "." + s + "." + s, "." + p + "." + s, h + ".." + s, h + "." + p + ".",
        std::string("..")}) {
    EXPECT_EQ(parse(t), JwtStatus::kJwtBadFormat) << t;
  }
}

TEST(JwtParseTest, BadHeader) {
  EXPECT_EQ(parse("!!!." + b64("{}") + ".c2ln"), JwtStatus::kJwtHeaderParseErrorBadBase64);
  EXPECT_EQ(parse(b64(kHeader) + "=." + b64("{}") + ".c2ln"),
            JwtStatus::kJwtHeaderParseErrorBadBase64);
  EXPECT_EQ(parse(token("not json", "{}")), JwtStatus::kJwtHeaderParseErrorBadJson);
  EXPECT_EQ(parse(token("[1,2]", "{}")), JwtStatus::kJwtHeaderParseErrorBadJson);
  EXPECT_EQ(parse(token(R"({"alg":"RS256")", "{}")), JwtStatus::kJwtHeaderParseErrorBadJson);
  EXPECT_EQ(parse(token(R"({"typ":"JWT"})", "{}")), JwtStatus::kJwtHeaderBadAlg);
  EXPECT_EQ(parse(token(R"({"alg":256})", "{}")), JwtStatus::kJwtHeaderBadAlg);
  EXPECT_EQ(parse(token(R"({"alg":"none"})", "{}")), JwtStatus::kJwtHeaderNotImplementedAlg);
  EXPECT_EQ(parse(token(R"({"alg":"rs256"})", "{}")), JwtStatus::kJwtHeaderNotImplementedAlg);
  EXPECT_EQ(parse(token(R"({"alg":"ES256K"})", "{}")), JwtStatus::kJwtHeaderNotImplementedAlg);
  EXPECT_EQ(parse(token(R"({"alg":"RS256","kid":7})", "{}")), JwtStatus::kJwtHeaderBadKid);
  EXPECT_EQ(parse(token(R"({"alg":"RS256","crit":["exp"],"exp":1})", "{}")),
            JwtStatus::kJwtHeaderCritNotSupported);
}

TEST(JwtParseTest, BadPayload) {
  EXPECT_EQ(parse(b64(kHeader) + ".***." + b64("s")), JwtStatus::kJwtPayloadParseErrorBadBase64);
  EXPECT_EQ(parse(token(kHeader, "nope")), JwtStatus::kJwtPayloadParseErrorBadJson);
  EXPECT_EQ(parse(token(kHeader, "\"a string\"")), JwtStatus::kJwtPayloadParseErrorBadJson);
  EXPECT_EQ(parse(token(kHeader, R"({"iss":1})")), JwtStatus::kJwtPayloadParseErrorIssNotString);
  EXPECT_EQ(parse(token(kHeader, R"({"sub":{}})")), JwtStatus::kJwtPayloadParseErrorSubNotString);
  EXPECT_EQ(parse(token(kHeader, R"({"iat":"1"})")), JwtStatus::kJwtPayloadParseErrorIatNotInteger);
  EXPECT_EQ(parse(token(kHeader, R"({"iat":-1})")), JwtStatus::kJwtPayloadParseErrorIatOutOfRange);
  EXPECT_EQ(parse(token(kHeader, R"({"nbf":true})")),
            JwtStatus::kJwtPayloadParseErrorNbfNotInteger);
  EXPECT_EQ(parse(token(kHeader, R"({"nbf":-5})")), JwtStatus::kJwtPayloadParseErrorNbfOutOfRange);
  EXPECT_EQ(parse(token(kHeader, R"({"exp":null})")),
            JwtStatus::kJwtPayloadParseErrorExpNotInteger);
  EXPECT_EQ(parse(token(kHeader, R"({"exp":1e300})")),
            JwtStatus::kJwtPayloadParseErrorExpOutOfRange);
  EXPECT_EQ(parse(token(kHeader, R"({"jti":[1]})")), JwtStatus::kJwtPayloadParseErrorJtiNotString);
  EXPECT_EQ(parse(token(kHeader, R"({"aud":5})")), JwtStatus::kJwtPayloadParseErrorAudNotString);
  EXPECT_EQ(parse(token(kHeader, R"({"aud":["a",5]})")),
            JwtStatus::kJwtPayloadParseErrorAudNotString);
}

TEST(JwtParseTest, BadSignatureEncoding) {
  EXPECT_EQ(parse(b64(kHeader) + "." + b64("{}") + ".a+b"),
            JwtStatus::kJwtSignatureParseErrorBadBase64);
}

TEST(JwtParseTest, DeepOrHugeJsonIsRefused) {
  std::string deep = R"({"a":)" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_EQ(parse(token(kHeader, deep)), JwtStatus::kJwtPayloadParseErrorBadJson);
  std::string shallow = R"({"a":)" + std::string(10, '[') + std::string(10, ']') + "}";
  EXPECT_EQ(parse(token(kHeader, shallow)), JwtStatus::kOk);
  // Brackets inside strings do not count.
  std::string in_string = R"({"a":")" + std::string(100, '[') + R"("})";
  EXPECT_EQ(parse(token(kHeader, in_string)), JwtStatus::kOk);
  std::string huge = R"({"a":")" + std::string(300 * 1024, 'x') + R"("})";
  EXPECT_EQ(parse(token(kHeader, huge)), JwtStatus::kJwtPayloadParseErrorBadJson);
}

TEST(JwtParseTest, StatusMessagesAreEnvoys) {
  EXPECT_EQ(jwtStatusMessage(JwtStatus::kJwtExpired), "Jwt is expired");
  EXPECT_EQ(jwtStatusMessage(JwtStatus::kJwtMissed), "Jwt is missing");
  EXPECT_EQ(jwtStatusMessage(JwtStatus::kJwtVerificationFail), "Jwt verification fails");
  EXPECT_EQ(jwtStatusMessage(JwtStatus::kJwtAudienceNotAllowed),
            "Audiences in Jwt are not allowed");
}

}  // namespace
}  // namespace meshproxy::filters::jwt_authn
