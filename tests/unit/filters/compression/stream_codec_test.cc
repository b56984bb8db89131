#include <brotli/decode.h>
#include <gtest/gtest.h>
#include <zdict.h>
#include <zlib.h>
#include <zstd.h>

#include <memory>
#include <string>
#include <vector>

#include "proxy/filters/http/compression/brotli_codec.h"
#include "proxy/filters/http/compression/gzip_codec.h"
#include "proxy/filters/http/compression/zstd_codec.h"
#include "tests/unit/filters/compression/codec_test_support.h"

namespace meshproxy::filters::compression {
namespace {

using testing::bufferOf;
using testing::compressAll;
using testing::decompressAll;
using testing::jsonLikeText;

// Each library's one-shot decoder: a different code path from the streaming one under test.
std::string gunzipOneShot(const std::string& in) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out(in.size() * 50 + 1024, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}
std::string unbrotliOneShot(const std::string& in) {
  std::string out(in.size() * 50 + 1024, '\0');
  size_t size = out.size();
  EXPECT_EQ(BrotliDecoderDecompress(in.size(), reinterpret_cast<const uint8_t*>(in.data()), &size,
                                    reinterpret_cast<uint8_t*>(out.data())),
            BROTLI_DECODER_RESULT_SUCCESS);
  out.resize(size);
  return out;
}
std::string unzstdOneShot(const std::string& in) {
  std::string out(in.size() * 50 + 1024, '\0');
  const size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
  EXPECT_FALSE(ZSTD_isError(n)) << ZSTD_getErrorName(n);
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

struct Codec {
  std::string name;
  std::shared_ptr<const CompressorFactory> compressor;
  std::shared_ptr<const DecompressorFactory> decompressor;
  std::string (*one_shot)(const std::string&);
};

std::vector<Codec> codecs() {
  return {
      {"gzip", makeGzipCompressorFactory({}), makeGzipDecompressorFactory({}), gunzipOneShot},
      {"brotli", makeBrotliCompressorFactory({}), makeBrotliDecompressorFactory({}),
       unbrotliOneShot},
      {"zstd", *makeZstdCompressorFactory({}), *makeZstdDecompressorFactory({}), unzstdOneShot},
  };
}

class StreamCodecTest : public ::testing::TestWithParam<size_t> {
 protected:
  Codec codec() { return codecs()[GetParam()]; }
};
INSTANTIATE_TEST_SUITE_P(Libraries, StreamCodecTest, ::testing::Values(0, 1, 2),
                         [](const auto& info) { return codecs()[info.param].name; });

TEST_P(StreamCodecTest, RoundTripInChunks) {
  const Codec c = codec();
  const std::string text = jsonLikeText(300'000);
  std::vector<std::string> chunks;
  for (size_t i = 0; i < text.size(); i += 7'777) chunks.push_back(text.substr(i, 7'777));
  const std::string encoded = compressAll(*c.compressor, chunks);
  EXPECT_LT(encoded.size(), text.size() / 3);
  EXPECT_EQ(c.one_shot(encoded), text);
  bool ok = false;
  EXPECT_EQ(decompressAll(*c.decompressor, encoded, &ok, 333), text);
  EXPECT_TRUE(ok);
}

TEST_P(StreamCodecTest, EachFlushMakesEverythingSoFarDecodable) {
  const Codec c = codec();
  auto compressor = c.compressor->create();
  auto decompressor = c.decompressor->create();
  Buffer decoded;
  std::string sent;
  for (int i = 0; i < 5; ++i) {
    const std::string part = "part " + std::to_string(i) + ": " + jsonLikeText(1000, i);
    sent += part;
    Buffer b = bufferOf(part);
    compressor->compress(b, false);
    ASSERT_GT(b.length(), 0u);
    ASSERT_TRUE(decompressor->decompress(b, decoded));
    // Without the end of the stream, the client already has every byte sent so far.
    ASSERT_EQ(decoded.toString(), sent);
  }
  Buffer end;
  compressor->compress(end, true);  // trailers ended the stream: finish with no data
  EXPECT_GT(end.length(), 0u);
  EXPECT_TRUE(decompressor->decompress(end, decoded));
  EXPECT_EQ(decoded.toString(), sent);
}

TEST_P(StreamCodecTest, EmptyBodyStillMakesAValidStream) {
  const Codec c = codec();
  const std::string encoded = compressAll(*c.compressor, std::vector<std::string>{""});
  EXPECT_EQ(c.one_shot(encoded), "");
}

TEST_P(StreamCodecTest, CorruptInputIsAnError) {
  const Codec c = codec();
  std::string encoded = compressAll(*c.compressor, std::vector<std::string>{jsonLikeText(50'000)});
  for (size_t i = 0; i < encoded.size(); i += 7) encoded[i] = static_cast<char>(encoded[i] ^ 0x5a);
  bool ok = true;
  decompressAll(*c.decompressor, encoded, &ok);
  EXPECT_FALSE(ok);
  bool garbage_ok = true;
  decompressAll(*c.decompressor, std::string(100, 'x'), &garbage_ok);
  EXPECT_FALSE(garbage_ok);
}

TEST(GzipCodec, SettingsReachZlib) {
  const std::string text = jsonLikeText(200'000);
  std::vector<std::string> one{text};
  const auto fast = compressAll(*makeGzipCompressorFactory({.level = 1}), one);
  const auto best = compressAll(
      *makeGzipCompressorFactory({.level = 9, .memory_level = 9, .window_bits = 15}), one);
  const auto huffman = compressAll(*makeGzipCompressorFactory({.strategy = Z_HUFFMAN_ONLY}), one);
  EXPECT_LT(best.size(), fast.size());
  EXPECT_GT(huffman.size(), fast.size());  // no string matching at all
  EXPECT_EQ(gunzipOneShot(best), text);
  EXPECT_EQ(gunzipOneShot(huffman), text);
  // gzip wrapper: magic bytes 1f 8b.
  EXPECT_EQ(static_cast<uint8_t>(best[0]), 0x1f);
  EXPECT_EQ(static_cast<uint8_t>(best[1]), 0x8b);
}

TEST(GzipCodec, InflateRatioStopsAZipBomb) {
  const std::string zeros(4 << 20, '\0');  // 4 MiB of zeros compress about 1000:1
  const auto bomb = compressAll(*makeGzipCompressorFactory({.level = 9}), std::vector{zeros});
  bool ok = true;
  const std::string out =
      decompressAll(*makeGzipDecompressorFactory({.max_inflate_ratio = 100}), bomb, &ok);
  EXPECT_FALSE(ok);
  EXPECT_LT(out.size(), zeros.size());
  bool ok_wide = false;
  EXPECT_EQ(decompressAll(*makeGzipDecompressorFactory({.max_inflate_ratio = 1032}), bomb, &ok_wide)
                .size(),
            zeros.size());
  EXPECT_TRUE(ok_wide);
}

// brotli and zstd have no max_inflate_ratio field: a fixed bound of kMaxInflateRatio (100,
// Envoy's brotli bound) stops a bomb before its output grows further.
TEST(BrotliCodec, InflateRatioStopsABomb) {
  const std::string zeros(16 << 20, '\0');  // 16 MiB of zeros: a few hundred bytes of brotli
  const auto bomb = compressAll(*makeBrotliCompressorFactory({.quality = 9}), std::vector{zeros});
  ASSERT_LT(bomb.size() * kMaxInflateRatio, zeros.size());
  bool ok = true;
  const std::string out = decompressAll(*makeBrotliDecompressorFactory({}), bomb, &ok);
  EXPECT_FALSE(ok);
  // Stopped within one output chunk of the bound, not at the end of the body.
  EXPECT_LE(out.size(), bomb.size() * kMaxInflateRatio + 4096);
}

TEST(ZstdCodec, InflateRatioStopsABomb) {
  const std::string zeros(16 << 20, '\0');
  const auto bomb = compressAll(**makeZstdCompressorFactory({.level = 19}), std::vector{zeros});
  ASSERT_LT(bomb.size() * kMaxInflateRatio, zeros.size());
  bool ok = true;
  const std::string out = decompressAll(**makeZstdDecompressorFactory({}), bomb, &ok);
  EXPECT_FALSE(ok);
  EXPECT_LE(out.size(), bomb.size() * kMaxInflateRatio + 4096);
}

TEST(GzipCodec, ConcatenatedMembersDecodeAsOne) {
  auto f = makeGzipCompressorFactory({});
  const std::string a = compressAll(*f, std::vector<std::string>{"first "});
  const std::string b = compressAll(*f, std::vector<std::string>{"second"});
  bool ok = false;
  EXPECT_EQ(decompressAll(*makeGzipDecompressorFactory({}), a + b, &ok), "first second");
  EXPECT_TRUE(ok);
}

TEST(BrotliCodec, QualityAndWindowReachTheEncoder) {
  const std::string text = jsonLikeText(300'000);
  std::vector<std::string> one{text};
  const auto q0 = compressAll(*makeBrotliCompressorFactory({.quality = 0}), one);
  const auto q11 =
      compressAll(*makeBrotliCompressorFactory({.quality = 11, .window_bits = 24}), one);
  EXPECT_LT(q11.size(), q0.size());
  EXPECT_EQ(unbrotliOneShot(q11), text);
}

TEST(ZstdCodec, ChecksumAndLevelReachTheEncoder) {
  const std::string text = jsonLikeText(300'000);
  std::vector<std::string> one{text};
  const auto plain = compressAll(**makeZstdCompressorFactory({.level = 1}), one);
  const auto checked =
      compressAll(**makeZstdCompressorFactory({.level = 1, .enable_checksum = true}), one);
  const auto best = compressAll(**makeZstdCompressorFactory({.level = 19}), one);
  EXPECT_EQ(checked.size(), plain.size() + 4);  // the 32-bit content checksum per frame
  EXPECT_LT(best.size(), plain.size());
  EXPECT_EQ(unzstdOneShot(best), text);
}

std::string trainDictionary(uint64_t seed) {
  std::string samples;
  std::vector<size_t> sizes;
  for (uint64_t i = 0; i < 2000; ++i) {
    const std::string s = jsonLikeText(400, seed * 1000 + i);
    samples += s;
    sizes.push_back(s.size());
  }
  std::string dict(16 * 1024, '\0');
  const size_t n = ZDICT_trainFromBuffer(dict.data(), dict.size(), samples.data(), sizes.data(),
                                         static_cast<unsigned>(sizes.size()));
  if (ZDICT_isError(n)) return "";
  dict.resize(n);
  return dict;
}

TEST(ZstdCodec, DictionariesAreChosenByTheFrame) {
  // Trained dictionaries carry an ID, which each frame names.
  const std::string dict_a = trainDictionary(11);
  const std::string dict_b = trainDictionary(22);
  ASSERT_FALSE(dict_a.empty());
  ASSERT_FALSE(dict_b.empty());
  const std::string text = jsonLikeText(2'000, 11'000'500);
  auto with_a = makeZstdCompressorFactory({.dictionary = dict_a});
  ASSERT_TRUE(with_a.ok()) << with_a.status();
  const std::string encoded = compressAll(**with_a, std::vector{text});
  const std::string plain = compressAll(**makeZstdCompressorFactory({}), std::vector{text});
  EXPECT_LT(encoded.size(), plain.size());  // the dictionary helped
  bool ok = false;
  auto both = makeZstdDecompressorFactory({.dictionaries = {dict_b, dict_a}});
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_EQ(decompressAll(**both, encoded, &ok), text);
  EXPECT_TRUE(ok);
  bool without_ok = true;
  decompressAll(**makeZstdDecompressorFactory({}), encoded, &without_ok);
  EXPECT_FALSE(without_ok);
}

}  // namespace
}  // namespace meshproxy::filters::compression
