// A 100 MiB body streamed through each compressor and back through its decompressor, the way the
// filters see a streamed response: chunk by chunk, each chunk passed on (here: decoded and
// checked) before the next arrives. The heap must stay bounded by the codecs' state, not grow
// with the body.
#include <gtest/gtest.h>
#include <malloc.h>
#include <zlib.h>

#include <algorithm>
#include <memory>
#include <string>

#include "proxy/filters/http/compression/brotli_codec.h"
#include "proxy/filters/http/compression/gzip_codec.h"
#include "proxy/filters/http/compression/zstd_codec.h"
#include "tests/unit/filters/compression/codec_test_support.h"

namespace meshproxy::filters::compression {
namespace {

constexpr size_t kBody = 100 << 20;
constexpr size_t kChunk = 64 << 10;  // what a read hands the filter chain at most
constexpr size_t kMaxHeapGrowth = 16 << 20;

size_t heapInUse() { return mallinfo2().uordblks; }

void streamThrough(const CompressorFactory& cf, const DecompressorFactory& df) {
  // 64 KiB pieces cut from a 1 MiB pattern: nothing near the body size is ever allocated.
  const std::string pattern = testing::jsonLikeText(1 << 20, 3);
  const size_t baseline = heapInUse();
  size_t peak = 0;
  uLong crc_in = crc32(0, nullptr, 0);
  uLong crc_out = crc32(0, nullptr, 0);
  size_t in_bytes = 0;
  size_t out_bytes = 0;
  size_t wire_bytes = 0;
  {
    auto compressor = cf.create();
    auto decompressor = df.create();
    Buffer decoded;
    for (size_t sent = 0; sent < kBody; sent += kChunk) {
      const size_t off = (sent / kChunk * 7919) % (pattern.size() - kChunk);
      const std::string_view piece(pattern.data() + off, kChunk);
      crc_in = crc32(crc_in, reinterpret_cast<const Bytef*>(piece.data()), kChunk);
      in_bytes += kChunk;
      Buffer data = testing::bufferOf(piece);
      compressor->compress(data, sent + kChunk >= kBody);
      wire_bytes += data.length();
      ASSERT_TRUE(decompressor->decompress(data, decoded));
      decoded.forEachSlice([&](std::string_view s) {
        crc_out =
            crc32(crc_out, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size()));
      });
      out_bytes += decoded.length();
      decoded.clear();  // passed downstream
      peak = std::max(peak, heapInUse() - std::min(heapInUse(), baseline));
    }
  }
  EXPECT_EQ(out_bytes, in_bytes);
  EXPECT_EQ(crc_out, crc_in);
  EXPECT_LT(wire_bytes, in_bytes / 2);
  EXPECT_LT(peak, kMaxHeapGrowth) << "heap grew by " << peak << " bytes for a " << kBody
                                  << " byte body";
  ::testing::Test::RecordProperty("peak_heap_growth_bytes", static_cast<int>(peak));
  std::printf("%s: %zu MiB in, %zu MiB on the wire, peak heap growth %zu KiB\n",
              std::string(cf.contentEncoding()).c_str(), in_bytes >> 20, wire_bytes >> 20,
              peak >> 10);
}

TEST(CompressionBoundedMemory, Gzip100MiB) {
  streamThrough(*makeGzipCompressorFactory({}), *makeGzipDecompressorFactory({}));
}

TEST(CompressionBoundedMemory, Brotli100MiB) {
  streamThrough(*makeBrotliCompressorFactory({}), *makeBrotliDecompressorFactory({}));
}

TEST(CompressionBoundedMemory, Zstd100MiB) {
  streamThrough(**makeZstdCompressorFactory({}), **makeZstdDecompressorFactory({}));
}

}  // namespace
}  // namespace meshproxy::filters::compression
