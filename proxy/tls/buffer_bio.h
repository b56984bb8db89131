#pragma once

#include <openssl/bio.h>

#include "proxy/core/buffer.h"

namespace meshproxy::tls {

// A memory BIO over a connection's own ciphertext queues: OpenSSL reads records from `in`
// and appends what it sends to `out`. It never touches a file descriptor and never blocks:
// an empty `in` is "retry read", and `out` takes everything (the Connection's watermarks
// bound it). Reading straight from the connection's slices saves the copy into a BIO_s_mem.
struct BufferBioTarget {
  Buffer* in = nullptr;
  Buffer* out = nullptr;
};

// A new BIO reading and writing through `target`, which must outlive it.
BIO* newBufferBio(BufferBioTarget* target);

}  // namespace meshproxy::tls
