#include "proxy/filters/http/compression/zstd_codec.h"

#include <zstd.h>

#include "absl/strings/str_cat.h"
#include "proxy/core/strings.h"

namespace meshproxy::filters::compression {
namespace {

// Dictionaries are read-only once made: one copy serves every stream of every worker.
struct CDictDeleter {
  void operator()(ZSTD_CDict* d) const { ZSTD_freeCDict(d); }
};
struct DDictDeleter {
  void operator()(ZSTD_DDict* d) const { ZSTD_freeDDict(d); }
};
using CDictPtr = std::shared_ptr<ZSTD_CDict>;
using DDictPtr = std::shared_ptr<ZSTD_DDict>;

// ZSTD_d_refMultipleDDicts (1.4.9+; named so only under ZSTD_STATIC_LINKING_ONLY): the decoder
// keeps every referenced dictionary and picks the one each frame names.
constexpr auto kRefMultipleDDicts = ZSTD_d_experimentalParam4;
constexpr int kRefMultipleDDictsOn = 1;

absl::Status check(size_t rc, std::string_view what) {
  if (ZSTD_isError(rc)) {
    return absl::InvalidArgumentError(
        absl::StrCat("zstd: ", toAbsl(what), ": ", ZSTD_getErrorName(rc)));
  }
  return absl::OkStatus();
}

struct CompressorSettings {
  ZstdCompressorConfig config;
  CDictPtr dictionary;
};

// Applies the settings to a context; the same call validates them at config time.
absl::Status configure(ZSTD_CCtx* cctx, const CompressorSettings& s) {
  if (s.dictionary) {
    // The dictionary carries the level it was made with.
    if (auto st = check(ZSTD_CCtx_refCDict(cctx, s.dictionary.get()), "dictionary"); !st.ok()) {
      return st;
    }
  } else if (auto st = check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, s.config.level),
                             "compression_level");
             !st.ok()) {
    return st;
  }
  if (auto st = check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, s.config.enable_checksum),
                      "enable_checksum");
      !st.ok()) {
    return st;
  }
  if (s.config.strategy != 0) {
    return check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_strategy, s.config.strategy), "strategy");
  }
  return absl::OkStatus();
}

class ZstdCompressor final : public StreamCompressor {
 public:
  explicit ZstdCompressor(std::shared_ptr<const CompressorSettings> settings)
      : settings_(std::move(settings)), cctx_(ZSTD_createCCtx()) {
    ok_ = cctx_ != nullptr && configure(cctx_, *settings_).ok();
  }
  ~ZstdCompressor() override { ZSTD_freeCCtx(cctx_); }

  void compress(Buffer& data, bool end_stream) override {
    Buffer out;
    if (!ok_) {
      data.clear();
      return;
    }
    data.forEachSlice([&](std::string_view slice) { run(slice, ZSTD_e_continue, out); });
    run({}, end_stream ? ZSTD_e_end : ZSTD_e_flush, out);
    data.clear();
    data.move(out);
  }

 private:
  void run(std::string_view input, ZSTD_EndDirective mode, Buffer& out) {
    const uint32_t chunk_size = settings_->config.chunk_size;
    ZSTD_inBuffer in{input.data(), input.size(), 0};
    char* chunk = scratchChunk(chunk_size);
    while (true) {
      ZSTD_outBuffer o{chunk, chunk_size, 0};
      const size_t remaining = ZSTD_compressStream2(cctx_, &o, &in, mode);
      if (o.pos != 0) out.add(chunk, o.pos);
      if (ZSTD_isError(remaining)) {
        ok_ = false;
        return;
      }
      // continue: done when the input is consumed; flush/end: when nothing is left to write.
      if (mode == ZSTD_e_continue ? in.pos == in.size : remaining == 0) return;
    }
  }

  std::shared_ptr<const CompressorSettings> settings_;
  ZSTD_CCtx* cctx_;
  bool ok_ = false;
};

struct DecompressorSettings {
  uint32_t chunk_size;
  std::vector<DDictPtr> dictionaries;
};

absl::Status configure(ZSTD_DCtx* dctx, const DecompressorSettings& s) {
  if (s.dictionaries.empty()) return absl::OkStatus();
  if (auto st = check(ZSTD_DCtx_setParameter(dctx, kRefMultipleDDicts, kRefMultipleDDictsOn),
                      "several dictionaries");
      !st.ok()) {
    return st;
  }
  for (const auto& d : s.dictionaries) {
    if (auto st = check(ZSTD_DCtx_refDDict(dctx, d.get()), "dictionaries"); !st.ok()) return st;
  }
  return absl::OkStatus();
}

