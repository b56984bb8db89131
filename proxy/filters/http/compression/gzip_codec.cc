#include "proxy/filters/http/compression/gzip_codec.h"

#include <zlib.h>

namespace meshproxy::filters::compression {
namespace {

// windowBits + 16: zlib writes (and expects) the gzip header and trailer.
constexpr int kGzipWrapper = 16;

class GzipCompressor final : public StreamCompressor {
 public:
  explicit GzipCompressor(const GzipCompressorConfig& config) : chunk_size_(config.chunk_size) {
    // deflateInit2 fails only for bad parameters (checked at config time) or no memory.
    ok_ = deflateInit2(&z_, config.level, Z_DEFLATED, config.window_bits | kGzipWrapper,
                       config.memory_level, config.strategy) == Z_OK;
  }
  ~GzipCompressor() override {
    if (ok_) deflateEnd(&z_);
  }

  void compress(Buffer& data, bool end_stream) override {
    Buffer out;
    if (!ok_) {
      data.clear();
      return;
    }
    data.forEachSlice([&](std::string_view slice) { run(slice, Z_NO_FLUSH, out); });
    run({}, end_stream ? Z_FINISH : Z_SYNC_FLUSH, out);
    data.clear();
    data.move(out);
  }

 private:
  // Feeds `input` and writes output until zlib has consumed it all (and, for a flush, written
  // everything it holds).
  void run(std::string_view input, int flush, Buffer& out) {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    z_.avail_in = static_cast<uInt>(input.size());
    char* chunk = scratchChunk(chunk_size_);
    while (true) {
      z_.next_out = reinterpret_cast<Bytef*>(chunk);
      z_.avail_out = chunk_size_;
      const int rc = deflate(&z_, flush);
      const size_t produced = chunk_size_ - z_.avail_out;
      if (produced != 0) out.add(chunk, produced);
      if (rc == Z_STREAM_END || rc == Z_STREAM_ERROR) return;
      // Output space left over means zlib has nothing more to give for this call.
      if (z_.avail_out != 0 && z_.avail_in == 0) return;
    }
  }

  z_stream z_{};
  uint32_t chunk_size_;
  bool ok_ = false;
};

class GzipDecompressor final : public StreamDecompressor {
 public:
  explicit GzipDecompressor(const GzipDecompressorConfig& config)
      : chunk_size_(config.chunk_size), max_ratio_(config.max_inflate_ratio) {
    ok_ = inflateInit2(&z_, config.window_bits | kGzipWrapper) == Z_OK;
  }
  ~GzipDecompressor() override { inflateEnd(&z_); }

  bool decompress(Buffer& input, Buffer& output) override {
    if (!ok_) {
      input.clear();
      return false;
    }
    input.forEachSlice([&](std::string_view slice) {
      if (ok_) ok_ = run(slice, output);
    });
    input.clear();
    return ok_;
  }

 private:
  bool run(std::string_view input, Buffer& output) {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    z_.avail_in = static_cast<uInt>(input.size());
    char* chunk = scratchChunk(chunk_size_);
    while (z_.avail_in != 0 || !drained_) {
      z_.next_out = reinterpret_cast<Bytef*>(chunk);
      z_.avail_out = chunk_size_;
      const int rc = inflate(&z_, Z_NO_FLUSH);
      const size_t produced = chunk_size_ - z_.avail_out;
      if (produced != 0) output.add(chunk, produced);
      // Output left unused: zlib holds nothing more for the input it has.
      drained_ = z_.avail_out != 0;
      if (rc == Z_STREAM_END) {
        // Another gzip member may follow (RFC 1952 2.2): decode it too.
        if (inflateReset(&z_) != Z_OK) return false;
        drained_ = true;
        continue;
      }
      if (rc == Z_BUF_ERROR) return true;  // needs more input
      if (rc != Z_OK) return false;        // corrupt
      if (z_.total_out > uint64_t{max_ratio_} * z_.total_in) return false;
    }
    return true;
  }

  z_stream z_{};
  uint32_t chunk_size_;
  uint32_t max_ratio_;
  bool ok_ = false;
  bool drained_ = true;
};

class GzipCompressorFactory final : public CompressorFactory {
 public:
  explicit GzipCompressorFactory(const GzipCompressorConfig& config) : config_(config) {}
  std::unique_ptr<StreamCompressor> create() const override {
    return std::make_unique<GzipCompressor>(config_);
  }
  std::string_view contentEncoding() const override { return "gzip"; }
  std::string_view statsPrefix() const override { return "gzip."; }

 private:
  GzipCompressorConfig config_;
};

class GzipDecompressorFactory final : public DecompressorFactory {
 public:
  explicit GzipDecompressorFactory(const GzipDecompressorConfig& config) : config_(config) {}
  std::unique_ptr<StreamDecompressor> create() const override {
    return std::make_unique<GzipDecompressor>(config_);
  }
  std::string_view contentEncoding() const override { return "gzip"; }
  std::string_view statsPrefix() const override { return "gzip."; }

 private:
  GzipDecompressorConfig config_;
};

}  // namespace

std::unique_ptr<CompressorFactory> makeGzipCompressorFactory(const GzipCompressorConfig& config) {
  return std::make_unique<GzipCompressorFactory>(config);
}

std::unique_ptr<DecompressorFactory> makeGzipDecompressorFactory(
    const GzipDecompressorConfig& config) {
  return std::make_unique<GzipDecompressorFactory>(config);
}

}  // namespace meshproxy::filters::compression
