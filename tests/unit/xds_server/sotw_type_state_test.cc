// The SotW ACK/NACK state machine for one type, as tables of steps. Each step is either a
// request from the client or a content change on the server; after it, the test asks whether
// a response is due for the content version given, and if so "sends" one with the next nonce
// (n1, n2, ...), as the stream's writer does. Stale requests are not evaluated (the stream
// does not answer them).
#include "xds/server/sotw_type_state.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "xds/server/type_urls.h"

namespace meshproxy::xds_server {
namespace {

struct Step {
  std::string what;
  // A request (nullopt kind: no request, the content changed instead).
  std::optional<RequestKind> expect_kind;
  std::string version_info;
  std::string nonce;
  std::vector<std::string> names;
  std::string error;
  // The version of the content for the current subscription, and whether a response is due.
  std::string content_version;
  bool expect_response = false;
  // State afterwards.
  std::string expect_acked;
  std::string expect_nack;  // "" = no NACK recorded; else "version: message"
};

void runTable(std::string_view type_url, const std::vector<Step>& steps) {
  SotwTypeState state{std::string(type_url)};
  int nonces = 0;
  for (const Step& step : steps) {
    SCOPED_TRACE(step.what);
    if (step.expect_kind) {
      envoy::service::discovery::v3::DiscoveryRequest request;
      request.set_type_url(std::string(type_url));
      request.set_version_info(step.version_info);
      request.set_response_nonce(step.nonce);
      for (const auto& n : step.names) request.add_resource_names(n);
      if (!step.error.empty()) {
        request.mutable_error_detail()->set_code(3);
        request.mutable_error_detail()->set_message(step.error);
      }
      EXPECT_EQ(toString(state.onRequest(request, absl::Now())), toString(*step.expect_kind));
    }
    // The stream evaluates after a content change or a request that is not stale.
    bool evaluate = step.expect_kind != RequestKind::kStale;
    bool respond = evaluate && state.shouldRespond(step.content_version);
    EXPECT_EQ(respond, step.expect_response);
    if (respond) state.onSent(step.content_version, absl::StrCat("n", ++nonces), 1, absl::Now());
    EXPECT_EQ(state.status().acked_version, step.expect_acked);
    const auto& nack = state.status().last_nack;
    EXPECT_EQ(nack ? absl::StrCat(nack->version, ": ", nack->message) : "", step.expect_nack);
  }
}

using K = RequestKind;
constexpr std::optional<RequestKind> kContentChange = std::nullopt;

// clang-format off
// Columns: what | request kind (or a content change) | version_info | nonce | names | error |
//          content version | response due | acked version | last NACK

TEST(SotwTypeStateTest, InitialThenAckThenNoResend) {
  runTable(kListenerType, {
    {"initial request",    K::kInitial, "",   "",   {}, "", "v1", true,  "",   ""},
    {"ACK of n1",          K::kAck,     "v1", "n1", {}, "", "v1", false, "v1", ""},
    {"the same ACK again", K::kAck,     "v1", "n1", {}, "", "v1", false, "v1", ""},
    {"a nonce never sent", K::kStale,   "v1", "n7", {}, "", "v1", false, "v1", ""},
  });
}

TEST(SotwTypeStateTest, NackIsRecordedAndNotResentUntilContentChanges) {
  runTable(kClusterType, {
    {"initial",         K::kInitial,    "",   "",   {}, "",            "v1", true,  "",   ""},
    {"NACK of n1",      K::kNack,       "",   "n1", {}, "bad cluster", "v1", false, "",   "v1: bad cluster"},
    {"content changes", kContentChange, "",   "",   {}, "",            "v2", true,  "",   "v1: bad cluster"},
    {"ACK of n2; the last NACK stays on record",
                        K::kAck,        "v2", "n2", {}, "",            "v2", false, "v2", "v1: bad cluster"},
  });
}

TEST(SotwTypeStateTest, NackAfterAckKeepsAckedVersion) {
  runTable(kClusterType, {
    {"initial",                  K::kInitial,    "",   "",   {}, "",   "v1", true,  "",   ""},
    {"ACK",                      K::kAck,        "v1", "n1", {}, "",   "v1", false, "v1", ""},
    {"push v2",                  kContentChange, "",   "",   {}, "",   "v2", true,  "v1", ""},
    {"NACK of v2 carries the previous version",
                                 K::kNack,       "v1", "n2", {}, "no", "v2", false, "v1", "v2: no"},
  });
}

TEST(SotwTypeStateTest, VersionMismatchWithoutErrorDetailIsANack) {
  runTable(kClusterType, {
    {"initial",               K::kInitial, "",   "",   {}, "", "v1", true,  "", ""},
    {"old version, no error", K::kNack,    "v0", "n1", {}, "", "v1", false, "",
     "v1: version_info 'v0' is not the version sent with this nonce and error_detail is empty"},
  });
}

TEST(SotwTypeStateTest, StaleNonceIsNeitherAckNorNack) {
  runTable(kClusterType, {
    {"initial",                           K::kInitial,    "",   "",   {}, "",     "v1", true,  "",   ""},
    {"push v2 before n1's ACK arrives",   kContentChange, "",   "",   {}, "",     "v2", true,  "",   ""},
    {"late ACK of n1",                    K::kStale,      "v1", "n1", {}, "",     "v2", false, "",   ""},
    {"late NACK of n1",                   K::kStale,      "",   "n1", {}, "boom", "v2", false, "",   ""},
    {"ACK of n2",                         K::kAck,        "v2", "n2", {}, "",     "v2", false, "v2", ""},
  });
}

TEST(SotwTypeStateTest, ChangedNamesAreAnswered) {
  runTable(kClusterLoadAssignmentType, {
    {"initial for a",         K::kInitial, "",    "",   {"a"},                 "", "va",    true,  "",    ""},
    {"ACK adding b",          K::kAck,     "va",  "n1", {"a", "b"},            "", "vab",   true,  "va",  ""},
    {"ACK adding a name with no resource: same content, new names",
                              K::kAck,     "vab", "n2", {"a", "b", "missing"}, "", "vab",   true,  "vab", ""},
    {"ACK, same names",       K::kAck,     "vab", "n3", {"a", "b", "missing"}, "", "vab",   false, "vab", ""},
    {"unsubscribe from all",  K::kAck,     "vab", "n3", {},                    "", "vnone", true,  "vab", ""},
  });
}

TEST(SotwTypeStateTest, StaleRequestNamesAreKeptAndAnsweredWithTheNextAck) {
  runTable(kRouteConfigurationType, {
    {"initial for a",                        K::kInitial,    "",    "",   {"a"},      "", "va",  true,  "",    ""},
    {"push: a changed",                      kContentChange, "",    "",   {},         "", "va2", true,  "",    ""},
    {"stale request adding b: not answered", K::kStale,      "va",  "n1", {"a", "b"}, "", "vab", false, "",    ""},
    {"ACK of n2 with those names, which n2 was not built for",
                                             K::kAck,        "va2", "n2", {"a", "b"}, "", "vab", true,  "va2", ""},
  });
}

TEST(SotwTypeStateTest, ReconnectWithOldVersionAndNonceIsAnswered) {
  runTable(kListenerType, {
    {"first request on a new stream", K::kInitial, "v1", "n-from-old-stream", {}, "", "v1", true,  "",   ""},
    {"ACK",                           K::kAck,     "v1", "n1",                {}, "", "v1", false, "v1", ""},
  });
}

// clang-format on

TEST(SotwTypeStateTest, NothingIsSentBeforeTheTypeIsRequested) {
  SotwTypeState state{std::string(kSecretType)};
  EXPECT_FALSE(state.shouldRespond("v1"));
}

TEST(SotwTypeStateTest, CountsRequests) {
  SotwTypeState state{std::string(kClusterType)};
  envoy::service::discovery::v3::DiscoveryRequest r;
  state.onRequest(r, absl::Now());
  state.onSent("v1", "n1", 2, absl::Now());
  r.set_version_info("v1");
  r.set_response_nonce("n1");
  state.onRequest(r, absl::Now());
  r.set_response_nonce("n0");
  state.onRequest(r, absl::Now());
  EXPECT_EQ(state.status().requests, 3u);
  EXPECT_EQ(state.status().acks, 1u);
  EXPECT_EQ(state.status().stale, 1u);
  EXPECT_EQ(state.status().resources_sent, 2u);
}

}  // namespace
}  // namespace meshproxy::xds_server