class ZstdDecompressor final : public StreamDecompressor {
 public:
  explicit ZstdDecompressor(std::shared_ptr<const DecompressorSettings> settings)
      : settings_(std::move(settings)), dctx_(ZSTD_createDCtx()) {
    ok_ = dctx_ != nullptr && configure(dctx_, *settings_).ok();
  }
  ~ZstdDecompressor() override { ZSTD_freeDCtx(dctx_); }

  bool decompress(Buffer& input, Buffer& output) override {
    input.forEachSlice([&](std::string_view slice) {
      if (ok_) ok_ = run(slice, output);
    });
    input.clear();
    return ok_;
  }

 private:
  bool run(std::string_view input, Buffer& output) {
    const uint32_t chunk_size = settings_->chunk_size;
    ZSTD_inBuffer in{input.data(), input.size(), 0};
    total_in_ += input.size();
    char* chunk = scratchChunk(chunk_size);
    while (true) {
      ZSTD_outBuffer o{chunk, chunk_size, 0};
      const size_t rc = ZSTD_decompressStream(dctx_, &o, &in);
      if (ZSTD_isError(rc)) return false;
      if (o.pos != 0) output.add(chunk, o.pos);
      total_out_ += o.pos;
      // A decompression bomb (zstd frames can declare gigabytes of zeros in a few bytes):
      // the same fixed bound as the brotli decompressor's.
      if (total_out_ > kMaxInflateRatio * total_in_) return false;
      // All input taken and the output not full: nothing more until more input arrives.
      if (in.pos == in.size && o.pos < o.size) return true;
    }
  }

  std::shared_ptr<const DecompressorSettings> settings_;
  ZSTD_DCtx* dctx_;
  uint64_t total_in_ = 0;
  uint64_t total_out_ = 0;
  bool ok_ = false;
};

class ZstdCompressorFactory final : public CompressorFactory {
 public:
  explicit ZstdCompressorFactory(std::shared_ptr<const CompressorSettings> settings)
      : settings_(std::move(settings)) {}
  std::unique_ptr<StreamCompressor> create() const override {
    return std::make_unique<ZstdCompressor>(settings_);
  }
  std::string_view contentEncoding() const override { return "zstd"; }
  std::string_view statsPrefix() const override { return "zstd."; }

 private:
  std::shared_ptr<const CompressorSettings> settings_;
};

class ZstdDecompressorFactory final : public DecompressorFactory {
 public:
  explicit ZstdDecompressorFactory(std::shared_ptr<const DecompressorSettings> settings)
      : settings_(std::move(settings)) {}
  std::unique_ptr<StreamDecompressor> create() const override {
    return std::make_unique<ZstdDecompressor>(settings_);
  }
  std::string_view contentEncoding() const override { return "zstd"; }
  std::string_view statsPrefix() const override { return "zstd."; }

 private:
  std::shared_ptr<const DecompressorSettings> settings_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<CompressorFactory>> makeZstdCompressorFactory(
    const ZstdCompressorConfig& config) {
  auto settings = std::make_shared<CompressorSettings>();
  settings->config = config;
  if (!config.dictionary.empty()) {
    const int level = config.level == 0 ? ZSTD_CLEVEL_DEFAULT : config.level;
    ZSTD_CDict* d = ZSTD_createCDict(config.dictionary.data(), config.dictionary.size(), level);
    if (d == nullptr) return absl::InvalidArgumentError("zstd: dictionary cannot be loaded");
    settings->dictionary = CDictPtr(d, CDictDeleter());
  }
  // Validate the parameters once, on a throwaway context.
  ZSTD_CCtx* probe = ZSTD_createCCtx();
  absl::Status st = configure(probe, *settings);
  ZSTD_freeCCtx(probe);
  if (!st.ok()) return st;
  return std::unique_ptr<CompressorFactory>(std::make_unique<ZstdCompressorFactory>(settings));
}

absl::StatusOr<std::unique_ptr<DecompressorFactory>> makeZstdDecompressorFactory(
    const ZstdDecompressorConfig& config) {
  auto settings = std::make_shared<DecompressorSettings>();
  settings->chunk_size = config.chunk_size;
  for (size_t i = 0; i < config.dictionaries.size(); ++i) {
    const std::string& bytes = config.dictionaries[i];
    ZSTD_DDict* d = ZSTD_createDDict(bytes.data(), bytes.size());
    if (d == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("zstd: dictionaries[", i, "] cannot be loaded"));
    }
    settings->dictionaries.push_back(DDictPtr(d, DDictDeleter()));
  }
  ZSTD_DCtx* probe = ZSTD_createDCtx();
  absl::Status st = configure(probe, *settings);
  ZSTD_freeDCtx(probe);
  if (!st.ok()) return st;
  return std::unique_ptr<DecompressorFactory>(std::make_unique<ZstdDecompressorFactory>(settings));
}

}  // namespace meshproxy::filters::compression
