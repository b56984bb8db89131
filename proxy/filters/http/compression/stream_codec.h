#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "proxy/core/buffer.h"

// Streaming compression for the compressor and decompressor filters, over Buffer. Each stream
// gets its own compressor or decompressor from a factory made once at config time. Nothing
// holds a whole body: every call turns the bytes it is given into output at once, in pieces of
// the configured chunk_size, so memory per stream is the library's window and state plus one
// call's output.
namespace meshproxy::filters::compression {

class StreamCompressor {
 public:
  virtual ~StreamCompressor() = default;
  // Replaces `data` by its compressed form. Without end_stream the compressor flushes (what was
  // sent so far decodes at once: a streamed response reaches the client as it is produced);
  // with end_stream it finishes the stream (trailer, checksum). `data` may be empty (trailers
  // end the stream: finish with an empty buffer).
  virtual void compress(Buffer& data, bool end_stream) = 0;
};

class StreamDecompressor {
 public:
  virtual ~StreamDecompressor() = default;
  // Drains `input` and appends what it decodes to to `output`. False when the input is corrupt
  // or inflates beyond the configured ratio: the stream cannot go on (reset it); what decoded
  // before the error is in `output`.
  virtual bool decompress(Buffer& input, Buffer& output) = 0;
};

class CompressorFactory {
 public:
  virtual ~CompressorFactory() = default;
  virtual std::unique_ptr<StreamCompressor> create() const = 0;
  // The content-coding name ("gzip", "br", "zstd").
  virtual std::string_view contentEncoding() const = 0;
  // Envoy's stats prefix of the library ("gzip.", "brotli.", "zstd.").
  virtual std::string_view statsPrefix() const = 0;
};

class DecompressorFactory {
 public:
  virtual ~DecompressorFactory() = default;
  virtual std::unique_ptr<StreamDecompressor> create() const = 0;
  virtual std::string_view contentEncoding() const = 0;
  virtual std::string_view statsPrefix() const = 0;
};

// The most a brotli or zstd body may inflate: output bytes per input byte, over the stream so
// far (gzip's is the configurable max_inflate_ratio, whose default this is). Envoy's brotli
// decompressor has the same fixed bound.
inline constexpr uint64_t kMaxInflateRatio = 100;

// A scratch output chunk of `size` bytes (at most 64 KiB) for the calling thread: the codecs
// write each piece of output there before appending it to a Buffer, so a stream owns no
// output memory between calls.
char* scratchChunk(size_t size);

}  // namespace meshproxy::filters::compression
