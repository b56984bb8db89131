#include "proxy/tls/buffer_bio.h"

#include <algorithm>

namespace meshproxy::tls {
namespace {

BufferBioTarget* targetOf(BIO* bio) { return static_cast<BufferBioTarget*>(BIO_get_data(bio)); }

int bioRead(BIO* bio, char* out, int len) {
  BIO_clear_retry_flags(bio);
  Buffer* in = targetOf(bio)->in;
  if (in->empty()) {
    BIO_set_retry_read(bio);
    return -1;
  }
  size_t n = std::min(static_cast<size_t>(len), in->length());
  in->copyOut(0, n, out);
  in->drain(n);
  return static_cast<int>(n);
}

int bioWrite(BIO* bio, const char* data, int len) {
  BIO_clear_retry_flags(bio);
  targetOf(bio)->out->add(data, static_cast<size_t>(len));
  return len;
}

long bioCtrl(BIO* bio, int cmd, long, void*) {
  switch (cmd) {
    case BIO_CTRL_FLUSH:
      return 1;  // the Connection flushes at the end of the loop phase
    case BIO_CTRL_PENDING:
      return static_cast<long>(targetOf(bio)->in->length());
    case BIO_CTRL_WPENDING:
      return 0;
    default:
      return 0;
  }
}

int bioCreate(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

const BIO_METHOD* method() {
  static BIO_METHOD* m = [] {
    BIO_METHOD* meth = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "meshproxy_buffer");
    BIO_meth_set_read(meth, bioRead);
    BIO_meth_set_write(meth, bioWrite);
    BIO_meth_set_ctrl(meth, bioCtrl);
    BIO_meth_set_create(meth, bioCreate);
    return meth;
  }();
  return m;
}

}  // namespace

BIO* newBufferBio(BufferBioTarget* target) {
  BIO* bio = BIO_new(method());
  if (bio != nullptr) BIO_set_data(bio, target);
  return bio;
}

}  // namespace meshproxy::tls
