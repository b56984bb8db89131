#include "proxy/filters/http/compression/compression_library_translator.h"

#include <brotli/encode.h>
#include <fmt/format.h>
#include <zlib.h>

#include "envoy/config/core/v3/extension.pb.h"
#include "envoy/extensions/compression/brotli/compressor/v3/brotli.pb.h"
#include "envoy/extensions/compression/brotli/decompressor/v3/brotli.pb.h"
#include "envoy/extensions/compression/gzip/compressor/v3/gzip.pb.h"
#include "envoy/extensions/compression/gzip/decompressor/v3/gzip.pb.h"
#include "envoy/extensions/compression/zstd/compressor/v3/zstd.pb.h"
#include "envoy/extensions/compression/zstd/decompressor/v3/zstd.pb.h"
#include "proxy/filters/http/compression/brotli_codec.h"
#include "proxy/filters/http/compression/gzip_codec.h"
#include "proxy/filters/http/compression/zstd_codec.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/supported_fields.h"
#include "proxy/protobuf/typed_config.h"
#include "proxy/tls/tls_context_translator.h"

namespace meshproxy::filters::compression {
namespace {

namespace gzip_c = envoy::extensions::compression::gzip::compressor::v3;
namespace gzip_d = envoy::extensions::compression::gzip::decompressor::v3;
namespace brotli_c = envoy::extensions::compression::brotli::compressor::v3;
namespace brotli_d = envoy::extensions::compression::brotli::decompressor::v3;
namespace zstd_c = envoy::extensions::compression::zstd::compressor::v3;
namespace zstd_d = envoy::extensions::compression::zstd::decompressor::v3;

const protobuf::SupportedFields& fields() {
  static const protobuf::SupportedFields f = {
      {"envoy.extensions.compression.gzip.compressor.v3.Gzip",
       {"memory_level", "compression_level", "compression_strategy", "window_bits", "chunk_size"}},
      {"envoy.extensions.compression.gzip.decompressor.v3.Gzip",
       {"window_bits", "chunk_size", "max_inflate_ratio"}},
      {"envoy.extensions.compression.brotli.compressor.v3.Brotli",
       {"quality", "encoder_mode", "window_bits", "input_block_bits", "chunk_size",
        "disable_literal_context_modeling"}},
      {"envoy.extensions.compression.brotli.decompressor.v3.Brotli",
       {"disable_ring_buffer_reallocation", "chunk_size"}},
      {"envoy.extensions.compression.zstd.compressor.v3.Zstd",
       {"compression_level", "enable_checksum", "strategy", "dictionary", "chunk_size"}},
      {"envoy.extensions.compression.zstd.decompressor.v3.Zstd", {"dictionaries", "chunk_size"}},
      {"envoy.config.core.v3.DataSource", {"filename", "inline_bytes", "inline_string"}},
  };
  return f;
}

template <typename T>
std::string typeUrl() {
  return fmt::format("type.googleapis.com/{}", T::descriptor()->full_name());
}

absl::Status invalid(std::string_view field, std::string_view message) {
  return absl::InvalidArgumentError(fmt::format("{}: {}", field, message));
}

// A UInt32Value with a default and inclusive bounds.
template <typename Wrapper>
absl::StatusOr<uint32_t> bounded(bool has, const Wrapper& value, uint32_t fallback, uint32_t lo,
                                 uint32_t hi, std::string_view field) {
  if (!has) return fallback;
  if (value.value() < lo || value.value() > hi) {
    return invalid(field, fmt::format("must be in [{}, {}], got {}", lo, hi, value.value()));
  }
  return value.value();
}

// Unpacks and checks the fields; `field` names the library in errors.
template <typename T>
absl::StatusOr<T> unpack(const google::protobuf::Any& any, std::string_view field) {
  auto proto = protobuf::unpackAny<T>(any, std::string(field));
  if (!proto.ok()) return proto.status();
  if (auto s = fields().check(*proto, fmt::format("{}.typed_config", field)); !s.ok()) return s;
  return proto;
}

absl::StatusOr<std::string> readDataSource(const envoy::config::core::v3::DataSource& proto,
                                           std::string_view field) {
  auto spec = tls::translateDataSource(proto, field);
  if (!spec.ok()) return spec.status();
  auto bytes = tls::readDataSource(*spec);
  if (!bytes.ok()) return protobuf::withContext(bytes.status(), field);
  return bytes;
}

constexpr uint32_t kMinChunk = 4096;
constexpr uint32_t kMaxChunk = 65536;

absl::StatusOr<std::shared_ptr<const CompressorFactory>> gzipCompressor(const gzip_c::Gzip& p,
                                                                        std::string_view f) {
  GzipCompressorConfig c;
  auto memory =
      bounded(p.has_memory_level(), p.memory_level(), 5, 1, 9, fmt::format("{}.memory_level", f));
  if (!memory.ok()) return memory.status();
  c.memory_level = static_cast<int>(*memory);
  auto window =
      bounded(p.has_window_bits(), p.window_bits(), 12, 9, 15, fmt::format("{}.window_bits", f));
  if (!window.ok()) return window.status();
  c.window_bits = static_cast<int>(*window);
  auto chunk = bounded(p.has_chunk_size(), p.chunk_size(), kMinChunk, kMinChunk, kMaxChunk,
                       fmt::format("{}.chunk_size", f));
  if (!chunk.ok()) return chunk.status();
  c.chunk_size = *chunk;
  const int level = static_cast<int>(p.compression_level());
  if (level < 0 || level > 9)
    return invalid(fmt::format("{}.compression_level", f), "unknown value");
  c.level = level == gzip_c::Gzip::DEFAULT_COMPRESSION ? Z_DEFAULT_COMPRESSION : level;
  switch (p.compression_strategy()) {
    case gzip_c::Gzip::DEFAULT_STRATEGY:
      c.strategy = Z_DEFAULT_STRATEGY;
      break;
    case gzip_c::Gzip::FILTERED:
      c.strategy = Z_FILTERED;
      break;
    case gzip_c::Gzip::HUFFMAN_ONLY:
      c.strategy = Z_HUFFMAN_ONLY;
      break;
    case gzip_c::Gzip::RLE:
      c.strategy = Z_RLE;
      break;
    case gzip_c::Gzip::FIXED:
      c.strategy = Z_FIXED;
      break;
    default:
      return invalid(fmt::format("{}.compression_strategy", f), "unknown value");
  }
  return std::shared_ptr<const CompressorFactory>(makeGzipCompressorFactory(c));
}

absl::StatusOr<std::shared_ptr<const CompressorFactory>> brotliCompressor(const brotli_c::Brotli& p,
                                                                          std::string_view f) {
  BrotliCompressorConfig c;
  auto quality = bounded(p.has_quality(), p.quality(), 3, 0, 11, fmt::format("{}.quality", f));
  if (!quality.ok()) return quality.status();
  c.quality = *quality;
  auto window =
      bounded(p.has_window_bits(), p.window_bits(), 18, 10, 24, fmt::format("{}.window_bits", f));
  if (!window.ok()) return window.status();
  c.window_bits = *window;
  auto block = bounded(p.has_input_block_bits(), p.input_block_bits(), 24, 16, 24,
                       fmt::format("{}.input_block_bits", f));
  if (!block.ok()) return block.status();
  c.input_block_bits = *block;
  auto chunk = bounded(p.has_chunk_size(), p.chunk_size(), kMinChunk, kMinChunk, kMaxChunk,
                       fmt::format("{}.chunk_size", f));
  if (!chunk.ok()) return chunk.status();
  c.chunk_size = *chunk;
  switch (p.encoder_mode()) {
    case brotli_c::Brotli::DEFAULT:
    case brotli_c::Brotli::GENERIC:
      c.mode = BROTLI_MODE_GENERIC;
      break;
    case brotli_c::Brotli::TEXT:
      c.mode = BROTLI_MODE_TEXT;
      break;
    case brotli_c::Brotli::FONT:
      c.mode = BROTLI_MODE_FONT;
      break;
    default:
      return invalid(fmt::format("{}.encoder_mode", f), "unknown value");
  }
  c.disable_literal_context_modeling = p.disable_literal_context_modeling();
  return std::shared_ptr<const CompressorFactory>(makeBrotliCompressorFactory(c));
}

absl::StatusOr<std::shared_ptr<const CompressorFactory>> zstdCompressor(const zstd_c::Zstd& p,
                                                                        std::string_view f) {
  ZstdCompressorConfig c;
  // 0 and unset: libzstd's default level; above its maximum libzstd uses the maximum.
  c.level = p.has_compression_level() ? static_cast<int>(p.compression_level().value()) : 3;
  if (c.level == 0) c.level = 3;
  c.enable_checksum = p.enable_checksum();
  const int strategy = static_cast<int>(p.strategy());
  if (strategy < zstd_c::Zstd::DEFAULT || strategy > zstd_c::Zstd::BTULTRA2) {
    return invalid(fmt::format("{}.strategy", f), "unknown value");
  }
  c.strategy = strategy;  // DEFAULT (0) .. BTULTRA2 (9) are ZSTD_strategy's values
  if (p.has_dictionary()) {
    auto d = readDataSource(p.dictionary(), fmt::format("{}.dictionary", f));
    if (!d.ok()) return d.status();
    c.dictionary = std::move(*d);
  }
  auto chunk = bounded(p.has_chunk_size(), p.chunk_size(), kMinChunk, kMinChunk, kMaxChunk,
                       fmt::format("{}.chunk_size", f));
  if (!chunk.ok()) return chunk.status();
  c.chunk_size = *chunk;
  auto factory = makeZstdCompressorFactory(c);
  if (!factory.ok()) return protobuf::withContext(factory.status(), f);
  return std::shared_ptr<const CompressorFactory>(std::move(*factory));
}

}  // namespace

absl::StatusOr<std::shared_ptr<const CompressorFactory>> translateCompressorLibrary(
    const envoy::config::core::v3::TypedExtensionConfig& proto, std::string_view field) {
  const google::protobuf::Any& any = proto.typed_config();
  const std::string url = protobuf::extensionTypeUrl(any);
  if (url == typeUrl<gzip_c::Gzip>()) {
    auto p = unpack<gzip_c::Gzip>(any, field);
    if (!p.ok()) return p.status();
    return gzipCompressor(*p, field);
  }
  if (url == typeUrl<brotli_c::Brotli>()) {
    auto p = unpack<brotli_c::Brotli>(any, field);
    if (!p.ok()) return p.status();
    return brotliCompressor(*p, field);
  }
  if (url == typeUrl<zstd_c::Zstd>()) {
    auto p = unpack<zstd_c::Zstd>(any, field);
    if (!p.ok()) return p.status();
    return zstdCompressor(*p, field);
  }
  if (!proto.has_typed_config()) return invalid(field, "typed_config is required");
  return protobuf::withContext(protobuf::unsupportedExtension(proto.name(), any), field);
}

absl::StatusOr<std::shared_ptr<const DecompressorFactory>> translateDecompressorLibrary(
    const envoy::config::core::v3::TypedExtensionConfig& proto, std::string_view field) {
  const google::protobuf::Any& any = proto.typed_config();
  const std::string url = protobuf::extensionTypeUrl(any);
  auto chunkOf = [&](bool has, const google::protobuf::UInt32Value& v) {
    return bounded(has, v, kMinChunk, kMinChunk, kMaxChunk, fmt::format("{}.chunk_size", field));
  };
  if (url == typeUrl<gzip_d::Gzip>()) {
    auto p = unpack<gzip_d::Gzip>(any, field);
    if (!p.ok()) return p.status();
    GzipDecompressorConfig c;
    auto window = bounded(p->has_window_bits(), p->window_bits(), 15, 9, 15,
                          fmt::format("{}.window_bits", field));
    if (!window.ok()) return window.status();
    c.window_bits = static_cast<int>(*window);
    auto chunk = chunkOf(p->has_chunk_size(), p->chunk_size());
    if (!chunk.ok()) return chunk.status();
    c.chunk_size = *chunk;
    auto ratio = bounded(p->has_max_inflate_ratio(), p->max_inflate_ratio(), 100, 1, 1032,
                         fmt::format("{}.max_inflate_ratio", field));
    if (!ratio.ok()) return ratio.status();
    c.max_inflate_ratio = *ratio;
    return std::shared_ptr<const DecompressorFactory>(makeGzipDecompressorFactory(c));
  }
  if (url == typeUrl<brotli_d::Brotli>()) {
    auto p = unpack<brotli_d::Brotli>(any, field);
    if (!p.ok()) return p.status();
    BrotliDecompressorConfig c;
    c.disable_ring_buffer_reallocation = p->disable_ring_buffer_reallocation();
    auto chunk = chunkOf(p->has_chunk_size(), p->chunk_size());
    if (!chunk.ok()) return chunk.status();
    c.chunk_size = *chunk;
    return std::shared_ptr<const DecompressorFactory>(makeBrotliDecompressorFactory(c));
  }
  if (url == typeUrl<zstd_d::Zstd>()) {
    auto p = unpack<zstd_d::Zstd>(any, field);
    if (!p.ok()) return p.status();
    ZstdDecompressorConfig c;
    for (int i = 0; i < p->dictionaries_size(); ++i) {
      auto d = readDataSource(p->dictionaries(i), fmt::format("{}.dictionaries[{}]", field, i));
      if (!d.ok()) return d.status();
      c.dictionaries.push_back(std::move(*d));
    }
    auto chunk = chunkOf(p->has_chunk_size(), p->chunk_size());
    if (!chunk.ok()) return chunk.status();
    c.chunk_size = *chunk;
    auto factory = makeZstdDecompressorFactory(c);
    if (!factory.ok()) return protobuf::withContext(factory.status(), field);
    return std::shared_ptr<const DecompressorFactory>(std::move(*factory));
  }
  if (!proto.has_typed_config()) return invalid(field, "typed_config is required");
  return protobuf::withContext(protobuf::unsupportedExtension(proto.name(), any), field);
}

}  // namespace meshproxy::filters::compression
