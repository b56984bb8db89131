#pragma once

#include "proxy/config/supported_fields.h"

namespace meshproxy::config {

// Message types shared by several resources (addresses, localities).
const SupportedFields& commonSupportedFields();

}  // namespace meshproxy::config
