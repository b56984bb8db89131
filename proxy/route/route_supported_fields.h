#pragma once

#include "proxy/protobuf/supported_fields.h"

namespace meshproxy::route {

// The RouteConfiguration fields meshproxy implements; anything else set is a config error
// that names the field.
const protobuf::SupportedFields& routeConfigurationFields();

}  // namespace meshproxy::route
