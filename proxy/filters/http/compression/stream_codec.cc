#include "proxy/filters/http/compression/stream_codec.h"

#include <vector>

namespace meshproxy::filters::compression {

char* scratchChunk(size_t size) {
  thread_local std::vector<char> scratch;
  if (scratch.size() < size) scratch.resize(size);
  return scratch.data();
}

}  // namespace meshproxy::filters::compression
