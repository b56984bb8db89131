#include "proxy/filters/http/compression/brotli_codec.h"

#include <brotli/decode.h>
#include <brotli/encode.h>

namespace meshproxy::filters::compression {
namespace {

class BrotliCompressor final : public StreamCompressor {
 public:
  explicit BrotliCompressor(const BrotliCompressorConfig& config)
      : state_(BrotliEncoderCreateInstance(nullptr, nullptr, nullptr)),
        chunk_size_(config.chunk_size) {
    if (state_ == nullptr) return;
    BrotliEncoderSetParameter(state_, BROTLI_PARAM_QUALITY, config.quality);
    BrotliEncoderSetParameter(state_, BROTLI_PARAM_LGWIN, config.window_bits);
    BrotliEncoderSetParameter(state_, BROTLI_PARAM_LGBLOCK, config.input_block_bits);
    BrotliEncoderSetParameter(state_, BROTLI_PARAM_MODE, static_cast<uint32_t>(config.mode));
    BrotliEncoderSetParameter(state_, BROTLI_PARAM_DISABLE_LITERAL_CONTEXT_MODELING,
                              config.disable_literal_context_modeling ? 1 : 0);
  }
  ~BrotliCompressor() override {
    if (state_ != nullptr) BrotliEncoderDestroyInstance(state_);
  }

  void compress(Buffer& data, bool end_stream) override {
    Buffer out;
    if (state_ == nullptr || finished_) {
      data.clear();
      return;
    }
    data.forEachSlice([&](std::string_view slice) { run(slice, BROTLI_OPERATION_PROCESS, out); });
    run({}, end_stream ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_FLUSH, out);
    finished_ = end_stream;
    data.clear();
    data.move(out);
  }

 private:
  void run(std::string_view input, BrotliEncoderOperation op, Buffer& out) {
    size_t avail_in = input.size();
    const auto* next_in = reinterpret_cast<const uint8_t*>(input.data());
    char* chunk = scratchChunk(chunk_size_);
    while (true) {
      size_t avail_out = chunk_size_;
      auto* next_out = reinterpret_cast<uint8_t*>(chunk);
      if (!BrotliEncoderCompressStream(state_, op, &avail_in, &next_in, &avail_out, &next_out,
                                       nullptr)) {
        return;  // only on misuse; the stream is then abandoned
      }
      const size_t produced = chunk_size_ - avail_out;
      if (produced != 0) out.add(chunk, produced);
      if (avail_in == 0 && !BrotliEncoderHasMoreOutput(state_)) return;
    }
  }

  BrotliEncoderState* state_;
  uint32_t chunk_size_;
  bool finished_ = false;
};

class BrotliDecompressor final : public StreamDecompressor {
 public:
  explicit BrotliDecompressor(const BrotliDecompressorConfig& config)
      : state_(BrotliDecoderCreateInstance(nullptr, nullptr, nullptr)),
        chunk_size_(config.chunk_size) {
    if (state_ != nullptr && config.disable_ring_buffer_reallocation) {
      BrotliDecoderSetParameter(state_, BROTLI_DECODER_PARAM_DISABLE_RING_BUFFER_REALLOCATION, 1);
    }
  }
  ~BrotliDecompressor() override {
    if (state_ != nullptr) BrotliDecoderDestroyInstance(state_);
  }

  bool decompress(Buffer& input, Buffer& output) override {
    bool ok = state_ != nullptr && !failed_;
    input.forEachSlice([&](std::string_view slice) {
      if (ok) ok = run(slice, output);
    });
    input.clear();
    failed_ = !ok;
    return ok;
  }

 private:
  bool run(std::string_view input, Buffer& output) {
    size_t avail_in = input.size();
    const auto* next_in = reinterpret_cast<const uint8_t*>(input.data());
    total_in_ += input.size();
    char* chunk = scratchChunk(chunk_size_);
    while (true) {
      size_t avail_out = chunk_size_;
      auto* next_out = reinterpret_cast<uint8_t*>(chunk);
      const BrotliDecoderResult rc = BrotliDecoderDecompressStream(state_, &avail_in, &next_in,
                                                                   &avail_out, &next_out, nullptr);
      const size_t produced = chunk_size_ - avail_out;
      if (produced != 0) output.add(chunk, produced);
      total_out_ += produced;
      // A decompression bomb: stop before it grows the output further (Envoy's brotli
      // decompressor has the same fixed bound, counted as brotli_output_overflow).
      if (total_out_ > kMaxInflateRatio * total_in_) return false;
      switch (rc) {
        case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
          continue;
        case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:
          return true;
        case BROTLI_DECODER_RESULT_SUCCESS:
          // The stream ended; bytes after it are not brotli.
          return avail_in == 0;
        default:
          return false;
      }
    }
  }

  BrotliDecoderState* state_;
  uint32_t chunk_size_;
  uint64_t total_in_ = 0;
  uint64_t total_out_ = 0;
  bool failed_ = false;
};

class BrotliCompressorFactory final : public CompressorFactory {
 public:
  explicit BrotliCompressorFactory(const BrotliCompressorConfig& config) : config_(config) {}
  std::unique_ptr<StreamCompressor> create() const override {
    return std::make_unique<BrotliCompressor>(config_);
  }
  std::string_view contentEncoding() const override { return "br"; }
  std::string_view statsPrefix() const override { return "brotli."; }

 private:
  BrotliCompressorConfig config_;
};

class BrotliDecompressorFactory final : public DecompressorFactory {
 public:
  explicit BrotliDecompressorFactory(const BrotliDecompressorConfig& config) : config_(config) {}
  std::unique_ptr<StreamDecompressor> create() const override {
    return std::make_unique<BrotliDecompressor>(config_);
  }
  std::string_view contentEncoding() const override { return "br"; }
  std::string_view statsPrefix() const override { return "brotli."; }

 private:
  BrotliDecompressorConfig config_;
};

}  // namespace

std::unique_ptr<CompressorFactory> makeBrotliCompressorFactory(
    const BrotliCompressorConfig& config) {
  return std::make_unique<BrotliCompressorFactory>(config);
}

std::unique_ptr<DecompressorFactory> makeBrotliDecompressorFactory(
    const BrotliDecompressorConfig& config) {
  return std::make_unique<BrotliDecompressorFactory>(config);
}

}  // namespace meshproxy::filters::compression
