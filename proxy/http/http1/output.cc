#include "proxy/http/http1/output.h"

namespace meshproxy::http::http1 {

void ConnectionOutput::write(Buffer& data) { connection_.write(data, false); }

void ConnectionOutput::readDisable(bool disable) { connection_.readDisable(disable); }

void ConnectionOutput::close(network::CloseType type) { connection_.close(type); }

bool ConnectionOutput::aboveWriteBufferHighWatermark() const {
  return connection_.aboveWriteHighWatermark();
}

}  // namespace meshproxy::http::http1
