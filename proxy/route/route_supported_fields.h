#pragma once

#include "proxy/config/supported_fields.h"

namespace meshproxy::router {

// The RouteConfiguration fields meshproxy implements; anything else set is a config error
// that names the field.
const config::SupportedFields& routeConfigurationFields();

}  // namespace meshproxy::router
