#pragma once

// Test keys made by the openssl CLI and tokens signed by PyJWT (tests/unit/jwt_authn/
// pyjwt_sign.py, Debian's python3-jwt and python3-cryptography), so the verifier is checked
// against independent implementations. Debian's /usr/bin/python3 is used on purpose: the
// packages are installed for it by deploy/setup.sh.

#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "proxy/protobuf/proto_util.h"
#include "tests/support/binaries.h"
#include "tests/support/temp_dir.h"

namespace meshproxy::jwt_test {

inline std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// Runs a shell command (bounded by `timeout`); its stdout, or "" and a test failure.
inline std::string runCommand(const testing::TempDir& dir, const std::string& command) {
  const std::string out = dir.filePath("cmd.stdout");
  const std::string err = dir.filePath("cmd.stderr");
  const std::string full = absl::StrCat("timeout 120 ", command, " >", out, " 2>", err);
  const int rc = std::system(full.c_str());
  EXPECT_EQ(rc, 0) << command << "\n" << readAll(err);
  return rc == 0 ? readAll(out) : "";
}

// A private key made by `openssl genpkey`: "rsa2048", "rsa1024", "P-256", "P-384", "P-521",
// "ed25519"; or an HMAC secret made by `openssl rand`: "secret32", "secret64".
inline std::string makeKey(const testing::TempDir& dir, const std::string& name,
                           const std::string& kind) {
  const std::string path = dir.filePath(name + (kind.starts_with("secret") ? ".bin" : ".pem"));
  std::string cmd;
  if (kind.starts_with("rsa")) {
    cmd = absl::StrCat("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:", kind.substr(3),
                       " -out ", path);
  } else if (kind.starts_with("P-")) {
    cmd = absl::StrCat("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:", kind, " -out ",
                       path);
  } else if (kind == "ed25519") {
    cmd = absl::StrCat("openssl genpkey -algorithm ED25519 -out ", path);
  } else {
    cmd = absl::StrCat("openssl rand -out ", path, " ", kind.substr(6));
  }
  runCommand(dir, cmd);
  return path;
}

// `json_object` with member `name` set to the JSON `value` (replaced if present).
inline std::string withMember(const std::string& json_object, const std::string& name,
                              const std::string& value) {
  google::protobuf::Struct object;
  google::protobuf::Value parsed;
  EXPECT_TRUE(protobuf::jsonToMessage(json_object, &object).ok()) << json_object;
  EXPECT_TRUE(protobuf::jsonToMessage(value, &parsed).ok()) << value;
  (*object.mutable_fields())[name] = parsed;
  return protobuf::messageToJson(object);
}

struct KeySpec {
  std::string path;   // from makeKey
  std::string extra;  // JSON members added to its JWK, e.g. R"("kid": "a", "alg": "RS256")"
};

struct TokenSpec {
  std::string key;      // a KeySpec name
  std::string alg;      // "RS256" ...
  std::string payload;  // a JSON object
  std::string headers = "{}";
};

struct Signed {
  std::map<std::string, std::string> jwks;  // key name -> JWK JSON
  std::vector<std::string> tokens;

  // {"keys": [the named JWKs]}
  std::string jwksJson(const std::vector<std::string>& names) const {
    std::vector<std::string> keys;
    for (const auto& n : names) keys.push_back(jwks.at(n));
    return absl::StrCat(R"({"keys": [)", absl::StrJoin(keys, ","), "]}");
  }
};

// One PyJWT run for all tokens of a test suite (starting Python costs ~100 ms).
inline Signed signWithPyJwt(const testing::TempDir& dir, const std::map<std::string, KeySpec>& keys,
                            const std::vector<TokenSpec>& tokens) {
  std::vector<std::string> key_entries;
  for (const auto& [name, spec] : keys) {
    const char* member = spec.path.ends_with(".bin") ? "secret_file" : "pem";
    key_entries.push_back(absl::StrCat("\"", name, "\": {\"", member, "\": \"", spec.path,
                                       "\", \"extra\": {", spec.extra, "}}"));
  }
  std::vector<std::string> token_entries;
  for (const auto& t : tokens) {
    token_entries.push_back(absl::StrCat(R"({"key": ")", t.key, R"(", "alg": ")", t.alg,
                                         R"(", "payload": )", t.payload, R"(, "headers": )",
                                         t.headers, "}"));
  }
  const std::string request = dir.writeFile(
      "request.json", absl::StrCat(R"({"keys": {)", absl::StrJoin(key_entries, ","),
                                   R"(}, "tokens": [)", absl::StrJoin(token_entries, ","), "]}"));
  const std::string script = testing::sourcePath("tests/unit/jwt_authn/pyjwt_sign.py");
  const std::string response =
      runCommand(dir, absl::StrCat("/usr/bin/python3 ", script, " ", request));
  Signed out;
  google::protobuf::Struct parsed;
  EXPECT_TRUE(protobuf::jsonToMessage(response, &parsed).ok()) << response;
  for (const auto& [name, jwk] : parsed.fields().at("jwks").struct_value().fields()) {
    out.jwks[name] = protobuf::messageToJson(jwk.struct_value());
  }
  for (const auto& t : parsed.fields().at("tokens").list_value().values()) {
    out.tokens.push_back(t.string_value());
  }
  return out;
}

}  // namespace meshproxy::jwt_test
