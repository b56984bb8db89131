#pragma once

#include "proxy/protobuf/supported_fields.h"

namespace meshproxy::protobuf {

// Message types shared by several resources (addresses, localities).
const SupportedFields& commonSupportedFields();

}  // namespace meshproxy::protobuf
