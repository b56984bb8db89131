// ProtocolConstraints' rapid-reset rule (Envoy's maybeDrainDueToPrematureResets): before the
// total stream count, close once the premature resets alone reach half of it; after, once half
// of the closed streams were premature.
#include <gtest/gtest.h>

#include "proxy/http/http2/protocol_constraints.h"

namespace meshproxy::http::http2 {
namespace {

TEST(Http2ProtocolConstraintsTest, PrematureResetsCloseAtHalfOfTheTotal) {
  Http2Settings settings;
  settings.premature_reset_total_stream_count = 10;
  ProtocolConstraints constraints(settings);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(constraints.onRemoteStreamClosed(true).ok()) << i;
  absl::Status s = constraints.onRemoteStreamClosed(true);  // the 5th of 10
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "http2.too_many_premature_resets");
}

TEST(Http2ProtocolConstraintsTest, NormalStreamsDiluteThePrematureOnes) {
  Http2Settings settings;
  settings.premature_reset_total_stream_count = 10;
  ProtocolConstraints constraints(settings);
  // 20 normal streams, then premature resets: closes when they make half of all closed.
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(constraints.onRemoteStreamClosed(false).ok());
  int allowed = 0;
  while (constraints.onRemoteStreamClosed(true).ok()) ++allowed;
  EXPECT_EQ(allowed, 19);  // the 20th makes 20 of 40
}

TEST(Http2ProtocolConstraintsTest, NoPrematureResetNeverCloses) {
  Http2Settings settings;
  settings.premature_reset_total_stream_count = 2;
  ProtocolConstraints constraints(settings);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(constraints.onRemoteStreamClosed(false).ok());
}

}  // namespace
}  // namespace meshproxy::http::http2
