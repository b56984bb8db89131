#include "proxy/protobuf/common_supported_fields.h"

namespace meshproxy::protobuf {

const SupportedFields& commonSupportedFields() {
  static const SupportedFields fields = {
      {"envoy.config.core.v3.Address", {"socket_address", "pipe"}},
      {"envoy.config.core.v3.Pipe", {"path", "mode"}},
      {"envoy.config.core.v3.SocketAddress", {"address", "port_value", "protocol"}},
      {"envoy.config.core.v3.Locality", {"region", "zone", "sub_zone"}},
  };
  return fields;
}

}  // namespace meshproxy::protobuf
