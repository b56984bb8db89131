#include "proxy/filters/http/router/retained_request.h"

#include "proxy/upstream/upstream_request.h"

namespace meshproxy::filters::router {

namespace {
void appendCopy(const Buffer& from, Buffer& to) {
  from.forEachSlice([&to](std::string_view slice) { to.add(slice); });
}
}  // namespace

void RetainedRequest::addBody(const Buffer& data) {
  if (!enabled_ || overflowed_) return;
  if (body_.length() + data.length() > limit_) {
    overflowed_ = true;
    body_.clear();
    return;
  }
  appendCopy(data, body_);
}

void RetainedRequest::replay(UpstreamRequest& attempt, upstream::ConnPool& pool,
                             const http::HeaderMap& headers) const {
  bool body_ends = complete_ && trailers_ == nullptr;
  attempt.start(pool, headers, body_ends && body_.empty());
  if (!body_.empty()) {
    Buffer copy;
    appendCopy(body_, copy);
    attempt.encodeData(copy, body_ends);
  }
  if (trailers_ != nullptr) attempt.encodeTrailers(*trailers_);
}

}  // namespace meshproxy::filters::router
