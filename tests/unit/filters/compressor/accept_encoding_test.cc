#include "proxy/filters/http/compressor/accept_encoding.h"

#include <gtest/gtest.h>

#include <vector>

namespace meshproxy::filters::compressor {
namespace {

const std::vector<CompressorCandidate> kGzipThenBr = {{"gzip", false, true}, {"br", false, true}};

struct Row {
  std::string_view accept_encoding;
  std::string_view encoding;
  EncodingStat stat;
};

// RFC 9110 12.5.3 and Envoy's CompressorFilter::chooseEncoding, with a chain of gzip then br.
TEST(AcceptEncoding, NegotiationTable) {
  const Row rows[] = {
      {"gzip", "gzip", EncodingStat::kValidCompressor},
      {"br", "br", EncodingStat::kValidCompressor},
      {"GZIP", "gzip", EncodingStat::kValidCompressor},
      {"deflate", "identity", EncodingStat::kNotValid},
      {"gzip, br", "gzip", EncodingStat::kValidCompressor},  // equal q: the first listed
      {"gzip;q=0.5, br", "br", EncodingStat::kValidCompressor},
      {"gzip;q=0.8, br;q=0.9", "br", EncodingStat::kValidCompressor},
      {"br;q=0.1 , gzip ; q=0.2", "gzip", EncodingStat::kValidCompressor},
      {"*", "gzip", EncodingStat::kWildcard},  // the chain's first
      {"gzip;q=0, *", "br", EncodingStat::kWildcard},
      {"gzip;q=0, br;q=0, *", "identity", EncodingStat::kNotValid},
      {"identity", "identity", EncodingStat::kIdentity},
      {"identity, gzip;q=0.5", "identity", EncodingStat::kIdentity},
      {"identity;q=0.5, gzip", "gzip", EncodingStat::kValidCompressor},
      {"gzip;q=0", "identity", EncodingStat::kNotValid},
      {"", "identity", EncodingStat::kNotValid},
      {" , ", "identity", EncodingStat::kNotValid},
      {"gzip;q=abc", "identity", EncodingStat::kNotValid},  // unparsable q drops the element
      {"gzip;q=abc, br", "br", EncodingStat::kValidCompressor},
      {"gzip;level=1;q=0.3, br;q=0.2", "gzip", EncodingStat::kValidCompressor},
  };
  for (const Row& row : rows) {
    const EncodingChoice c = chooseEncoding(row.accept_encoding, kGzipThenBr);
    EXPECT_EQ(c.encoding, row.encoding) << "accept-encoding: '" << row.accept_encoding << "'";
    EXPECT_EQ(c.stat, row.stat) << "accept-encoding: '" << row.accept_encoding << "'";
  }
}

TEST(AcceptEncoding, ChooseFirstWinsTiesWhateverTheClientsOrder) {
  const std::vector<CompressorCandidate> chain = {{"gzip", false, true}, {"br", true, true}};
  EXPECT_EQ(chooseEncoding("gzip, br", chain).encoding, "br");
  EXPECT_EQ(chooseEncoding("br, gzip", chain).encoding, "br");
  // A higher q still beats choose_first.
  EXPECT_EQ(chooseEncoding("gzip, br;q=0.9", chain).encoding, "gzip");
}

TEST(AcceptEncoding, ACompressorWhoseContentTypeIsRefusedTakesNoPart) {
  const std::vector<CompressorCandidate> chain = {{"gzip", false, false}, {"br", false, true}};
  EXPECT_EQ(chooseEncoding("gzip", chain).stat, EncodingStat::kNotValid);
  EXPECT_EQ(chooseEncoding("gzip, br;q=0.1", chain).encoding, "br");
  EXPECT_EQ(chooseEncoding("*", chain).encoding, "br");
}

TEST(AcceptEncoding, OnlyTheFirstCompressorOfACodingCounts) {
  const std::vector<CompressorCandidate> chain = {
      {"gzip", false, true}, {"gzip", true, true}, {"br", false, true}};
  // The second gzip's choose_first is ignored: the tie goes to the first listed.
  EXPECT_EQ(chooseEncoding("gzip, br", chain).encoding, "gzip");
  EXPECT_EQ(chooseEncoding("br, gzip", chain).encoding, "br");
}

TEST(AcceptEncoding, EmptyChainNeverCompresses) {
  EXPECT_EQ(chooseEncoding("gzip", {}).stat, EncodingStat::kNotValid);
}

}  // namespace
}  // namespace meshproxy::filters::compressor
